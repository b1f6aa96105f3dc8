#include "netguard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* a.b.c.d/bits as a host-order address and prefix length. */
struct range4 {
	uint32_t net;
	int bits;
};

#define IP4(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static const struct range4 blocked4[] = {
	{ IP4(0, 0, 0, 0), 8 },         /* "this network", unspecified */
	{ IP4(10, 0, 0, 0), 8 },        /* private */
	{ IP4(100, 64, 0, 0), 10 },     /* carrier-grade NAT */
	{ IP4(127, 0, 0, 0), 8 },       /* loopback */
	{ IP4(169, 254, 0, 0), 16 },    /* link-local, cloud metadata */
	{ IP4(172, 16, 0, 0), 12 },     /* private */
	{ IP4(192, 0, 0, 0), 24 },      /* IETF protocol assignments */
	{ IP4(192, 168, 0, 0), 16 },    /* private */
	{ IP4(198, 18, 0, 0), 15 },     /* benchmarking */
	{ IP4(224, 0, 0, 0), 4 },       /* multicast */
	{ IP4(240, 0, 0, 0), 4 },       /* reserved, broadcast */
};

static bool
ipv4_is_private(uint32_t addr)
{
	for (size_t i = 0; i < sizeof blocked4 / sizeof blocked4[0]; i++) {
		uint32_t mask = 0xffffffffu << (32 - blocked4[i].bits);

		if ((addr & mask) == blocked4[i].net)
			return true;
	}
	return false;
}

static uint32_t
ipv4_at(const uint8_t *p)
{
	return IP4(p[0], p[1], p[2], p[3]);
}

static bool
ipv6_is_private(const uint8_t *a)
{
	static const uint8_t zero[16];
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return true;                          /* :: and ::1 */
	if (memcmp(a, v4mapped, 12) == 0)             /* ::ffff:a.b.c.d */
		return ipv4_is_private(ipv4_at(a + 12));
	if (memcmp(a, zero, 12) == 0)                 /* ::a.b.c.d */
		return true;
	if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b)
		return ipv4_is_private(ipv4_at(a + 12)); /* 64:ff9b::/96 NAT64 */
	if (a[0] == 0x20 && a[1] == 0x02)             /* 6to4 2002:a.b.c.d:: */
		return ipv4_is_private(ipv4_at(a + 2));
	if ((a[0] & 0xfe) == 0xfc)                    /* fc00::/7 unique-local */
		return true;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)    /* fe80::/10 link-local */
		return true;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)    /* fec0::/10 site-local */
		return true;
	if (a[0] == 0xff)                             /* multicast */
		return true;
	return false;
}

bool
netguard_is_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return ipv4_is_private(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		return ipv6_is_private(in6->sin6_addr.s6_addr);
	}
	/* Unix sockets and anything else are not the open internet. */
	return true;
}

void
netguard_format(const struct sockaddr *sa, char *out, size_t len)
{
	const void *addr = NULL;

	if (sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (addr == NULL || inet_ntop(sa->sa_family, addr, out,
	    (socklen_t)len) == NULL)
		snprintf(out, len, "(address family %d)", sa->sa_family);
}
