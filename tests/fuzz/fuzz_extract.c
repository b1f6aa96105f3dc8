/* libFuzzer target: HTML extraction (src/extract.c) on hostile pages.
 *
 * Input: the first line is the Content-Type (an empty one: none), the
 * rest the body.  The extractor asks for the title, the links, a select
 * with ::attr and three XPath fields, and the answer is held to what
 * must hold for any page: the members it appends, wrapped in {}, are
 * valid JSON with all four fields, each null exactly when the body is
 * not HTML, the title a string or null, links, select and xpath arrays
 * of strings; and extract_text gives valid UTF-8. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "extract.h"

#include "fuzz_util.h"

static struct extractor *x;

/* The media type, parameters and case aside, is one of the two (leading
 * white space skipped as src/extract.c does: HTML's, form feed too). */
static bool
is_html(const char *ct)
{
	size_t n;

	ct += strspn(ct, " \t\n\r\f");
	n = strcspn(ct, "; \t");
	return (n == 9 && strncasecmp(ct, "text/html", 9) == 0) ||
	    (n == 21 && strncasecmp(ct, "application/xhtml+xml", 21) == 0);
}

static void
check_strings(const cJSON *a)
{
	const cJSON *e;

	CHECK(cJSON_IsArray(a));
	cJSON_ArrayForEach(e, a)
		CHECK(cJSON_IsString(e));
}

static void
check_object(const cJSON *o, int n)
{
	const cJSON *e;

	CHECK(cJSON_IsObject(o));
	CHECK(cJSON_GetArraySize(o) == n);
	cJSON_ArrayForEach(e, o)
		check_strings(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ctlen = nl != NULL ? (size_t)(nl - data) : size;
	size_t blen = nl != NULL ? size - ctlen - 1 : 0;
	char *ct = fz_dup0(data, ctlen), *body = fz_dup(data + ctlen + 1 -
	    (nl == NULL), blen);
	struct buf out = BUF_INIT, obj = BUF_INIT;
	bool html = ctlen > 0 && is_html(ct) && blen > 0;
	cJSON *j, *t;
	char err[128];

	if (x == NULL) {
		x = extractor_new(true, true);
		CHECK(extractor_add(x, EXTRACT_SELECT, "img",
		    "descendant-or-self::img", "src", err, sizeof err));
		CHECK(extractor_add(x, EXTRACT_XPATH, "n", "count(//*)", NULL,
		    err, sizeof err));
		CHECK(extractor_add(x, EXTRACT_XPATH, "p", "//p | //@class",
		    NULL, err, sizeof err));
		CHECK(extractor_add(x, EXTRACT_XPATH, "h", "boolean(//head)",
		    NULL, err, sizeof err));
	}
	extractor_run(x, body, blen, ctlen > 0 ? ct : NULL,
	    "http://example.com/a/b?c#d", &out);
	buf_putc(&obj, '{');
	if (out.len > 0) {
		CHECK(out.data[0] == ',');
		buf_append(&obj, out.data + 1, out.len - 1);
	}
	buf_putc(&obj, '}');
	CHECK((j = cJSON_Parse(obj.data)) != NULL);
	CHECK(cJSON_GetArraySize(j) == 4);
	t = cJSON_GetObjectItemCaseSensitive(j, "title");
	if (!html) {
		CHECK(cJSON_IsNull(t));
		CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "links")));
		CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "select")));
		CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "xpath")));
	} else {
		CHECK(cJSON_IsNull(t) || cJSON_IsString(t));
		check_strings(cJSON_GetObjectItem(j, "links"));
		check_object(cJSON_GetObjectItem(j, "select"), 1);
		check_object(cJSON_GetObjectItem(j, "xpath"), 3);
		CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(j, "xpath"), "n")) == 1);
	}
	cJSON_Delete(j);

	buf_reset(&out);
	extract_text(body, blen, ctlen > 0 ? ct : NULL, &out);
	CHECK(ref_utf8_valid(out.data, out.len));

	buf_free(&obj);
	buf_free(&out);
	free(body);
	free(ct);
	return 0;
}
