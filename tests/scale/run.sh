#!/usr/bin/env bash
# The scale-out test (issue 11): several machines, played by sshd
# instances on loopback ports, run the shards of one URL list through
# contrib/parallel-ssh.sh (GNU parallel over ssh) against the test server
# with many hosts.  One machine's scrape is killed with SIGKILL mid-run;
# its shard is re-run through parallel --resume-failed and scrape
# --resume.  Asserted: the union of the outputs is exactly one line per
# input line; no host was fetched by two shards; --per-host held across
# machines (the server's per-host max_inflight).  Reported, not asserted:
# the throughput with 1, 2 and 3 shards.
#
#   tests/scale/run.sh BUILDDIR SRCDIR      (make check-scale)
#
# Needs root (sshd runs as root with its own config, host keys and an
# authorized key made here, under a temporary directory), sshd, ssh,
# ssh-keygen, GNU parallel and python3; skips (exit 77) without them.
# Everything listens on 127.0.0.1 only; every process started here is
# stopped by its PID on exit.
set -euo pipefail

build=${1:-.} src=${2:-.}
build=$(cd "$build" && pwd) src=$(cd "$src" && pwd)
scrape=$build/src/scrape testserver=$build/tests/testserver
recipe=$src/contrib/parallel-ssh.sh
MACHINES=3 HOSTS=30 URLS=${SCALE_URLS:-1440} DELAY_MS=100 PER_HOST=2 CONC=16

skip() { echo "check-scale: SKIP: $*"; exit 77; }
fail() { echo "check-scale: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "not root (sshd must run as root here)"
for t in /usr/sbin/sshd ssh ssh-keygen parallel python3; do
	command -v "$t" >/dev/null ||
	    skip "$t missing (apt-get install openssh-server openssh-client parallel python3)"
done
[ -x "$scrape" ] && [ -x "$testserver" ] || fail "build first: $scrape, $testserver"

tmp=$(mktemp -d /tmp/scrape-scale.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		# Bounded: 50 ticks of 0.1 s, then SIGKILL.
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
# Wait (at most $2 s) until the command in $1 succeeds.
wait_for() {
	local deadline
	deadline=$(python3 -c "import time; print(time.time() + $2)")
	until eval "$1"; do
		python3 -c "import sys, time; sys.exit(time.time() > $deadline)" ||
		    return 1
		sleep 0.05
	done
}

# ---- The test server ----
"$testserver" --max-seconds 300 >"$tmp/server.ports" 2>"$tmp/server.err" &
pids+=($!)
wait_for '[ -s "$tmp/server.ports" ]' 10 || fail "testserver did not start"
port=$(cut -d' ' -f1 <"$tmp/server.ports")
stat() { python3 - "$port" "$@" <<'PY'
import json, sys, urllib.request
port, path = sys.argv[1], sys.argv[2]
o = urllib.request.build_opener(urllib.request.ProxyHandler({}))
print(o.open("http://127.0.0.1:%s%s" % (port, path), timeout=10).read().decode())
PY
}

# ---- The machines: sshd on loopback ports ----
ssh-keygen -q -t ed25519 -N '' -f "$tmp/client_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
mkdir -p /run/sshd      # sshd's privilege separation directory
ports=$(python3 - "$MACHINES" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
: >"$tmp/ssh_config"
m=0
for p in $ports; do
	m=$((m + 1))
	cat >"$tmp/sshd_$m.conf" <<CONF
Port $p
ListenAddress 127.0.0.1
HostKey $tmp/host_key
PidFile $tmp/sshd_$m.pid
AuthorizedKeysFile $tmp/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups 100
MaxSessions 100
CONF
	/usr/sbin/sshd -D -e -f "$tmp/sshd_$m.conf" 2>"$tmp/sshd_$m.log" &
	pids+=($!)
	cat >>"$tmp/ssh_config" <<CONF
Host m$m
	HostName 127.0.0.1
	Port $p
	User root
	IdentityFile $tmp/client_key
	IdentitiesOnly yes
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
CONF
done
ssh_cmd="ssh -F $tmp/ssh_config"
for m in $(seq "$MACHINES"); do
	wait_for "$ssh_cmd m$m true 2>/dev/null" 10 ||
	    fail "sshd m$m does not answer: $(cat "$tmp/sshd_$m.log")"
done

# ---- The list: URLS URLs over HOSTS hosts, interleaved ----
python3 - "$port" "$HOSTS" "$URLS" "$DELAY_MS" >"$tmp/urls" <<'PY'
import sys
port, hosts, urls, delay = map(int, sys.argv[1:])
for i in range(urls):
    print("http://s%d.localhost:%d/delay/%d/%d" % (i % hosts, port, delay, i))
PY
printf 'not a url\nftp://s1.localhost/x\n' >>"$tmp/urls"

# Run n shards on the first n machines; prints the seconds it took.
logins() {
	local s= i
	for i in $(seq "$1"); do s=$s${s:+,}1/m$i; done
	echo "$s"
}
run_shards() {
	local n=$1 dir=$2 t0
	t0=$(now)
	bash "$recipe" -S "$(logins "$n")" -e "$ssh_cmd" -s "$scrape" \
	    -p "$dir/pid" "$n" "$tmp/urls" "$dir" -- \
	    --per-host "$PER_HOST" -c "$CONC" -r 0 >"$dir.log" 2>&1 || true
	python3 -c "print('%.2f' % ($(now) - $t0))"
}

# Checks the outputs of n shards in dir: one line per input line, each
# host in one shard's file only, the one FNV-1a names.
check_union() {
	python3 - "$tmp/urls" "$1" "$2" <<'PY'
import glob, json, sys, urllib.parse
urls, n, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
want = [l.rstrip("\n") for l in open(urls)]
def shard(host):
    h = 14695981039346656037
    for b in host.lower().encode():
        h = ((h ^ b) * 1099511628211) % 2**64
    return h % n + 1
final, owner = {}, {}
for k in range(1, n + 1):
    for line in open("%s/shard-%d-of-%d.jsonl" % (d, k, n)):
        o = json.loads(line)
        kind = (o.get("error") or {}).get("kind")
        if kind == "cancelled":
            continue
        final[o["url"]] = final.get(o["url"], 0) + 1
        if kind == "invalid_url":
            assert k == 1, "invalid line %r in shard %d" % (o["url"], k)
            continue
        host = urllib.parse.urlsplit(o["url"]).hostname
        assert owner.setdefault(host, k) == k, \
            "%s in shards %d and %d" % (host, owner[host], k)
        assert shard(host) == k, "%s in shard %d, FNV says %d" % (host, k, shard(host))
missing = [u for u in want if final.get(u, 0) != 1]
assert not missing, "%d URLs without exactly one final line, e.g. %r" % (
    len(missing), missing[:3])
assert len(final) == len(want), "stray lines"
print("%d lines, %d hosts over %d shards: %s" % (len(want), len(owner), n,
    " ".join("%d:%d" % (k, sum(1 for h in owner if owner[h] == k))
    for k in range(1, n + 1))))
PY
}

# The highest number of requests any one host had in flight at once,
# since the last /stats/reset: --per-host held across the machines if it
# is at most PER_HOST.
hostmax() {
	python3 - "$port" "$HOSTS" <<'PY'
import json, sys, urllib.request
port, hosts = sys.argv[1], int(sys.argv[2])
o = urllib.request.build_opener(urllib.request.ProxyHandler({}))
print(max(json.load(o.open("http://127.0.0.1:%s/stats/host/s%d.localhost"
    % (port, i), timeout=10))["max_inflight"] for i in range(hosts)))
PY
}
maxes=
check_per_host() {
	local m
	m=$(hostmax)
	maxes="$maxes $m"
	[ "$m" -le "$PER_HOST" ] ||
	    fail "$1: a host had $m requests in flight (--per-host $PER_HOST)"
}

# ---- Throughput with 1, 2, 3 shards ----
declare -A secs
for n in 1 2 3; do
	stat /stats/reset >/dev/null
	mkdir -p "$tmp/t$n/pid"
	secs[$n]=$(run_shards "$n" "$tmp/t$n")
	check_union "$n" "$tmp/t$n" >/dev/null || fail "throughput run, $n shards"
	check_per_host "$n shards"
done

# ---- Kill one machine's scrape, re-run its shard ----
n=3 dir=$tmp/kill
mkdir -p "$dir/pid"
stat /stats/reset >/dev/null
run_shards "$n" "$dir" >"$tmp/kill.secs" &
runner=$!
pids+=($runner)
# Shard 2 is killed once it has written some lines and has more to go.
wait_for '[ -s "$dir/pid/shard-2.pid" ] && [ "$(wc -l <"$dir/shard-2-of-3.jsonl" 2>/dev/null || echo 0)" -ge 20 ]' 30 ||
    fail "shard 2 never got going: $(cat "$dir.log")"
victim=$(cat "$dir/pid/shard-2.pid")
kill -9 "$victim"
before=$(wc -l <"$dir/shard-2-of-3.jsonl")
wait_for "! kill -0 $runner 2>/dev/null" 60 || fail "the first pass did not end"
check_per_host "the killed pass"
awk -F'\t' 'NR > 1 && $1 == 2 { print $7 }' "$dir/joblog" | grep -qv '^0$' ||
    fail "the joblog does not show shard 2 failed: $(cat "$dir/joblog")"
# The same command again: parallel --resume-failed re-runs shard 2 only,
# and scrape --resume fetches only what has no final line.
stat /stats/reset >/dev/null
resume_secs=$(run_shards "$n" "$dir")
runs=$(awk -F'\t' 'NR > 1 { c[$1]++ } END { printf "%d %d %d", c[1], c[2], c[3] }' "$dir/joblog")
[ "$runs" = "1 2 1" ] || fail "runs per shard in the joblog: $runs (want 1 2 1)"
refetched=$(stat /stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
union=$(check_union "$n" "$dir") || fail "after the kill and resume"
after=$(wc -l <"$dir/shard-2-of-3.jsonl")

check_per_host "the resumed pass"
# Each URL without a final line was fetched once more (-r 0, no robots),
# and nothing else.
[ "$refetched" -eq $((after - before)) ] ||
    fail "the re-run made $refetched requests for $((after - before)) lines"

total=$(wc -l <"$tmp/urls")
echo "check-scale: $MACHINES sshd machines, $URLS URLs over $HOSTS hosts (/delay/$DELAY_MS), --per-host $PER_HOST -c $CONC per shard"
echo "check-scale: throughput (reported, not asserted):"
printf '  %-7s %8s %10s\n' shards seconds URLs/s
for n in 1 2 3; do
	printf '  %-7s %8s %10.0f\n' "$n" "${secs[$n]}" "$(python3 -c "print($total / ${secs[$n]})")"
done
echo "check-scale: kill/resume: shard 2's scrape (PID $victim) SIGKILLed with $before lines written;"
echo "  re-run through --resume-failed (joblog runs per shard: $runs) in ${resume_secs}s,"
echo "  $refetched requests on the re-run, shard 2's file $before -> $after lines; $union"
echo "check-scale: per-host max in flight per run:$maxes (<= $PER_HOST); PASS"
