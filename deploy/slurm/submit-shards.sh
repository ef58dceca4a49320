#!/bin/bash
# Queues N shard tasks and, after them, the merge and report:  deploy/slurm/submit-shards.sh N [sbatch flags...]
# With OVERTUNE_SERIES, OVERTUNE_TASK, OVERTUNE_SHARDS (and OVERTUNE_SCAN_ARGS, OVERTUNE) exported, as for shards.sbatch.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
n=${1:?usage: submit-shards.sh N [sbatch flags...]}; shift
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "submit-shards.sh: N must be a positive number of shards, got '$n'" >&2; exit 2; }
array=$(sbatch --parsable --array=0-$((n - 1)) "$@" "$here/shards.sbatch")
merge=$(sbatch --parsable --dependency=afterany:"${array%%;*}" "$@" "$here/merge.sbatch")
echo "shards: job $array (0-$((n - 1))); merge and report: job $merge once they end"
