#include "robots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct rule {
	char *pat;          /* normalised (see normalise), '$' dropped */
	size_t len;
	size_t octets;      /* length of the rule as compared, '$' included */
	bool allow;
	bool anchored;      /* ended in '$': must match the whole path */
};

struct robots {
	struct rule *rules; /* once parsed: most octets first, Allow first
			       among equals, so the first match decides */
	size_t n, alloc;
	double delay;       /* < 0: none */
};

/* The group member lines scrape uses. */
enum member {
	MEMBER_ALLOW,
	MEMBER_DISALLOW,
	MEMBER_DELAY
};

/* What the parse knows about the group it is in. */
struct parser {
	const char *token;
	struct robots *mine;   /* groups naming token, merged */
	struct robots *star;   /* groups naming '*', merged */
	bool mine_seen;        /* some group named token, even an empty one */
	bool in_agents;        /* the last group line was a user-agent line */
	bool to_mine, to_star; /* whom the current group's lines are for */
};

static const char hexdigits[] = "0123456789ABCDEF";

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    c == '_' || c == '-';
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive in ASCII only: the locale must not change what a
 * key or product token means. */
static bool
equal_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/*
 * Write into out (room for 3 * n bytes) the form rules and paths are
 * compared in, and return its length.  RFC 9309 2.2.2 compares them as
 * URIs, so: %xx of an unreserved character is that character, any
 * other %xx has upper-case hex, and non-ASCII bytes (UTF-8 in a rule),
 * blanks and controls are percent-encoded.  A '*' or '$' in a path is a
 * literal character, encoded so that "%2A" and "%24" in a rule match it
 * (RFC 9309 2.2.3); in a rule, '*' is the wildcard and a final '$' the
 * anchor, and only an inner '$' is literal.  A '%' that starts no %xx
 * is a literal percent sign, "%25".
 */
static size_t
normalise(const char *s, size_t n, bool rule, char *out)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (is_unreserved(c)) {
				out[w++] = (char)c;
				continue;
			}
		} else if (rule && (c == '*' || (c == '$' && i == n - 1))) {
			out[w++] = (char)c;
			continue;
		} else if (c != '%' && c != '*' && c != '$' && c > ' ' &&
		    c < 0x7f) {
			out[w++] = (char)c;
			continue;
		}
		out[w++] = '%';
		out[w++] = hexdigits[c >> 4];
		out[w++] = hexdigits[c & 0xf];
	}
	return w;
}

/*
 * Whether rule matches the normalised path s of n bytes: the classic
 * two-pointer wildcard match.  On a mismatch it retries from the last
 * '*' with that star taking one more byte; earlier stars never need to
 * be revisited, so this is O(len * n) at worst, never exponential.  A
 * rule without '$' only has to match a prefix, as if it ended in '*'.
 */
static bool
rule_matches(const struct rule *r, const char *s, size_t n)
{
	const char *p = r->pat;
	size_t i = 0, j = 0, star = SIZE_MAX, mark = 0;

	while (i < n) {
		if (j == r->len && !r->anchored)
			return true;
		if (j < r->len && p[j] == '*') {
			star = j++;
			mark = i;
		} else if (j < r->len && p[j] == s[i]) {
			i++;
			j++;
		} else if (star != SIZE_MAX) {
			j = star + 1;
			i = ++mark;
		} else {
			return false;
		}
	}
	while (j < r->len && p[j] == '*')
		j++;
	return j == r->len;
}

static struct robots *
robots_new(void)
{
	struct robots *r = xcalloc(1, sizeof *r);

	r->delay = -1;
	return r;
}

void
robots_free(struct robots *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->rules[i].pat);
	free(r->rules);
	free(r);
}

static void
robots_add(struct robots *r, bool allow, const char *value, size_t len)
{
	struct rule *rule;
	char *pat = xmalloc(3 * len + 1);
	size_t n = normalise(value, len, true, pat);

	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 8;
		r->rules = xrealloc(r->rules, r->alloc * sizeof *r->rules);
	}
	rule = &r->rules[r->n++];
	rule->octets = n;
	rule->anchored = n > 0 && pat[n - 1] == '$';
	if (rule->anchored)
		n--;
	pat[n] = '\0';
	rule->pat = pat;
	rule->len = n;
	rule->allow = allow;
}

static int
rule_order(const void *va, const void *vb)
{
	const struct rule *a = va, *b = vb;

	if (a->octets != b->octets)
		return a->octets > b->octets ? -1 : 1;
	return (int)b->allow - (int)a->allow;
}

/* Seconds, as digits with an optional fraction ("10", "0.5", ".5"); no
 * sign, exponent or hex, unlike strtod, and never locale-dependent.
 * Negative when value is anything else. */
static double
parse_delay(const char *value, size_t len)
{
	double v = 0, scale = 1;
	bool digits = false, point = false;

	for (size_t i = 0; i < len; i++) {
		char c = value[i];

		if (c == '.' && !point) {
			point = true;
		} else if (c >= '0' && c <= '9') {
			digits = true;
			if (point) {
				scale /= 10;
				v += (c - '0') * scale;
			} else if (v <= ROBOTS_MAX_DELAY) {
				/* Past the cap the exact value no longer
				 * matters, and it must not overflow. */
				v = v * 10 + (c - '0');
			}
		} else {
			return -1;
		}
	}
	if (!digits)
		return -1;
	return v < ROBOTS_MAX_DELAY ? v : ROBOTS_MAX_DELAY;
}

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*p)[*n - 1]))
		(*n)--;
}

static void
parse_user_agent(struct parser *ps, const char *value, size_t len)
{
	size_t tlen = 0;

	/* One or more user-agent lines in a row start one group; after a
	 * rule, a user-agent line starts the next. */
	if (!ps->in_agents) {
		ps->in_agents = true;
		ps->to_mine = false;
		ps->to_star = false;
	}
	if (len > 0 && value[0] == '*' && (len == 1 || is_blank(value[1]))) {
		ps->to_star = true;
		return;
	}
	/* "ExampleBot/1.0" names the product token "ExampleBot". */
	while (tlen < len && is_token_char(value[tlen]))
		tlen++;
	if (tlen > 0 && equal_nocase(value, tlen, ps->token,
	    strlen(ps->token))) {
		ps->to_mine = true;
		ps->mine_seen = true;
	}
}

static void
parse_member(struct parser *ps, enum member kind, const char *value, size_t len)
{
	struct robots *to[2];
	int nto = 0;

	ps->in_agents = false;
	if (ps->to_mine)
		to[nto++] = ps->mine;
	if (ps->to_star)
		to[nto++] = ps->star;
	for (int i = 0; i < nto; i++) {
		if (kind == MEMBER_DELAY) {
			/* Merged groups: the first valid delay stays. */
			if (to[i]->delay < 0)
				to[i]->delay = parse_delay(value, len);
		} else if (len > 0) {
			/* An empty value is no rule (RFC 9309 2.2.2). */
			robots_add(to[i], kind == MEMBER_ALLOW, value,
			    len);
		}
	}
}

/* One line, without its line end.  Lines that are not "key: value" and
 * keys scrape does not use (Sitemap, Host, ...) are skipped and leave
 * the group as it was. */
static void
parse_line(struct parser *ps, const char *line, size_t n)
{
	const char *hash = memchr(line, '#', n), *colon, *value;
	size_t klen, vlen;

	if (hash != NULL)
		n = (size_t)(hash - line);
	colon = memchr(line, ':', n);
	if (colon == NULL)
		return;
	klen = (size_t)(colon - line);
	value = colon + 1;
	vlen = n - klen - 1;
	trim(&line, &klen);
	trim(&value, &vlen);

	if (equal_nocase(line, klen, "user-agent", 10))
		parse_user_agent(ps, value, vlen);
	else if (equal_nocase(line, klen, "allow", 5))
		parse_member(ps, MEMBER_ALLOW, value, vlen);
	else if (equal_nocase(line, klen, "disallow", 8))
		parse_member(ps, MEMBER_DISALLOW, value, vlen);
	else if (equal_nocase(line, klen, "crawl-delay", 11))
		parse_member(ps, MEMBER_DELAY, value, vlen);
}

struct robots *
robots_parse(const char *body, size_t len, const char *token)
{
	struct parser ps;
	struct robots *r;
	size_t i = 0, start;

	memset(&ps, 0, sizeof ps);
	ps.token = token != NULL ? token : "";
	ps.mine = robots_new();
	ps.star = robots_new();

	/* A line cut by the cap is dropped, not read as a shorter rule:
	 * "Disallow: /private-stuff" cut to "Disallow: /" would disallow
	 * everything. */
	if (len > ROBOTS_MAX_BYTES) {
		len = ROBOTS_MAX_BYTES;
		while (len > 0 && body[len] != '\n' && body[len] != '\r')
			len--;
	}
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		start = i;
		while (i < len && body[i] != '\n' && body[i] != '\r')
			i++;
		parse_line(&ps, body + start, i - start);
		if (i + 1 < len && body[i] == '\r' && body[i + 1] == '\n')
			i++;
		i++;
	}

	if (ps.mine_seen) {
		r = ps.mine;
		robots_free(ps.star);
	} else {
		r = ps.star;
		robots_free(ps.mine);
	}
	if (r->n > 0)
		qsort(r->rules, r->n, sizeof *r->rules, rule_order);
	return r;
}

struct robots *
robots_allow_all(void)
{
	return robots_new();
}

struct robots *
robots_disallow_all(void)
{
	struct robots *r = robots_new();

	/* '*' rather than '/': it refuses even a path without its '/'. */
	robots_add(r, false, "*", 1);
	return r;
}

bool
robots_allowed(const struct robots *r, const char *path)
{
	size_t len, n;
	char *norm;
	bool allowed = true;

	if (path == NULL || *path == '\0')
		path = "/";
	len = strlen(path);
	norm = xmalloc(3 * len + 1);
	n = normalise(path, len, false, norm);
	/* Fetching robots.txt is how the rules are learnt at all. */
	if (n == 11 && memcmp(norm, "/robots.txt", 11) == 0) {
		free(norm);
		return true;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (rule_matches(&r->rules[i], norm, n)) {
			allowed = r->rules[i].allow;
			break;
		}
	}
	free(norm);
	return allowed;
}

double
robots_crawl_delay(const struct robots *r)
{
	return r->delay;
}

void
robots_product_token(const char *user_agent, char *out, size_t outlen)
{
	size_t n = 0;

	if (outlen == 0)
		return;
	if (user_agent == NULL || *user_agent == '\0')
		user_agent = "scrape";
	while (user_agent[n] != '\0' && user_agent[n] != '/' &&
	    user_agent[n] != ' ' && n + 1 < outlen)
		n++;
	memcpy(out, user_agent, n);
	out[n] = '\0';
}
