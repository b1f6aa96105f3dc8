/* libFuzzer target: host keys and shards (src/hostkey.c).
 *
 * Input: three bytes give the shard count n (1-100000), one byte a small
 * output size; the rest, up to a NUL, is the host.  Each mode's key must
 * be lower-case, no longer than the host, a domain key a suffix of the
 * host key at a label; a host key must match a model of the header's
 * rules, and cut keys prefixes of whole ones; the shard must be in 1..n
 * and match an FNV-1a written here. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hostkey.h"

#include "fuzz_util.h"

/* The host key by the header's words: ASCII lower case, each zone id of
 * a bracketed host ('%' up to the next ']') dropped, then one trailing
 * dot unless it is all there is. */
static char *
model_host_key(const char *host)
{
	char *k = fz_dup0(host, strlen(host)), *pct, *end;
	size_t n;

	if (k[0] == '[') {
		while ((pct = strchr(k, '%')) != NULL) {
			end = strchr(pct, ']');
			if (end == NULL)
				*pct = '\0';
			else
				memmove(pct, end, strlen(end) + 1);
		}
	}
	for (char *p = k; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	n = strlen(k);
	if (n > 1 && k[n - 1] == '.')
		k[n - 1] = '\0';
	return k;
}

static uint64_t
model_fnv1a64(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static void
check_key(const char *host, const char *key, bool ok)
{
	CHECK(ok == (host[0] != '\0'));
	CHECK(strlen(key) <= strlen(host));
	for (const char *p = key; *p != '\0'; p++)
		CHECK(!(*p >= 'A' && *p <= 'Z'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	unsigned long n = (unsigned long)(fz_uint(&f, 3) % 100000) + 1;
	size_t cut = (size_t)fz_u8(&f) % 16 + 1, hlen, klen;
	char *host = fz_dup0(f.p, f.n), *upper, *model;
	char hkey[HOSTKEY_MAX], dkey[HOSTKEY_MAX], again[HOSTKEY_MAX];
	char small[16];
	bool ok;

	hlen = strlen(host);
	upper = fz_dup0(host, hlen);
	for (char *p = upper; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');

	ok = hostkey_from_host(host, HOSTKEY_HOST, hkey, sizeof hkey);
	check_key(host, hkey, ok);
	if (hlen < sizeof hkey) {
		model = model_host_key(host);
		CHECK(strcmp(hkey, model) == 0);
		free(model);
	}
	CHECK(hostkey_from_host(upper, HOSTKEY_HOST, again, sizeof again) ==
	    ok);
	CHECK(strcmp(hkey, again) == 0);
	CHECK(hostkey_from_host(host, HOSTKEY_HOST, small, cut) == ok);
	CHECK(strlen(small) < cut);
	CHECK(strncmp(hkey, small, strlen(small)) == 0);

	ok = hostkey_from_host(host, HOSTKEY_DOMAIN, dkey, sizeof dkey);
	check_key(host, dkey, ok);
	klen = strlen(hkey);
	CHECK(strlen(dkey) <= klen);
	CHECK(strcmp(hkey + klen - strlen(dkey), dkey) == 0);
	CHECK(strlen(dkey) == klen || dkey[0] == '\0' ||
	    hkey[klen - strlen(dkey) - 1] == '.');
	CHECK(hostkey_from_host(upper, HOSTKEY_DOMAIN, again, sizeof again) ==
	    ok);
	CHECK(strcmp(dkey, again) == 0);

	for (int i = 0; i < 2; i++) {
		const char *k = i == 0 ? hkey : dkey;
		size_t len = strlen(k);
		unsigned long shard = hostkey_shard(k, len, n);

		CHECK(hostkey_hash(k, len) == model_fnv1a64(k, len));
		CHECK(shard >= 1 && shard <= n);
		CHECK(shard == model_fnv1a64(k, len) % n + 1);
		CHECK(hostkey_shard(k, len, 1) == 1);
	}

	free(upper);
	free(host);
	return 0;
}
