#include "config.h"
#include "regex.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "json.h"
#include "utf8.h"
#include "xmalloc.h"

struct regex {
	char *name;
	pcre2_code *code;
	int value;          /* the group whose text is a match's value */
};

struct regex_set {
	struct regex *v;
	size_t n;
	size_t cap;
	/* Only read while matching, so that threads may share it.  The
	 * depth limit is left at PCRE2's default, the match limit. */
	pcre2_match_context *mctx;
};

struct regex_set *
regex_set_new(void)
{
	struct regex_set *r = xcalloc(1, sizeof *r);

	r->mctx = xcheck(pcre2_match_context_create(NULL));
	pcre2_set_match_limit(r->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_heap_limit(r->mctx, REGEX_HEAP_LIMIT);
	return r;
}

static bool
regex_under_valgrind(void)
{
#ifdef HAVE_VALGRIND_VALGRIND_H
	return RUNNING_ON_VALGRIND != 0;
#else
	return false;
#endif
}

bool
regex_set_add(struct regex_set *r, const char *spec, char *err,
    size_t errlen)
{
	const char *eq = strchr(spec, '=');
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	uint32_t groups;
	struct regex *re;
	char *name;
	int code_err;

	if (eq == NULL) {
		snprintf(err, errlen, "'%s': not NAME=PATTERN", spec);
		return false;
	}
	if (eq == spec) {
		snprintf(err, errlen, "'%s': the NAME is empty", spec);
		return false;
	}
	name = xmemdup0(spec, (size_t)(eq - spec));
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].name, name) == 0) {
			snprintf(err, errlen, "'%s': NAME '%s' is used twice",
			    spec, name);
			free(name);
			return false;
		}
	}
	code = pcre2_compile((PCRE2_SPTR)(eq + 1), PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C, &code_err, &off,
	    NULL);
	if (code == NULL) {
		pcre2_get_error_message(code_err, msg, sizeof msg);
		snprintf(err, errlen, "'%s': %s at offset %zu of the pattern",
		    spec, (const char *)msg, (size_t)off);
		free(name);
		return false;
	}
	/* Without JIT (none for this CPU, or no memory for it) the
	 * interpreter finds the same matches, more slowly.  Under valgrind
	 * it is the interpreter: memcheck cannot follow JIT-made code and
	 * reports its reads as errors. */
	if (!regex_under_valgrind())
		pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 4;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	re = &r->v[r->n++];
	re->name = name;
	re->code = code;
	re->value = groups > 0 ? 1 : 0;
	return true;
}

size_t
regex_set_count(const struct regex_set *r)
{
	return r->n;
}

void
regex_set_free(struct regex_set *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		pcre2_code_free(r->v[i].code);
	}
	free(r->v);
	pcre2_match_context_free(r->mctx);
	free(r);
}

/*
 * One search from start; the text was checked for UTF-8 once, not again
 * on every call.  JIT code runs on a 32 KiB stack of its own: a search
 * that needs more is done again by the interpreter, which the heap limit
 * governs, rather than cut short.
 */
static int
regex_search(const struct regex_set *r, const struct regex *re,
    const char *text, size_t len, size_t start, uint32_t opts,
    pcre2_match_data *md)
{
	int rc;

	opts |= PCRE2_NO_UTF_CHECK;
	rc = pcre2_match(re->code, (PCRE2_SPTR)text, len, start, opts, md,
	    r->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(re->code, (PCRE2_SPTR)text, len, start,
		    opts | PCRE2_NO_JIT, md, r->mctx);
	return rc;
}

/* Where the UTF-8 character after the one at i starts. */
static size_t
regex_next_char(const char *text, size_t len, size_t i)
{
	do
		i++;
	while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80);
	return i;
}

/* The comma-separated values of one NAME, as pcre2demo.c walks the
 * matches. */
static void
regex_values(const struct regex_set *r, const struct regex *re,
    const char *text, size_t len, pcre2_match_data *md, struct buf *out)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	size_t start = 0, used = 0, count = 0, n;
	uint32_t opts = 0;
	int rc, g = re->value;

	for (;;) {
		rc = regex_search(r, re, text, len, start, opts, md);
		if (rc == PCRE2_ERROR_NOMATCH && opts != 0) {
			/* Only the empty match was here: one character on. */
			if (start >= len)
				break;
			start = regex_next_char(text, len, start);
			opts = 0;
			continue;
		}
		/* No more matches, or a limit was hit. */
		if (rc < 0)
			break;
		if (ov[2 * g] != PCRE2_UNSET) {
			n = ov[2 * g + 1] - ov[2 * g];
			if (n > len - used)
				break;
			used += n;
			if (count++ > 0)
				buf_putc(out, ',');
			json_string(out, text + ov[2 * g], n);
		}
		/* After an empty match, look for a non-empty one at the same
		 * place before moving on. */
		start = ov[1];
		opts = ov[0] == ov[1] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED :
		    0;
	}
}

void
regex_set_run(const struct regex_set *r, const char *text, size_t len,
    struct buf *out)
{
	pcre2_match_data *md = NULL;
	bool valid = utf8_valid(text, len);

	/* Two pairs: the whole match and group 1, all a value needs. */
	if (valid)
		md = xcheck(pcre2_match_data_create(2, NULL));
	buf_puts(out, "\"regex\":{");
	for (size_t i = 0; i < r->n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		json_string(out, r->v[i].name, strlen(r->v[i].name));
		buf_puts(out, ":[");
		if (valid)
			regex_values(r, &r->v[i], text, len, md, out);
		buf_putc(out, ']');
	}
	buf_putc(out, '}');
	pcre2_match_data_free(md);
}
