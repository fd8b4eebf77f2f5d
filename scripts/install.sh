#!/usr/bin/env bash
# Creates .venv (if missing) and installs the project with its test tools and the cluster
# executors of profiles/ (the "cluster" extra: SLURM, Kubernetes, S3 storage) into it.
# TORCH_SPEC picks the torch build: the default pins the release that CI and the docs were
# measured with; on a GPU machine set e.g. TORCH_SPEC="torch>=2.1" to keep an installed CUDA torch.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check "$TORCH_SPEC"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,cluster]"
echo "installed into $(pwd)/.venv"
