/* libFuzzer target: the value parsers of src/cli.c (cli_parse_long,
 * cli_parse_seconds, cli_parse_size) and the retry policy of src/retry.c
 * (retry_after_parse, retry_backoff).
 *
 * Input: the text every parser reads (a NUL-terminated copy: an embedded
 * NUL ends it), and, from its last bytes, the numbers retry_backoff gets.
 * Each parser is compared with a reference model of its grammar. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cli.h"
#include "retry.h"

#include "fuzz_util.h"

/* 2023-11-14T22:13:20Z: a fixed "now" for Retry-After dates. */
#define NOW ((time_t)1700000000)

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* [+-]?[0-9]+ that fits a long. */
static void
check_long(const char *s)
{
	const char *p = s;
	bool neg = false, ok;
	unsigned long long mag = 0;
	bool overflow = false;
	long v = 12345, want = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	ok = is_digit(*p);
	for (; is_digit(*p); p++) {
		if (mag > (ULLONG_MAX - 9) / 10)
			overflow = true;
		else
			mag = mag * 10 + (unsigned long long)(*p - '0');
	}
	if (*p != '\0')
		ok = false;
	if (neg ? mag > (unsigned long long)LONG_MAX + 1 : mag > LONG_MAX)
		overflow = true;
	if (ok && !overflow)
		want = neg ? (mag == (unsigned long long)LONG_MAX + 1 ? LONG_MIN :
		    -(long)mag) : (long)mag;
	CHECK(cli_parse_long(s, &v) == (ok && !overflow));
	if (ok && !overflow)
		CHECK(v == want);
	else
		CHECK(v == 12345);
}

/* [+-]?[0-9]*(\.[0-9]*)? with at least one digit, finite. */
static void
check_seconds(const char *s)
{
	const char *p = s;
	size_t digits = 0;
	bool ok;
	double v = -12345, ref;

	if (*p == '+' || *p == '-')
		p++;
	for (; is_digit(*p); p++)
		digits++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			digits++;
	ok = *p == '\0' && digits > 0;
	ref = ok ? strtod(s, NULL) : 0;
	if (ok && !isfinite(ref))
		ok = false;
	CHECK(cli_parse_seconds(s, &v) == ok);
	if (ok) {
		CHECK(isfinite(v));
		CHECK(v == ref);
		CHECK(signbit(v) == (s[0] == '-'));
	} else {
		CHECK(v == -12345);
	}
}

/* [0-9]+[kKmMgG]? with the value within uint64. */
static void
check_size(const char *s)
{
	const char *p = s;
	unsigned __int128 v = 0, mult = 1;
	bool ok = is_digit(*p), big = false;
	uint64_t got = 12345;

	for (; is_digit(*p); p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT64_MAX)
			big = true, v = (unsigned __int128)UINT64_MAX + 1;
	}
	switch (*p) {
	case 'k': case 'K': mult = 1024; p++; break;
	case 'm': case 'M': mult = 1024 * 1024; p++; break;
	case 'g': case 'G': mult = 1024 * 1024 * 1024; p++; break;
	}
	if (*p != '\0')
		ok = false;
	v *= mult;
	if (big || v > UINT64_MAX)
		ok = false;
	CHECK(cli_parse_size(s, &got) == ok);
	if (ok)
		CHECK(got == (uint64_t)v);
	else
		CHECK(got == 12345);
}

/* delta-seconds (blanks around), or a date curl_getdate knows. */
static void
check_retry_after(const char *s)
{
	const char *p = s;
	double secs = -12345;
	bool ok, got;

	while (*p == ' ' || *p == '\t')
		p++;
	if (is_digit(*p)) {
		while (is_digit(*p))
			p++;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		ok = *p == '\0';
	} else {
		ok = curl_getdate(p, NULL) != -1;
	}
	got = retry_after_parse(s, NOW, &secs);
	CHECK(got == ok);
	if (got) {
		CHECK(isfinite(secs));
		CHECK(secs >= 0);
	} else {
		CHECK(secs == -12345);
	}
}

static double
raw_double(struct fz *f)
{
	uint64_t raw = fz_uint(f, 8);
	double d;

	memcpy(&d, &raw, sizeof d);
	return d;
}

/* Base and cap as the options give them (finite, >= 0), a Retry-After
 * as retry_after_parse does or -1, jitter in [0, 1), k = 1..101: the
 * wait is what the SPEC says.  Then anything at all: no UB, no crash. */
static void
check_backoff(const uint8_t *data, size_t size)
{
	struct fz f;
	double base, cap, ra, jitter, w, lo, hi, step;
	int k;
	uint8_t mode;

	if (size > 34) {
		data += size - 34;
		size = 34;
	}
	f.p = data;
	f.n = size;
	mode = fz_u8(&f);
	k = 1 + fz_u8(&f) % 101;
	base = fabs(raw_double(&f));
	if (!isfinite(base) || (mode & 1))
		base = (double)(fz_uint(&f, 2)) / 64.0;
	cap = fabs(raw_double(&f));
	if (!isfinite(cap) || (mode & 2))
		cap = (double)(fz_uint(&f, 2)) / 16.0;
	ra = (mode & 4) ? -1 : fabs(raw_double(&f));
	if (!isfinite(ra) && (mode & 8))
		ra = (double)fz_uint(&f, 4);
	jitter = (double)fz_uint(&f, 4) / 4294967296.0;

	w = retry_backoff(k, base, cap, ra, jitter);
	CHECK(isfinite(w));
	CHECK(w >= 0);
	CHECK(w <= cap);
	step = base * ldexp(1.0, k - 1);
	lo = step;
	hi = 2 * step;
	if (ra >= 0 && ra > lo)
		lo = ra;
	if (ra >= 0 && ra > hi)
		hi = ra;
	if (lo > cap)
		lo = cap;
	if (hi > cap)
		hi = cap;
	CHECK(w >= lo);
	CHECK(w <= hi);

	/* Out of the callers' domain: only sanity. */
	f.p = data;
	f.n = size;
	k = (int)(uint32_t)fz_uint(&f, 4);
	base = raw_double(&f);
	cap = raw_double(&f);
	ra = raw_double(&f);
	jitter = raw_double(&f);
	w = retry_backoff(k, base, cap, ra, jitter);
	if (isfinite(cap) && cap >= 0) {
		CHECK(!isnan(w));
		CHECK(w <= cap);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_dup0(data, size);

	check_long(s);
	check_seconds(s);
	check_size(s);
	check_retry_after(s);
	check_backoff(data, size);
	free(s);
	return 0;
}
