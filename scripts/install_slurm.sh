#!/usr/bin/env bash
# SLURM and munge from the distribution (Debian/Ubuntu, as root) for tests/test_slurm_run.py, which
# starts a throwaway one-node cluster (tests/slurm_cluster.py). Installs only what is missing; the
# packages' own services are not used (nor needed: the test starts its daemons itself).
set -euo pipefail
PACKAGES=(slurm-wlm munge)
PROGRAMS=(munged slurmctld slurmd sinfo sbatch squeue srun scontrol scancel)
export PATH="$PATH:/usr/sbin:/sbin"
missing=()
for program in "${PROGRAMS[@]}"; do
  command -v "$program" >/dev/null || missing+=("$program")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "slurm and munge already installed ($(slurmctld -V))"
  exit 0
fi
bash "$(dirname "$0")/install_system_packages.sh" "${PACKAGES[@]}"
echo "slurm: $(slurmctld -V)"
