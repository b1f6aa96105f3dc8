/* What counts as one host, for the per-host limits and --shard (SPEC,
 * "Hosts" and "Sharding"): the key a URL's host is known by, and the
 * shard it falls in.
 *
 * The key is the host name as libcurl gives it, ASCII lower-cased (an IDN
 * name in its ASCII form, as url_parse converts it), without the
 * port, the userinfo or one trailing dot ("example.com." names the same
 * host as "example.com"; a host that is only "." keeps it).  An IPv6
 * literal keeps its brackets and drops its zone id ("[FE80::1%25eth0]" is
 * "[fe80::1]"): libcurl hands the zone id over apart from the host, and it
 * names an interface of ours, not the peer.  With HOSTKEY_DOMAIN the key
 * is the registrable domain of that name in the public suffix list, its
 * private section included as browsers read it (so "foo.github.io" is
 * its own domain); IP literals (bracketed, or a name whose last label is
 * a number, as the WHATWG URL standard reads IPv4) and names with no
 * registrable domain ("localhost", "co.uk") are their own key.
 *
 * The list is the system's (Debian's publicsuffix package) when it is
 * newer than the copy built into libpsl, else that copy.  It is loaded at
 * the first HOSTKEY_DOMAIN lookup and kept, read-only, until
 * hostkey_cleanup(); not thread-safe. */
#ifndef SCRAPE_HOSTKEY_H
#define SCRAPE_HOSTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* A buffer this size holds any key a DNS name can have (at most 255
 * bytes, RFC 1035) and any IP literal, four times over.  A longer host
 * cannot be resolved, and its key is cut to fit the buffer: still one
 * key for one host. */
#define HOSTKEY_MAX 1024

enum hostkey_mode {
	HOSTKEY_HOST,      /* the host name */
	HOSTKEY_DOMAIN     /* its registrable domain */
};

/* Write the key of u's host (u as url_parse makes it) into out, NUL-
 * terminated and cut to outlen - 1 bytes (outlen > 0).  Returns false,
 * with out empty, if u has no host. */
bool hostkey_of(CURLU *u, enum hostkey_mode mode, char *out, size_t outlen);
/* The same from the host as libcurl returns it (CURLUPART_HOST). */
bool hostkey_from_host(const char *host, enum hostkey_mode mode, char *out,
    size_t outlen);
/* FNV-1a 64 over len bytes of key. */
uint64_t hostkey_hash(const char *key, size_t len);
/* The shard, 1 to n (n > 0), the key falls in: its hash mod n, plus 1. */
unsigned long hostkey_shard(const char *key, size_t len, unsigned long n);
/* Free the public suffix list, if a lookup loaded it. */
void hostkey_cleanup(void);

#endif
