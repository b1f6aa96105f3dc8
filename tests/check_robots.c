/* Unit tests of the --robots rule of SPEC.md and of RFC 9309: which
 * group applies, which paths it allows, its Crawl-delay, and how odd
 * files (CR line ends, a BOM, binary bytes, more than 500 KiB) read. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

struct expect {
	const char *path;
	bool allowed;
};

static struct robots *
parse(const char *body, const char *token)
{
	return robots_parse(body, strlen(body), token);
}

static void
assert_paths(const struct robots *r, const char *what,
    const struct expect *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool got = robots_allowed(r, e[i].path);

		ck_assert_msg(got == e[i].allowed, "%s: \"%s\" %s, want %s",
		    what, e[i].path, got ? "allowed" : "disallowed",
		    e[i].allowed ? "allowed" : "disallowed");
	}
}

/* Parse body for token and check each path. */
static void
check_body(const char *what, const char *body, const char *token,
    const struct expect *e, size_t n)
{
	struct robots *r = parse(body, token);

	assert_paths(r, what, e, n);
	robots_free(r);
}

/* ---- RFC 9309 examples ------------------------------------------------- */

/* RFC 9309 section 5.1. */
static const char rfc_simple[] =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

START_TEST(test_rfc_simple_foobot)
{
	static const struct expect e[] = {
		{ "/example/page.html", true },
		{ "/example/allowed.gif", true },
		{ "/", false },
		{ "/example/", false },
		{ "/example/other.html", false },
		{ "/publications/", false },
		{ "/x.gif", false },
	};

	check_body("foobot", rfc_simple, "foobot", e, NELEM(e));
}
END_TEST

START_TEST(test_rfc_simple_barbot_bazbot)
{
	static const struct expect e[] = {
		{ "/example/page.html", false },
		{ "/example/page.html?x=1", false },
		{ "/example/", true },
		{ "/example/other.html", true },
		{ "/x.gif", true },
		{ "/", true },
	};

	check_body("barbot", rfc_simple, "barbot", e, NELEM(e));
	check_body("bazbot", rfc_simple, "bazbot", e, NELEM(e));
}
END_TEST

START_TEST(test_rfc_simple_quxbot_empty_group)
{
	static const struct expect e[] = {
		{ "/", true },
		{ "/example/", true },
		{ "/x.gif", true },
		{ "/example/page.html", true },
	};

	check_body("quxbot", rfc_simple, "quxbot", e, NELEM(e));
}
END_TEST

START_TEST(test_rfc_simple_other_crawlers)
{
	static const struct expect e[] = {
		{ "/", true },
		{ "/index.html", true },
		{ "/publications/", true },
		{ "/publications/x.html", true },
		{ "/example/", false },
		{ "/example/page.html", false },
		{ "/x.gif", false },
		{ "/images/y.gif", false },
		{ "/x.gif?size=2", true },
		{ "/x.gifs", true },
	};

	check_body("scrape", rfc_simple, "scrape", e, NELEM(e));
}
END_TEST

/* RFC 9309 section 5.2. */
START_TEST(test_rfc_longest_match)
{
	static const char body[] =
	    "User-Agent: foobot\n"
	    "Allow: /example/page/\n"
	    "Disallow: /example/page/disallowed.gif\n";
	static const struct expect e[] = {
		{ "/example/page/", true },
		{ "/example/page/other.gif", true },
		{ "/example/page/disallowed.gif", false },
		{ "/example/page/disallowed.gif?v=2", false },
	};

	check_body("5.2", body, "foobot", e, NELEM(e));
}
END_TEST

/* RFC 9309 section 2.2.1: groups naming the same agent are merged. */
START_TEST(test_rfc_merged_groups)
{
	static const char body[] =
	    "user-agent: ExampleBot\n"
	    "disallow: /foo\n"
	    "disallow: /bar\n"
	    "\n"
	    "user-agent: ExampleBot\n"
	    "disallow: /baz\n";
	static const struct expect e[] = {
		{ "/foo", false },
		{ "/bar", false },
		{ "/baz", false },
		{ "/qux", true },
	};

	check_body("merged", body, "examplebot", e, NELEM(e));
}
END_TEST

/* RFC 9309 section 2.2.2: the percent-encoding table, in each
 * direction, and with hex digits in either case. */
struct enc_case {
	const char *rule;
	const char *path;
};

static const struct enc_case enc_cases[] = {
	{ "/foo/bar?baz=quz", "/foo/bar?baz=quz" },
	{ "/foo/bar/\xe3\x83\x84", "/foo/bar/%E3%83%84" },
	{ "/foo/bar/\xe3\x83\x84", "/foo/bar/%e3%83%84" },
	{ "/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84" },
	{ "/foo/bar/%E3%83%84", "/foo/bar/\xe3\x83\x84" },
	{ "/foo/bar/%e3%83%84", "/foo/bar/%E3%83%84" },
	{ "/foo/bar/%62%61%7A", "/foo/bar/baz" },
	{ "/foo/bar/baz", "/foo/bar/%62%61%7a" },
	{ "/%7Euser/", "/~user/" },
	{ "/a%2Fb", "/a%2fb" },
	/* RFC 9309 2.2.3: special characters matched verbatim. */
	{ "/path/file-with-a-%2A.html", "/path/file-with-a-*.html" },
	{ "/path/foo-%24", "/path/foo-$" },
};

START_TEST(test_rfc_percent_encoding)
{
	const struct enc_case *c = &enc_cases[_i];
	char body[256];
	struct robots *r;

	snprintf(body, sizeof body, "User-agent: *\nDisallow: %s\n", c->rule);
	r = parse(body, "scrape");
	ck_assert_msg(!robots_allowed(r, c->path),
	    "rule \"%s\" does not match \"%s\"", c->rule, c->path);
	ck_assert(robots_allowed(r, "/elsewhere"));
	robots_free(r);
}
END_TEST

START_TEST(test_percent_encoding_no_false_match)
{
	static const char body[] =
	    "User-agent: *\n"
	    "Disallow: /a%2Fb\n"       /* an encoded '/' is not a '/' */
	    "Disallow: /star-%2A\n"    /* a literal '*', no wildcard */
	    "Disallow: /100%\n";       /* a bare '%' is a percent sign */
	static const struct expect e[] = {
		{ "/a/b", true },
		{ "/a%2Fb", false },
		{ "/star-x", true },
		{ "/star-*", false },
		{ "/star-%2a", false },
		{ "/100%25", false },
		{ "/100%", false },
		{ "/100", true },
	};

	check_body("encoding", body, "scrape", e, NELEM(e));
}
END_TEST

/* RFC 9309 section 2.2.3: '#', '$' and '*' in rules. */
START_TEST(test_rfc_special_characters)
{
	static const char body[] =
	    "User-agent: *\n"
	    "Disallow: /\n"
	    "allow: / # comment in line\n";
	static const struct expect e[] = {
		{ "/", true },
		{ "/anything", true },
	};
	static const char body2[] =
	    "User-agent: *\n"
	    "Disallow: /this/\n"
	    "allow: /this/path/exactly$\n";
	static const struct expect e2[] = {
		{ "/this/path/exactly", true },
		{ "/this/path/exactly/", false },
		{ "/this/path/exactly?q", false },
		{ "/this/path/exactl", false },
	};
	static const char body3[] =
	    "User-agent: *\n"
	    "Disallow: /this/\n"
	    "allow: /this/*/exactly\n";
	static const struct expect e3[] = {
		{ "/this/path/exactly", true },
		{ "/this/a/b/exactly", true },
		{ "/this/some/exactlyfoo", true },
		{ "/this/exactly", false },
		{ "/this/some/other", false },
	};

	/* "allow: /" ties with "Disallow: /" once its comment is gone. */
	check_body("comment in line", body, "scrape", e, NELEM(e));
	check_body("$", body2, "scrape", e2, NELEM(e2));
	check_body("*", body3, "scrape", e3, NELEM(e3));
}
END_TEST

/* ---- matching ---------------------------------------------------------- */

START_TEST(test_longest_match_wins)
{
	static const char body[] =
	    "User-agent: *\n"
	    "Allow: /folder/page\n"
	    "Disallow: /folder\n"
	    "Disallow: /folder/page/secret\n"
	    "Allow: /p\n"
	    "Disallow: /\n";
	static const struct expect e[] = {
		{ "/folder", false },
		{ "/folder/", false },
		{ "/folder/page", true },
		{ "/folder/page.html", true },
		{ "/folder/page/secret", false },
		{ "/folder/page/secret/x", false },
		{ "/p", true },
		{ "/page", true },
		{ "/q", false },
	};

	check_body("longest", body, "scrape", e, NELEM(e));
}
END_TEST

START_TEST(test_allow_wins_tie)
{
	static const struct expect e[] = {
		{ "/page", true },
		{ "/page.html", true },
		{ "/other", true },
	};
	static const struct expect e_star[] = {
		{ "/a/x", true },
		{ "/ab", true },
	};

	/* Either order in the file. */
	check_body("allow first", "User-agent: *\nAllow: /page\n"
	    "Disallow: /page\n", "scrape", e, NELEM(e));
	check_body("disallow first", "User-agent: *\nDisallow: /page\n"
	    "Allow: /page\n", "scrape", e, NELEM(e));
	/* Equal octets, different patterns, both matching. */
	check_body("wildcard tie", "User-agent: *\nDisallow: /a/\n"
	    "Allow: /a*\n", "scrape", e_star, 1);
	check_body("wildcard tie", "User-agent: *\nDisallow: /a*\n"
	    "Allow: /ab\n", "scrape", e_star + 1, 1);
}
END_TEST

START_TEST(test_wildcard_php_end)
{
	static const struct expect e[] = {
		{ "/index.php", false },
		{ "/filename.php", false },
		{ "/folder/filename.php", false },
		{ "/index.php?x", true },
		{ "/filename.php/", true },
		{ "/index.phps", true },
		{ "/windows.PHP", true },
		{ "/", true },
	};

	check_body("/*.php$", "User-agent: *\nDisallow: /*.php$\n", "scrape",
	    e, NELEM(e));
}
END_TEST

START_TEST(test_wildcard_php_prefix)
{
	static const struct expect e[] = {
		{ "/index.php", false },
		{ "/index.php?x", false },
		{ "/folder/any.php.file.html", false },
		{ "/", true },
		{ "/windows.PHP", true },
	};

	check_body("/*.php", "User-agent: *\nDisallow: /*.php\n", "scrape",
	    e, NELEM(e));
}
END_TEST

START_TEST(test_wildcard_fish)
{
	static const struct expect e[] = {
		{ "/fish", false },
		{ "/fish.html", false },
		{ "/fish/salmon.html", false },
		{ "/fishheads", false },
		{ "/fishheads/yummy.html", false },
		{ "/fish.php?id=anything", false },
		{ "/Fish.asp", true },
		{ "/catfish", true },
		{ "/?id=fish", true },
		{ "/desert/fish", true },
	};

	/* A trailing '*' changes nothing: rules match prefixes anyway. */
	check_body("/fish*", "User-agent: *\nDisallow: /fish*\n", "scrape",
	    e, NELEM(e));
	check_body("/fish", "User-agent: *\nDisallow: /fish\n", "scrape",
	    e, NELEM(e));
}
END_TEST

START_TEST(test_wildcard_gif_end)
{
	static const struct expect e[] = {
		{ "/a.gif", false },
		{ "/images/b/c.gif", false },
		{ "/a.gif?x=1", true },
		{ "/a.gif/", true },
		{ "/a.GIF", true },
		{ "/a.jpg", true },
	};

	check_body("/*.gif$", "User-agent: *\nDisallow: /*.gif$\n", "scrape",
	    e, NELEM(e));
}
END_TEST

START_TEST(test_wildcard_query_and_inner_dollar)
{
	static const struct expect e[] = {
		{ "/a?b", false },
		{ "/search?q=x", false },
		{ "/a", true },
		{ "/price$5", false },
		{ "/price$6", true },
		{ "/price", true },
		{ "/exact", false },
		{ "/exact/", true },
	};

	/* Only a final '$' anchors; an inner one is a literal '$'. */
	check_body("query", "User-agent: *\nDisallow: /*?\n"
	    "Disallow: /price$5\nDisallow: /exact$\n", "scrape", e,
	    NELEM(e));
}
END_TEST

START_TEST(test_wildcard_stars_backtrack)
{
	static const struct expect e[] = {
		{ "/a/x/b/y/c", false },
		{ "/a/b/c", false },
		{ "/abc", false },
		{ "/a/b", true },
		{ "/aXbXcXb", false },
		{ "/cba", true },
	};

	check_body("/a*b*c", "User-agent: *\nDisallow: /a*b*c\n", "scrape",
	    e, NELEM(e));
	check_body("/a**b***c", "User-agent: *\nDisallow: /a**b***c\n",
	    "scrape", e, NELEM(e));
}
END_TEST

/* A wildcard matcher that backtracks over every star would take
 * exponential time here; the two-pointer one takes milliseconds. */
START_TEST(test_wildcard_not_exponential)
{
	char path[4097];
	struct robots *r;
	const char *body = "User-agent: *\n"
	    "Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n"
	    "Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b$\n";

	path[0] = '/';
	memset(path + 1, 'a', sizeof path - 2);
	path[sizeof path - 1] = '\0';
	r = parse(body, "scrape");
	for (int i = 0; i < 20; i++)
		ck_assert(robots_allowed(r, path));
	path[sizeof path - 2] = 'b';
	ck_assert(!robots_allowed(r, path));
	robots_free(r);
}
END_TEST

START_TEST(test_empty_path_is_root)
{
	struct robots *r = parse("User-agent: *\nDisallow: /$\n", "scrape");

	ck_assert(!robots_allowed(r, ""));
	ck_assert(!robots_allowed(r, "/"));
	ck_assert(robots_allowed(r, "/a"));
	robots_free(r);
}
END_TEST

START_TEST(test_robots_txt_always_allowed)
{
	struct robots *r = parse("User-agent: *\nDisallow: /\n"
	    "Disallow: /robots.txt\n", "scrape");

	ck_assert(robots_allowed(r, "/robots.txt"));
	ck_assert(!robots_allowed(r, "/robots.txt.bak"));
	ck_assert(!robots_allowed(r, "/"));
	ck_assert(!robots_allowed(r, "/a/robots.txt"));
	robots_free(r);
}
END_TEST

START_TEST(test_no_rules_allows_everything)
{
	static const struct expect e[] = {
		{ "/", true },
		{ "/anything?at=all", true },
		{ "", true },
	};

	check_body("empty file", "", "scrape", e, NELEM(e));
	check_body("only comments", "# nothing here\n\n#\n", "scrape", e,
	    NELEM(e));
	/* No group for us and no '*' group. */
	check_body("other agents", "User-agent: otherbot\nDisallow: /\n",
	    "scrape", e, NELEM(e));
	/* Rules before any user-agent line belong to no group. */
	check_body("no group", "Disallow: /\nAllow: /x\n", "scrape", e,
	    NELEM(e));
}
END_TEST

/* ---- groups ------------------------------------------------------------ */

START_TEST(test_group_specific_beats_star)
{
	static const char body[] =
	    "User-agent: *\n"
	    "Disallow: /\n"
	    "\n"
	    "User-agent: scrape\n"
	    "Disallow: /private\n";
	static const struct expect mine[] = {
		{ "/", true },
		{ "/public", true },
		{ "/private", false },
	};
	static const struct expect other[] = {
		{ "/", false },
		{ "/public", false },
	};

	check_body("scrape", body, "scrape", mine, NELEM(mine));
	check_body("otherbot", body, "otherbot", other, NELEM(other));
}
END_TEST

START_TEST(test_group_agent_case_and_version)
{
	static const struct expect e[] = {
		{ "/private", false },
		{ "/public", true },
	};

	check_body("upper case", "User-agent: *\nDisallow: /\n"
	    "User-agent: SCRAPE\nDisallow: /private\n", "scrape", e,
	    NELEM(e));
	check_body("token upper", "User-agent: *\nDisallow: /\n"
	    "User-agent: scrape\nDisallow: /private\n", "Scrape", e,
	    NELEM(e));
	check_body("with version", "User-agent: *\nDisallow: /\n"
	    "User-agent: Scrape/1.0\nDisallow: /private\n", "scrape", e,
	    NELEM(e));
	check_body("with comment", "User-agent: *\nDisallow: /\n"
	    "User-agent: scrape # us\nDisallow: /private\n", "scrape", e,
	    NELEM(e));
}
END_TEST

START_TEST(test_group_token_must_match_whole)
{
	static const struct expect e[] = {
		{ "/", false },
		{ "/private", false },
	};

	/* "scraper" and "scrap" are other crawlers: the '*' group applies. */
	check_body("longer", "User-agent: *\nDisallow: /\n"
	    "User-agent: scraper\nDisallow: /private\n", "scrape", e,
	    NELEM(e));
	check_body("shorter", "User-agent: *\nDisallow: /\n"
	    "User-agent: scrap\nDisallow: /private\n", "scrape", e,
	    NELEM(e));
}
END_TEST

START_TEST(test_group_several_agent_lines)
{
	static const char body[] =
	    "User-agent: a-bot\n"
	    "User-agent: scrape\n"
	    "User-agent: b_bot\n"
	    "Disallow: /shared\n"
	    "\n"
	    "User-agent: *\n"
	    "Disallow: /\n";
	static const struct expect e[] = {
		{ "/shared", false },
		{ "/other", true },
	};

	check_body("scrape", body, "scrape", e, NELEM(e));
	check_body("a-bot", body, "a-bot", e, NELEM(e));
	check_body("b_bot", body, "b_bot", e, NELEM(e));
}
END_TEST

START_TEST(test_group_star_and_agent_in_one)
{
	static const char body[] =
	    "User-agent: scrape\n"
	    "User-agent: *\n"
	    "Disallow: /both\n"
	    "\n"
	    "User-agent: scrape\n"
	    "Disallow: /mine\n";
	static const struct expect mine[] = {
		{ "/both", false },
		{ "/mine", false },
		{ "/x", true },
	};
	static const struct expect other[] = {
		{ "/both", false },
		{ "/mine", true },
	};

	check_body("scrape", body, "scrape", mine, NELEM(mine));
	check_body("other", body, "other", other, NELEM(other));
}
END_TEST

START_TEST(test_group_merged_across_file)
{
	static const char body[] =
	    "User-agent: scrape\n"
	    "Disallow: /one\n"
	    "\n"
	    "User-agent: *\n"
	    "Disallow: /star\n"
	    "\n"
	    "User-agent: Scrape\n"
	    "Disallow: /two\n"
	    "Allow: /one/ok\n";
	static const struct expect e[] = {
		{ "/one", false },
		{ "/two", false },
		{ "/one/ok", true },
		{ "/star", true },
	};

	check_body("merged", body, "scrape", e, NELEM(e));
}
END_TEST

START_TEST(test_group_empty_for_us)
{
	static const struct expect e[] = {
		{ "/", true },
		{ "/x", true },
	};
	struct robots *r;

	/* Our group has no rules: everything is allowed, whatever '*'
	 * says. */
	check_body("empty at end", "User-agent: *\nDisallow: /\n"
	    "User-agent: scrape\n", "scrape", e, NELEM(e));
	check_body("only a delay", "User-agent: scrape\nCrawl-delay: 1\n"
	    "User-agent: *\nDisallow: /\n", "scrape", e, NELEM(e));
	check_body("empty disallow", "User-agent: scrape\nDisallow:\n"
	    "User-agent: *\nDisallow: /\n", "scrape", e, NELEM(e));

	/* A blank line does not end a run of user-agent lines: this is
	 * one group, for scrape and '*' alike. */
	r = parse("User-agent: scrape\n\nUser-agent: *\nDisallow: /\n",
	    "scrape");
	ck_assert(!robots_allowed(r, "/x"));
	robots_free(r);
}
END_TEST

START_TEST(test_group_unknown_keys_keep_group)
{
	static const char body[] =
	    "User-agent: scrape\n"
	    "Sitemap: https://example.com/sitemap.xml\n"
	    "Disallow: /a\n"
	    "Host: example.com\n"
	    "Clean-param: ref /x\n"
	    "Disallow: /b\n"
	    "nonsense line without colon\n"
	    "Disallow: /c\n"
	    "\n"
	    "User-agent: *\n"
	    "Disallow: /\n";
	static const struct expect e[] = {
		{ "/a", false },
		{ "/b", false },
		{ "/c", false },
		{ "/d", true },
	};

	check_body("sitemap", body, "scrape", e, NELEM(e));
}
END_TEST

/* ---- lines ------------------------------------------------------------- */

START_TEST(test_empty_disallow_is_no_rule)
{
	static const struct expect e[] = {
		{ "/", true },
		{ "/anything", true },
	};

	check_body("empty", "User-agent: *\nDisallow:\n", "scrape", e,
	    NELEM(e));
	check_body("blank", "User-agent: *\nDisallow:   \t\n", "scrape", e,
	    NELEM(e));
	check_body("comment", "User-agent: *\nDisallow: # none\n", "scrape",
	    e, NELEM(e));
	/* An empty Disallow in our group still means the group is ours. */
	check_body("ours", "User-agent: scrape\nDisallow:\n\n"
	    "User-agent: *\nDisallow: /\n", "scrape", e, NELEM(e));
}
END_TEST

START_TEST(test_comments)
{
	static const char body[] =
	    "# robots.txt for example.com\n"
	    "User-agent: * # everyone\n"
	    "# Disallow: /commented\n"
	    "Disallow: /a # the a section\n"
	    "Disallow: /b#c\n"
	    "   # indented comment\n";
	static const struct expect e[] = {
		{ "/commented", true },
		{ "/a", false },
		{ "/a/x", false },
		{ "/b", false },
		{ "/bx", false },
		{ "/c", true },
	};

	check_body("comments", body, "scrape", e, NELEM(e));
}
END_TEST

START_TEST(test_line_ends)
{
	static const struct expect e[] = {
		{ "/a", false },
		{ "/b", false },
		{ "/c", true },
		{ "/", true },
	};

	check_body("LF", "User-agent: *\nDisallow: /a\nDisallow: /b\n",
	    "scrape", e, NELEM(e));
	check_body("CRLF", "User-agent: *\r\nDisallow: /a\r\n"
	    "Disallow: /b\r\n", "scrape", e, NELEM(e));
	check_body("CR", "User-agent: *\rDisallow: /a\rDisallow: /b\r",
	    "scrape", e, NELEM(e));
	check_body("mixed", "User-agent: *\r\nDisallow: /a\r\r\n\n"
	    "Disallow: /b", "scrape", e, NELEM(e));
}
END_TEST

START_TEST(test_bom)
{
	static const struct expect e[] = {
		{ "/a", false },
		{ "/b", true },
	};

	check_body("BOM", "\xef\xbb\xbfUser-agent: *\nDisallow: /a\n",
	    "scrape", e, NELEM(e));
	check_body("BOM CRLF", "\xef\xbb\xbfUser-agent: *\r\nDisallow: /a\r\n",
	    "scrape", e, NELEM(e));
}
END_TEST

START_TEST(test_keys_case_and_blanks)
{
	static const char body[] =
	    "USER-AGENT : *\n"
	    "DISALLOW : /a\n"
	    "  disallow:/b\n"
	    "\tDisAllow\t:\t/c\t\n"
	    "Allow:/a/ok  \n"
	    "Disallow /nocolon\n";
	static const struct expect e[] = {
		{ "/a", false },
		{ "/b", false },
		{ "/c", false },
		{ "/a/ok", true },
		{ "/nocolon", true },
	};

	check_body("keys", body, "scrape", e, NELEM(e));
}
END_TEST

START_TEST(test_inner_blank_in_rule)
{
	static const struct expect e[] = {
		{ "/a%20b", false },
		{ "/a", true },
	};

	check_body("space", "User-agent: *\nDisallow: /a b\n", "scrape", e,
	    NELEM(e));
}
END_TEST

/* ---- Crawl-delay ------------------------------------------------------- */

struct delay_case {
	const char *value;
	double want;      /* < 0: none */
};

static const struct delay_case delay_cases[] = {
	{ "10", 10 },
	{ "1", 1 },
	{ "0", 0 },
	{ "0.5", 0.5 },
	{ "2.25", 2.25 },
	{ ".5", 0.5 },
	{ "3.", 3 },
	{ "  7  ", 7 },
	{ "5 # five", 5 },
	{ "60", 60 },
	{ "61", 60 },
	{ "120", 60 },
	{ "59.99", 59.99 },
	{ "99999999999999999999999999999999999999", 60 },
	{ "", -1 },
	{ ".", -1 },
	{ "soon", -1 },
	{ "-1", -1 },
	{ "+5", -1 },
	{ "1e3", -1 },
	{ "5s", -1 },
	{ "0x10", -1 },
	{ "1.2.3", -1 },
	{ "1 2", -1 },
	{ "inf", -1 },
	{ "nan", -1 },
};

START_TEST(test_crawl_delay_values)
{
	const struct delay_case *c = &delay_cases[_i];
	char body[128];
	struct robots *r;
	double got;

	snprintf(body, sizeof body, "User-agent: *\nCrawl-delay: %s\n",
	    c->value);
	r = parse(body, "scrape");
	got = robots_crawl_delay(r);
	if (c->want < 0)
		ck_assert_msg(got < 0, "\"%s\" gave %g, want none", c->value,
		    got);
	else
		ck_assert_msg(got > c->want - 1e-9 && got < c->want + 1e-9,
		    "\"%s\" gave %g, want %g", c->value, got, c->want);
	ck_assert(robots_allowed(r, "/"));
	robots_free(r);
}
END_TEST

START_TEST(test_crawl_delay_group)
{
	static const char body[] =
	    "User-agent: *\n"
	    "Crawl-delay: 5\n"
	    "\n"
	    "User-agent: scrape\n"
	    "Crawl-delay: 2\n"
	    "\n"
	    "User-agent: nodelay\n"
	    "Disallow: /x\n";
	struct robots *r;

	r = parse(body, "scrape");
	ck_assert(robots_crawl_delay(r) == 2);
	robots_free(r);
	r = parse(body, "otherbot");
	ck_assert(robots_crawl_delay(r) == 5);
	robots_free(r);
	/* Our group has none: the '*' group's delay is not ours. */
	r = parse(body, "nodelay");
	ck_assert(robots_crawl_delay(r) < 0);
	robots_free(r);
	r = parse("User-agent: *\nDisallow: /x\n", "scrape");
	ck_assert(robots_crawl_delay(r) < 0);
	robots_free(r);
	/* Outside any group it belongs to nobody. */
	r = parse("Crawl-delay: 3\nUser-agent: *\nDisallow: /x\n", "scrape");
	ck_assert(robots_crawl_delay(r) < 0);
	robots_free(r);
	/* A malformed one does not hide a good one after it. */
	r = parse("User-agent: *\nCrawl-delay: soon\nCrawl-delay: 4\n",
	    "scrape");
	ck_assert(robots_crawl_delay(r) == 4);
	robots_free(r);
}
END_TEST

/* ---- the 500 KiB cap --------------------------------------------------- */

/* A body of exactly `before` bytes of comment lines, then tail. */
static char *
padded(size_t before, const char *head, const char *tail, size_t *len)
{
	size_t hl = strlen(head), tl = strlen(tail), i;
	char *b = malloc(before + tl);

	ck_assert(b != NULL);
	ck_assert(before > hl + 2);
	memcpy(b, head, hl);
	for (i = hl; i < before; i++)
		b[i] = (i - hl) % 80 == 0 ? '#' : 'x';
	b[before - 1] = '\n';
	for (i = hl; i + 80 < before; i += 80)
		b[i + 79] = '\n';
	memcpy(b + before, tail, tl);
	*len = before + tl;
	return b;
}

START_TEST(test_cap_500_kib)
{
	const char *head = "User-agent: *\nDisallow: /early\n";
	struct robots *r;
	size_t len;
	char *b;

	/* A rule that ends just inside the cap counts. */
	b = padded(ROBOTS_MAX_BYTES - 14, head,
	    "Disallow: /in\nDisallow: /out\n", &len);
	r = robots_parse(b, len, "scrape");
	ck_assert(!robots_allowed(r, "/early"));
	ck_assert(!robots_allowed(r, "/in"));
	ck_assert(robots_allowed(r, "/out"));
	robots_free(r);
	free(b);

	/* One beyond it is ignored. */
	b = padded(ROBOTS_MAX_BYTES, head, "Disallow: /late\n", &len);
	r = robots_parse(b, len, "scrape");
	ck_assert(!robots_allowed(r, "/early"));
	ck_assert(robots_allowed(r, "/late"));
	robots_free(r);
	free(b);

	/* One the cap cuts is ignored too, not read as "Disallow: /". */
	b = padded(ROBOTS_MAX_BYTES - 11, head, "Disallow: /cut-here\n",
	    &len);
	r = robots_parse(b, len, "scrape");
	ck_assert(!robots_allowed(r, "/early"));
	ck_assert(robots_allowed(r, "/cut-here"));
	ck_assert(robots_allowed(r, "/"));
	robots_free(r);
	free(b);
}
END_TEST

/* ---- constructors and the product token -------------------------------- */

START_TEST(test_allow_all)
{
	struct robots *r = robots_allow_all();
	static const struct expect e[] = {
		{ "/", true },
		{ "", true },
		{ "/a/b?c=d", true },
		{ "/robots.txt", true },
	};

	assert_paths(r, "allow_all", e, NELEM(e));
	ck_assert(robots_crawl_delay(r) < 0);
	robots_free(r);
}
END_TEST

START_TEST(test_disallow_all)
{
	struct robots *r = robots_disallow_all();
	static const struct expect e[] = {
		{ "/", false },
		{ "", false },
		{ "/a/b?c=d", false },
		{ "/?q", false },
		{ "/robots.txt.gz", false },
		{ "no-slash", false },
		{ "/robots.txt", true },
	};

	assert_paths(r, "disallow_all", e, NELEM(e));
	ck_assert(robots_crawl_delay(r) < 0);
	robots_free(r);
	robots_free(NULL);
}
END_TEST

struct token_case {
	const char *ua;
	const char *want;
};

static const struct token_case token_cases[] = {
	{ "scrape/2.0", "scrape" },
	{ "Mozilla/5.0 (X11; Linux x86_64)", "Mozilla" },
	{ "", "scrape" },
	{ NULL, "scrape" },
	{ "curl", "curl" },
	{ "My Bot/1.0", "My" },
	{ "ExampleBot/1.1 (+https://example.com/bot)", "ExampleBot" },
	{ "a-b_c/1", "a-b_c" },
};

START_TEST(test_product_token)
{
	const struct token_case *c = &token_cases[_i];
	char out[64];

	memset(out, 'Z', sizeof out);
	robots_product_token(c->ua, out, sizeof out);
	ck_assert_str_eq(out, c->want);
}
END_TEST

START_TEST(test_product_token_truncates)
{
	char out[5];

	robots_product_token("ExampleBot/1.0", out, sizeof out);
	ck_assert_str_eq(out, "Exam");
	robots_product_token("ExampleBot/1.0", out, 1);
	ck_assert_str_eq(out, "");
	out[0] = 'Z';
	robots_product_token("ExampleBot/1.0", out, 0);
	ck_assert_int_eq(out[0], 'Z');
}
END_TEST

START_TEST(test_product_token_picks_group)
{
	char token[64];
	struct robots *r;
	const char *body = "User-agent: *\nDisallow: /\n"
	    "User-agent: mozilla\nDisallow: /private\n";

	robots_product_token("Mozilla/5.0 (X11)", token, sizeof token);
	r = parse(body, token);
	ck_assert(robots_allowed(r, "/public"));
	ck_assert(!robots_allowed(r, "/private"));
	robots_free(r);
}
END_TEST

/* ---- odd bytes --------------------------------------------------------- */

START_TEST(test_binary_input)
{
	uint32_t x = 2463534242u;
	char buf[4096];
	static const char *const paths[] = {
		"/", "", "/a", "/robots.txt", "/%", "/%zz", "/*$", "/\xff\xfe",
	};

	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)round * 20 % sizeof buf;
		struct robots *r;

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (char)x;
			/* Now and then a line a parser could misread. */
			if (x % 97 == 0 && i + 12 < len) {
				memcpy(buf + i, "\nDisallow:/", 11);
				i += 10;
			}
		}
		r = robots_parse(buf, len, "scrape");
		for (size_t i = 0; i < NELEM(paths); i++) {
			bool a = robots_allowed(r, paths[i]);

			ck_assert(a == robots_allowed(r, paths[i]));
		}
		ck_assert(robots_allowed(r, "/robots.txt"));
		ck_assert(robots_crawl_delay(r) <= 60);
		robots_free(r);
	}
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char body[] = "User-agent: *\nDisallow: /a\0b\n"
	    "Disallow: /c\n";
	struct robots *r = robots_parse(body, sizeof body - 1, "scrape");

	/* A NUL neither ends the body nor the rule it sits in. */
	ck_assert(robots_allowed(r, "/a"));
	ck_assert(!robots_allowed(r, "/a%00b"));
	ck_assert(!robots_allowed(r, "/c"));
	robots_free(r);
}
END_TEST

static Suite *
robots_suite(void)
{
	Suite *s = suite_create("robots");
	TCase *tr = tcase_create("rfc9309");
	TCase *tm = tcase_create("match");
	TCase *tg = tcase_create("groups");
	TCase *tl = tcase_create("lines");
	TCase *td = tcase_create("crawl_delay");
	TCase *tc = tcase_create("construct");

	tcase_add_test(tr, test_rfc_simple_foobot);
	tcase_add_test(tr, test_rfc_simple_barbot_bazbot);
	tcase_add_test(tr, test_rfc_simple_quxbot_empty_group);
	tcase_add_test(tr, test_rfc_simple_other_crawlers);
	tcase_add_test(tr, test_rfc_longest_match);
	tcase_add_test(tr, test_rfc_merged_groups);
	tcase_add_loop_test(tr, test_rfc_percent_encoding, 0,
	    (int)NELEM(enc_cases));
	tcase_add_test(tr, test_percent_encoding_no_false_match);
	tcase_add_test(tr, test_rfc_special_characters);
	suite_add_tcase(s, tr);

	tcase_add_test(tm, test_longest_match_wins);
	tcase_add_test(tm, test_allow_wins_tie);
	tcase_add_test(tm, test_wildcard_php_end);
	tcase_add_test(tm, test_wildcard_php_prefix);
	tcase_add_test(tm, test_wildcard_fish);
	tcase_add_test(tm, test_wildcard_gif_end);
	tcase_add_test(tm, test_wildcard_query_and_inner_dollar);
	tcase_add_test(tm, test_wildcard_stars_backtrack);
	tcase_add_test(tm, test_wildcard_not_exponential);
	tcase_add_test(tm, test_empty_path_is_root);
	tcase_add_test(tm, test_robots_txt_always_allowed);
	tcase_add_test(tm, test_no_rules_allows_everything);
	suite_add_tcase(s, tm);

	tcase_add_test(tg, test_group_specific_beats_star);
	tcase_add_test(tg, test_group_agent_case_and_version);
	tcase_add_test(tg, test_group_token_must_match_whole);
	tcase_add_test(tg, test_group_several_agent_lines);
	tcase_add_test(tg, test_group_star_and_agent_in_one);
	tcase_add_test(tg, test_group_merged_across_file);
	tcase_add_test(tg, test_group_empty_for_us);
	tcase_add_test(tg, test_group_unknown_keys_keep_group);
	suite_add_tcase(s, tg);

	tcase_add_test(tl, test_empty_disallow_is_no_rule);
	tcase_add_test(tl, test_comments);
	tcase_add_test(tl, test_line_ends);
	tcase_add_test(tl, test_bom);
	tcase_add_test(tl, test_keys_case_and_blanks);
	tcase_add_test(tl, test_inner_blank_in_rule);
	tcase_add_test(tl, test_cap_500_kib);
	tcase_add_test(tl, test_binary_input);
	tcase_add_test(tl, test_nul_bytes);
	suite_add_tcase(s, tl);

	tcase_add_loop_test(td, test_crawl_delay_values, 0,
	    (int)NELEM(delay_cases));
	tcase_add_test(td, test_crawl_delay_group);
	suite_add_tcase(s, td);

	tcase_add_test(tc, test_allow_all);
	tcase_add_test(tc, test_disallow_all);
	tcase_add_loop_test(tc, test_product_token, 0,
	    (int)NELEM(token_cases));
	tcase_add_test(tc, test_product_token_truncates);
	tcase_add_test(tc, test_product_token_picks_group);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(robots_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
