#!/usr/bin/env bash
# Stops what slurm-up.sh started, by the PIDs it recorded: cancels the partition's jobs, then slurmd, slurmctld, munged.
# A daemon slurm-up.sh found already running is left alone.
set -uo pipefail
state=${OVERTUNE_SERVICES:-/run/overtune-services}
stop() {
  local f="$state/$1.pid" pid i
  pid=$(cat "$f" 2>/dev/null) || { echo "slurm-down: $1 not started by slurm-up.sh, left alone"; return 0; }
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; then
    kill -TERM "$pid"
    for i in $(seq 60); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid"
    echo "slurm-down: stopped $1 (pid $pid)"
  else
    echo "slurm-down: $1 (pid $pid) already gone"
  fi
  rm -f "$f"
}
if [ -e "$state/slurmctld.pid" ] && squeue -h -o %i 2>/dev/null | grep -q .; then
  scancel --partition=ci
  for i in $(seq 60); do squeue -h -o %i 2>/dev/null | grep -q . || break; sleep 0.5; done
  echo "slurm-down: cancelled the remaining jobs"
fi
stop slurmd
stop slurmctld
stop munged
