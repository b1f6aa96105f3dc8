#!/usr/bin/env bash
# Run `scrape --shard K/N` for K = 1..N on many machines with GNU parallel
# over ssh, each shard writing its own output file in a shared directory.
# Tested: tests/scale/run.sh drives exactly this script (make check-scale).
#
#   contrib/parallel-ssh.sh [-S LOGINS] [-s SCRAPE] [-j JOBLOG] [-e SSH]
#       [-p PIDDIR] N INPUT OUTDIR [-- SCRAPE-OPTIONS...]
#
#   -S LOGINS   GNU parallel's --sshlogin list, e.g. "4/m1,4/m2,4/m3"
#               (default ":", this machine); each shard is one job
#   -s SCRAPE   the scrape binary on the machines (default: scrape)
#   -j JOBLOG   the joblog (default OUTDIR/joblog); keep it between runs
#   -e SSH      the ssh command for parallel (--ssh), e.g. "ssh -F cfg"
#   -p PIDDIR   each shard writes its scrape's PID to PIDDIR/shard-K.pid
#
# INPUT and OUTDIR must be the same paths on every machine (shared
# storage: NFS, a cluster filesystem).  Shard K writes
# OUTDIR/shard-K-of-N.jsonl with --resume, so running this script again
# with the same arguments re-runs only the shards that failed (parallel
# --resume-failed reads the joblog) and each of those fetches only the
# URLs that have no final line yet.  Exit 1 of scrape ("some URL failed")
# counts as done: those URLs have their final lines, and a re-run would
# fetch nothing.  Any other non-zero exit (killed, 130 interrupted, 3
# disk full) fails the job, to be re-run.
#
# Without shared storage: stream the list over ssh instead of INPUT
# (`cat urls | parallel --pipe ...` does not fit: every shard must read
# the whole list) by giving INPUT as a path each machine has its own copy
# of, and fetch the outputs back with parallel's --return
# OUTDIR/shard-{}-of-N.jsonl --cleanup, OUTDIR then relative.
#
# The union of the N files is one line per input line; each host was
# fetched by exactly one machine, so --per-host and --host-rate hold
# across them.  See README, "Many machines".
set -euo pipefail

logins=: scrape=scrape joblog= ssh= piddir=
usage() {
	sed -n '6,13p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while getopts S:s:j:e:p:h opt; do
	case $opt in
	S) logins=$OPTARG ;;
	s) scrape=$OPTARG ;;
	j) joblog=$OPTARG ;;
	e) ssh=$OPTARG ;;
	p) piddir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 3 ] || usage
n=$1 input=$2 outdir=$3
shift 3
[ "${1-}" != -- ] || shift
case $n in ''|*[!0-9]*|0) echo "parallel-ssh.sh: N must be >= 1" >&2; exit 2 ;; esac
: "${joblog:=$outdir/joblog}"
mkdir -p "$outdir"

# The command each job runs on its machine, {} the shard number.  Every
# word is quoted for the remote shell; the PID file is written by the
# shell that then becomes scrape (exec keeps the PID).
q() { printf '%q ' "$@"; }
out="$outdir/shard-{}-of-$n.jsonl"
cmd=$(q "$scrape" --shard "{}/$n" --resume "$out" -q "$@" "$input")
cmd=${cmd//\\\{\\\}/\{\}}        # %q escapes the braces; parallel wants {}
if [ -n "$piddir" ]; then
	cmd="sh -c 'echo \$\$ >\"\$0\"; exec \"\$@\"' $(printf %q "$piddir")/shard-{}.pid $cmd"
fi
cmd="$cmd; rc=\$?; [ \$rc -ne 1 ] || rc=0; exit \$rc"

popts=(--will-cite --sshlogin "$logins" --joblog "$joblog" --resume-failed
	--tag --line-buffer)
[ -z "$ssh" ] || popts+=(--ssh "$ssh")
seq 1 "$n" | parallel "${popts[@]}" "$cmd"
