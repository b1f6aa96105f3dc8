#!/bin/bash
# DOCUMENTATION ONLY: not run by any test here (there is no Slurm in CI).
#
# A Slurm job array running `scrape --shard K/N`, one task per shard:
#
#   sbatch --array=1-16 contrib/slurm-array.sh urls.txt /shared/out
#
# SLURM_ARRAY_TASK_ID is the shard K (the array is 1-based, as shards
# are) and SLURM_ARRAY_TASK_COUNT is N.  Each task writes
# OUTDIR/shard-K-of-N.jsonl with --resume: to re-run the tasks that
# failed, submit only their ids with the same N, e.g.
#
#   sbatch --array=3,7 --export=ALL,SHARDS=16 contrib/slurm-array.sh urls.txt /shared/out
#
# and each fetches only the URLs that have no final line yet.  The input
# and OUTDIR must be on storage every node sees.
#SBATCH --job-name=scrape
#SBATCH --cpus-per-task=2
#SBATCH --time=12:00:00
#SBATCH --output=scrape-%A_%a.log
set -euo pipefail

input=$1 outdir=$2
k=${SLURM_ARRAY_TASK_ID:?run under sbatch --array}
# N is fixed for the whole run: a re-run of a few ids must keep it.
n=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:?set SHARDS}}
mkdir -p "$outdir"
rc=0
scrape --shard "$k/$n" --resume "$outdir/shard-$k-of-$n.jsonl" -q \
	--per-host 4 "$input" || rc=$?
# 1: some URL failed, its line is written: the task is done.
[ "$rc" -le 1 ] || exit "$rc"
