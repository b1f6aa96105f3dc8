#!/bin/sh
# Run the libFuzzer targets built by `make fuzz` (see fuzz.am), from the
# top build directory:
#
#   run.sh fuzz SECONDS SRCDIR TARGET...   fuzz each for SECONDS
#   run.sh regress 0 SRCDIR TARGET...      run each once over its corpus
#
# New inputs go to a scratch directory (tests/fuzz/scratch/TARGET, emptied
# first), never into the committed corpus SRCDIR/tests/fuzz/corpus/TARGET,
# which is only read.  Crash inputs go to tests/fuzz/artifacts/, full logs
# to tests/fuzz/logs/, and one line per target (target, executions,
# seconds, ok or CRASH) to tests/fuzz/summary.txt.  Every target runs even
# when one crashes; the exit status is 1 if any did.
set -u

mode=$1
seconds=$2
srcdir=$3
shift 3

dir=tests/fuzz
summary=$dir/summary.txt
case $mode in
fuzz) limit="-max_total_time=$seconds" ;;
regress) limit="-runs=0" ;;
*) echo "run.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac

UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

mkdir -p "$dir/logs" "$dir/artifacts" "$dir/scratch" || exit 2
: > "$summary"
failed=

for t in "$@"; do
	bin=$dir/fuzz_$t
	corpus=$srcdir/tests/fuzz/corpus/$t
	scratch=$dir/scratch/$t
	log=$dir/logs/$t.log

	rm -rf "$scratch"
	mkdir -p "$scratch" || exit 2
	start=$(date +%s.%N)
	"$bin" $limit -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$dir/artifacts/$t-" "$scratch" "$corpus" \
	    > "$log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	[ -n "$execs" ] || execs=0
	if [ "$rc" -eq 0 ]; then
		status=ok
	else
		status=CRASH
		failed="$failed $t"
		echo "---- fuzz_$t crashed (exit $rc); the end of $log:"
		tail -n 60 "$log"
		echo "----"
	fi
	printf '%s\t%s\t%s\t%s\n' "$t" "$execs" "$secs" "$status" >> "$summary"
	printf 'fuzz_%s: %s executions in %s s: %s\n' "$t" "$execs" "$secs" \
	    "$status"
done

if [ -n "$failed" ]; then
	echo "fuzz: crashed:$failed (inputs in $dir/artifacts/, logs in $dir/logs/)"
	exit 1
fi
exit 0
