/* Unit tests of the JSON text scrape writes: json_string, json_base64 and
 * the result line, each checked against cJSON as an independent reader. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "errkind.h"
#include "json.h"
#include "result.h"

/* An assertion for hot loops: ck_assert records its place on every call,
 * which makes thousands of rounds slow under valgrind. */
#define REQUIRE(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

static struct buf B = BUF_INIT;

static void
teardown(void)
{
	buf_free(&B);
}

/* ---- independent references ------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), 0 if
 * there is none. */
static size_t
ref_seq_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
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

static bool
ref_valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n > 0) {
		size_t k = ref_seq_len(p, n);

		if (k == 0)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* What a reader must get back: valid sequences as they are, every byte
 * that does not start one replaced by U+FFFD.  Caller frees. */
static char *
ref_sanitize(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(3 * n + 1), *o = out;

	REQUIRE(out != NULL, "out of memory");
	while (n > 0) {
		size_t k = ref_seq_len(p, n);

		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		} else {
			memcpy(o, p, k);
			o += k;
		}
		p += k;
		n -= k;
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

static int
b64_value(char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Strict padded base64 decoding; false for anything malformed. */
static bool
b64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(s), o = 0;
	unsigned char *d;

	if (n % 4 != 0)
		return false;
	d = malloc(n / 4 * 3 + 1);
	REQUIRE(d != NULL, "out of memory");
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;

		for (int j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad > 0 ||
			    (v[j] = b64_value(s[i + j])) < 0) {
				free(d);
				return false;
			}
		}
		d[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			d[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			d[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	*out = d;
	*outlen = o;
	return true;
}

/* Parse text[0..len) as one whole JSON document; text[len] is its NUL. */
static cJSON *
parse_exact(const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *j;

	REQUIRE(text[len] == '\0', "text not terminated");
	j = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	REQUIRE(j != NULL, "not valid JSON: %s", text);
	return j;
}

/* A fixed-seed generator: the same bytes on every run and machine. */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * UINT64_C(2685821657736338717);
}

static size_t
put_utf8(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Up to max bytes of a mix that JSON and UTF-8 find hard: controls, NUL,
 * quotes, backslashes, stray high bytes, truncated and valid sequences. */
static size_t
random_bytes(unsigned char *p, size_t max, bool allow_nul)
{
	size_t n = (size_t)(rng() % (max + 1)), i = 0;

	while (i < n) {
		uint64_t r = rng();
		unsigned char tmp[4];
		size_t k;

		switch (r % 8) {
		case 0:
			p[i++] = (unsigned char)(r >> 8);       /* any byte */
			break;
		case 1:
			p[i++] = (unsigned char)(r >> 8 & 0x1f); /* control */
			break;
		case 2:
			p[i++] = "\"\\/\x7f"[r >> 8 & 3];
			break;
		case 3:
			p[i++] = (unsigned char)(0x80 | (r >> 8 & 0x7f));
			break;
		case 4: case 5: {                  /* a valid code point */
			uint32_t cp = (uint32_t)(r >> 8) % 0x110000;

			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			k = put_utf8(tmp, cp);
			if (r >> 40 & 1)           /* sometimes cut short */
				k = k > 1 ? k - 1 : k;
			for (size_t j = 0; j < k && i < n; j++)
				p[i++] = tmp[j];
			break;
		}
		default:
			p[i++] = (unsigned char)(' ' + (r >> 8) % 95);
			break;
		}
	}
	if (!allow_nul)
		for (i = 0; i < n; i++)
			if (p[i] == 0)
				p[i] = 'N';
	return n;
}

/* ---- json_string ------------------------------------------------------- */

static bool
has_raw_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return true;
	return false;
}

static const char *
js(const char *s, size_t n)
{
	buf_reset(&B);
	json_string(&B, s, n);
	REQUIRE(B.data != NULL, "nothing written");
	return B.data;
}
#define JS(lit) js((lit), sizeof(lit) - 1)

START_TEST(test_string_plain)
{
	ck_assert_str_eq(JS(""), "\"\"");
	ck_assert_str_eq(JS("abc"), "\"abc\"");
	ck_assert_str_eq(JS("http://example.com/?a=1&b=2"),
	    "\"http://example.com/?a=1&b=2\"");
	ck_assert_uint_eq(B.len, strlen(B.data));
}
END_TEST

START_TEST(test_string_quote_and_backslash)
{
	ck_assert_str_eq(JS("a\"b"), "\"a\\\"b\"");
	ck_assert_str_eq(JS("a\\b"), "\"a\\\\b\"");
	ck_assert_str_eq(JS("\"\\\""), "\"\\\"\\\\\\\"\"");
	ck_assert_str_eq(JS("\\u0041"), "\"\\\\u0041\"");
}
END_TEST

START_TEST(test_string_short_escapes)
{
	ck_assert_str_eq(JS("\n"), "\"\\n\"");
	ck_assert_str_eq(JS("\r"), "\"\\r\"");
	ck_assert_str_eq(JS("\t"), "\"\\t\"");
	ck_assert_str_eq(JS("\b"), "\"\\b\"");
	ck_assert_str_eq(JS("\f"), "\"\\f\"");
	ck_assert_str_eq(JS("a\r\nb"), "\"a\\r\\nb\"");
}
END_TEST

START_TEST(test_string_other_controls_as_u00xx)
{
	ck_assert_str_eq(JS("\x01"), "\"\\u0001\"");
	ck_assert_str_eq(JS("\x0b"), "\"\\u000b\"");
	ck_assert_str_eq(JS("\x1b[0m"), "\"\\u001b[0m\"");
	ck_assert_str_eq(JS("\x1f"), "\"\\u001f\"");
	ck_assert_str_eq(JS("\x1a"), "\"\\u001a\"");
}
END_TEST

START_TEST(test_string_nul_inside)
{
	ck_assert_str_eq(JS("a\0b"), "\"a\\u0000b\"");
	ck_assert_str_eq(JS("\0"), "\"\\u0000\"");
	ck_assert_uint_eq(B.len, 8);
	ck_assert_str_eq(JS("\0\0"), "\"\\u0000\\u0000\"");
}
END_TEST

START_TEST(test_string_del_passes)
{
	ck_assert_str_eq(JS("a\x7f" "b"), "\"a\x7f" "b\"");
}
END_TEST

/* Every control byte: escaped (no raw byte below 0x20 in the output),
 * and read back as itself. */
START_TEST(test_string_every_control_byte)
{
	char in[3] = { 'x', (char)_i, 'y' };
	const char *out = js(in, 3);
	cJSON *j;

	ck_assert_msg(!has_raw_control(out, B.len),
	    "raw control byte in the output for 0x%02x", _i);
	j = parse_exact(B.data, B.len);
	ck_assert(cJSON_IsString(j));
	if (_i != 0)
		ck_assert_mem_eq(j->valuestring, in, 3);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_string_multibyte_unchanged)
{
	ck_assert_str_eq(JS("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	ck_assert_str_eq(JS("\xe2\x82\xac"), "\"\xe2\x82\xac\"");
	ck_assert_str_eq(JS("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
	ck_assert_str_eq(JS("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"
	    "\xee\x80\x80\xef\xbf\xbd\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
	    "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"
	    "\xee\x80\x80\xef\xbf\xbd\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
	ck_assert_str_eq(JS("\xe2\x80\xa8\xe2\x80\xa9"),
	    "\"\xe2\x80\xa8\xe2\x80\xa9\"");
}
END_TEST

#define FFFD "\xef\xbf\xbd"

START_TEST(test_string_invalid_bytes_become_fffd)
{
	ck_assert_str_eq(JS("\x80"), "\"" FFFD "\"");
	ck_assert_str_eq(JS("a\xff" "b"), "\"a" FFFD "b\"");
	ck_assert_str_eq(JS("\xff\xfe"), "\"" FFFD FFFD "\"");
	ck_assert_str_eq(JS("\xc0\x80"), "\"" FFFD FFFD "\"");
	ck_assert_str_eq(JS("\xed\xa0\x80"), "\"" FFFD FFFD FFFD "\"");
	ck_assert_str_eq(JS("\xf5\x80\x80\x80"),
	    "\"" FFFD FFFD FFFD FFFD "\"");
	ck_assert_str_eq(JS("\xf4\x90\x80\x80"),
	    "\"" FFFD FFFD FFFD FFFD "\"");
	ck_assert_str_eq(JS("a\xe2\x82"), "\"a" FFFD FFFD "\"");
	ck_assert_str_eq(JS("\xe2\x82x"), "\"" FFFD FFFD "x\"");
	ck_assert_str_eq(JS("\x80\xc3\xa9"), "\"" FFFD "\xc3\xa9\"");
	ck_assert_str_eq(JS("caf\xe9"), "\"caf" FFFD "\"");
	ck_assert_str_eq(JS("\xc3\""), "\"" FFFD "\\\"\"");
}
END_TEST

START_TEST(test_string_appends)
{
	buf_reset(&B);
	buf_puts(&B, "[");
	json_string(&B, "a", 1);
	buf_putc(&B, ',');
	json_string(&B, "b\n", 2);
	buf_putc(&B, ']');
	ck_assert_str_eq(B.data, "[\"a\",\"b\\n\"]");
}
END_TEST

START_TEST(test_string_round_trips)
{
	static const char *const samples[] = {
		"", "plain", "with \"quotes\" and \\backslashes\\",
		"tab\there\nnewline\rcr\bbs\fff", "\x01\x02\x03\x1e\x1f",
		"/slash/", "\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"http://example.com/a?b=c&d=%20#f", "\\u0000 is not NUL",
	};

	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		cJSON *j;

		js(samples[i], strlen(samples[i]));
		j = parse_exact(B.data, B.len);
		ck_assert(cJSON_IsString(j));
		ck_assert_str_eq(j->valuestring, samples[i]);
		cJSON_Delete(j);
	}
}
END_TEST

/* Many random byte strings: always one valid JSON string, always valid
 * UTF-8 once decoded, and exactly the input with bad bytes replaced. */
START_TEST(test_string_random_stress)
{
	unsigned char in[96];

	rng_state = UINT64_C(0x5c7a9e5eed2024);
	for (int round = 0; round < 20000; round++) {
		size_t n = random_bytes(in, sizeof in, round % 2 == 0);
		size_t wantlen, gotlen;
		char *want;
		cJSON *j;

		js((const char *)in, n);
		REQUIRE(ref_valid_utf8(B.data, B.len),
		    "round %d: output is not UTF-8", round);
		REQUIRE(!has_raw_control(B.data, B.len),
		    "round %d: raw control byte in output", round);
		j = parse_exact(B.data, B.len);
		REQUIRE(cJSON_IsString(j), "round %d: not a string", round);
		gotlen = strlen(j->valuestring);
		REQUIRE(ref_valid_utf8(j->valuestring, gotlen),
		    "round %d: decoded string is not UTF-8", round);
		/* cJSON stops a string at \u0000: compare up to there */
		want = ref_sanitize((const char *)in, n, &wantlen);
		if (strlen(want) < wantlen)
			wantlen = strlen(want);
		REQUIRE(gotlen == wantlen &&
		    memcmp(j->valuestring, want, wantlen) == 0,
		    "round %d: decoded string differs from the input", round);
		free(want);
		cJSON_Delete(j);
	}
}
END_TEST

/* ---- json_base64 ------------------------------------------------------- */

static const char *
b64(const void *p, size_t n)
{
	buf_reset(&B);
	json_base64(&B, p, n);
	REQUIRE(B.data != NULL, "nothing written");
	return B.data;
}

START_TEST(test_base64_rfc4648_vectors)
{
	ck_assert_str_eq(b64("", 0), "\"\"");
	ck_assert_str_eq(b64("f", 1), "\"Zg==\"");
	ck_assert_str_eq(b64("fo", 2), "\"Zm8=\"");
	ck_assert_str_eq(b64("foo", 3), "\"Zm9v\"");
	ck_assert_str_eq(b64("foob", 4), "\"Zm9vYg==\"");
	ck_assert_str_eq(b64("fooba", 5), "\"Zm9vYmE=\"");
	ck_assert_str_eq(b64("foobar", 6), "\"Zm9vYmFy\"");
}
END_TEST

START_TEST(test_base64_all_bytes)
{
	unsigned char all[256];

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	ck_assert_str_eq(b64(all, sizeof all), "\""
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss"
	    "LS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZ"
	    "WltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWG"
	    "h4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKz"
	    "tLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g"
	    "4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==\"");
	ck_assert_str_eq(b64("\xff\xfe\xfd", 3), "\"//79\"");
	ck_assert_str_eq(b64("\0", 1), "\"AA==\"");
}
END_TEST

/* Every length up to 300: valid JSON, decodes back to the bytes. */
START_TEST(test_base64_round_trip_lengths)
{
	unsigned char in[300];

	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof in; n++) {
		unsigned char *out;
		size_t outlen;
		cJSON *j;

		b64(in, n);
		ck_assert_uint_eq(B.len, (n + 2) / 3 * 4 + 2);
		j = parse_exact(B.data, B.len);
		ck_assert(cJSON_IsString(j));
		ck_assert_msg(b64_decode(j->valuestring, &out, &outlen),
		    "length %zu: not base64: %s", n, j->valuestring);
		ck_assert_uint_eq(outlen, n);
		ck_assert(n == 0 || memcmp(out, in, n) == 0);
		free(out);
		cJSON_Delete(j);
	}
}
END_TEST

/* ---- result_format ----------------------------------------------------- */

static const char *
fmt(const struct result *r)
{
	buf_reset(&B);
	result_format(&B, r);
	REQUIRE(B.data != NULL, "nothing written");
	return B.data;
}

/* The checks every line must pass; returns the parsed object. */
static cJSON *
check_line(const struct result *r)
{
	static const char *const keys[] = { "url", "ok", "status", "attempts",
	    "elapsed_ms", "bytes", "final_url", "content_type", "error",
	    "body", "body_encoding" };
	const char *line = fmt(r);
	size_t len = B.len;
	cJSON *j, *item;
	size_t k = 0;

	REQUIRE(len > 1, "empty line");
	REQUIRE(line[len - 1] == '\n', "line does not end in newline");
	REQUIRE(memchr(line, '\n', len - 1) == NULL,
	    "newline inside the line: %s", line);
	REQUIRE(line[len - 2] != '\n' && line[len - 2] != '\r',
	    "more than one line ending");
	REQUIRE(ref_valid_utf8(line, len), "line is not UTF-8");
	j = parse_exact(line, len);
	REQUIRE(cJSON_IsObject(j), "not an object: %s", line);
	/* the fields, in the order SPEC.md shows them */
	cJSON_ArrayForEach(item, j) {
		REQUIRE(k < sizeof keys / sizeof keys[0],
		    "extra field \"%s\"", item->string);
		REQUIRE(k < 9 || r->with_body, "field \"%s\" without --body",
		    item->string);
		REQUIRE(strcmp(item->string, keys[k]) == 0,
		    "field %zu is \"%s\", want \"%s\"", k, item->string,
		    keys[k]);
		k++;
	}
	REQUIRE(k >= (r->with_body ? 10u : 9u), "only %zu fields: %s", k,
	    line);
	REQUIRE(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(j, "ok")),
	    "ok is not a boolean: %s", line);
	REQUIRE(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j,
	    "attempts")), "attempts is not a number: %s", line);
	REQUIRE(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j,
	    "elapsed_ms")), "elapsed_ms is not a number: %s", line);
	REQUIRE(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j,
	    "bytes")), "bytes is not a number: %s", line);
	REQUIRE(r->status > 0 ? cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(
	    j, "status")) : cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j,
	    "status")), "status is wrong: %s", line);
	/* error is null exactly when ok is true */
	REQUIRE(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
	    "ok")) == cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j,
	    "error")), "error is null exactly when ok is true: %s", line);
	return j;
}

START_TEST(test_result_ok_line)
{
	struct result r = {
		.url = "http://example.com/", .url_len = 19, .status = 200,
		.attempts = 1, .elapsed_ms = 12.7, .bytes = 5120,
		.final_url = "http://example.com/",
		.content_type = "text/html", .kind = ERR_NONE,
	};
	cJSON *j;

	ck_assert_str_eq(fmt(&r), "{\"url\":\"http://example.com/\","
	    "\"ok\":true,\"status\":200,\"attempts\":1,\"elapsed_ms\":12.7,"
	    "\"bytes\":5120,\"final_url\":\"http://example.com/\","
	    "\"content_type\":\"text/html\",\"error\":null}\n");
	j = check_line(&r);
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j,
	    "status")->valueint, 200);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_error_line)
{
	struct result r = {
		.url = "http://nowhere.invalid/", .url_len = 23, .status = 0,
		.attempts = 4, .elapsed_ms = 3000, .bytes = 0,
		.final_url = NULL, .content_type = NULL, .kind = ERR_DNS,
		.message = "Could not resolve host: nowhere.invalid",
	};
	cJSON *j, *e;

	ck_assert_str_eq(fmt(&r), "{\"url\":\"http://nowhere.invalid/\","
	    "\"ok\":false,\"status\":null,\"attempts\":4,"
	    "\"elapsed_ms\":3000.0,\"bytes\":0,\"final_url\":null,"
	    "\"content_type\":null,\"error\":{\"kind\":\"dns\","
	    "\"message\":\"Could not resolve host: nowhere.invalid\"}}\n");
	j = check_line(&r);
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	ck_assert(cJSON_IsObject(e));
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(e,
	    "kind")->valuestring, "dns");
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_http_error_line)
{
	struct result r = {
		.url = "https://example.com/missing", .url_len = 27,
		.status = 404, .attempts = 1, .elapsed_ms = 8.3,
		.bytes = 162, .final_url = "https://example.com/missing",
		.content_type = "text/html; charset=\"utf-8\"",
		.kind = ERR_HTTP, .message = "HTTP 404",
	};
	cJSON *j;

	ck_assert_str_eq(fmt(&r), "{\"url\":\"https://example.com/missing\","
	    "\"ok\":false,\"status\":404,\"attempts\":1,\"elapsed_ms\":8.3,"
	    "\"bytes\":162,\"final_url\":\"https://example.com/missing\","
	    "\"content_type\":\"text/html; charset=\\\"utf-8\\\"\","
	    "\"error\":{\"kind\":\"http\",\"message\":\"HTTP 404\"}}\n");
	j = check_line(&r);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j,
	    "content_type")->valuestring, "text/html; charset=\"utf-8\"");
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_invalid_url_line)
{
	struct result r = {
		.url = "http://a/\xff\x01\"", .url_len = 12, .attempts = 0,
		.kind = ERR_INVALID_URL,
		.message = "line holds a control character",
	};
	cJSON *j;

	ck_assert_str_eq(fmt(&r), "{\"url\":\"http://a/" FFFD "\\u0001\\\"\","
	    "\"ok\":false,\"status\":null,\"attempts\":0,\"elapsed_ms\":0.0,"
	    "\"bytes\":0,\"final_url\":null,\"content_type\":null,"
	    "\"error\":{\"kind\":\"invalid_url\","
	    "\"message\":\"line holds a control character\"}}\n");
	j = check_line(&r);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j,
	    "url")->valuestring, "http://a/" FFFD "\x01\"");
	cJSON_Delete(j);
}
END_TEST

/* The url field is the line as given, length and all: a NUL inside
 * does not cut it short. */
START_TEST(test_result_url_uses_length)
{
	struct result r = {
		.url = "http://a/\0tail-not-included", .url_len = 14,
		.attempts = 0, .kind = ERR_INVALID_URL, .message = "m",
	};
	cJSON *j;

	ck_assert_ptr_nonnull(strstr(fmt(&r),
	    "\"url\":\"http://a/\\u0000tail\""));
	j = check_line(&r);
	cJSON_Delete(j);
}
END_TEST

/* Not redirected, final_url is the url itself (the same pointer), and
 * written the same, escapes and all; up to a NUL, as any C string. */
START_TEST(test_result_final_url_is_url)
{
	static const char url[] = "http://a/\"q\"\x01\xff/\0tail";
	struct result r = {
		.url = url, .url_len = 16, .status = 200, .attempts = 1,
		.kind = ERR_NONE,
	};
	const char *line;

	r.final_url = r.url;
	r.url_len = 15;
	line = fmt(&r);
	ck_assert_ptr_nonnull(strstr(line, "\"url\":\"http://a/\\\"q\\\""
	    "\\u0001" FFFD "/\",\"ok\""));
	ck_assert_ptr_nonnull(strstr(line, "\"final_url\":\"http://a/"
	    "\\\"q\\\"\\u0001" FFFD "/\",\"content_type\""));
	cJSON_Delete(check_line(&r));
	r.url_len = 20;
	line = fmt(&r);
	ck_assert_ptr_nonnull(strstr(line, "\"url\":\"http://a/\\\"q\\\""
	    "\\u0001" FFFD "/\\u0000tail\",\"ok\""));
	ck_assert_ptr_nonnull(strstr(line, "\"final_url\":\"http://a/"
	    "\\\"q\\\"\\u0001" FFFD "/\",\"content_type\""));
	cJSON_Delete(check_line(&r));
}
END_TEST

START_TEST(test_result_newlines_escaped)
{
	struct result r = {
		.url = "http://a/\n", .url_len = 10, .status = 503,
		.attempts = 4, .elapsed_ms = 1.5, .final_url = "http://a/\r\n",
		.content_type = "text/plain\n", .kind = ERR_HTTP,
		.message = "HTTP 503\nService Unavailable\r\n",
		.with_body = true, .body = "\n\n", .body_len = 2,
	};
	cJSON *j = check_line(&r);

	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j,
	    "body")->valuestring, "\n\n");
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_text_body)
{
	struct result r = {
		.url = "http://example.com/", .url_len = 19, .status = 200,
		.attempts = 1, .elapsed_ms = 1.0, .bytes = 14,
		.final_url = "http://example.com/",
		.content_type = "text/html", .kind = ERR_NONE,
		.with_body = true, .body = "<p>caf\xc3\xa9</p>\n\t",
		.body_len = 14,
	};
	cJSON *j;

	ck_assert_str_eq(fmt(&r), "{\"url\":\"http://example.com/\","
	    "\"ok\":true,\"status\":200,\"attempts\":1,\"elapsed_ms\":1.0,"
	    "\"bytes\":14,\"final_url\":\"http://example.com/\","
	    "\"content_type\":\"text/html\",\"error\":null,"
	    "\"body\":\"<p>caf\xc3\xa9</p>\\n\\t\"}\n");
	j = check_line(&r);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(j,
	    "body_encoding"));
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_binary_body_base64)
{
	struct result r = {
		.url = "http://example.com/p.png", .url_len = 24, .status = 200,
		.attempts = 1, .elapsed_ms = 2.0, .bytes = 8,
		.final_url = "http://example.com/p.png",
		.content_type = "image/png", .kind = ERR_NONE,
		.with_body = true, .body = "\x89PNG\r\n\x1a\n", .body_len = 8,
	};
	cJSON *j;

	ck_assert_str_eq(fmt(&r), "{\"url\":\"http://example.com/p.png\","
	    "\"ok\":true,\"status\":200,\"attempts\":1,\"elapsed_ms\":2.0,"
	    "\"bytes\":8,\"final_url\":\"http://example.com/p.png\","
	    "\"content_type\":\"image/png\",\"error\":null,"
	    "\"body\":\"iVBORw0KGgo=\",\"body_encoding\":\"base64\"}\n");
	j = check_line(&r);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j,
	    "body_encoding")->valuestring, "base64");
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_empty_body)
{
	struct result r = {
		.url = "http://example.com/", .url_len = 19, .status = 204,
		.attempts = 1, .final_url = "http://example.com/",
		.kind = ERR_NONE, .with_body = true, .body = "", .body_len = 0,
	};
	cJSON *j;

	ck_assert_ptr_nonnull(strstr(fmt(&r),
	    ",\"error\":null,\"body\":\"\"}\n"));
	j = check_line(&r);
	cJSON_Delete(j);

	/* no body arrived at all (the caller passes an empty one): still
	 * "body":"" */
	r.status = 0;
	r.kind = ERR_CONNECT;
	r.message = "Connection refused";
	r.final_url = NULL;
	ck_assert_ptr_nonnull(strstr(fmt(&r),
	    "\"Connection refused\"},\"body\":\"\"}\n"));
	j = check_line(&r);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(j,
	    "body_encoding"));
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_no_body_without_flag)
{
	struct result r = {
		.url = "http://example.com/", .url_len = 19, .status = 200,
		.attempts = 1, .final_url = "http://example.com/",
		.kind = ERR_NONE, .with_body = false, .body = "\xff\xfe",
		.body_len = 2,
	};
	cJSON *j;

	ck_assert_ptr_null(strstr(fmt(&r), "body"));
	j = check_line(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_result_error_body_on_every_line)
{
	struct result r = {
		.url = "http://example.com/", .url_len = 19, .status = 500,
		.attempts = 4, .final_url = "http://example.com/",
		.kind = ERR_HTTP, .message = "HTTP 500", .with_body = true,
		.body = "oops", .body_len = 4,
	};
	cJSON *j;

	ck_assert_ptr_nonnull(strstr(fmt(&r),
	    "\"message\":\"HTTP 500\"},\"body\":\"oops\"}\n"));
	j = check_line(&r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_errkind_names)
{
	ck_assert_str_eq(errkind_name(ERR_DNS), "dns");
	ck_assert_str_eq(errkind_name(ERR_CONNECT), "connect");
	ck_assert_str_eq(errkind_name(ERR_TIMEOUT), "timeout");
	ck_assert_str_eq(errkind_name(ERR_TLS), "tls");
	ck_assert_str_eq(errkind_name(ERR_RESET), "reset");
	ck_assert_str_eq(errkind_name(ERR_HTTP), "http");
	ck_assert_str_eq(errkind_name(ERR_REDIRECT), "redirect");
	ck_assert_str_eq(errkind_name(ERR_TOO_LARGE), "too_large");
	ck_assert_str_eq(errkind_name(ERR_INVALID_URL), "invalid_url");
	ck_assert_str_eq(errkind_name(ERR_CANCELLED), "cancelled");
	for (int k = ERR_NONE + 1; k < ERR_KIND_COUNT; k++) {
		const char *name = errkind_name((enum errkind)k);

		ck_assert_ptr_nonnull(name);
		ck_assert_msg(name[0] != '\0', "kind %d has no name", k);
		for (const char *p = name; *p != '\0'; p++)
			ck_assert_msg((*p >= 'a' && *p <= 'z') || *p == '_',
			    "kind name \"%s\" needs escaping", name);
		for (int m = ERR_NONE + 1; m < k; m++)
			ck_assert_str_ne(name, errkind_name((enum errkind)m));
	}
}
END_TEST

/* Random urls, messages and bodies: every line is one valid JSON object
 * and gives the bytes back (as text or as base64). */
START_TEST(test_result_random_stress)
{
	unsigned char url[64], msg[48], body[128];

	rng_state = UINT64_C(0xb0d1e5c0ffee);
	for (int round = 0; round < 3000; round++) {
		size_t ulen = random_bytes(url, sizeof url - 1, true);
		size_t mlen = random_bytes(msg, sizeof msg - 1, false);
		size_t blen = random_bytes(body, sizeof body, true);
		struct result r = {
			.url = (const char *)url, .url_len = ulen,
			.status = (long)(rng() % 3 ? 100 + rng() % 500 : 0),
			.attempts = (long)(rng() % 102),
			.elapsed_ms = (double)(rng() % 10000000) / 100,
			.bytes = rng() >> (rng() % 64),
			.kind = (enum errkind)(rng() % ERR_KIND_COUNT),
			.message = (const char *)msg,
			.with_body = rng() % 4 != 0,
			.body = (const char *)body, .body_len = blen,
		};
		cJSON *j, *b, *enc;
		size_t wantlen;
		char *want;

		msg[mlen] = '\0';
		r.final_url = rng() % 2 ? (const char *)msg : NULL;
		r.content_type = rng() % 2 ? "text/plain" : NULL;
		j = check_line(&r);

		/* cJSON ends a string at \u0000: compare NUL-free ones */
		want = ref_sanitize((const char *)url, ulen, &wantlen);
		if (strlen(want) == wantlen)
			REQUIRE(strcmp(cJSON_GetObjectItemCaseSensitive(j,
			    "url")->valuestring, want) == 0,
			    "round %d: url differs", round);
		free(want);

		b = cJSON_GetObjectItemCaseSensitive(j, "body");
		enc = cJSON_GetObjectItemCaseSensitive(j, "body_encoding");
		if (!r.with_body) {
			REQUIRE(b == NULL, "round %d: body without --body",
			    round);
		} else if (enc != NULL) {
			unsigned char *dec;
			size_t declen;

			REQUIRE(strcmp(enc->valuestring, "base64") == 0,
			    "round %d: body_encoding %s", round,
			    enc->valuestring);
			REQUIRE(!ref_valid_utf8((const char *)body, blen),
			    "round %d: UTF-8 body sent as base64", round);
			REQUIRE(b64_decode(b->valuestring, &dec, &declen),
			    "round %d: body is not base64", round);
			REQUIRE(declen == blen &&
			    (blen == 0 || memcmp(dec, body, blen) == 0),
			    "round %d: base64 body decodes wrong", round);
			free(dec);
		} else {
			REQUIRE(ref_valid_utf8((const char *)body, blen),
			    "round %d: non-UTF-8 body sent as text", round);
			REQUIRE(memchr(body, '\0', blen) != NULL ||
			    (strlen(b->valuestring) == blen &&
			    memcmp(b->valuestring, body, blen) == 0),
			    "round %d: text body differs", round);
		}
		cJSON_Delete(j);
	}
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *ts = tcase_create("string");
	TCase *tb = tcase_create("base64");
	TCase *tr = tcase_create("result");

	tcase_add_checked_fixture(ts, NULL, teardown);
	tcase_add_test(ts, test_string_plain);
	tcase_add_test(ts, test_string_quote_and_backslash);
	tcase_add_test(ts, test_string_short_escapes);
	tcase_add_test(ts, test_string_other_controls_as_u00xx);
	tcase_add_test(ts, test_string_nul_inside);
	tcase_add_test(ts, test_string_del_passes);
	tcase_add_loop_test(ts, test_string_every_control_byte, 0, 0x20);
	tcase_add_test(ts, test_string_multibyte_unchanged);
	tcase_add_test(ts, test_string_invalid_bytes_become_fffd);
	tcase_add_test(ts, test_string_appends);
	tcase_add_test(ts, test_string_round_trips);
	tcase_add_test(ts, test_string_random_stress);
	suite_add_tcase(s, ts);

	tcase_add_checked_fixture(tb, NULL, teardown);
	tcase_add_test(tb, test_base64_rfc4648_vectors);
	tcase_add_test(tb, test_base64_all_bytes);
	tcase_add_test(tb, test_base64_round_trip_lengths);
	suite_add_tcase(s, tb);

	tcase_add_checked_fixture(tr, NULL, teardown);
	tcase_add_test(tr, test_result_ok_line);
	tcase_add_test(tr, test_result_error_line);
	tcase_add_test(tr, test_result_http_error_line);
	tcase_add_test(tr, test_result_invalid_url_line);
	tcase_add_test(tr, test_result_url_uses_length);
	tcase_add_test(tr, test_result_final_url_is_url);
	tcase_add_test(tr, test_result_newlines_escaped);
	tcase_add_test(tr, test_result_text_body);
	tcase_add_test(tr, test_result_binary_body_base64);
	tcase_add_test(tr, test_result_empty_body);
	tcase_add_test(tr, test_result_no_body_without_flag);
	tcase_add_test(tr, test_result_error_body_on_every_line);
	tcase_add_test(tr, test_errkind_names);
	tcase_add_test(tr, test_result_random_stress);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	buf_free(&B);
	return failures ? 1 : 0;
}
