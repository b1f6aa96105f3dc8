#!/bin/sh
# Scan the valgrind logs `make check-valgrind` left in DIR (vg.PID.log,
# one per process run under tests/soak/valgrind-scrape). Prints a count
# and every log that reports a memcheck error (ERROR SUMMARY: N > 0,
# which with --errors-for-leak-kinds=definite,indirect includes those
# leaks) or a definite/indirect leak; exit 1 if there is any, or if there
# is no log at all (the wrapper never ran). Logs without an ERROR SUMMARY
# are from processes killed with SIGKILL (some tests do that on purpose,
# the harness does it past a timeout): listed, and failed only if they
# logged an error before they were killed.
#
# usage: valgrind-check.sh DIR
set -u
dir=${1:?usage: valgrind-check.sh DIR}

# The first line of each memcheck error report.
headlines='^==[0-9]+== (Invalid (read|write|free|alignment|size)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function .* has a fishy|Jump to the invalid address|Process terminating)'

total=0 clean=0 killed=0 bad=0 native=0
badlist='' killedlist='' nativelist=''
for f in "$dir"/vg.*.log; do
	[ -f "$f" ] || continue
	case $f in
	*.native.log)
		native=$((native + 1)); nativelist="$nativelist $f"; continue;;
	esac
	total=$((total + 1))
	if ! grep -q 'ERROR SUMMARY:' "$f"; then
		killed=$((killed + 1))
		killedlist="$killedlist $f"
		# Errors are logged as they happen: look for their headlines.
		if grep -Eq "$headlines" "$f"; then
			bad=$((bad + 1))
			badlist="$badlist $f"
		fi
	elif grep -Eq 'ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' "$f"
	then
		bad=$((bad + 1))
		badlist="$badlist $f"
	else
		clean=$((clean + 1))
	fi
done

# The program of each valgrind log (its "Command:" line, arguments
# dropped; native logs have no ==PID== prefix and are left out).
cmd() {
	sed -n 's/^==[0-9]*== Command: \([^ ]*\).*/\1/p' "$@" | sed 's|.*/||'
}

echo "valgrind: $total processes ran under valgrind:" \
	"$clean clean, $bad with errors, $killed killed before the end" \
	"(no ERROR SUMMARY; tests kill some on purpose)"
if [ "$total" -gt 0 ]; then
	cmd "$dir"/vg.*.log | sort | uniq -c | sed 's/^/  ran: /'
fi
if [ -n "$killedlist" ]; then
	# shellcheck disable=SC2086
	sed -n 's/^==[0-9]*== Command: //p' $killedlist | sort | uniq -c |
	    sed 's/^/  killed: /'
fi
if [ "$native" -gt 0 ]; then
	echo "valgrind: $native processes ran natively (see valgrind-scrape," \
	    "VALGRIND_NATIVE_NOFILE):"
	for f in $nativelist; do
		printf '  native: %s: %s\n' "$(head -1 "$f")" \
		    "$(sed -n 's/^Command: //p' "$f")"
	done
fi
for f in $badlist; do
	echo "==================== $f"
	cat "$f"
done
if [ "$total" -eq 0 ]; then
	echo "valgrind: FAIL: no logs in $dir (did the suite run scrape?)"
	exit 1
fi
if [ "$bad" -gt 0 ]; then
	echo "valgrind: FAIL: $bad processes with memcheck errors (logs above)"
	exit 1
fi
echo "valgrind: PASS"
