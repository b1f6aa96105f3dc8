#!/usr/bin/env bash
# What CI runs after the ordinary build and `make check`:
#
#   bash tests/soak/ci.sh          (from the configured top build directory)
#
# 1. make check-valgrind: the whole Check suite, every scrape process under
#    valgrind memcheck (needs valgrind, and a build without sanitizers);
# 2. make soak: SOAK_URLS URLs with ~5% faults at -c 256 against the test
#    server (needs python3). 200000, the full size, takes about 30 s on a
#    2-core machine, far within the 3 minutes CI allows; set SOAK_URLS in
#    the environment to change it.
# 3. make soak again with the host options: SOAK_HOSTS_URLS (default
#    60000) URLs over SOAK_HOSTS (default 5000) host names h<i>.localhost,
#    scrape given --per-host 4 --adaptive --breaker 20/5. With 12 URLs a
#    host no host's URLs can make the 20 failed attempts that open a
#    circuit, so every URL must still end as its class says; the report's
#    hosts array and the test server's per-host counters are checked too
#    (tests/soak/soak.py). Many hosts mean a new connection per URL, so
#    it is slower per URL than the first run: about 40 s on a 2-core
#    machine.
#
# Every part runs even if an earlier one fails; the time each took is
# printed, and the exit status is 0 only if all passed. JOBS (default 2) is
# passed to the check-valgrind run as -j.
set -uo pipefail

SOAK_URLS=${SOAK_URLS:-200000}
SOAK_HOSTS_URLS=${SOAK_HOSTS_URLS:-60000}
SOAK_HOSTS=${SOAK_HOSTS:-5000}
JOBS=${JOBS:-2}
MAKE=${MAKE:-make}

if [ ! -f Makefile ] || ! grep -q '^check-valgrind:' Makefile; then
	echo "ci.sh: run this from the configured top build directory" >&2
	exit 2
fi
missing=
command -v valgrind >/dev/null || missing="$missing valgrind"
command -v "${PYTHON3:-python3}" >/dev/null || missing="$missing python3"
if [ -n "$missing" ]; then
	echo "ci.sh: missing:$missing (apt-get install$missing)" >&2
	exit 2
fi

section() { printf '\n== %s (%s)\n' "$1" "$(date -u +%T)"; }

declare -A took result
run_part() {
	local name=$1 t0 st
	shift
	section "$name: $*"
	t0=$(date +%s.%N)
	"$@"
	st=$?
	took[$name]=$(awk -v a="$t0" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.0f", b - a }')
	if [ "$st" -eq 0 ]; then result[$name]=PASS; else result[$name]=FAIL; fi
	printf '== %s: %s in %s s\n' "$name" "${result[$name]}" "${took[$name]}"
}

run_part check-valgrind "$MAKE" -j"$JOBS" check-valgrind
# One host at one loop; many hosts at one loop (the strict descriptor
# checks) and at two (-j 2: the dealing, the shared slots, a loop's
# descriptors each).
run_part soak "$MAKE" soak SOAK_URLS="$SOAK_URLS" SOAK_FLAGS="--jobs 1"
run_part soak-hosts "$MAKE" soak SOAK_URLS="$SOAK_HOSTS_URLS" \
    SOAK_FLAGS="--jobs 1 --hosts $SOAK_HOSTS --scrape-args '--per-host 4 --adaptive --breaker 20/5'"
run_part soak-hosts-j2 "$MAKE" soak SOAK_URLS="$SOAK_HOSTS_URLS" \
    SOAK_FLAGS="--jobs 2 --hosts $SOAK_HOSTS --scrape-args '--per-host 4 --adaptive --breaker 20/5'"

section "summary"
status=0
for name in check-valgrind soak soak-hosts soak-hosts-j2; do
	printf '  %-15s %s  %4s s\n' "$name" "${result[$name]}" "${took[$name]}"
	[ "${result[$name]}" = PASS ] || status=1
done
exit $status
