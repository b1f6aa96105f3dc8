/* --no-private: which addresses an untrusted URL list must not reach.
 * Pure: judged on the address a connection is about to use, after DNS,
 * so that a name (or a redirect) cannot smuggle its way to one. */
#ifndef SCRAPE_NETGUARD_H
#define SCRAPE_NETGUARD_H

#include <stdbool.h>
#include <sys/socket.h>

/* True for loopback, private (RFC 1918, CGNAT 100.64/10), link-local
 * (169.254/16 with the cloud metadata address, fe80::/10), unique-local
 * (fc00::/7), unspecified, multicast, broadcast and reserved addresses,
 * and IPv6 forms that embed such an IPv4 address. */
bool netguard_is_private(const struct sockaddr *sa);

/* The address as text, for the error message. */
void netguard_format(const struct sockaddr *sa, char *out, size_t len);

#endif
