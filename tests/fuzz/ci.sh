#!/usr/bin/env bash
# CI: fuzz every libFuzzer target for 30 s and print what each did.
# Run from the configured top build directory:
#
#   bash tests/fuzz/ci.sh
#
# Needs clang and libclang-rt-14-dev (Debian).  FUZZ_SECONDS and FUZZ_CC
# in the environment override the 30 s and clang.  Exits non-zero if a
# target crashed (its input is in tests/fuzz/artifacts/) or did not build.
set -uo pipefail

seconds=${FUZZ_SECONDS:-30}
cc=${FUZZ_CC:-clang}

if [ ! -f Makefile ]; then
	echo "ci.sh: run me from the configured top build directory" >&2
	exit 2
fi
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "ci.sh: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi

rm -f tests/fuzz/summary.txt
make fuzz FUZZ_SECONDS="$seconds" FUZZ_CC="$cc"
rc=$?

echo
printf '%-14s %14s %9s  %s\n' target executions seconds result
if [ -s tests/fuzz/summary.txt ]; then
	while IFS="$(printf '\t')" read -r t execs secs status; do
		printf '%-14s %14s %9s  %s\n' "fuzz_$t" "$execs" "$secs" "$status"
	done < tests/fuzz/summary.txt
else
	echo "(no target ran: see the make output above)"
fi
exit "$rc"
