#!/usr/bin/env bash
# Optional system packages (Debian/Ubuntu, as root): a minimal TeX compiles results/paper/main.tex;
# chromium opens the listening gallery in the tests (headless). Without them the workflow still runs
# (main.tex is not compiled) and those tests skip; CI installs them to test both. The synthetic
# speech needs no system package (its espeak-ng comes with the Python package espeakng-loader).
# Other packages can be named instead: install_system_packages.sh PACKAGE... (install_slurm.sh does).
set -euo pipefail
PACKAGES=("$@")
if [ "${#PACKAGES[@]}" -eq 0 ]; then PACKAGES=(texlive-latex-base texlive-latex-recommended chromium); fi
if ! command -v apt-get >/dev/null; then
  echo "no apt-get here: install ${PACKAGES[*]} with your system's package manager" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null \
  || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null; }
echo "installed ${PACKAGES[*]}"
