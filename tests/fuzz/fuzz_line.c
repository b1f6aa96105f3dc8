/* libFuzzer target: the input line reader (src/line.c) and the URL check
 * (src/url.c).
 *
 * Input: byte 0 says how many piece-size bytes follow (0-7); those sizes,
 * used in turn, cut the rest of the input into the pieces line_append is
 * fed.  The rest is split on '\n' as scrape splits its input.  Each line
 * is judged by a second reader fed in one piece and by a reference model
 * of the SPEC's rules, and the three must agree. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "line.h"
#include "url.h"
#include "utf8.h"

#include "fuzz_util.h"

static bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A piece size: small ones mostly, some that jump across the cap. */
static size_t
piece_size(uint8_t b)
{
	if (b < 0xc0)
		return b;
	return (size_t)(b - 0xbf) * 509;
}

struct model {
	enum line_verdict v;
	const uint8_t *text;   /* the trimmed line */
	size_t total;          /* its length */
};

static struct model
judge(const uint8_t *p, size_t n)
{
	struct model m;
	bool control = false;

	while (n > 0 && is_blank(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	m.text = p;
	m.total = n;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			control = true;
	if (n == 0 || p[0] == '#')
		m.v = LINE_SKIP;
	else if (n > LINE_MAX_BYTES)
		m.v = LINE_TOO_LONG;
	else if (control)
		m.v = LINE_CONTROL;
	else if (!ref_utf8_valid(p, n))
		m.v = LINE_BAD_UTF8;
	else
		m.v = LINE_URL;
	return m;
}

static void
check_url(const char *text, size_t len)
{
	char why[256];
	bool ok;

	why[0] = '\0';
	ok = url_check(text, why, sizeof why);
	if (ok) {
		/* An accepted URL is http(s) with an authority, as typed. */
		CHECK(strncasecmp(text, "http://", 7) == 0 ||
		    strncasecmp(text, "https://", 8) == 0);
		CHECK(len >= 8);
	} else {
		CHECK(why[0] != '\0');
		CHECK(memchr(why, '\0', sizeof why) != NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct line *pieces, *whole;
	uint8_t sizes[8];
	size_t nsizes, next = 0;

	if (pieces == NULL) {
		pieces = line_new();
		whole = line_new();
	}
	if (size == 0)
		return 0;
	nsizes = data[0] & 7;
	data++;
	size--;
	if (nsizes > size)
		nsizes = size;
	memcpy(sizes, data, nsizes);
	data += nsizes;
	size -= nsizes;

	while (size > 0) {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t linelen = nl ? (size_t)(nl - data) : size;
		const uint8_t *p = data;
		size_t left = linelen;
		const char *t1, *t2;
		size_t len1, len2, total1, total2;
		enum line_verdict v1, v2;
		struct model m;

		CHECK(!line_pending(pieces));
		while (left > 0) {
			size_t n = nsizes ? piece_size(sizes[next++ % nsizes])
			    : left;

			if (n == 0) {
				/* An empty append changes nothing. */
				line_append(pieces, (const char *)p, 0);
				n = 1;
			}
			if (n > left)
				n = left;
			line_append(pieces, (const char *)p, n);
			CHECK(line_pending(pieces));
			p += n;
			left -= n;
		}
		CHECK(line_pending(pieces) == (linelen > 0));
		v1 = line_finish(pieces, &t1, &len1, &total1);
		CHECK(!line_pending(pieces));

		if (linelen > 0)
			line_append(whole, (const char *)data, linelen);
		v2 = line_finish(whole, &t2, &len2, &total2);

		/* Pieces or one piece: the same line. */
		CHECK(v1 == v2);
		CHECK(len1 == len2);
		CHECK(total1 == total2);
		CHECK(memcmp(t1, t2, len1) == 0);

		/* The SPEC's rules, from the raw bytes. */
		m = judge(data, linelen);
		CHECK(v1 == m.v);
		CHECK(total1 == m.total);
		CHECK(total1 >= len1);
		CHECK(len1 == (m.total < LINE_MAX_BYTES ? m.total :
		    LINE_MAX_BYTES));
		CHECK(memcmp(t1, m.text, len1) == 0);
		CHECK(t1[len1] == '\0');
		CHECK(utf8_valid(t1, len1) == ref_utf8_valid(t1, len1));

		switch (v1) {
		case LINE_URL:
			CHECK(len1 > 0 && len1 <= LINE_MAX_BYTES);
			CHECK(!is_blank((uint8_t)t1[0]));
			CHECK(!is_blank((uint8_t)t1[len1 - 1]));
			for (size_t i = 0; i < len1; i++)
				CHECK((uint8_t)t1[i] >= 0x20 &&
				    (uint8_t)t1[i] != 0x7f);
			CHECK(utf8_valid(t1, len1));
			check_url(t1, len1);
			break;
		case LINE_SKIP:
			CHECK(len1 == 0 || t1[0] == '#');
			break;
		default:
			CHECK(line_verdict_message(v1)[0] != '\0');
			break;
		}

		if (nl == NULL)
			break;
		data = nl + 1;
		size -= linelen + 1;
	}
	return 0;
}
