"""Test-wide settings: tests never reach the network (the hub is unreachable here anyway)."""
import os
import shutil

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

# Tests that need pdflatex skip without it; CI installs it and sets this flag so that a missing tool
# fails the run instead of silently skipping those tests. (The synthetic speech needs no system
# program: its espeak-ng comes with the Python package espeakng-loader.)
if os.environ.get("TRANSFERABILITY_REQUIRE_TEX") and shutil.which("pdflatex") is None:
    raise RuntimeError("TRANSFERABILITY_REQUIRE_TEX is set but pdflatex is not on PATH "
                       "(scripts/install_system_packages.sh installs it)")
