#!/bin/sh
# Run one URL through scrape in a network namespace of its own, where the
# test server stands as a public-looking host (198.51.100.10, on the
# namespace's loopback device: nothing leaves it) whose /to-raw/ok
# redirects to 127.0.0.1.  Prints scrape's one result line.
#   netns-redirect.sh TESTSERVER SCRAPE [SCRAPE OPTION...]
# Exits 77 when network namespaces cannot be made (not root).
set -eu
server=$1 scrape=$2
shift 2
ns=scrape-test-$$
ip netns add "$ns" 2>/dev/null || exit 77
trap 'ip netns del "$ns"' EXIT
ip netns exec "$ns" sh -eu -c '
	server=$1 scrape=$2
	shift 2
	ip link set lo up
	ip addr add 198.51.100.10/32 dev lo
	ports=$(mktemp)
	"$server" --bind 198.51.100.10 --max-seconds 30 >"$ports" &
	pid=$!
	for i in $(seq 100); do [ -s "$ports" ] && break; sleep 0.1; done
	read -r port _rest <"$ports"
	rm -f "$ports"
	echo "http://198.51.100.10:$port/to-raw/ok" |
		timeout 20 "$scrape" -q -r 0 "$@" || true
	kill "$pid"
	wait "$pid" || true' sh "$server" "$scrape" "$@"
