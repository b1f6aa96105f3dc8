#include "hash.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "xmalloc.h"

struct hash {
	EVP_MD_CTX *ctx;
};

/*
 * With SHA-256, which every OpenSSL provider has, the EVP calls fail only
 * when OpenSSL cannot allocate: abort, as xmalloc does, rather than hand
 * back a digest of the wrong bytes.
 */
static void
hash_ok(int rc)
{
	if (rc != 1)
		abort();
}

struct hash *
hash_new(void)
{
	struct hash *h = xmalloc(sizeof *h);

	h->ctx = xcheck(EVP_MD_CTX_new());
	hash_ok(EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL));
	return h;
}

void
hash_reset(struct hash *h)
{
	hash_ok(EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL));
}

void
hash_update(struct hash *h, const void *p, size_t n)
{
	if (n > 0)
		hash_ok(EVP_DigestUpdate(h->ctx, p, n));
}

void
hash_hex(struct hash *h, char out[HASH_HEX_SIZE])
{
	static const char hexdigits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n, i;

	hash_ok(EVP_DigestFinal_ex(h->ctx, md, &n));
	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[md[i] >> 4];
		out[2 * i + 1] = hexdigits[md[i] & 15];
	}
	out[2 * i] = '\0';
	hash_reset(h);
}

void
hash_free(struct hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
