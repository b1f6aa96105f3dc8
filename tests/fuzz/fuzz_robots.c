/* libFuzzer target: the robots.txt parser and matcher (src/robots.c).
 *
 * Input: byte 0 is the length of the URL path that follows it (a
 * NUL-terminated copy: an embedded NUL ends it); the rest is the
 * robots.txt body.  The body is parsed for the product token "scrape"
 * and the path matched, and the answers are held to what must hold
 * whatever the rules say: the same answer twice, /robots.txt always
 * allowed, the token matched without regard to case, a group for
 * another agent in front changing nothing, a body stripped of its ':'
 * having no rules, and a rule made of the path itself matching it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "robots.h"

#include "fuzz_util.h"

/* A group for an agent that is not "scrape", put in front of a body. */
static const char other_group[] = "User-agent: zz-other\nDisallow: /\n\n";

/* The path with every %xx decoded: what /robots.txt is compared in at
 * most (robots.c keeps some %xx, never decodes more). */
static bool
decodes_to_robots_txt(const char *path)
{
	char dec[256];
	size_t w = 0;

	for (size_t i = 0; path[i] != '\0' && w < sizeof dec - 1; i++) {
		int hi, lo;

		if (path[i] == '%' &&
		    (hi = hexval((unsigned char)path[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)path[i + 2])) >= 0) {
			dec[w++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dec[w++] = path[i];
		}
	}
	dec[w] = '\0';
	return strcmp(dec, "/robots.txt") == 0;
}

/* Whether path can be written as a rule value verbatim: nothing a line
 * split, a comment or trimming would change, and no final '$' (that
 * would be the anchor). */
static bool
usable_as_rule(const char *path, size_t n)
{
	if (n == 0 || path[0] == ' ' || path[0] == '\t' ||
	    path[n - 1] == ' ' || path[n - 1] == '\t' || path[n - 1] == '$')
		return false;
	return strpbrk(path, "#\r\n") == NULL;
}

static struct robots *
parse_text(const char *prefix, const char *path, const char *suffix,
    const char *token)
{
	size_t pl = strlen(prefix), l = strlen(path), sl = strlen(suffix);
	char *body = malloc(pl + l + sl);
	struct robots *r;

	CHECK(body != NULL);
	memcpy(body, prefix, pl);
	memcpy(body + pl, path, l);
	memcpy(body + pl + l, suffix, sl);
	r = robots_parse(body, pl + l + sl, token);
	free(body);
	return r;
}

/* A rule that is the path itself matches it, anchored or not, and an
 * Allow of the same length wins the tie. */
static void
check_self_match(const char *path)
{
	struct robots *r;

	r = parse_text("User-agent: *\nDisallow: ", path, "\n", "scrape");
	CHECK(!robots_allowed(r, path));
	robots_free(r);
	r = parse_text("User-agent: scrape\nDisallow: ", path, "$\n",
	    "scrape");
	CHECK(!robots_allowed(r, path));
	robots_free(r);
	r = parse_text("User-agent: *\nAllow: ", path, "\nDisallow: *\n",
	    "scrape");
	CHECK(robots_allowed(r, path));
	robots_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	size_t plen = fz_u8(&f), blen, n;
	char *path, *body, *nocolon, *prefixed;
	struct robots *r, *r2, *all, *none;
	bool allowed;
	double delay;

	if (plen > f.n)
		plen = f.n;
	path = fz_dup0(f.p, plen);
	f.p += plen;
	f.n -= plen;
	blen = f.n;
	body = fz_dup(f.p, blen);
	n = strlen(path);

	r = robots_parse(body, blen, "scrape");
	allowed = robots_allowed(r, path);
	delay = robots_crawl_delay(r);
	CHECK(robots_allowed(r, path) == allowed);
	CHECK(robots_allowed(r, "/robots.txt"));
	CHECK(delay < 0 || delay <= ROBOTS_MAX_DELAY);
	CHECK(delay == robots_crawl_delay(r));

	/* The product token is matched without regard to case. */
	r2 = robots_parse(body, blen, "SCRAPE");
	CHECK(robots_allowed(r2, path) == allowed);
	CHECK(robots_crawl_delay(r2) == delay || (delay < 0 &&
	    robots_crawl_delay(r2) < 0));
	robots_free(r2);

	/* Another agent's group in front changes nothing for scrape.  A
	 * BOM is only skipped at the very start, and the cap counts the
	 * added bytes, so those bodies are left out. */
	if (!(blen >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) &&
	    blen + sizeof other_group <= ROBOTS_MAX_BYTES) {
		size_t plen2 = sizeof other_group - 1;

		prefixed = malloc(plen2 + blen);
		CHECK(prefixed != NULL);
		memcpy(prefixed, other_group, plen2);
		if (blen > 0)
			memcpy(prefixed + plen2, body, blen);
		r2 = robots_parse(prefixed, plen2 + blen, "scrape");
		CHECK(robots_allowed(r2, path) == allowed);
		CHECK(robots_crawl_delay(r2) == delay || (delay < 0 &&
		    robots_crawl_delay(r2) < 0));
		robots_free(r2);
		free(prefixed);
	}

	/* Without a ':' no line is a rule: everything is allowed. */
	nocolon = fz_dup(body, blen);
	for (size_t i = 0; i < blen; i++)
		if (nocolon[i] == ':')
			nocolon[i] = ' ';
	r2 = robots_parse(nocolon, blen, "scrape");
	CHECK(robots_allowed(r2, path));
	CHECK(robots_crawl_delay(r2) < 0);
	robots_free(r2);
	free(nocolon);

	/* What a 4xx and a 5xx robots.txt mean. */
	all = robots_allow_all();
	none = robots_disallow_all();
	CHECK(robots_allowed(all, path));
	CHECK(robots_crawl_delay(all) < 0 && robots_crawl_delay(none) < 0);
	if (robots_allowed(none, path))
		CHECK(decodes_to_robots_txt(path));
	if (strcmp(path, "/robots.txt") == 0)
		CHECK(robots_allowed(none, path));
	else if (strchr(path, '%') == NULL)
		CHECK(!robots_allowed(none, path));

	if (usable_as_rule(path, n) && !robots_allowed(none, path))
		check_self_match(path);

	robots_free(none);
	robots_free(all);
	robots_free(r);
	free(body);
	free(path);
	return 0;
}
