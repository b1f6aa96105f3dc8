#include "json.h"

#include <stdint.h>

#include "utf8.h"

static const char hexdigits[] = "0123456789abcdef";

/* The bytes a JSON string takes as they are: printable ASCII but the
 * quote and the backslash (DEL included, as RFC 8259 allows).  A table,
 * because every URL passes through here byte by byte. */
static const unsigned char json_plain[256] = {
	[0x20 ... 0x21] = 1,            /* 0x22 is '"' */
	[0x23 ... 0x5b] = 1,            /* 0x5c is '\\' */
	[0x5d ... 0x7f] = 1,
};

static void
json_escape_byte(struct buf *b, unsigned char c)
{
	char esc[6] = { '\\', 'u', '0', '0', hexdigits[c >> 4], hexdigits[c & 15] };

	switch (c) {
	case '"':  buf_append(b, "\\\"", 2); return;
	case '\\': buf_append(b, "\\\\", 2); return;
	case '\n': buf_append(b, "\\n", 2); return;
	case '\r': buf_append(b, "\\r", 2); return;
	case '\t': buf_append(b, "\\t", 2); return;
	case '\b': buf_append(b, "\\b", 2); return;
	case '\f': buf_append(b, "\\f", 2); return;
	}
	buf_append(b, esc, sizeof esc);
}

void
json_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	const unsigned char *end = p + len;

	buf_putc(b, '"');
	while (p < end) {
		const unsigned char *run = p;
		uint32_t cp;
		size_t n;

		/* Copy plain printable ASCII in one go. */
		while (p < end && json_plain[*p])
			p++;
		buf_append(b, run, (size_t)(p - run));
		if (p == end)
			break;
		if (*p < 0x80) {
			json_escape_byte(b, *p++);
			continue;
		}
		n = utf8_decode(p, (size_t)(end - p), &cp);
		if (n == 0) {
			buf_append(b, "\xef\xbf\xbd", 3);
			p++;
			continue;
		}
		buf_append(b, p, n);
		p += n;
	}
	buf_putc(b, '"');
}

void
json_base64(struct buf *b, const void *data, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char quad[4];

	buf_putc(b, '"');
	for (; len >= 3; p += 3, len -= 3) {
		quad[0] = alphabet[p[0] >> 2];
		quad[1] = alphabet[((p[0] & 3) << 4) | (p[1] >> 4)];
		quad[2] = alphabet[((p[1] & 15) << 2) | (p[2] >> 6)];
		quad[3] = alphabet[p[2] & 63];
		buf_append(b, quad, 4);
	}
	if (len > 0) {
		quad[0] = alphabet[p[0] >> 2];
		if (len == 1) {
			quad[1] = alphabet[(p[0] & 3) << 4];
			quad[2] = '=';
		} else {
			quad[1] = alphabet[((p[0] & 3) << 4) | (p[1] >> 4)];
			quad[2] = alphabet[(p[1] & 15) << 2];
		}
		quad[3] = '=';
		buf_append(b, quad, 4);
	}
	buf_putc(b, '"');
}
