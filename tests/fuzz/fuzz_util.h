/* Helpers the libFuzzer targets share: a check that aborts (so that
 * libFuzzer saves the input), a reader that takes fuzz bytes in order,
 * and reference models written independently of src/ (strict UTF-8 per
 * Unicode Table 3-7, and the U+FFFD mapping scrape's JSON output uses),
 * so that the targets compare the code against something other than
 * itself. */
#ifndef SCRAPE_FUZZ_UTIL_H
#define SCRAPE_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do {                                                 \
	if (!(cond)) {                                                   \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
		    __LINE__, #cond);                                    \
		abort();                                                 \
	}                                                                \
} while (0)

/* Bytes taken from the front of the fuzz input; zeros once it runs out. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fz_u8(struct fz *f)
{
	uint8_t c = 0;

	if (f->n > 0) {
		c = *f->p++;
		f->n--;
	}
	return c;
}

static inline uint64_t
fz_uint(struct fz *f, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = (v << 8) | fz_u8(f);
	return v;
}

/* Up to max bytes (a length read from the input, bounded by what is
 * left); *len says how many. */
static inline const uint8_t *
fz_bytes(struct fz *f, size_t max, size_t *len)
{
	size_t want = (size_t)fz_uint(f, 2);
	const uint8_t *p = f->p;

	if (want > max)
		want = max;
	if (want > f->n)
		want = f->n;
	f->p += want;
	f->n -= want;
	*len = want;
	return p;
}

/* An exact-size heap copy, not NUL-terminated, so that AddressSanitizer
 * sees any read past the end. */
static inline char *
fz_dup(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	CHECK(c != NULL);
	if (n > 0)
		memcpy(c, p, n);
	return c;
}

static inline char *
fz_dup0(const void *p, size_t n)
{
	char *c = malloc(n + 1);

	CHECK(c != NULL);
	if (n > 0)
		memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode 15, Table 3-7),
 * 0 when there is none.  Written from the table, not from src/utf8.c. */
static inline size_t
ref_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] <= 0x7f)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static inline bool
ref_utf8_valid(const void *s, size_t n)
{
	const uint8_t *p = s;

	while (n > 0) {
		size_t k = ref_utf8_len(p, n);

		if (k == 0)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* The text a JSON string of scrape's shows for these bytes: each byte
 * that does not start a well-formed sequence becomes U+FFFD on its own.
 * Returns a malloc'ed buffer of *outlen bytes (plus a NUL). */
static inline char *
ref_fffd(const void *s, size_t n, size_t *outlen)
{
	const uint8_t *p = s;
	char *out = malloc(3 * n + 1);
	size_t w = 0;

	CHECK(out != NULL);
	while (n > 0) {
		size_t k = ref_utf8_len(p, n);

		if (k == 0) {
			memcpy(out + w, "\xef\xbf\xbd", 3);
			w += 3;
			k = 1;
		} else {
			memcpy(out + w, p, k);
			w += k;
		}
		p += k;
		n -= k;
	}
	out[w] = '\0';
	*outlen = w;
	return out;
}

static inline int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline void
put_utf8(char *out, size_t *w, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*w)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*w)++] = (char)(0xc0 | (cp >> 6));
		out[(*w)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*w)++] = (char)(0xe0 | (cp >> 12));
		out[(*w)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*w)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*w)++] = (char)(0xf0 | (cp >> 18));
		out[(*w)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*w)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*w)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* Decode the strict JSON string (RFC 8259) starting at s[0] == '"',
 * NULs included, which cJSON cannot hand back.  Returns a malloc'ed
 * buffer of *outlen bytes, *used the bytes of s it took; NULL when the
 * text is not a well-formed JSON string. */
static inline char *
json_unquote(const char *s, size_t n, size_t *outlen, size_t *used)
{
	char *out;
	size_t i = 1, w = 0;

	if (n == 0 || s[0] != '"')
		return NULL;
	out = malloc(n + 1);
	CHECK(out != NULL);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			out[w] = '\0';
			*outlen = w;
			*used = i + 1;
			return out;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			out[w++] = (char)c;
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		c = (unsigned char)s[i + 1];
		i += 2;
		switch (c) {
		case '"': out[w++] = '"'; continue;
		case '\\': out[w++] = '\\'; continue;
		case '/': out[w++] = '/'; continue;
		case 'b': out[w++] = '\b'; continue;
		case 'f': out[w++] = '\f'; continue;
		case 'n': out[w++] = '\n'; continue;
		case 'r': out[w++] = '\r'; continue;
		case 't': out[w++] = '\t'; continue;
		case 'u': break;
		default: goto bad;
		}
		{
			uint32_t cp = 0;

			if (i + 4 > n)
				goto bad;
			for (int k = 0; k < 4; k++) {
				int h = hexval((unsigned char)s[i + k]);

				if (h < 0)
					goto bad;
				cp = cp << 4 | (uint32_t)h;
			}
			i += 4;
			/* scrape never writes surrogates: it escapes only
			 * ASCII control bytes. */
			if (cp >= 0xd800 && cp <= 0xdfff)
				goto bad;
			put_utf8(out, &w, cp);
		}
	}
bad:
	free(out);
	return NULL;
}

#endif
