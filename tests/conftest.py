"""Test-wide settings: tests never reach the network (the hub is unreachable here anyway)."""
import os
import shutil

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

# Tests that need pdflatex or chromium skip without them; CI installs them and sets these flags so
# that a missing tool fails the run instead of silently skipping those tests. (The synthetic speech
# needs no system program: its espeak-ng comes with the Python package espeakng-loader.)
for flag, program in (("TRANSFERABILITY_REQUIRE_TEX", "pdflatex"), ("TRANSFERABILITY_REQUIRE_CHROMIUM", "chromium")):
    if os.environ.get(flag) and shutil.which(program) is None:
        raise RuntimeError(f"{flag} is set but {program} is not on PATH (scripts/install_system_packages.sh installs it)")
