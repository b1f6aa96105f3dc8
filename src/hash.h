/* SHA-256 of a body, fed piece by piece as it arrives, through OpenSSL's
 * EVP interface (libcrypto is linked for TLS already).  One hash per
 * transfer, reset when a retry starts a new body. */
#ifndef SCRAPE_HASH_H
#define SCRAPE_HASH_H

#include <stddef.h>

/* 64 hex digits and a NUL. */
#define HASH_HEX_SIZE 65

struct hash;

/* A SHA-256 over no bytes yet. */
struct hash *hash_new(void);
/* Forget everything fed so far: a retry's body starts again. */
void hash_reset(struct hash *h);
void hash_update(struct hash *h, const void *p, size_t n);
/* Finish: the digest as 64 lowercase hex digits and a NUL in out.  The
 * hash is then reset, ready for another body. */
void hash_hex(struct hash *h, char out[HASH_HEX_SIZE]);
void hash_free(struct hash *h);

#endif
