#!/bin/bash
# A sarlab sweep as a Slurm array job: each array task runs one shard of the same grid into its own
# folder; a dependent job merges the shards and writes the report.
#
#   sbatch docs/slurm-sweep.sh                     # submits the array (16 shards)
#   # when it has finished (or as a dependent job, see the end of this file):
#   node bin/sarlab.js merge sweeps/paper/shard-* --out sweeps/paper/merged
#   node bin/sarlab.js report sweeps/paper/merged --out sweeps/paper/report
#
# A shard that was cut off (time limit, preemption) resumes where it stopped when it is submitted
# again: `sbatch --array=7 docs/slurm-sweep.sh` reruns only shard 8 of 16 (the array is 0-based).
#
#SBATCH --job-name=sarlab-sweep
#SBATCH --array=0-15
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=sweeps/paper/logs/%x-%A_%a.out
#SBATCH --signal=B:TERM@60

set -euo pipefail

SHARDS=${SLURM_ARRAY_TASK_COUNT:-16}
SHARD=$(( ${SLURM_ARRAY_TASK_ID:-0} + 1 ))
OUT=sweeps/paper
# Run from the repository (after `npm ci`); in a project that depends on sarlab, set
# SARLAB_BIN=node_modules/sarlab/bin/sarlab.js.
SARLAB_BIN=${SARLAB_BIN:-bin/sarlab.js}
mkdir -p "$OUT/logs"

# Every task must use exactly the same grid flags: the shards of one grid share its id, and
# `sarlab merge` refuses folders of different grids.
GRID=(
  --rules sar,backprop,feedback-alignment,sign-symmetry,global-error
  --learning-rates log:0.0003:1:12
  --depths 2,5,11,20 --width 10
  --seeds 1..5
  --tracks default,hard
  --steps 20000
)

# `exec` lets Slurm's TERM (sent 60 s before the time limit, see --signal) reach sarlab, which then
# finishes the runs in flight, records them and exits with code 130; the next submission resumes.
exec node "$SARLAB_BIN" sweep "${GRID[@]}" \
  --shard "$SHARD/$SHARDS" \
  --workers "${SLURM_CPUS_PER_TASK:-1}" \
  --out "$OUT/shard-$SHARD"

# To merge automatically once every task has finished, submit a second job that depends on the array:
#   jobid=$(sbatch --parsable docs/slurm-sweep.sh)
#   sbatch --dependency=afterany:$jobid --wrap \
#     "node bin/sarlab.js merge sweeps/paper/shard-* --out sweeps/paper/merged && node bin/sarlab.js report sweeps/paper/merged --out sweeps/paper/report"
