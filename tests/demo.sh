#!/bin/sh
# make demo: start the test server on 127.0.0.1, scrape urls/demo.txt
# through it, show the results with jq, stop the server.
set -eu
builddir=${1:-.}
srcdir=${2:-.}
fifo=$(mktemp -u /tmp/scrape-demo.XXXXXX)
mkfifo "$fifo"
"$builddir/tests/testserver" --max-seconds 60 >"$fifo" &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$fifo"' EXIT
read -r port _raw <"$fifo"
sed "s/{PORT}/$port/g" "$srcdir/urls/demo.txt" |
	"$builddir/src/scrape" -c 8 -r 2 --retry-delay 0.2 -t 5 |
	jq -c '{url, ok, status, attempts, ms: .elapsed_ms, kind: .error.kind}'
