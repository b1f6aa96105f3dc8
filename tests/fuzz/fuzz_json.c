/* libFuzzer target: the JSON text scrape writes (src/json.c,
 * src/result.c, with src/utf8.c and src/buf.c).
 *
 * 1. json_string on the raw input: one JSON string, valid strict UTF-8,
 *    no raw control byte, decoding to the input with each byte that is
 *    not UTF-8 shown as U+FFFD (to the input itself when it is UTF-8).
 * 2. result_format on a result built from the input (fields read in
 *    order: flags, numbers, then url, message, final_url, content_type
 *    and body bytes): exactly one JSON object on one line, every field
 *    what the SPEC says, a base64 body decoding to the body bytes. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "errkind.h"
#include "json.h"
#include "result.h"
#include "utf8.h"

#include "fuzz_util.h"

/* Parse text[0..len) (NUL-terminated at len) as exactly one JSON value. */
static cJSON *
parse_one(const struct buf *b)
{
	const char *end = NULL;
	cJSON *doc;

	CHECK(b->data != NULL && b->data[b->len] == '\0');
	doc = cJSON_ParseWithLengthOpts(b->data, b->len + 1, &end, 1);
	CHECK(doc != NULL);
	CHECK(end == b->data + b->len);
	return doc;
}

/* Strict UTF-8, and no byte JSON requires to be escaped. */
static void
check_text(const char *s, size_t n, bool newline_at_end)
{
	CHECK(utf8_valid(s, n));
	CHECK(ref_utf8_valid(s, n));
	for (size_t i = 0; i < n; i++) {
		if (newline_at_end && i == n - 1) {
			CHECK(s[i] == '\n');
			continue;
		}
		CHECK((unsigned char)s[i] >= 0x20);
	}
}

/* A cJSON string holds the expected text up to its first NUL (a C
 * string cannot go further). */
static void
check_cjson_string(const cJSON *item, const void *raw, size_t rawlen)
{
	size_t explen, nul;
	char *exp = ref_fffd(raw, rawlen, &explen);

	CHECK(cJSON_IsString(item));
	nul = strnlen(exp, explen);
	CHECK(strlen(item->valuestring) == nul);
	CHECK(memcmp(item->valuestring, exp, nul) == 0);
	free(exp);
}

static void
check_json_string(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	size_t explen, outlen, used;
	char *exp, *out;
	cJSON *doc;

	json_string(&b, (const char *)data, size);
	check_text(b.data, b.len, false);
	doc = parse_one(&b);
	check_cjson_string(doc, data, size);
	cJSON_Delete(doc);

	/* All of it, NULs included, with a decoder of our own. */
	exp = ref_fffd(data, size, &explen);
	out = json_unquote(b.data, b.len, &outlen, &used);
	CHECK(out != NULL);
	CHECK(used == b.len);
	CHECK(outlen == explen && memcmp(out, exp, explen) == 0);
	if (ref_utf8_valid(data, size))
		CHECK(outlen == size && memcmp(out, data, size) == 0);
	free(exp);
	free(out);
	buf_free(&b);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict RFC 4648 base64 with padding; NULL when malformed. */
static uint8_t *
b64decode(const char *s, size_t n, size_t *outlen)
{
	uint8_t *out;
	size_t w = 0;

	if (n % 4 != 0)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	CHECK(out != NULL);
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64val((unsigned char)s[i + k])) < 0) {
				free(out);
				return NULL;
			}
		}
		/* Canonical: the bits padding drops are zero. */
		if ((pad == 2 && (v[1] & 15) != 0) || (pad == 1 && (v[2] & 3) != 0)) {
			free(out);
			return NULL;
		}
		out[w++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[w++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[w++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
	}
	*outlen = w;
	return out;
}

static void
check_result(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "url", "ok", "status", "attempts",
	    "elapsed_ms", "bytes", "final_url", "content_type", "error", "body",
	    "body_encoding" };
	struct fz f = { data, size };
	struct result r;
	struct buf b = BUF_INIT;
	uint8_t flags = fz_u8(&f);
	size_t n, urllen, msglen, bodylen, fulen, ctlen;
	const uint8_t *urlp, *msgp, *bodyp, *fup, *ctp;
	char *url, *msg, *fu, *ct, *body;
	uint64_t raw;
	double d;
	cJSON *doc, *item, *err;
	int nkeys;
	bool body_utf8;

	memset(&r, 0, sizeof r);
	r.kind = (enum errkind)(fz_u8(&f) % ERR_KIND_COUNT);
	r.status = (long)(int32_t)fz_uint(&f, 4);
	/* Attempts are counted: 0 or more. */
	r.attempts = (long)(fz_uint(&f, 4) & 0x7fffffff);
	raw = fz_uint(&f, 8);
	memcpy(&d, &raw, sizeof d);
	/* Elapsed time comes from a monotonic clock: finite, 0 or more, and
	 * under 1e15 ms (cJSON reads at most 63 characters of a number). */
	r.elapsed_ms = isfinite(d) && fabs(d) < 1e15 ? fabs(d) :
	    (double)(raw >> 40) / 10.0;
	r.bytes = fz_uint(&f, 8);
	r.with_body = flags & 1;

	urlp = fz_bytes(&f, 16384, &urllen);
	msgp = fz_bytes(&f, 1024, &msglen);
	fup = fz_bytes(&f, 16384, &fulen);
	ctp = fz_bytes(&f, 1024, &ctlen);
	/* The body: whatever is left. */
	bodyp = f.p;
	bodylen = f.n;

	url = fz_dup(urlp, urllen);
	msg = fz_dup0(msgp, msglen);
	fu = fz_dup0(fup, fulen);
	ct = fz_dup0(ctp, ctlen);
	body = fz_dup(bodyp, bodylen);
	r.url = url;
	r.url_len = urllen;
	r.message = (flags & 2) ? NULL : msg;
	r.final_url = (flags & 4) ? NULL : fu;
	r.content_type = (flags & 8) ? NULL : ct;
	r.body = body;
	r.body_len = bodylen;

	/* Appended after what a buffer held already, as the output does. */
	if (flags & 16)
		buf_puts(&b, "{\"earlier\":1}\n");
	n = b.len;
	result_format(&b, &r);
	{
		struct buf line = BUF_INIT;

		buf_append(&line, b.data + n, b.len - n);
		check_text(line.data, line.len, true);
		CHECK(memchr(line.data, '\n', line.len) ==
		    line.data + line.len - 1);
		doc = parse_one(&line);

		/* The url field, NULs and all, with our own decoder. */
		{
			size_t outlen, used, explen;
			char *out, *exp;

			CHECK(strncmp(line.data, "{\"url\":", 7) == 0);
			out = json_unquote(line.data + 7, line.len - 7, &outlen,
			    &used);
			CHECK(out != NULL);
			exp = ref_fffd(urlp, urllen, &explen);
			CHECK(outlen == explen && memcmp(out, exp, explen) == 0);
			free(out);
			free(exp);
		}
		/* So the body, when it is text. */
		body_utf8 = ref_utf8_valid(bodyp, bodylen);
		if (r.with_body && body_utf8) {
			const char *at = strstr(line.data, ",\"body\":\"");
			size_t outlen, used;
			char *out;

			CHECK(at != NULL);
			at += 8;
			out = json_unquote(at, (size_t)(line.data + line.len - at),
			    &outlen, &used);
			CHECK(out != NULL);
			CHECK(outlen == bodylen && memcmp(out, bodyp, bodylen) == 0);
			free(out);
		}
		buf_free(&line);
	}
	CHECK(cJSON_IsObject(doc));

	/* Exactly the documented keys, each once. */
	nkeys = 0;
	for (item = doc->child; item != NULL; item = item->next) {
		bool known = false;

		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (strcmp(item->string, keys[k]) == 0)
				known = true;
		CHECK(known);
		for (cJSON *o = item->next; o != NULL; o = o->next)
			CHECK(strcmp(o->string, item->string) != 0);
		nkeys++;
	}
	CHECK(nkeys == 9 + (r.with_body ? (body_utf8 ? 1 : 2) : 0));

	check_cjson_string(cJSON_GetObjectItemCaseSensitive(doc, "url"), urlp,
	    urllen);
	item = cJSON_GetObjectItemCaseSensitive(doc, "ok");
	CHECK(cJSON_IsBool(item));
	CHECK(cJSON_IsTrue(item) == (r.kind == ERR_NONE));
	item = cJSON_GetObjectItemCaseSensitive(doc, "status");
	if (r.status > 0)
		CHECK(cJSON_IsNumber(item) && item->valuedouble == (double)r.status);
	else
		CHECK(cJSON_IsNull(item));
	item = cJSON_GetObjectItemCaseSensitive(doc, "attempts");
	CHECK(cJSON_IsNumber(item) && item->valuedouble == (double)r.attempts);
	item = cJSON_GetObjectItemCaseSensitive(doc, "elapsed_ms");
	CHECK(cJSON_IsNumber(item));
	/* One decimal: off by half a tenth at most, plus rounding. */
	CHECK(fabs(item->valuedouble - r.elapsed_ms) <=
	    0.05 + 1e-9 + fabs(r.elapsed_ms) * 1e-12);
	item = cJSON_GetObjectItemCaseSensitive(doc, "bytes");
	CHECK(cJSON_IsNumber(item) && item->valuedouble == (double)r.bytes);

	item = cJSON_GetObjectItemCaseSensitive(doc, "final_url");
	if (r.final_url == NULL)
		CHECK(cJSON_IsNull(item));
	else
		check_cjson_string(item, fup, strlen(fu));
	item = cJSON_GetObjectItemCaseSensitive(doc, "content_type");
	if (r.content_type == NULL)
		CHECK(cJSON_IsNull(item));
	else
		check_cjson_string(item, ctp, strlen(ct));

	err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (r.kind == ERR_NONE) {
		CHECK(cJSON_IsNull(err));
	} else {
		int nerr = 0;

		CHECK(cJSON_IsObject(err));
		for (item = err->child; item != NULL; item = item->next)
			nerr++;
		CHECK(nerr == 2);
		item = cJSON_GetObjectItemCaseSensitive(err, "kind");
		CHECK(cJSON_IsString(item));
		CHECK(strcmp(item->valuestring, errkind_name(r.kind)) == 0);
		CHECK(item->valuestring[0] != '\0');
		item = cJSON_GetObjectItemCaseSensitive(err, "message");
		if (r.message == NULL)
			CHECK(cJSON_IsString(item) && item->valuestring[0] == '\0');
		else
			check_cjson_string(item, msgp, strlen(msg));
	}

	item = cJSON_GetObjectItemCaseSensitive(doc, "body");
	if (!r.with_body) {
		CHECK(item == NULL);
	} else if (body_utf8) {
		check_cjson_string(item, bodyp, bodylen);
		CHECK(cJSON_GetObjectItemCaseSensitive(doc, "body_encoding") ==
		    NULL);
	} else {
		cJSON *enc = cJSON_GetObjectItemCaseSensitive(doc,
		    "body_encoding");
		size_t declen;
		uint8_t *dec;

		CHECK(cJSON_IsString(enc) &&
		    strcmp(enc->valuestring, "base64") == 0);
		CHECK(cJSON_IsString(item));
		dec = b64decode(item->valuestring, strlen(item->valuestring),
		    &declen);
		CHECK(dec != NULL);
		CHECK(declen == bodylen && memcmp(dec, bodyp, bodylen) == 0);
		free(dec);
	}

	/* Whatever the buffer held before is left alone. */
	if (flags & 16)
		CHECK(strncmp(b.data, "{\"earlier\":1}\n{", 15) == 0);

	cJSON_Delete(doc);
	buf_free(&b);
	free(url);
	free(msg);
	free(fu);
	free(ct);
	free(body);
}

/* json_base64 on its own, on the raw bytes: decodes back exactly. */
static void
check_base64(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	size_t declen;
	uint8_t *dec;

	json_base64(&b, data, size);
	CHECK(b.len >= 2 && b.data[0] == '"' && b.data[b.len - 1] == '"');
	CHECK(b.len - 2 == (size + 2) / 3 * 4);
	dec = b64decode(b.data + 1, b.len - 2, &declen);
	CHECK(dec != NULL);
	CHECK(declen == size && memcmp(dec, data, size) == 0);
	free(dec);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CHECK(utf8_valid((const char *)data, size) ==
	    ref_utf8_valid(data, size));
	check_json_string(data, size);
	check_base64(data, size);
	check_result(data, size);
	return 0;
}
