/* libFuzzer target: the named patterns of --regex (src/regex.c).
 *
 * Input: the first line is the NAME=PATTERN spec (an embedded NUL ends
 * it), the rest the text, made valid UTF-8 the way the caller makes a
 * body (each bad byte U+FFFD).  Whatever the pattern, the answers are
 * held to what must hold: no crash, an error of one line that names the
 * spec, the same spec refused a second time, a member that is valid JSON
 * once wrapped in {} with the one NAME and an array of strings, each of
 * them text found in the body, together no longer than it; the raw text,
 * when it is not UTF-8, giving an empty array. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "regex.h"

#include "fuzz_util.h"

/* Longer texts find only slower inputs: the cost of a search is bounded
 * by the match limit, the searches by the text's length. */
#define MAX_TEXT 4096

/* {member} parsed; its "regex" object holds one array, under name. */
static cJSON *
parse_member(const struct buf *member, const char *name, cJSON **array)
{
	struct buf doc = BUF_INIT;
	const char *end = NULL;
	char *want;
	size_t wantlen;
	cJSON *root, *regex;

	buf_putc(&doc, '{');
	buf_append(&doc, member->data, member->len);
	buf_putc(&doc, '}');
	root = cJSON_ParseWithLengthOpts(doc.data, doc.len + 1, &end, 1);
	CHECK(root != NULL);
	CHECK(cJSON_IsObject(root));
	regex = cJSON_GetObjectItemCaseSensitive(root, "regex");
	CHECK(cJSON_IsObject(regex));
	CHECK(cJSON_GetArraySize(regex) == 1);
	*array = regex->child;
	CHECK(cJSON_IsArray(*array));
	want = ref_fffd(name, strlen(name), &wantlen);
	CHECK(strcmp((*array)->string, want) == 0);
	free(want);
	buf_free(&doc);
	return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t speclen = nl != NULL ? (size_t)(nl - data) : size;
	size_t rawlen = size - speclen - (nl != NULL), textlen, total = 0;
	const uint8_t *raw = data + speclen + (nl != NULL);
	char *spec, *name, *text, *rawcopy, err[1024] = "";
	struct regex_set *r = regex_set_new();
	struct buf out = BUF_INIT;
	cJSON *root, *array, *item;

	if (rawlen > MAX_TEXT)
		rawlen = MAX_TEXT;
	spec = fz_dup0(data, speclen);
	if (!regex_set_add(r, spec, err, sizeof err)) {
		CHECK(err[0] != '\0');
		CHECK(strchr(err, '\n') == NULL);
		CHECK(regex_set_count(r) == 0);
		goto out;
	}
	CHECK(regex_set_count(r) == 1);
	CHECK(!regex_set_add(r, spec, err, sizeof err));
	/* The message names the spec and NAME: a long one is cut short. */
	CHECK(strstr(err, "used twice") != NULL ||
	    2 * speclen + 64 > sizeof err);
	CHECK(regex_set_count(r) == 1);
	name = fz_dup0(spec, (size_t)(strchr(spec, '=') - spec));

	text = ref_fffd(raw, rawlen, &textlen);
	regex_set_run(r, text, textlen, &out);
	root = parse_member(&out, name, &array);
	cJSON_ArrayForEach(item, array) {
		const char *v = cJSON_GetStringValue(item);
		size_t n;

		/* cJSON stops at a NUL: what it gives is still in the text. */
		CHECK(v != NULL);
		n = strlen(v);
		CHECK(n == 0 || memmem(text, textlen, v, n) != NULL);
		total += n;
	}
	CHECK(total <= textlen);
	cJSON_Delete(root);

	if (!ref_utf8_valid(raw, rawlen)) {
		rawcopy = fz_dup(raw, rawlen);
		buf_reset(&out);
		regex_set_run(r, rawcopy, rawlen, &out);
		root = parse_member(&out, name, &array);
		CHECK(cJSON_GetArraySize(array) == 0);
		cJSON_Delete(root);
		free(rawcopy);
	}
	free(text);
	free(name);
out:
	buf_free(&out);
	regex_set_free(r);
	free(spec);
	return 0;
}
