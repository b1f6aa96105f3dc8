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

void
result_format(struct buf *b, const struct result *r)
{
	buf_puts(b, "{\"url\":");
	json_string(b, r->url, r->url_len);
	buf_printf(b, ",\"ok\":%s,\"status\":",
	    r->kind == ERR_NONE ? "true" : "false");
	if (r->status > 0)
		buf_printf(b, "%ld", r->status);
	else
		buf_puts(b, "null");
	buf_printf(b, ",\"attempts\":%ld,\"elapsed_ms\":%.1f,\"bytes\":%llu"
	    ",\"final_url\":", r->attempts, r->elapsed_ms,
	    (unsigned long long)r->bytes);
	put_string_or_null(b, r->final_url);
	buf_puts(b, ",\"content_type\":");
	put_string_or_null(b, r->content_type);
	if (r->kind == ERR_NONE) {
		buf_puts(b, ",\"error\":null");
	} else {
		buf_printf(b, ",\"error\":{\"kind\":\"%s\",\"message\":",
		    errkind_name(r->kind));
		put_string_or_null(b, r->message ? r->message : "");
		buf_putc(b, '}');
	}
	if (r->with_body)
		put_body(b, r);
	buf_puts(b, "}\n");
}
