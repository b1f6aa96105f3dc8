#include "result.h"

#include <string.h>

#include "json.h"
#include "utf8.h"

static void
put_string_or_null(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		json_string(b, s, strlen(s));
}

/* A body that is valid UTF-8 is written as text, anything else as
 * base64, flagged so that a reader knows to decode it. */
static void
put_body(struct buf *b, const struct result *r)
{
	buf_puts(b, ",\"body\":");
	if (utf8_valid(r->body, r->body_len)) {
		json_string(b, r->body, r->body_len);
		return;
	}
	json_base64(b, r->body, r->body_len);
	buf_puts(b, ",\"body_encoding\":\"base64\"");
}

/* A non-negative number with one decimal, as printf's "%.1f" would
 * write it, by integer arithmetic: this runs once per URL. */
static void
put_tenths(struct buf *b, double v)
{
	unsigned long long tenths;

	if (!(v >= 0) || v > 1e15) {
		buf_printf(b, "%.1f", v > 0 ? v : 0.0);
		return;
	}
	tenths = (unsigned long long)(v * 10.0 + 0.5);
	buf_put_u64(b, tenths / 10);
	buf_putc(b, '.');
	buf_putc(b, (char)('0' + tenths % 10));
}

void
result_format(struct buf *b, const struct result *r)
{
	size_t url_at, url_n;

	buf_puts(b, "{\"url\":");
	url_at = b->len;
	json_string(b, r->url, r->url_len);
	url_n = b->len - url_at;
	buf_puts(b, r->kind == ERR_NONE ? ",\"ok\":true,\"status\":" :
	    ",\"ok\":false,\"status\":");
	if (r->status > 0)
		buf_put_u64(b, (unsigned long long)r->status);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"attempts\":");
	buf_put_u64(b, (unsigned long long)(r->attempts > 0 ? r->attempts : 0));
	buf_puts(b, ",\"elapsed_ms\":");
	put_tenths(b, r->elapsed_ms);
	buf_puts(b, ",\"bytes\":");
	buf_put_u64(b, (unsigned long long)r->bytes);
	buf_puts(b, ",\"final_url\":");
	/* Not redirected, final_url is url (up to a NUL it may hold): its
	 * JSON is copied rather than made again. */
	if (r->final_url == r->url && memchr(r->url, '\0', r->url_len) == NULL)
		buf_append_own(b, url_at, url_n);
	else
		put_string_or_null(b, r->final_url);
	buf_puts(b, ",\"content_type\":");
	put_string_or_null(b, r->content_type);
	if (r->kind == ERR_NONE) {
		buf_puts(b, ",\"error\":null");
	} else {
		buf_puts(b, ",\"error\":{\"kind\":\"");
		buf_puts(b, errkind_name(r->kind));
		buf_puts(b, "\",\"message\":");
		put_string_or_null(b, r->message ? r->message : "");
		buf_putc(b, '}');
	}
	if (r->with_body)
		put_body(b, r);
	if (r->fields != NULL)
		buf_append(b, r->fields, r->fields_len);
	buf_puts(b, "}\n");
}
