/* Unit tests of the line reader: trimming, skipping, the control-byte and
 * UTF-8 checks and the 8192-byte cap, whole or fed in pieces. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "line.h"

static struct line *L;

/* What line_finish said about the last line, with a copy of its text
 * (line_finish's own pointer lasts only until the next append). */
static enum line_verdict got;
static char *got_text;
static size_t got_len, got_total;

static void
setup(void)
{
	L = line_new();
	ck_assert_ptr_nonnull(L);
}

static void
teardown(void)
{
	line_free(L);
	L = NULL;
	free(got_text);
	got_text = NULL;
}

/* Feed n bytes in pieces of `chunk` bytes (0: all at once), then finish. */
static enum line_verdict
judge_in(const char *p, size_t n, size_t chunk)
{
	const char *text = NULL;

	if (chunk == 0)
		chunk = n > 0 ? n : 1;
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;

		line_append(L, p + off, k);
	}
	got = line_finish(L, &text, &got_len, &got_total);
	ck_assert_ptr_nonnull(text);
	free(got_text);
	got_text = malloc(got_len + 1);
	ck_assert_ptr_nonnull(got_text);
	memcpy(got_text, text, got_len);
	got_text[got_len] = '\0';
	return got;
}

static enum line_verdict
judge(const char *p, size_t n)
{
	return judge_in(p, n, 0);
}

/* String literals, embedded NUL bytes included. */
#define JUDGE(lit) judge((lit), sizeof(lit) - 1)

static void
assert_text(const char *want, size_t n)
{
	ck_assert_uint_eq(got_len, n);
	ck_assert_msg(memcmp(got_text, want, n) == 0, "text is \"%s\", "
	    "want \"%s\"", got_text, want);
}
#define ASSERT_TEXT(lit) assert_text((lit), sizeof(lit) - 1)

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* prefix + n copies of c + suffix, in a fresh buffer of *len bytes. */
static char *
build(const char *prefix, char c, size_t n, const char *suffix,
    size_t *len)
{
	size_t a = strlen(prefix), b = strlen(suffix);
	char *s = malloc(a + n + b + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, a);
	memset(s + a, c, n);
	memcpy(s + a + n, suffix, b + 1);
	*len = a + n + b;
	return s;
}

START_TEST(test_plain_url)
{
	ck_assert_int_eq(JUDGE("http://example.com/"), LINE_URL);
	ASSERT_TEXT("http://example.com/");
	ck_assert_uint_eq(got_total, 19);
}
END_TEST

START_TEST(test_trims_blanks_both_ends)
{
	ck_assert_int_eq(JUDGE(" \t\r http://a/ \t\r"), LINE_URL);
	ASSERT_TEXT("http://a/");
	ck_assert_uint_eq(got_total, 9);

	ck_assert_int_eq(JUDGE("\t\thttp://a/x"), LINE_URL);
	ASSERT_TEXT("http://a/x");
	ck_assert_int_eq(JUDGE("http://a/x      "), LINE_URL);
	ASSERT_TEXT("http://a/x");
}
END_TEST

START_TEST(test_crlf_line_ending)
{
	ck_assert_int_eq(JUDGE("http://a/\r"), LINE_URL);
	ASSERT_TEXT("http://a/");
	ck_assert_uint_eq(got_total, 9);
	ck_assert_int_eq(JUDGE("  https://b/path?q=1 \r"), LINE_URL);
	ASSERT_TEXT("https://b/path?q=1");
}
END_TEST

START_TEST(test_blank_lines_skip)
{
	const char *text;
	size_t len, total;

	/* nothing appended at all */
	ck_assert_int_eq(line_finish(L, &text, &len, &total), LINE_SKIP);
	ck_assert_int_eq(JUDGE(""), LINE_SKIP);
	ck_assert_int_eq(JUDGE(" "), LINE_SKIP);
	ck_assert_int_eq(JUDGE("\t"), LINE_SKIP);
	ck_assert_int_eq(JUDGE("\r"), LINE_SKIP);
	ck_assert_int_eq(JUDGE(" \t\r \t  \r"), LINE_SKIP);
}
END_TEST

START_TEST(test_comments_skip)
{
	ck_assert_int_eq(JUDGE("#"), LINE_SKIP);
	ck_assert_int_eq(JUDGE("# a comment"), LINE_SKIP);
	ck_assert_int_eq(JUDGE("#http://a/"), LINE_SKIP);
	ck_assert_int_eq(JUDGE("   # indented"), LINE_SKIP);
	ck_assert_int_eq(JUDGE("\t\r # after blanks\r"), LINE_SKIP);
	/* comments are not checked further: controls and bad bytes too */
	ck_assert_int_eq(JUDGE("# \x01 \xff \t"), LINE_SKIP);
}
END_TEST

START_TEST(test_hash_later_is_not_a_comment)
{
	ck_assert_int_eq(JUDGE("http://a/#frag"), LINE_URL);
	ASSERT_TEXT("http://a/#frag");
	ck_assert_int_eq(JUDGE("  http://a/ #x"), LINE_URL);
	ASSERT_TEXT("http://a/ #x");
	ck_assert_int_eq(JUDGE("x#"), LINE_URL);
	ASSERT_TEXT("x#");
}
END_TEST

/* Only space, tab and CR are trimmed; other white space is a control
 * character or, like U+00A0, just text. */
START_TEST(test_only_space_tab_cr_trimmed)
{
	ck_assert_int_eq(JUDGE("\vhttp://a/"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("http://a/\v"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("\fhttp://a/"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("http://a/\f"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE(" \x1c http://a/"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("http://a/\x1f "), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("http://a/\0"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("\0http://a/"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("\xc2\xa0http://a/"), LINE_URL);
	ASSERT_TEXT("\xc2\xa0http://a/");
}
END_TEST

START_TEST(test_nul_inside_is_control)
{
	ck_assert_int_eq(JUDGE("http://a/\0b"), LINE_CONTROL);
	ck_assert_uint_eq(got_len, 11);
	ck_assert_int_eq(JUDGE("  http://a/\0\0b  "), LINE_CONTROL);
}
END_TEST

START_TEST(test_tab_or_cr_inside_is_control)
{
	ck_assert_int_eq(JUDGE("http://a/\tb"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE(" \thttp://a/\t\tb\t "), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("http://a/\rb"), LINE_CONTROL);
	/* a space inside is not a control character */
	ck_assert_int_eq(JUDGE("http://a b/"), LINE_URL);
	ASSERT_TEXT("http://a b/");
}
END_TEST

START_TEST(test_del_is_control)
{
	ck_assert_int_eq(JUDGE("http://a/\x7f"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("\x7fhttp://a/"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("http://a/\x7fx"), LINE_CONTROL);
}
END_TEST

/* Every control byte, U+0000-U+001F and U+007F, in the middle of a line. */
START_TEST(test_every_control_byte_inside)
{
	char s[] = "http://a/?X=1";
	unsigned char c = _i == 0x20 ? 0x7f : (unsigned char)_i;

	s[10] = (char)c;
	ck_assert_msg(judge(s, sizeof s - 1) == LINE_CONTROL,
	    "byte 0x%02x inside a line: verdict %d", c, got);
}
END_TEST

struct sample {
	const char *s;
	size_t n;
};
#define S(lit) { (lit), sizeof(lit) - 1 }

static const struct sample bad_utf8[] = {
	S("http://a/\x80"),                 /* lone continuation byte */
	S("http://a/\xbf"),
	S("http://a/\x80\x80"),
	S("http://a/\xc0\x80"),             /* overlong NUL */
	S("http://a/\xc1\xbf"),             /* overlong '\x7f' */
	S("http://a/\xe0\x80\x80"),         /* overlong, 3 bytes */
	S("http://a/\xe0\x9f\xbf"),
	S("http://a/\xf0\x80\x80\x80"),     /* overlong, 4 bytes */
	S("http://a/\xf0\x8f\xbf\xbf"),
	S("http://a/\xed\xa0\x80"),         /* surrogate U+D800 */
	S("http://a/\xed\xbf\xbf"),         /* surrogate U+DFFF */
	S("http://a/\xed\xa0\xbd\xed\xb8\x80"), /* CESU-8 pair */
	S("http://a/\xf4\x90\x80\x80"),     /* above U+10FFFF */
	S("http://a/\xf5\x80\x80\x80"),
	S("http://a/\xf8\x88\x80\x80\x80"),
	S("http://a/\xfe"),
	S("http://a/\xff"),
	S("http://a/\xe2\x82"),             /* truncated at the end */
	S("http://a/\xe2\x82x"),            /* truncated, then ASCII */
	S("http://a/\xf0\x9f\x98"),
	S("http://a/\xc3"),
	S("\xc3 http://a/"),
	S("http://a/\xc3\xa9\xa9"),         /* one continuation too many */
	S("http://caf\xe9.example/"),       /* Latin-1 */
};

START_TEST(test_bad_utf8)
{
	const struct sample *t = &bad_utf8[_i];

	ck_assert_msg(judge(t->s, t->n) == LINE_BAD_UTF8,
	    "sample %d: verdict %d, want LINE_BAD_UTF8", _i, got);
}
END_TEST

static const struct sample good_utf8[] = {
	S("http://a/caf\xc3\xa9"),                  /* U+00E9 */
	S("http://a/\xc2\x80"),                     /* U+0080 */
	S("http://a/\xdf\xbf"),                     /* U+07FF */
	S("http://a/\xe0\xa0\x80"),                 /* U+0800 */
	S("http://a/\xe2\x82\xac"),                 /* U+20AC */
	S("http://a/\xed\x9f\xbf"),                 /* U+D7FF */
	S("http://a/\xee\x80\x80"),                 /* U+E000 */
	S("http://a/\xef\xbf\xbd"),                 /* U+FFFD */
	S("http://a/\xef\xbb\xbf"),                 /* U+FEFF */
	S("http://a/\xf0\x90\x80\x80"),             /* U+10000 */
	S("http://a/\xf0\x9f\x98\x80"),             /* U+1F600 */
	S("http://a/\xf4\x8f\xbf\xbf"),             /* U+10FFFF */
	S("http://\xe4\xbe\x8b\xe5\xad\x90.\xe6\xb5\x8b\xe8\xaf\x95/"),
	S("http://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80"
	    ".\xd1\x80\xd1\x84/"),
};

START_TEST(test_good_utf8)
{
	const struct sample *t = &good_utf8[_i];

	ck_assert_msg(judge(t->s, t->n) == LINE_URL,
	    "sample %d: verdict %d, want LINE_URL", _i, got);
	assert_text(t->s, t->n);
}
END_TEST

START_TEST(test_exactly_8192_is_a_url)
{
	char *s = repeat('a', LINE_MAX_BYTES);

	ck_assert_int_eq(LINE_MAX_BYTES, 8192);
	ck_assert_int_eq(judge(s, 8192), LINE_URL);
	assert_text(s, 8192);
	ck_assert_uint_eq(got_total, 8192);
	free(s);
}
END_TEST

START_TEST(test_8193_is_too_long)
{
	char *s = repeat('a', 8193);

	ck_assert_int_eq(judge(s, 8193), LINE_TOO_LONG);
	ck_assert_uint_eq(got_total, 8193);
	assert_text(s, 8192);
	free(s);
}
END_TEST

START_TEST(test_8192_with_trailing_blanks_is_a_url)
{
	size_t n;
	char *s = build("", 'a', 8192, "  \t \r", &n);

	ck_assert_int_eq(judge(s, n), LINE_URL);
	ck_assert_uint_eq(got_len, 8192);
	ck_assert_uint_eq(got_total, 8192);
	assert_text(s, 8192);
	free(s);

	/* trailing blanks straddling the cap */
	s = build("", 'b', 8190, "       ", &n);
	ck_assert_int_eq(judge(s, n), LINE_URL);
	ck_assert_uint_eq(got_len, 8190);
	ck_assert_uint_eq(got_total, 8190);
	free(s);

	/* a long run of trailing blanks */
	{
		char *t = malloc(8000 + 5000);

		ck_assert_ptr_nonnull(t);
		memset(t, 'c', 8000);
		memset(t + 8000, ' ', 5000);
		ck_assert_int_eq(judge(t, 13000), LINE_URL);
		ck_assert_uint_eq(got_len, 8000);
		ck_assert_uint_eq(got_total, 8000);
		free(t);
	}
}
END_TEST

START_TEST(test_leading_blanks_then_8192_is_a_url)
{
	size_t n;
	char *s = build(" \t\r   \t", 'a', 8192, "", &n);

	ck_assert_int_eq(judge(s, n), LINE_URL);
	ck_assert_uint_eq(got_len, 8192);
	ck_assert_uint_eq(got_total, 8192);
	ck_assert_int_eq(got_text[0], 'a');
	free(s);

	s = build("      ", 'a', 8192, "\r", &n);
	ck_assert_int_eq(judge(s, n), LINE_URL);
	ck_assert_uint_eq(got_total, 8192);
	free(s);
}
END_TEST

START_TEST(test_8192_then_blank_then_text_is_too_long)
{
	size_t n;
	char *s = build("", 'a', 8192, " x", &n);

	ck_assert_int_eq(judge(s, n), LINE_TOO_LONG);
	ck_assert_uint_eq(got_total, 8194);
	ck_assert_uint_eq(got_len, 8192);
	free(s);

	/* blanks inside count once text follows them */
	s = build("", 'a', 8190, "   x  ", &n);
	ck_assert_int_eq(judge(s, n), LINE_TOO_LONG);
	ck_assert_uint_eq(got_total, 8194);
	free(s);

	{
		char *t = malloc(8000 + 500 + 1);

		ck_assert_ptr_nonnull(t);
		memset(t, 'a', 8000);
		memset(t + 8000, ' ', 500);
		t[8500] = 'b';
		ck_assert_int_eq(judge(t, 8501), LINE_TOO_LONG);
		ck_assert_uint_eq(got_total, 8501);
		free(t);
	}
}
END_TEST

START_TEST(test_one_megabyte_line)
{
	size_t n = 1024 * 1024;
	char *s = malloc(n + 6);

	ck_assert_ptr_nonnull(s);
	memcpy(s, "  \t", 3);
	for (size_t i = 0; i < n; i++)
		s[3 + i] = (char)('a' + i % 26);
	memcpy(s + 3 + n, " \r\t", 3);
	ck_assert_int_eq(judge(s, n + 6), LINE_TOO_LONG);
	ck_assert_uint_eq(got_total, n);
	ck_assert_uint_eq(got_len, 8192);
	assert_text(s + 3, 8192);

	/* the same line byte at a time */
	ck_assert_int_eq(judge_in(s, n + 6, 1), LINE_TOO_LONG);
	ck_assert_uint_eq(got_total, n);
	assert_text(s + 3, 8192);
	free(s);
}
END_TEST

/* Lines that must come out the same whatever the pieces they arrive in. */
static char *piece_samples[16];
static size_t piece_lens[16];
static enum line_verdict piece_verdicts[16];
static size_t piece_totals[16];
static int npiece;

/* A sample line, its verdict and trimmed length. */
static void
add_piece_sample(char *s, size_t n, enum line_verdict v, size_t total)
{
	ck_assert_int_lt(npiece, 16);
	piece_samples[npiece] = s;
	piece_lens[npiece] = n;
	piece_verdicts[npiece] = v;
	piece_totals[npiece++] = total;
}

static void
add_piece_literal(const char *s, size_t n, enum line_verdict v,
    size_t total)
{
	char *copy = malloc(n + 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, n + 1);
	add_piece_sample(copy, n, v, total);
}
#define ADD_LIT(lit, v, total) \
	add_piece_literal((lit), sizeof(lit) - 1, (v), (total))

static void
piece_setup(void)
{
	size_t n;
	char *t;

	setup();
	npiece = 0;
	ADD_LIT("  \t http://example.com/a?b=c#d \r", LINE_URL, 26);
	ADD_LIT("   # comment", LINE_SKIP, 9);
	ADD_LIT(" \t \r ", LINE_SKIP, 0);
	ADD_LIT("http://a/\xe2\x82\xac\xf0\x9f\x98\x80", LINE_URL, 16);
	ADD_LIT("http://a/\xe2\x82", LINE_BAD_UTF8, 11);
	ADD_LIT("http://a/\0b", LINE_CONTROL, 11);
	t = build("", 'a', 8192, "", &n);
	add_piece_sample(t, n, LINE_URL, 8192);
	t = build("\t ", 'a', 8192, " \t\r ", &n);
	add_piece_sample(t, n, LINE_URL, 8192);
	t = build("", 'a', 8193, "", &n);
	add_piece_sample(t, n, LINE_TOO_LONG, 8193);
	t = build("", 'a', 8192, " x", &n);
	add_piece_sample(t, n, LINE_TOO_LONG, 8194);
	t = build("", 'a', 8190, "     ", &n);
	add_piece_sample(t, n, LINE_URL, 8190);
	t = build(" ", 'a', 8191, "  y z  ", &n);
	add_piece_sample(t, n, LINE_TOO_LONG, 8196);
	t = build("", ' ', 9000, "", &n);
	t[0] = 'q';                      /* q + 8999 blanks: a URL of 1 */
	add_piece_sample(t, n, LINE_URL, 1);
	t = build("", 'a', 20000, "", &n);
	memset(t + 8100, ' ', 200);      /* blanks spanning the cap */
	add_piece_sample(t, n, LINE_TOO_LONG, 20000);
}

static void
piece_teardown(void)
{
	for (int i = 0; i < npiece; i++)
		free(piece_samples[i]);
	npiece = 0;
	teardown();
}

START_TEST(test_pieces_give_same_verdict)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 64, 4095, 4096, 4097,
	    8191, 8192, 8193 };

	for (int i = 0; i < npiece; i++) {
		const char *s = piece_samples[i];
		size_t n = piece_lens[i];
		enum line_verdict v0 = judge(s, n);
		size_t len0 = got_len, total0 = got_total;
		char *text0 = malloc(len0 + 1);

		ck_assert_ptr_nonnull(text0);
		memcpy(text0, got_text, len0 + 1);
		ck_assert_msg(v0 == piece_verdicts[i] &&
		    (v0 == LINE_SKIP || total0 == piece_totals[i]),
		    "sample %d: verdict %d total %zu, want %d and %zu", i, v0,
		    total0, piece_verdicts[i], piece_totals[i]);
		for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
			judge_in(s, n, chunks[c]);
			ck_assert_msg(got == v0 && got_len == len0 &&
			    got_total == total0 &&
			    memcmp(got_text, text0, len0) == 0,
			    "sample %d in pieces of %zu: verdict %d len %zu "
			    "total %zu; whole: verdict %d len %zu total %zu",
			    i, chunks[c], got, got_len, got_total, v0, len0,
			    total0);
		}
		free(text0);
	}
}
END_TEST

START_TEST(test_empty_appends_change_nothing)
{
	const char *p = "  http://a/b  ";

	line_append(L, "", 0);
	line_append(L, p, 2);
	line_append(L, "", 0);
	line_append(L, p + 2, 5);
	line_append(L, p + 7, 0);
	line_append(L, p + 7, 7);
	judge("", 0);
	ck_assert_int_eq(got, LINE_URL);
	ASSERT_TEXT("http://a/b");
	ck_assert_uint_eq(got_total, 10);
}
END_TEST

START_TEST(test_pending)
{
	const char *text;
	size_t len, total;

	ck_assert(!line_pending(L));
	line_append(L, "", 0);
	ck_assert(!line_pending(L));
	line_append(L, " ", 1);
	ck_assert(line_pending(L));
	line_finish(L, &text, &len, &total);
	ck_assert(!line_pending(L));
	line_append(L, "http://a/", 9);
	ck_assert(line_pending(L));
	ck_assert_int_eq(line_finish(L, &text, &len, &total), LINE_URL);
	ck_assert(!line_pending(L));
	line_append(L, "#", 1);
	ck_assert(line_pending(L));
	line_finish(L, &text, &len, &total);
	ck_assert(!line_pending(L));
}
END_TEST

START_TEST(test_state_resets_between_lines)
{
	size_t n;
	char *s = build("", 'a', 10000, "", &n);

	ck_assert_int_eq(judge(s, n), LINE_TOO_LONG);
	ck_assert_int_eq(JUDGE("http://b/"), LINE_URL);
	ASSERT_TEXT("http://b/");
	ck_assert_uint_eq(got_total, 9);
	free(s);

	s = build("", 'a', 8192, "        ", &n);
	ck_assert_int_eq(judge(s, n), LINE_URL);
	ck_assert_int_eq(JUDGE("x   y"), LINE_URL);
	ASSERT_TEXT("x   y");
	ck_assert_uint_eq(got_total, 5);
	free(s);

	ck_assert_int_eq(JUDGE("   "), LINE_SKIP);
	ck_assert_int_eq(JUDGE("c"), LINE_URL);
	ASSERT_TEXT("c");
	ck_assert_int_eq(JUDGE("http://a/\x01"), LINE_CONTROL);
	ck_assert_int_eq(JUDGE("http://a/2"), LINE_URL);
	ck_assert_int_eq(JUDGE("http://a/\xff"), LINE_BAD_UTF8);
	ck_assert_int_eq(JUDGE("http://a/3"), LINE_URL);
	ck_assert_int_eq(JUDGE("# c"), LINE_SKIP);
	ck_assert_int_eq(JUDGE("http://a/4"), LINE_URL);
	ASSERT_TEXT("http://a/4");
	/* a line left with leading blanks only, then the next one */
	ck_assert_int_eq(JUDGE("\t\t"), LINE_SKIP);
	ck_assert_int_eq(JUDGE("#x"), LINE_SKIP);
}
END_TEST

START_TEST(test_verdict_messages)
{
	static const enum line_verdict vs[] = { LINE_TOO_LONG, LINE_CONTROL,
	    LINE_BAD_UTF8 };

	for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
		const char *m = line_verdict_message(vs[i]);

		ck_assert_ptr_nonnull(m);
		ck_assert_uint_gt(strlen(m), 0);
		ck_assert_ptr_null(strchr(m, '\n'));
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(m, line_verdict_message(vs[j]));
	}
	ck_assert_ptr_nonnull(strstr(line_verdict_message(LINE_TOO_LONG),
	    "8192"));
}
END_TEST

/*
 * The UTF-8 byte-order mark (EF BB BF) that Windows tools write at the
 * start of a file: dropped at the start of each source (line_new_source),
 * however the bytes arrive, and nowhere else.
 */
#define BOM "\xef\xbb\xbf"

static void
bom_setup(void)
{
	setup();
	line_new_source(L);
}

START_TEST(test_bom_whole)
{
	ck_assert_int_eq(JUDGE(BOM "http://a/"), LINE_URL);
	ASSERT_TEXT("http://a/");
	ck_assert_uint_eq(got_total, 9);
}
END_TEST

/* From a pipe the mark may come a byte at a time. */
START_TEST(test_bom_byte_at_a_time)
{
	ck_assert_int_eq(judge_in(BOM "http://a/", 12, 1), LINE_URL);
	ASSERT_TEXT("http://a/");
	ck_assert_uint_eq(got_total, 9);
}
END_TEST

START_TEST(test_bom_split)
{
	/* 2 + 1, the rest of the line with the last byte */
	line_append(L, "\xef\xbb", 2);
	ck_assert_int_eq(JUDGE("\xbfhttp://a/"), LINE_URL);
	ASSERT_TEXT("http://a/");

	/* 1 + 2, an empty append in between, the line on its own */
	line_new_source(L);
	line_append(L, "\xef", 1);
	line_append(L, "", 0);
	line_append(L, "\xbb\xbf", 2);
	ck_assert_int_eq(JUDGE("http://b/"), LINE_URL);
	ASSERT_TEXT("http://b/");
}
END_TEST

/* A mark that begins but does not finish is text after all: the bytes
 * are kept, and they are no UTF-8. */
START_TEST(test_bom_partial_is_text)
{
	line_append(L, "\xef\xbb", 2);
	ck_assert_int_eq(JUDGE("x"), LINE_BAD_UTF8);
	ck_assert_uint_eq(got_total, 3);
	ASSERT_TEXT("\xef\xbb" "x");

	/* a source that ends inside the mark */
	line_new_source(L);
	ck_assert_int_eq(JUDGE("\xef\xbb"), LINE_BAD_UTF8);
	ck_assert_uint_eq(got_total, 2);

	/* the first byte only, then a URL */
	line_new_source(L);
	ck_assert_int_eq(JUDGE("\xef" "http://a/"), LINE_BAD_UTF8);
	ck_assert_uint_eq(got_total, 10);
}
END_TEST

/* Only the very start of a source: the next line, a second mark right
 * behind the first, or a mark after a blank first line are kept (U+FEFF
 * is valid UTF-8, so such a line is a candidate URL that url_check will
 * refuse). */
START_TEST(test_bom_only_at_source_start)
{
	ck_assert_int_eq(JUDGE(BOM "http://a/"), LINE_URL);
	ASSERT_TEXT("http://a/");
	ck_assert_int_eq(JUDGE(BOM "http://b/"), LINE_URL);
	ASSERT_TEXT(BOM "http://b/");
	ck_assert_uint_eq(got_total, 12);

	line_new_source(L);
	ck_assert_int_eq(JUDGE(BOM BOM "http://c/"), LINE_URL);
	ASSERT_TEXT(BOM "http://c/");

	line_new_source(L);
	ck_assert_int_eq(JUDGE(""), LINE_SKIP);
	ck_assert_int_eq(JUDGE(BOM "http://d/"), LINE_URL);
	ASSERT_TEXT(BOM "http://d/");

	line_new_source(L);
	ck_assert_int_eq(JUDGE("http://e/"), LINE_URL);
	ck_assert_int_eq(JUDGE(BOM "http://f/"), LINE_URL);
	ASSERT_TEXT(BOM "http://f/");
}
END_TEST

/* A source that is only a mark holds no line at all. */
START_TEST(test_bom_only_source)
{
	line_append(L, BOM, 3);
	ck_assert(!line_pending(L));
	ck_assert_int_eq(JUDGE(""), LINE_SKIP);
}
END_TEST

/* Each source gets its own mark stripped (FILEs one after another). */
START_TEST(test_bom_each_source)
{
	ck_assert_int_eq(JUDGE(BOM "http://a/"), LINE_URL);
	ASSERT_TEXT("http://a/");
	line_new_source(L);
	ck_assert_int_eq(JUDGE(BOM "http://b/"), LINE_URL);
	ASSERT_TEXT("http://b/");
	line_new_source(L);
	ck_assert_int_eq(judge_in(BOM "http://c/", 12, 1), LINE_URL);
	ASSERT_TEXT("http://c/");
}
END_TEST

/* Without line_new_source (the fixture of the other cases) the reader
 * strips nothing: the mark is only looked for where a source starts. */
START_TEST(test_bom_kept_without_new_source)
{
	ck_assert_int_eq(JUDGE(BOM "http://a/"), LINE_URL);
	ASSERT_TEXT(BOM "http://a/");
	ck_assert_uint_eq(got_total, 12);
}
END_TEST

static Suite *
line_suite(void)
{
	Suite *s = suite_create("line");
	TCase *tc = tcase_create("verdicts");
	TCase *tl = tcase_create("length");
	TCase *tp = tcase_create("pieces");
	TCase *tb = tcase_create("bom");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain_url);
	tcase_add_test(tc, test_trims_blanks_both_ends);
	tcase_add_test(tc, test_crlf_line_ending);
	tcase_add_test(tc, test_blank_lines_skip);
	tcase_add_test(tc, test_comments_skip);
	tcase_add_test(tc, test_hash_later_is_not_a_comment);
	tcase_add_test(tc, test_only_space_tab_cr_trimmed);
	tcase_add_test(tc, test_nul_inside_is_control);
	tcase_add_test(tc, test_tab_or_cr_inside_is_control);
	tcase_add_test(tc, test_del_is_control);
	tcase_add_loop_test(tc, test_every_control_byte_inside, 0, 0x21);
	tcase_add_loop_test(tc, test_bad_utf8, 0,
	    (int)(sizeof bad_utf8 / sizeof bad_utf8[0]));
	tcase_add_loop_test(tc, test_good_utf8, 0,
	    (int)(sizeof good_utf8 / sizeof good_utf8[0]));
	tcase_add_test(tc, test_pending);
	tcase_add_test(tc, test_state_resets_between_lines);
	tcase_add_test(tc, test_verdict_messages);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, test_exactly_8192_is_a_url);
	tcase_add_test(tl, test_8193_is_too_long);
	tcase_add_test(tl, test_8192_with_trailing_blanks_is_a_url);
	tcase_add_test(tl, test_leading_blanks_then_8192_is_a_url);
	tcase_add_test(tl, test_8192_then_blank_then_text_is_too_long);
	tcase_add_test(tl, test_one_megabyte_line);
	suite_add_tcase(s, tl);

	tcase_add_checked_fixture(tp, piece_setup, piece_teardown);
	tcase_add_test(tp, test_pieces_give_same_verdict);
	tcase_add_test(tp, test_empty_appends_change_nothing);
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tb, bom_setup, teardown);
	tcase_add_test(tb, test_bom_whole);
	tcase_add_test(tb, test_bom_byte_at_a_time);
	tcase_add_test(tb, test_bom_split);
	tcase_add_test(tb, test_bom_partial_is_text);
	tcase_add_test(tb, test_bom_only_at_source_start);
	tcase_add_test(tb, test_bom_only_source);
	tcase_add_test(tb, test_bom_each_source);
	suite_add_tcase(s, tb);
	/* the other fixture: a reader never told a source started */
	tcase_add_test(tc, test_bom_kept_without_new_source);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(line_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
