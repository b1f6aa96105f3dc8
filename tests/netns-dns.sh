#!/bin/sh
# Run scrape over names that only a DNS server knows, in a network
# namespace of its own: its /etc/resolv.conf (ip netns exec mounts
# /etc/netns/NS/resolv.conf over it) names a dnsmasq on the namespace's
# own 127.0.0.1, which answers from a hosts file
#   hN.scrape.test   127.0.0.N (N = 1..250)
#   pub.scrape.test  198.51.100.10 (a public-looking address on lo)
#   only4.scrape.test             127.0.0.77 (A only)
#   only4.scrape.test.corp.test   2001:db8::bad (AAAA only)
# and NXDOMAIN for any other name under scrape.test, AAAA empty.  The
# test server listens on every address of the namespace.
#   netns-dns.sh TESTSERVER SCRAPE NAMESERVER [SCRAPE OPTION...] <URLS
# NAMESERVER is dnsmasq's address, or "dead" for one nothing answers on.
# Each input line has PORT replaced by the test server's port.  Prints
# scrape's output, then "queries N": the queries dnsmasq answered, and an
# "asked TYPE NAME" line for each distinct one.  In the environment:
# INT_AFTER=S sends scrape SIGINT after S seconds; SEARCH=DOMAIN puts a
# search list in resolv.conf; V6=1 gives lo a global IPv6 address
# (2001:db8::1), so that AAAA is asked for too.
# Exits 77 when network namespaces or dnsmasq cannot be had.
set -eu
server=$1 scrape=$2 ns_addr=$3
shift 3
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || exit 77
ns=scrape-dns-$$
ip netns add "$ns" 2>/dev/null || exit 77
dir=$(mktemp -d)
trap 'ip netns del "$ns"; rm -rf "/etc/netns/$ns" "$dir"' EXIT
mkdir -p "/etc/netns/$ns"
if [ "$ns_addr" = dead ]; then
	echo "nameserver 127.0.0.53" >"/etc/netns/$ns/resolv.conf"
else
	echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
fi
[ -z "${SEARCH:-}" ] || echo "search $SEARCH" >>"/etc/netns/$ns/resolv.conf"
for n in $(seq 250); do echo "127.0.0.$n h$n.scrape.test"; done >"$dir/hosts"
{
	echo "198.51.100.10 pub.scrape.test"
	echo "127.0.0.77 only4.scrape.test"
	echo "2001:db8::bad only4.scrape.test.corp.test"
} >>"$dir/hosts"
cat >"$dir/urls"
ip netns exec "$ns" sh -eu -c '
	server=$1 scrape=$2 dir=$3
	shift 3
	PATH=$PATH:/usr/sbin
	ip link set lo up
	ip addr add 198.51.100.10/32 dev lo
	[ -z "${V6:-}" ] || ip addr add 2001:db8::1/128 dev lo nodad
	dnsmasq --keep-in-foreground --no-resolv --no-hosts \
		--listen-address=127.0.0.1 --bind-interfaces --user=root \
		--addn-hosts="$dir/hosts" --local=/scrape.test/ \
		--local=/corp.test/ \
		--log-queries --log-facility="$dir/dns.log" \
		--pid-file="$dir/dns.pid" 2>/dev/null &
	dns=$!
	"$server" --bind 0.0.0.0 --max-seconds 60 >"$dir/ports" &
	pid=$!
	for i in $(seq 100); do
		[ -s "$dir/ports" ] && [ -s "$dir/dns.pid" ] && break
		sleep 0.1
	done
	read -r port _rest <"$dir/ports"
	sed "s/PORT/$port/g" "$dir/urls" |
		timeout ${INT_AFTER:+-s INT} "${INT_AFTER:-60}" "$scrape" "$@" ||
		true
	kill "$pid" "$dns"
	wait "$pid" || true
	wait "$dns" || true
	echo "queries $(grep -c ": query\[" "$dir/dns.log" || true)"
	sed -n "s/.*: query\[\([A-Z]*\)\] \([^ ]*\) from .*/asked \1 \2/p" \
		"$dir/dns.log" | sort -u
	' sh "$server" "$scrape" "$dir" "$@"
