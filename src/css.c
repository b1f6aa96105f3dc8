#include "css.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

/* One compound selector on its way to an XPath step. */
struct step {
	struct buf name;    /* element name, lower-cased; empty for '*' */
	struct buf cond;    /* the predicates, joined by ") and (" */
	int ncond;
};

struct parser {
	const char *s;      /* the whole selector, for messages */
	const char *p;      /* the next byte to read */
	struct buf out;     /* the XPath so far */
	char *attr;         /* the current selector's ::attr() name, or NULL */
	bool failed;
	char *err;
	size_t errlen;
};

/* What a combinator puts in front of the step on its right. */
enum comb {
	COMB_FIRST,         /* none: the first compound of a selector */
	COMB_DESCENDANT,
	COMB_CHILD,
	COMB_ADJACENT,      /* + */
	COMB_SIBLING        /* ~ */
};

/* The forms :nth-child() is given as, An+B. */
struct series {
	long long a, b;
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether code point cp may appear in an XPath string (XML 1.0 Char). */
static bool
is_xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd ||
	    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	    (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Length of the well-formed UTF-8 sequence at s and its code point in
 * *cp; 0 when there is none. */
static size_t
utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	uint32_t v, min;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
		v = u[0] & 0x1f;
		min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		v = u[0] & 0x0f;
		min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		v = u[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (u[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static void
utf8_encode(struct buf *b, uint32_t cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | cp >> 18);
		out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, out, n);
}

/*
 * Up to 40 bytes of the selector from start, made safe for a one-line
 * message: a control byte (a newline inside the selector) shows as '?',
 * and a cut never splits a UTF-8 sequence.
 */
static const char *
excerpt(const char *start, size_t n, char *out, size_t outlen)
{
	size_t w = 0, i = 0;
	bool cut = false;

	while (i < n && start[i] != '\0') {
		size_t k = 1;

		if ((unsigned char)start[i] >= 0x80)
			while (k < 4 && ((unsigned char)start[i + k] & 0xc0) ==
			    0x80)
				k++;
		if (w + k + 4 > outlen || w + k > 40) {
			cut = true;
			break;
		}
		for (size_t j = 0; j < k; j++) {
			char c = start[i + j];

			out[w++] = (unsigned char)c < 0x20 || c == 0x7f ?
			    '?' : c;
		}
		i += k;
	}
	if (cut) {
		memcpy(out + w, "...", 3);
		w += 3;
	}
	out[w] = '\0';
	return out;
}

/* Keep the first reason only: later ones follow from it. */
static bool
fail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool
fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (!ps->failed && ps->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	ps->failed = true;
	return false;
}

/* What is at p, for "unexpected ..." messages. */
static const char *
here(const char *p, char *out, size_t outlen)
{
	char part[64];

	if (*p == '\0')
		return "the end";
	snprintf(out, outlen, "'%s'", excerpt(p, strlen(p), part,
	    sizeof part));
	return out;
}

/* Accept only what XPath can hold: well-formed UTF-8 of XML characters
 * (a form feed is CSS white space, and only white space). */
static bool
check_text(struct parser *ps)
{
	for (const char *p = ps->s; *p != '\0';) {
		uint32_t cp;
		size_t k = utf8_decode(p, &cp);

		if (k == 0)
			return fail(ps, "invalid UTF-8 at byte %zu",
			    (size_t)(p - ps->s));
		if (!is_xml_char(cp) && cp != '\f')
			return fail(ps, "character U+%04X at byte %zu, which "
			    "XPath cannot hold", (unsigned)cp,
			    (size_t)(p - ps->s));
		p += k;
	}
	return true;
}

static bool
skip_ws(struct parser *ps)
{
	const char *start = ps->p;

	while (is_ws(*ps->p))
		ps->p++;
	return ps->p != start;
}

/* Whether p starts a valid escape: a backslash not before a newline. */
static bool
is_escape(const char *p)
{
	return p[0] == '\\' && p[1] != '\0' && p[1] != '\n' && p[1] != '\r' &&
	    p[1] != '\f';
}

static bool
is_name_start(const char *p)
{
	unsigned char c = (unsigned char)*p;

	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c >= 0x80 || is_escape(p);
}

static bool
is_name_char(const char *p)
{
	return is_name_start(p) || is_digit(*p) || *p == '-';
}

/* Whether p starts an identifier (cssselect's grammar: -?nmstart nmchar*). */
static bool
is_ident_start(const char *p)
{
	return is_name_start(p) || (p[0] == '-' && is_name_start(p + 1));
}

/*
 * The escape at ps->p (a backslash) into b, decoded: up to six hex
 * digits and one white space (CRLF counting as one) are a code point,
 * with 0, surrogates and anything past U+10FFFF meaning U+FFFD (CSS
 * Syntax 4.3.7); a backslash before any other character is that
 * character.
 */
static bool
read_escape(struct parser *ps, struct buf *b)
{
	const char *start = ps->p++;
	char part[64];

	if (is_hex(*ps->p)) {
		uint32_t cp = 0;

		for (int i = 0; i < 6 && is_hex(*ps->p); i++)
			cp = cp << 4 | (uint32_t)hex_value(*ps->p++);
		if (ps->p[0] == '\r' && ps->p[1] == '\n')
			ps->p += 2;
		else if (is_ws(*ps->p))
			ps->p++;
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		if (!is_xml_char(cp))
			return fail(ps, "escape '%s' is a character XPath "
			    "cannot hold", excerpt(start,
			    (size_t)(ps->p - start), part, sizeof part));
		utf8_encode(b, cp);
		return true;
	}
	if (*ps->p == '\0')
		return fail(ps, "'\\' at the end of the selector");
	{
		uint32_t cp;
		size_t k = utf8_decode(ps->p, &cp);

		buf_append(b, ps->p, k);
		ps->p += k;
	}
	return true;
}

/* An identifier at ps->p into b, escapes decoded; ASCII lower-cased when
 * it names an element or attribute, which HTML matches without case. */
static bool
read_ident(struct parser *ps, struct buf *b, bool lower)
{
	size_t from = b->len;

	buf_append(b, "", 0);   /* a string, even if it stays empty */
	if (*ps->p == '-')
		buf_putc(b, *ps->p++);
	while (is_name_char(ps->p)) {
		if (*ps->p == '\\') {
			if (!read_escape(ps, b))
				return false;
		} else
			buf_putc(b, *ps->p++);
	}
	if (lower)
		for (size_t i = from; i < b->len; i++)
			b->data[i] = ascii_lower(b->data[i]);
	return true;
}

/* A quoted string at ps->p into b: escapes decoded, an escaped newline
 * dropped (a continuation), an unescaped one an error as in CSS. */
static bool
read_string(struct parser *ps, struct buf *b)
{
	const char *start = ps->p;
	char quote = *ps->p++;
	char part[64];

	buf_append(b, "", 0);
	for (;;) {
		char c = *ps->p;

		if (c == quote) {
			ps->p++;
			return true;
		}
		if (c == '\0')
			return fail(ps, "unterminated string %s",
			    excerpt(start, strlen(start), part, sizeof part));
		if (c == '\n' || c == '\r' || c == '\f')
			return fail(ps, "newline in string %s",
			    excerpt(start, (size_t)(ps->p - start), part,
			    sizeof part));
		if (c == '\\' && (ps->p[1] == '\n' || ps->p[1] == '\f' ||
		    ps->p[1] == '\r')) {
			ps->p += ps->p[1] == '\r' && ps->p[2] == '\n' ? 3 : 2;
		} else if (c == '\\') {
			if (!read_escape(ps, b))
				return false;
		} else
			buf_putc(b, *ps->p++);
	}
}

/* An XPath 1.0 string literal for s; XPath has no escapes, so a string
 * holding both quotes is a concat() of runs quoted each the other way. */
static void
put_literal(struct buf *b, const char *s, size_t n)
{
	if (memchr(s, '\'', n) == NULL) {
		buf_putc(b, '\'');
		buf_append(b, s, n);
		buf_putc(b, '\'');
		return;
	}
	if (memchr(s, '"', n) == NULL) {
		buf_putc(b, '"');
		buf_append(b, s, n);
		buf_putc(b, '"');
		return;
	}
	buf_puts(b, "concat(");
	for (size_t i = 0; i < n;) {
		bool apos = s[i] == '\'';
		size_t j = i;

		while (j < n && (s[j] == '\'') == apos)
			j++;
		if (i > 0)
			buf_puts(b, ", ");
		buf_putc(b, apos ? '"' : '\'');
		buf_append(b, s + i, j - i);
		buf_putc(b, apos ? '"' : '\'');
		i = j;
	}
	buf_putc(b, ')');
}

/* Whether a name can be written as an XPath name test as it is
 * (cssselect's is_safe_name); others are compared with name(). */
static bool
is_safe_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    is_digit(*s) || *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

/* The attribute named name, as an XPath expression. */
static void
put_attr(struct buf *b, const char *name)
{
	if (is_safe_name(name)) {
		buf_putc(b, '@');
		buf_puts(b, name);
	} else {
		buf_puts(b, "@*[name() = ");
		put_literal(b, name, strlen(name));
		buf_putc(b, ']');
	}
}

/* Start one more predicate of st and return where to write it. */
static struct buf *
cond_add(struct step *st)
{
	if (st->ncond++ > 0)
		buf_puts(&st->cond, ") and (");
	else
		buf_append(&st->cond, "", 0);
	return &st->cond;
}

static void
step_free(struct step *st)
{
	buf_free(&st->name);
	buf_free(&st->cond);
}

/* The element name test of st as a predicate: name() = 'x'. */
static void
name_cond(struct step *st)
{
	struct buf *c = cond_add(st);

	buf_puts(c, "name() = ");
	put_literal(c, st->name.data, st->name.len);
	buf_reset(&st->name);
}

/* The "includes" match of ~= and .class: v one of the white-space
 * separated words of the attribute; never, when v is empty or holds
 * white space (as in CSS). */
static void
cond_includes(struct step *st, const char *attr, const char *v, size_t n)
{
	struct buf *c = cond_add(st);
	struct buf word = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		if (is_ws(v[i])) {
			buf_putc(c, '0');
			return;
		}
	if (n == 0) {
		buf_putc(c, '0');
		return;
	}
	buf_putc(&word, ' ');
	buf_append(&word, v, n);
	buf_putc(&word, ' ');
	buf_printf(c, "%s and contains(concat(' ', normalize-space(%s), "
	    "' '), ", attr, attr);
	put_literal(c, word.data, word.len);
	buf_putc(c, ')');
	buf_free(&word);
}

/* Code points in the UTF-8 string s: XPath's string-length() counts
 * characters, not bytes. */
static size_t
count_chars(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

/* [a], [a=v], [a~=v], [a^=v], [a$=v], [a*=v], at ps->p ('['). */
static bool
parse_attrib(struct parser *ps, struct step *st)
{
	const char *start = ps->p;
	struct buf name = BUF_INIT, attr = BUF_INIT, value = BUF_INIT;
	struct buf *c;
	char op = '\0', part[64], where[80];
	bool ok = false;

	ps->p++;
	skip_ws(ps);
	if (!is_ident_start(ps->p)) {
		fail(ps, "expected an attribute name in '%s', got %s",
		    excerpt(start, strlen(start), part, sizeof part),
		    here(ps->p, where, sizeof where));
		goto out;
	}
	if (!read_ident(ps, &name, true))
		goto out;
	put_attr(&attr, name.data);
	skip_ws(ps);
	if (*ps->p == '=') {
		op = '=';
		ps->p++;
	} else if (*ps->p != '\0' && strchr("~^$*", *ps->p) != NULL &&
	    ps->p[1] == '=') {
		op = *ps->p;
		ps->p += 2;
	} else if (*ps->p != ']' && *ps->p != '\0') {
		fail(ps, "unsupported or bad attribute selector '%s'",
		    excerpt(start, strlen(start), part, sizeof part));
		goto out;
	}
	if (op != '\0') {
		skip_ws(ps);
		if (*ps->p == '"' || *ps->p == '\'') {
			if (!read_string(ps, &value))
				goto out;
		} else if (is_ident_start(ps->p)) {
			if (!read_ident(ps, &value, false))
				goto out;
		} else {
			fail(ps, "expected an identifier or a quoted string "
			    "as the value in '%s'", excerpt(start,
			    strlen(start), part, sizeof part));
			goto out;
		}
		skip_ws(ps);
	}
	if (*ps->p != ']') {
		fail(ps, *ps->p == '\0' ? "expected ']' to close '%s'" :
		    "expected ']' in '%s'", excerpt(start, strlen(start), part,
		    sizeof part));
		goto out;
	}
	ps->p++;

	c = op == '~' ? NULL : cond_add(st);
	switch (op) {
	case '\0':
		buf_puts(c, attr.data);
		break;
	case '=':
		buf_printf(c, "%s = ", attr.data);
		put_literal(c, value.data, value.len);
		break;
	case '~':
		cond_includes(st, attr.data, value.data, value.len);
		break;
	case '^':
		if (value.len == 0) {
			buf_putc(c, '0');
			break;
		}
		buf_printf(c, "%s and starts-with(%s, ", attr.data, attr.data);
		put_literal(c, value.data, value.len);
		buf_putc(c, ')');
		break;
	case '$':
		/* XPath 1.0 has no ends-with(). */
		if (value.len == 0) {
			buf_putc(c, '0');
			break;
		}
		buf_printf(c, "%s and substring(%s, string-length(%s) - %zu)"
		    " = ", attr.data, attr.data, attr.data,
		    count_chars(value.data, value.len) - 1);
		put_literal(c, value.data, value.len);
		break;
	case '*':
		if (value.len == 0) {
			buf_putc(c, '0');
			break;
		}
		buf_printf(c, "%s and contains(%s, ", attr.data, attr.data);
		put_literal(c, value.data, value.len);
		buf_putc(c, ')');
		break;
	}
	ok = true;
out:
	buf_free(&name);
	buf_free(&attr);
	buf_free(&value);
	return ok;
}

/* Digits at ps->p, at most INT_MAX; -1 when there are none or too many. */
static long long
read_number(struct parser *ps)
{
	long long v = 0;

	if (!is_digit(*ps->p))
		return -1;
	while (is_digit(*ps->p)) {
		v = v * 10 + (*ps->p++ - '0');
		if (v > INT_MAX)
			return -1;
	}
	return v;
}

/*
 * The argument of :nth-child(), at ps->p (after the '('), up to and
 * including the ')': odd, even, B, or An+B where A may be empty, '+' or
 * '-', and white space may surround the sign before B (CSS Syntax 6).
 */
static bool
parse_series(struct parser *ps, struct series *sr)
{
	const char *start = ps->p;
	char part[64];
	long long sign = 1, n;

	skip_ws(ps);
	if (is_ident_start(ps->p) && ps->p[0] != 'n' && ps->p[0] != 'N' &&
	    !(ps->p[0] == '-' && (ps->p[1] == 'n' || ps->p[1] == 'N'))) {
		struct buf word = BUF_INIT;
		bool ok = read_ident(ps, &word, true);

		if (ok && strcmp(word.data, "odd") == 0)
			*sr = (struct series){ 2, 1 };
		else if (ok && strcmp(word.data, "even") == 0)
			*sr = (struct series){ 2, 0 };
		else
			ok = false;
		buf_free(&word);
		if (!ok)
			goto bad;
		goto close;
	}
	if (*ps->p == '+' || *ps->p == '-')
		sign = *ps->p++ == '-' ? -1 : 1;
	n = read_number(ps);
	if (*ps->p != 'n' && *ps->p != 'N') {
		if (n < 0)
			goto bad;
		*sr = (struct series){ 0, sign * n };
		goto close;
	}
	ps->p++;
	sr->a = sign * (n < 0 ? 1 : n);
	sr->b = 0;
	skip_ws(ps);
	if (*ps->p == '+' || *ps->p == '-') {
		sign = *ps->p++ == '-' ? -1 : 1;
		skip_ws(ps);
		if ((n = read_number(ps)) < 0)
			goto bad;
		sr->b = sign * n;
	}
close:
	skip_ws(ps);
	if (*ps->p == ')') {
		ps->p++;
		return true;
	}
bad:
	{
		const char *end = strchr(start, ')');

		return fail(ps, "bad argument '%s' to ':nth-child()'",
		    excerpt(start, end != NULL ? (size_t)(end - start) :
		    strlen(start), part, sizeof part));
	}
}

/*
 * :nth-child(An+B) as cssselect writes it: the element has An+B-1
 * element siblings before it for some n >= 0.  With c that count:
 * A = 0: c = B-1; A > 0: c >= B-1 and A divides c-(B-1); A < 0: c <= B-1
 * and -A divides it.  XPath's mod keeps the dividend's sign, and a
 * multiple gives 0 either way.
 */
static void
cond_nth(struct step *st, const struct series *sr)
{
	static const char count[] = "count(preceding-sibling::*)";
	long long a = sr->a, bm1 = sr->b - 1;
	struct buf *c;

	if (a == 1 && bm1 <= 0)
		return;                         /* every element */
	if (a <= 0 && bm1 < 0) {
		buf_putc(cond_add(st), '0');    /* none */
		return;
	}
	if (a == 0) {
		buf_printf(cond_add(st), "%s = %lld", count, bm1);
		return;
	}
	if (a > 0 && bm1 > 0)
		buf_printf(cond_add(st), "%s >= %lld", count, bm1);
	if (a < 0)
		buf_printf(cond_add(st), "%s <= %lld", count, bm1);
	if (a == 1 || a == -1)
		return;
	c = cond_add(st);
	if (bm1 == 0)
		buf_printf(c, "%s mod %lld = 0", count, a < 0 ? -a : a);
	else
		buf_printf(c, "(%s %c %lld) mod %lld = 0", count,
		    bm1 > 0 ? '-' : '+', bm1 > 0 ? bm1 : -bm1, a < 0 ? -a : a);
}

static bool parse_simple(struct parser *, struct step *, bool, bool *);

/* :not(simple), at ps->p (after the '('), up to and including the ')'. */
static bool
parse_not(struct parser *ps, struct step *st, const char *start)
{
	struct step sub = { BUF_INIT, BUF_INIT, 0 };
	char part[64], where[80];
	bool any = false, ok = false;
	struct buf *c;

	skip_ws(ps);
	if (!parse_simple(ps, &sub, true, &any))
		goto out;
	if (!any) {
		fail(ps, "expected a simple selector in '%s', got %s",
		    excerpt(start, strlen(start), part, sizeof part),
		    here(ps->p, where, sizeof where));
		goto out;
	}
	skip_ws(ps);
	if (*ps->p == '\0') {
		fail(ps, "expected ')' to close '%s'", excerpt(start,
		    strlen(start), part, sizeof part));
		goto out;
	}
	if (*ps->p != ')') {
		fail(ps, "':not()' takes one simple selector: '%s'",
		    excerpt(start, strlen(start), part, sizeof part));
		goto out;
	}
	ps->p++;
	if (sub.name.len > 0)
		name_cond(&sub);
	c = cond_add(st);
	/* :not(*) and :not() of what always holds match nothing. */
	if (sub.ncond == 0)
		buf_putc(c, '0');
	else if (sub.ncond == 1)
		buf_printf(c, "not(%s)", sub.cond.data);
	else
		buf_printf(c, "not((%s))", sub.cond.data);
	ok = true;
out:
	step_free(&sub);
	return ok;
}

/* ::attr(A), at ps->p (after the '('), up to and including the ')'. */
static bool
parse_attr(struct parser *ps, struct step *st, const char *start)
{
	struct buf name = BUF_INIT;
	char part[64];

	skip_ws(ps);
	if (is_ident_start(ps->p)) {
		if (!read_ident(ps, &name, true))
			goto bad;
	} else if (*ps->p == '"' || *ps->p == '\'') {
		if (!read_string(ps, &name))
			goto bad;
		for (size_t i = 0; i < name.len; i++)
			name.data[i] = ascii_lower(name.data[i]);
	}
	skip_ws(ps);
	if (name.len == 0 || *ps->p != ')') {
		fail(ps, "expected one attribute name in '%s'", excerpt(start,
		    strlen(start), part, sizeof part));
		goto bad;
	}
	ps->p++;
	put_attr(cond_add(st), name.data);
	ps->attr = name.data;   /* the buffer's memory, handed over */
	return true;
bad:
	buf_free(&name);
	return false;
}

/* A pseudo-class or pseudo-element at ps->p (':'). */
static bool
parse_pseudo(struct parser *ps, struct step *st, bool negated)
{
	const char *start = ps->p;
	struct buf name = BUF_INIT;
	struct series sr = { 0, 0 };
	char part[64];
	bool element, ok = false;

	ps->p++;
	element = *ps->p == ':';
	if (element)
		ps->p++;
	if (!is_ident_start(ps->p)) {
		fail(ps, "expected a name after '%s', got %s",
		    element ? "::" : ":", here(ps->p, part, sizeof part));
		goto out;
	}
	if (!read_ident(ps, &name, true))
		goto out;
	if (element) {
		if (negated || *ps->p != '(' ||
		    strcmp(name.data, "attr") != 0) {
			fail(ps, "unsupported pseudo-element '%s'%s",
			    excerpt(start, strlen(start), part, sizeof part),
			    negated ? " inside ':not()'" : "");
			goto out;
		}
		ps->p++;
		ok = parse_attr(ps, st, start);
		goto out;
	}
	if (*ps->p == '(') {
		ps->p++;
		if (strcmp(name.data, "nth-child") == 0) {
			if ((ok = parse_series(ps, &sr)))
				cond_nth(st, &sr);
		} else if (strcmp(name.data, "not") == 0 && !negated)
			ok = parse_not(ps, st, start);
		else
			fail(ps, "unsupported pseudo-class ':%s()'%s",
			    excerpt(name.data, name.len, part, sizeof part),
			    negated ? " inside ':not()'" : "");
		goto out;
	}
	if (strcmp(name.data, "first-child") == 0)
		buf_puts(cond_add(st), "count(preceding-sibling::*) = 0");
	else if (strcmp(name.data, "last-child") == 0)
		buf_puts(cond_add(st), "count(following-sibling::*) = 0");
	else {
		fail(ps, "unsupported pseudo-class '%s'", excerpt(start,
		    (size_t)(ps->p - start), part, sizeof part));
		goto out;
	}
	ok = true;
out:
	buf_free(&name);
	return ok;
}

/*
 * The parts of one compound selector at ps->p into st: a type selector
 * or '*' first (when type_ok), then #id, .class, [attr] and pseudo-
 * classes.  Inside :not() (one) only a single part is read.  *any says
 * whether there was a part at all.
 */
static bool
parse_simple(struct parser *ps, struct step *st, bool negated, bool *any)
{
	struct buf v = BUF_INIT;
	char part[64], where[80];
	bool ok = true;

	*any = false;
	if (*ps->p == '*') {
		ps->p++;
		*any = true;
	} else if (is_ident_start(ps->p)) {
		if (!read_ident(ps, &st->name, true))
			return false;
		*any = true;
	}
	while (ok && !(negated && *any) && ps->attr == NULL) {
		const char *start = ps->p;

		if (*ps->p == '#') {
			ps->p++;
			if (!is_name_char(ps->p)) {
				ok = fail(ps, "expected a name after '#', "
				    "got %s", here(ps->p, where, sizeof where));
				break;
			}
			/* An id may start with a digit (cssselect's hash). */
			buf_reset(&v);
			while (ok && is_name_char(ps->p)) {
				if (*ps->p == '\\')
					ok = read_escape(ps, &v);
				else
					buf_putc(&v, *ps->p++);
			}
			if (ok) {
				struct buf *c = cond_add(st);

				buf_puts(c, "@id = ");
				put_literal(c, v.data, v.len);
			}
		} else if (*ps->p == '.') {
			ps->p++;
			if (!is_ident_start(ps->p)) {
				ok = fail(ps, "expected a class name after "
				    "'%s', got %s", excerpt(start, 1, part,
				    sizeof part), here(ps->p, where,
				    sizeof where));
				break;
			}
			buf_reset(&v);
			if ((ok = read_ident(ps, &v, false)))
				cond_includes(st, "@class", v.data, v.len);
		} else if (*ps->p == '[')
			ok = parse_attrib(ps, st);
		else if (*ps->p == ':')
			ok = parse_pseudo(ps, st, negated);
		else
			break;
		*any = true;
	}
	buf_free(&v);
	return ok;
}

/* Write st as one XPath location step after the combinator comb. */
static void
put_step(struct parser *ps, struct step *st, enum comb comb)
{
	static const char *const axis[] = {
		[COMB_FIRST] = "descendant-or-self::",
		[COMB_DESCENDANT] = "/descendant-or-self::*/",
		[COMB_CHILD] = "/",
		[COMB_ADJACENT] = "/following-sibling::",
		[COMB_SIBLING] = "/following-sibling::",
	};

	/* A name that is no XPath name test (\31 23) is tested with
	 * name(); so is the next sibling's, which must be the first
	 * element after, whatever its name. */
	if (st->name.len > 0 && (comb == COMB_ADJACENT ||
	    !is_safe_name(st->name.data)))
		name_cond(st);
	if (comb == COMB_ADJACENT)
		buf_puts(cond_add(st), "position() = 1");
	buf_puts(&ps->out, axis[comb]);
	buf_puts(&ps->out, st->name.len > 0 ? st->name.data : "*");
	if (st->ncond == 1)
		buf_printf(&ps->out, "[%s]", st->cond.data);
	else if (st->ncond > 1)
		buf_printf(&ps->out, "[(%s)]", st->cond.data);
}

/* One selector of the group: compounds joined by combinators, up to the
 * ',' or the end. */
static bool
parse_selector(struct parser *ps)
{
	enum comb comb = COMB_FIRST;
	char where[80], combc = ' ';

	for (;;) {
		struct step st = { BUF_INIT, BUF_INIT, 0 };
		const char *at = ps->p;
		bool any, ws;

		if (!parse_simple(ps, &st, false, &any)) {
			step_free(&st);
			return false;
		}
		if (!any) {
			step_free(&st);
			if (comb == COMB_FIRST)
				return fail(ps, "expected a selector, got %s",
				    here(at, where, sizeof where));
			return fail(ps, "expected a selector after '%c', "
			    "got %s", combc, here(at, where, sizeof where));
		}
		put_step(ps, &st, comb);
		step_free(&st);

		ws = skip_ws(ps);
		if (*ps->p == '\0' || *ps->p == ',')
			return true;
		if (ps->attr != NULL)
			return fail(ps, "'::attr()' must end the selector, "
			    "not be followed by %s", here(ps->p, where,
			    sizeof where));
		if (*ps->p == '>' || *ps->p == '+' || *ps->p == '~') {
			comb = *ps->p == '>' ? COMB_CHILD : *ps->p == '+' ?
			    COMB_ADJACENT : COMB_SIBLING;
			combc = *ps->p++;
			skip_ws(ps);
		} else if (ws)
			comb = COMB_DESCENDANT;
		else
			return fail(ps, "unexpected %s", here(ps->p, where,
			    sizeof where));
	}
}

char *
css_to_xpath(const char *selector, char **attr, char *err, size_t errlen)
{
	struct parser ps = { selector, selector, BUF_INIT, NULL, false, err,
	    errlen };
	char *group_attr = NULL;
	size_t n = 0;

	*attr = NULL;
	if (strlen(selector) > CSS_MAX_BYTES) {
		fail(&ps, "selector longer than %d bytes", CSS_MAX_BYTES);
		return NULL;
	}
	if (!check_text(&ps))
		return NULL;
	skip_ws(&ps);
	if (*ps.p == '\0') {
		fail(&ps, "empty selector");
		return NULL;
	}
	for (;; n++) {
		skip_ws(&ps);
		if (n > 0)
			buf_puts(&ps.out, " | ");
		if (!parse_selector(&ps))
			break;
		/* One ::attr() for the whole group: the caller reads one
		 * attribute from whatever matched. */
		if (n > 0 && (group_attr == NULL) != (ps.attr == NULL)) {
			fail(&ps, "every selector of a group must end in the "
			    "same '::attr()', or none");
			break;
		}
		if (n > 0 && group_attr != NULL &&
		    strcmp(group_attr, ps.attr) != 0) {
			char a[64], b[64];

			fail(&ps, "'::attr(%s)' and '::attr(%s)' in one group",
			    excerpt(group_attr, strlen(group_attr), a,
			    sizeof a), excerpt(ps.attr, strlen(ps.attr), b,
			    sizeof b));
			break;
		}
		if (n == 0)
			group_attr = ps.attr;
		else
			free(ps.attr);
		ps.attr = NULL;
		if (*ps.p == '\0') {
			*attr = group_attr;
			return ps.out.data;
		}
		ps.p++;         /* the ',' */
		skip_ws(&ps);
		if (*ps.p == '\0') {
			fail(&ps, "expected a selector after ','");
			break;
		}
	}
	free(ps.attr);
	free(group_attr);
	buf_free(&ps.out);
	return NULL;
}
