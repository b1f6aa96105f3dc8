#include "hostkey.h"

#include <string.h>

#include <libpsl.h>

/* FNV-1a 64 (SPEC, "Sharding"). */
#define HOSTKEY_FNV_BASIS	14695981039346656037ULL
#define HOSTKEY_FNV_PRIME	1099511628211ULL

/* The public suffix list, loaded once: it is read-only, and loading it
 * means reading a file. */
static psl_ctx_t *hostkey_psl;
static bool hostkey_psl_loaded;

/* psl_latest picks the newer of the system's list and libpsl's built-in
 * copy; it gives NULL only where libpsl has neither, and then no name has
 * a registrable domain (psl_registrable_domain says NULL for every one). */
static const psl_ctx_t *
hostkey_list(void)
{
	if (!hostkey_psl_loaded) {
		hostkey_psl = psl_latest(NULL);
		hostkey_psl_loaded = true;
	}
	return hostkey_psl;
}

/* A bracketed IPv6 literal, or a name whose last label is a number: libcurl
 * rewrites the other IPv4 forms ("0x7f.1") to dotted decimal, and no
 * top-level domain is a number.  The list would make "0.1" of "127.0.0.1". */
static bool
hostkey_is_ip(const char *key)
{
	const char *last = strrchr(key, '.');

	if (key[0] == '[')
		return true;
	last = last != NULL ? last + 1 : key;
	return last[0] != '\0' && last[strspn(last, "0123456789")] == '\0';
}

bool
hostkey_from_host(const char *host, enum hostkey_mode mode, char *out,
    size_t outlen)
{
	const char *domain;
	bool zone = false;
	size_t n = 0;

	for (size_t i = 0; host[i] != '\0' && n < outlen - 1; i++) {
		char c = host[i];

		if (host[0] == '[' && c == '%')
			zone = true;
		else if (c == ']')
			zone = false;
		if (zone)
			continue;
		/* ASCII only: the list expects lower case, and an IDN name
		 * arrives in its ASCII form from url_parse. */
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		out[n++] = c;
	}
	if (n > 1 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	if (host[0] == '\0')
		return false;

	/* The domain is a suffix of out itself. */
	if (mode == HOSTKEY_DOMAIN && !hostkey_is_ip(out) &&
	    (domain = psl_registrable_domain(hostkey_list(), out)) != NULL)
		memmove(out, domain, strlen(domain) + 1);
	return true;
}

bool
hostkey_of(CURLU *u, enum hostkey_mode mode, char *out, size_t outlen)
{
	char *host;
	bool ok;

	/* No flags: the host as written, not punycode; libcurl keeps an
	 * IPv6 zone id apart (CURLUPART_ZONEID). */
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		out[0] = '\0';
		return false;
	}
	ok = hostkey_from_host(host, mode, out, outlen);
	curl_free(host);
	return ok;
}

uint64_t
hostkey_hash(const char *key, size_t len)
{
	uint64_t h = HOSTKEY_FNV_BASIS;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= HOSTKEY_FNV_PRIME;
	}
	return h;
}

unsigned long
hostkey_shard(const char *key, size_t len, unsigned long n)
{
	return (unsigned long)(hostkey_hash(key, len) % n) + 1;
}

void
hostkey_cleanup(void)
{
	/* psl_free leaves libpsl's built-in copy alone. */
	psl_free(hostkey_psl);
	hostkey_psl = NULL;
	hostkey_psl_loaded = false;
}
