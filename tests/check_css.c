/* Unit tests of the --select translator (src/css.c): the XPath each
 * selector form gives, what it matches once libxml2 evaluates it, the
 * errors, and, the heart of it, a differential test against Scrapy's own
 * stack: lxml and cssselect (tests/css_oracle.py) select the same
 * elements of a tag-soup fixture for every selector in
 * tests/css/selectors.txt. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "buf.h"
#include "css.h"

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

#define PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | \
	HTML_PARSE_NOWARNING | HTML_PARSE_NONET)

/* Translate sel, which must be good, and hold the XPath to compiling. */
static char *
xlate(const char *sel, char **attr)
{
	char err[256], *x, *a = NULL;
	xmlXPathCompExprPtr comp;

	x = css_to_xpath(sel, &a, err, sizeof err);
	ck_assert_msg(x != NULL, "\"%s\": %s", sel, err);
	comp = xmlXPathCompile((const xmlChar *)x);
	ck_assert_msg(comp != NULL, "\"%s\" gave \"%s\", which libxml2 "
	    "does not compile", sel, x);
	xmlXPathFreeCompExpr(comp);
	if (attr != NULL)
		*attr = a;
	else
		free(a);
	return x;
}

static htmlDocPtr
parse_html(const char *html)
{
	htmlDocPtr doc = htmlReadMemory(html, (int)strlen(html), "fixture",
	    "UTF-8", PARSE_OPTIONS);

	ck_assert(doc != NULL);
	return doc;
}

static xmlXPathObjectPtr
eval(htmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;

	ck_assert(ctx != NULL);
	ctx->node = (xmlNodePtr)doc;
	res = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
	xmlXPathFreeContext(ctx);
	ck_assert_msg(res != NULL && res->type == XPATH_NODESET,
	    "\"%s\" gave no node-set", xpath);
	return res;
}

/* The ids of the elements sel matches in html, space-separated, "-" for
 * an element without one. */
static char *
match_ids(const char *html, const char *sel)
{
	htmlDocPtr doc = parse_html(html);
	char *x = xlate(sel, NULL);
	xmlXPathObjectPtr res = eval(doc, x);
	struct buf b = BUF_INIT;

	buf_puts(&b, "");
	for (int i = 0; res->nodesetval != NULL &&
	    i < res->nodesetval->nodeNr; i++) {
		xmlChar *id = xmlGetProp(res->nodesetval->nodeTab[i],
		    (const xmlChar *)"id");

		buf_printf(&b, "%s%s", i > 0 ? " " : "",
		    id != NULL ? (const char *)id : "-");
		xmlFree(id);
	}
	xmlXPathFreeObject(res);
	xmlFreeDoc(doc);
	free(x);
	return b.data;
}

static void
assert_match(const char *html, const char *sel, const char *want)
{
	char *got = match_ids(html, sel);

	ck_assert_msg(strcmp(got, want) == 0, "\"%s\" matched \"%s\", want "
	    "\"%s\"", sel, got, want);
	free(got);
}

/* ---- the XPath of each form ---------------------------------------------- */

struct xcase {
	const char *css;
	const char *xpath;
};

#define CLASS(c) "@class and contains(concat(' ', normalize-space(@class), " \
	"' '), ' " c " ')"

static const struct xcase forms[] = {
	{ "p", "descendant-or-self::p" },
	{ "*", "descendant-or-self::*" },
	{ "DIV", "descendant-or-self::div" },
	{ "#main", "descendant-or-self::*[@id = 'main']" },
	{ ".price", "descendant-or-self::*[" CLASS("price") "]" },
	{ "span.a.b", "descendant-or-self::span[(" CLASS("a") ") and ("
	    CLASS("b") ")]" },
	{ "[href]", "descendant-or-self::*[@href]" },
	{ "[HREF]", "descendant-or-self::*[@href]" },
	{ "[a=v]", "descendant-or-self::*[@a = 'v']" },
	{ "[a='v w']", "descendant-or-self::*[@a = 'v w']" },
	{ "[a=\"v\"]", "descendant-or-self::*[@a = 'v']" },
	{ "[a~=v]", "descendant-or-self::*[@a and contains(concat(' ', "
	    "normalize-space(@a), ' '), ' v ')]" },
	{ "[a~='v w']", "descendant-or-self::*[0]" },
	{ "[a~='']", "descendant-or-self::*[0]" },
	{ "[a^=v]", "descendant-or-self::*[@a and starts-with(@a, 'v')]" },
	{ "[a^='']", "descendant-or-self::*[0]" },
	{ "[a$=.pdf]", NULL },
	{ "[a$='.pdf']", "descendant-or-self::*[@a and substring(@a, "
	    "string-length(@a) - 3) = '.pdf']" },
	/* string-length() counts characters: "é" is one. */
	{ "[a$='é']", "descendant-or-self::*[@a and substring(@a, "
	    "string-length(@a) - 0) = 'é']" },
	{ "[a$='']", "descendant-or-self::*[0]" },
	{ "[a*=v]", "descendant-or-self::*[@a and contains(@a, 'v')]" },
	{ "[a*='']", "descendant-or-self::*[0]" },
	{ "[ a = v ]", "descendant-or-self::*[@a = 'v']" },
	{ "[data-x]", "descendant-or-self::*[@data-x]" },
	{ "a b", "descendant-or-self::a/descendant-or-self::*/b" },
	{ "a > b", "descendant-or-self::a/b" },
	{ "a>b", "descendant-or-self::a/b" },
	{ "a + b", "descendant-or-self::a/following-sibling::*[(name() = "
	    "'b') and (position() = 1)]" },
	{ "a ~ b", "descendant-or-self::a/following-sibling::b" },
	{ "a, b", "descendant-or-self::a | descendant-or-self::b" },
	{ "a,b , c", "descendant-or-self::a | descendant-or-self::b | "
	    "descendant-or-self::c" },
	{ ":first-child", "descendant-or-self::*[count(preceding-sibling::*)"
	    " = 0]" },
	{ ":last-child", "descendant-or-self::*[count(following-sibling::*)"
	    " = 0]" },
	{ ":nth-child(3)", "descendant-or-self::*[count(preceding-sibling::*)"
	    " = 2]" },
	{ ":nth-child(odd)", "descendant-or-self::*[count(preceding-sibling"
	    "::*) mod 2 = 0]" },
	{ ":nth-child(even)", "descendant-or-self::*[(count(preceding-sibling"
	    "::*) + 1) mod 2 = 0]" },
	{ ":nth-child(n)", "descendant-or-self::*" },
	{ ":nth-child(-n+3)", "descendant-or-self::*[count(preceding-sibling"
	    "::*) <= 2]" },
	{ ":nth-child(0)", "descendant-or-self::*[0]" },
	{ ":not(p)", "descendant-or-self::*[not(name() = 'p')]" },
	{ ":not(*)", "descendant-or-self::*[0]" },
	{ ":not(.a)", "descendant-or-self::*[not(" CLASS("a") ")]" },
	{ "a:not([href])", "descendant-or-self::a[not(@href)]" },
	{ "a::attr(href)", "descendant-or-self::a[@href]" },
	/* Names no XPath name test can hold are compared with name(). */
	{ "\\31 23", "descendant-or-self::*[name() = '123']" },
	{ "[\\31 x]", "descendant-or-self::*[@*[name() = '1x']]" },
	{ "a + \\31 23", "descendant-or-self::a/following-sibling::*[(name()"
	    " = '123') and (position() = 1)]" },
};

START_TEST(test_forms)
{
	const struct xcase *c = &forms[_i];
	char err[256], *attr, *x;

	if (c->xpath == NULL) {
		/* A bare value must be an identifier: ".pdf" is not. */
		x = css_to_xpath(c->css, &attr, err, sizeof err);
		ck_assert_msg(x == NULL, "\"%s\" gave \"%s\"", c->css, x);
		return;
	}
	x = xlate(c->css, NULL);
	ck_assert_msg(strcmp(x, c->xpath) == 0, "\"%s\" gave\n  %s\nwant\n  %s",
	    c->css, x, c->xpath);
	free(x);
}
END_TEST

/* ---- escapes and quotes -------------------------------------------------- */

static const struct xcase escapes[] = {
	{ "#\\31 23", "descendant-or-self::*[@id = '123']" },
	{ "#a\\:b", "descendant-or-self::*[@id = 'a:b']" },
	{ ".a\\.b", "descendant-or-self::*[" CLASS("a.b") "]" },
	{ "#\\41", "descendant-or-self::*[@id = 'A']" },
	/* Six hex digits at most; one white space ends an escape. */
	{ "#\\00004142", "descendant-or-self::*[@id = 'A42']" },
	{ "#\\41\t42", "descendant-or-self::*[@id = 'A42']" },
	{ "#\\41\r\nB", "descendant-or-self::*[@id = 'AB']" },
	{ "#\\e9", "descendant-or-self::*[@id = 'é']" },
	{ "#\\0", "descendant-or-self::*[@id = '\xef\xbf\xbd']" },
	{ "#\\110000", "descendant-or-self::*[@id = '\xef\xbf\xbd']" },
	{ "#\\d800 ", "descendant-or-self::*[@id = '\xef\xbf\xbd']" },
	{ "#\\é", "descendant-or-self::*[@id = 'é']" },
	{ "[a=\"it's\"]", "descendant-or-self::*[@a = \"it's\"]" },
	{ "[a='say \"hi\"']", "descendant-or-self::*[@a = 'say \"hi\"']" },
	{ "[a='it\\'s \"x\"']", "descendant-or-self::*[@a = concat('it', "
	    "\"'\", 's \"x\"')]" },
	{ "[a=\"'\\\"\"]", "descendant-or-self::*[@a = concat(\"'\", "
	    "'\"')]" },
	{ "[a=\"''x\\\"\"]", "descendant-or-self::*[@a = concat(\"''\", "
	    "'x\"')]" },
	{ "[a='a\\\nb']", "descendant-or-self::*[@a = 'ab']" },
	{ "[a='\\27']", "descendant-or-self::*[@a = \"'\"]" },
	{ "[a=\\\"]", "descendant-or-self::*[@a = '\"']" },
	{ "[a=x\\ y]", "descendant-or-self::*[@a = 'x y']" },
	{ "[a='\\\\']", "descendant-or-self::*[@a = '\\']" },
	{ "[a='']", "descendant-or-self::*[@a = '']" },
	{ "#-x", "descendant-or-self::*[@id = '-x']" },
	{ "-x", "descendant-or-self::*[name() = '-x']" },
};

START_TEST(test_escapes)
{
	const struct xcase *c = &escapes[_i];
	char *x = xlate(c->css, NULL);

	ck_assert_msg(strcmp(x, c->xpath) == 0, "\"%s\" gave\n  %s\nwant\n  %s",
	    c->css, x, c->xpath);
	free(x);
}
END_TEST

/* Quotes of both kinds reach the document intact. */
START_TEST(test_quotes_match)
{
	static const char html[] =
	    "<p id=a title=\"it's\">1<p id=b title='say \"hi\"'>2"
	    "<p id=c title=\"&quot;'&quot;'\">3<p id=d title=\"a\\b\">4";

	assert_match(html, "[title=\"it's\"]", "a");
	assert_match(html, "[title='say \"hi\"']", "b");
	assert_match(html, "[title='\"\\'\"\\'']", "c");
	assert_match(html, "[title$=\"'\"]", "c");
	assert_match(html, "[title*='\"']", "b c");
	assert_match(html, "[title='a\\\\b']", "d");
}
END_TEST

/* ---- matching ------------------------------------------------------------ */

START_TEST(test_case)
{
	static const char html[] =
	    "<DIV ID=x CLASS=Big DATA-K=V><P id=y>t</P></DIV>";

	assert_match(html, "DIV", "x");
	assert_match(html, "div > P", "y");
	assert_match(html, "[DATA-K=V]", "x");
	/* Values keep their case, as in cssselect. */
	assert_match(html, "[data-k=v]", "");
	assert_match(html, ".Big", "x");
	assert_match(html, ".big", "");
	assert_match(html, "#X", "");
	/* Keywords are case-insensitive in CSS. */
	assert_match(html, "P:FIRST-CHILD", "y");
	assert_match(html, "p:Nth-Child(ODD)", "y");
	assert_match(html, "div:NOT(p)", "x");
}
END_TEST

START_TEST(test_class_words)
{
	static const char html[] =
	    "<p id=a class='x  y'>.<p id=b class='\tx\n'>.<p id=c class=xy>."
	    "<p id=d class='y-x'>.<p id=e>.<p id=f class=''>.";

	assert_match(html, ".x", "a b");
	assert_match(html, ".x.y", "a");
	assert_match(html, "[class~=x]", "a b");
	assert_match(html, "[class=x]", "");
	assert_match(html, "[class]", "a b c d f");
	assert_match(html, "[class^=x]", "a c");
	assert_match(html, "[class$=x]", "d");
	assert_match(html, "[class*=x]", "a b c d");
	assert_match(html, ":not(.x)", "- - c d e f");
}
END_TEST

/* Combinator chains read left to right: each combinator relates the
 * compound on its right to the one on its left, never the chain. */
START_TEST(test_combinator_chains)
{
	static const char html[] =
	    "<div id=r><p id=p1><b id=b1></b><i id=i1><b id=b2></b></i></p>"
	    "<p id=p2></p><span id=s1></span><p id=p3><b id=b3></b></p></div>";

	assert_match(html, "div p b", "b1 b2 b3");
	assert_match(html, "div > p > b", "b1 b3");
	assert_match(html, "p > i > b", "b2");
	assert_match(html, "p b", "b1 b2 b3");
	assert_match(html, "p + p", "p2");
	assert_match(html, "p ~ p", "p2 p3");
	assert_match(html, "p + p + span", "s1");
	assert_match(html, "p ~ span + p > b", "b3");
	assert_match(html, "p+p~p b", "b3");
	assert_match(html, "b + i b", "b2");
	assert_match(html, "#r > :first-child > :last-child > b", "b2");
	/* A group is a union, in document order whatever its order. */
	assert_match(html, "#b3, #p1, b", "p1 b1 b2 b3");
	assert_match(html, "span, span", "s1");
}
END_TEST

/*
 * :nth-child(An+B) against its definition: the element's 1-based index
 * among its element siblings is An+B for some n >= 0.  Every A and B in
 * a range, written several ways, over 12 siblings.
 */
START_TEST(test_nth_child_definition)
{
	static const char html[] =
	    "<ul><li id=1><li id=2><li id=3><li id=4><li id=5><li id=6>"
	    "<li id=7><li id=8><li id=9><li id=10><li id=11><li id=12></ul>";
	htmlDocPtr doc = parse_html(html);

	for (int a = -4; a <= 4; a++) {
		for (int b = -5; b <= 14; b++) {
			char sel[64], alt[64], want[128] = "", *x;
			xmlXPathObjectPtr res;
			struct buf got = BUF_INIT;

			for (int k = 1; k <= 12; k++) {
				bool hit = a == 0 ? k == b :
				    (k - b) % a == 0 && (k - b) / a >= 0;

				if (hit)
					snprintf(want + strlen(want),
					    sizeof want - strlen(want), "%s%d",
					    want[0] != '\0' ? " " : "", k);
			}
			snprintf(sel, sizeof sel, "li:nth-child(%dn%+d)", a, b);
			snprintf(alt, sizeof alt, "li:nth-child( %dN %c %d )",
			    a, b < 0 ? '-' : '+', b < 0 ? -b : b);
			for (int w = 0; w < 2; w++) {
				x = xlate(w == 0 ? sel : alt, NULL);
				res = eval(doc, x);
				buf_reset(&got);
				buf_puts(&got, "");
				for (int i = 0; res->nodesetval != NULL &&
				    i < res->nodesetval->nodeNr; i++) {
					xmlChar *id = xmlGetProp(
					    res->nodesetval->nodeTab[i],
					    (const xmlChar *)"id");

					buf_printf(&got, "%s%s", i > 0 ? " " :
					    "", (const char *)id);
					xmlFree(id);
				}
				ck_assert_msg(strcmp(got.data, want) == 0,
				    "%s gave \"%s\", want \"%s\" (XPath %s)",
				    w == 0 ? sel : alt, got.data, want, x);
				xmlXPathFreeObject(res);
				free(x);
			}
			buf_free(&got);
		}
	}
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(test_nth_child_forms)
{
	static const char html[] =
	    "<ol><li id=1><li id=2><li id=3><li id=4><li id=5><li id=6></ol>";

	assert_match(html, "li:nth-child(odd)", "1 3 5");
	assert_match(html, "li:nth-child(even)", "2 4 6");
	assert_match(html, "li:nth-child(3)", "3");
	assert_match(html, "li:nth-child(+3)", "3");
	assert_match(html, "li:nth-child(-n+3)", "1 2 3");
	assert_match(html, "li:nth-child(2n)", "2 4 6");
	assert_match(html, "li:nth-child(2n+1)", "1 3 5");
	assert_match(html, "li:nth-child( 2n + 1 )", "1 3 5");
	assert_match(html, "li:nth-child(2n- 1)", "1 3 5");
	assert_match(html, "li:nth-child(+n+4)", "4 5 6");
	assert_match(html, "li:nth-child(n)", "1 2 3 4 5 6");
	assert_match(html, "li:nth-child(-n)", "");
	assert_match(html, "li:nth-child(0n+0)", "");
	assert_match(html, "li:not(:nth-child(n))", "");
	assert_match(html, "li:not(:nth-child(-n+2))", "3 4 5 6");
	assert_match(html, "li:nth-child(2147483647n+2147483647)", "");
	assert_match(html, "li:nth-child(-2147483647n+2)", "2");
}
END_TEST

/* Tag soup: the tree libxml2 builds is what is matched. */
START_TEST(test_tag_soup)
{
	static const char html[] =
	    "<ul id=u><li id=a>one<li id=b>two <b id=x>bold</ul>"
	    "<p id=p>1 < 2 <span id=s>x</span>";

	assert_match(html, "li", "a b");
	assert_match(html, "li:last-child b", "x");
	assert_match(html, "p > span", "s");
	assert_match(html, "ul > li + li", "b");
}
END_TEST

START_TEST(test_attr_pseudo_element)
{
	static const char html[] =
	    "<a id=1 href=/x>x</a><a id=2>y</a><img id=3 src=i.png>"
	    "<area id=4 HREF=/z>";
	char *x, *attr;

	x = xlate("a::attr(href)", &attr);
	ck_assert_str_eq(attr, "href");
	free(x);
	free(attr);
	x = xlate("a::ATTR( \"HREF\" )", &attr);
	ck_assert_str_eq(attr, "href");
	free(x);
	free(attr);
	x = xlate("a", &attr);
	ck_assert_ptr_null(attr);
	free(x);
	x = xlate("a::attr(href), area::attr(href)", &attr);
	ck_assert_str_eq(attr, "href");
	free(x);
	free(attr);
	assert_match(html, "a::attr(href)", "1");
	assert_match(html, "a::attr(href), area::attr(href)", "1 4");
	assert_match(html, "::attr(src)", "3");
	assert_match(html, "*::attr(id)", "1 2 3 4");
}
END_TEST

/* Long but legal input stays legal, and the XPath compiles. */
START_TEST(test_long_selectors)
{
	struct buf b = BUF_INIT;
	char *x;

	while (b.len + 4 <= CSS_MAX_BYTES)
		buf_puts(&b, "a > ");
	b.data[b.len - 3] = '\0';
	x = xlate(b.data, NULL);
	free(x);
	buf_reset(&b);
	/* The worst a quote can grow: each ' is a concat() argument. */
	buf_puts(&b, "[a=\"\\\"");
	while (b.len + 3 <= CSS_MAX_BYTES)
		buf_puts(&b, "'x");
	buf_puts(&b, "\"]");
	ck_assert_uint_le(b.len, CSS_MAX_BYTES);
	x = xlate(b.data, NULL);
	free(x);
	buf_free(&b);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

struct ecase {
	const char *css;
	const char *says;   /* a part of the message */
};

static const struct ecase errors[] = {
	{ "", "empty selector" },
	{ "  \t\n", "empty selector" },
	{ ":hover", "':hover'" },
	{ "a:visited", "':visited'" },
	{ "p::text", "'::text'" },
	{ "p::attr", "'::attr'" },
	{ "p::before", "'::before'" },
	{ "p >> a", "after '>'" },
	{ "p >", "after '>', got the end" },
	{ "p +", "after '+'" },
	{ "p ~ ", "after '~'" },
	{ "> p", "expected a selector, got '> p'" },
	{ "p,", "after ','" },
	{ ",p", "got ',p'" },
	{ "a,,b", "got ',b'" },
	{ "[a", "'[a'" },
	{ "[a=b", "'[a=b'" },
	{ "[a='b'", "[a='b'" },
	{ "[]", "attribute name" },
	{ "[a|=b]", "'[a|=b]'" },
	{ "[a!=b]", "'[a!=b]'" },
	{ "[ns|a]", "'[ns|a]'" },
	{ "[a=b i]", "'[a=b i]'" },
	{ "[a=1]", "'[a=1]'" },
	{ "a]", "unexpected ']'" },
	{ "p)", "unexpected ')'" },
	{ "[a='b]", "unterminated string" },
	{ "[a='b\nc']", "newline in string" },
	{ ":nth-child(foo)", "'foo'" },
	{ ":nth-child()", "':nth-child()'" },
	{ ":nth-child(2n+)", "'2n+'" },
	{ ":nth-child(2 n)", "'2 n'" },
	{ ":nth-child(+ 2)", "'+ 2'" },
	{ ":nth-child(n n)", "'n n'" },
	{ ":nth-child(2n1)", "'2n1'" },
	{ ":nth-child(3", "'3'" },
	{ ":nth-child(99999999999)", "'99999999999'" },
	{ ":nth-child('2')", "'2'" },
	{ ":nth-of-type(2)", "':nth-of-type()'" },
	{ ":first-of-type", "':first-of-type'" },
	{ ":not(p.a)", "':not(p.a)'" },
	{ ":not(p q)", "':not(p q)'" },
	{ ":not(:not(p))", "':not()' inside ':not()'" },
	{ ":not()", "':not()'" },
	{ ":not(p", "':not(p'" },
	{ ":not(::attr(x))", "inside ':not()'" },
	{ "a::attr(href) b", "must end" },
	{ "a::attr(href).x", "must end" },
	{ "a::attr(href)::attr(x)", "must end" },
	{ "a::attr()", "'::attr()'" },
	{ "a::attr(x y)", "'::attr(x y)'" },
	{ "a::attr(x), b", "every selector of a group" },
	{ "a, b::attr(x)", "every selector of a group" },
	{ "a::attr(x), b::attr(y)", "'::attr(x)' and '::attr(y)'" },
	{ "*|p", "unexpected '|p'" },
	{ "p*", "unexpected '*'" },
	{ "#", "after '#'" },
	{ ".", "after '.'" },
	{ ".1x", "after '.'" },
	{ "p:", "after ':'" },
	{ "a\\", "unexpected '\\'" },
	{ "[a='\\", "'\\' at the end" },
	{ "#\\1 ", "'\\1 '" },
	{ "\x80", "invalid UTF-8 at byte 0" },
	{ "p\xc3(", "invalid UTF-8 at byte 1" },
	{ "a\x01", "U+0001 at byte 1" },
	{ "a\x1b[1m", "U+001B at byte 1" },
	{ "a\xef\xbf\xbe", "U+FFFE at byte 1" },
	{ "a:not(b):nth-child(\n2n + x\n)", "'?2n + x?'" },
};

START_TEST(test_errors)
{
	const struct ecase *c = &errors[_i];
	char err[256], *attr = (char *)1, *x;

	memset(err, 0, sizeof err);
	x = css_to_xpath(c->css, &attr, err, sizeof err);
	ck_assert_msg(x == NULL, "\"%s\" gave \"%s\", want an error", c->css,
	    x);
	ck_assert_ptr_null(attr);
	ck_assert_msg(err[0] != '\0', "\"%s\": no message", c->css);
	ck_assert_msg(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL,
	    "\"%s\": message of more than one line: %s", c->css, err);
	ck_assert_msg(strstr(err, c->says) != NULL, "\"%s\": message \"%s\" "
	    "does not say \"%s\"", c->css, err, c->says);
}
END_TEST

START_TEST(test_too_long)
{
	char *s = malloc(CSS_MAX_BYTES + 2), err[256], *attr, *x;

	memset(s, 'a', CSS_MAX_BYTES + 1);
	s[CSS_MAX_BYTES + 1] = '\0';
	x = css_to_xpath(s, &attr, err, sizeof err);
	ck_assert_ptr_null(x);
	ck_assert_msg(strstr(err, "longer than 4096") != NULL, "%s", err);
	s[CSS_MAX_BYTES] = '\0';
	x = xlate(s, NULL);
	free(x);
	free(s);
}
END_TEST

/* A small err buffer is cut, not overrun; a zero-sized one is not
 * written. */
START_TEST(test_small_err)
{
	char err[8] = "xxxxxxx", *attr, *x;

	x = css_to_xpath(":hover", &attr, err, 4);
	ck_assert_ptr_null(x);
	ck_assert_uint_eq(strlen(err), 3);
	ck_assert_int_eq(err[4], 'x');
	x = css_to_xpath(":hover", &attr, err + 5, 0);
	ck_assert_ptr_null(x);
	ck_assert_int_eq(err[5], 'x');
}
END_TEST

/* ---- the oracle ---------------------------------------------------------- */

/* A whole file, NUL-terminated. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return b.data;
}

/*
 * Run tests/css_oracle.py with the first Python 3 that has lxml and
 * cssselect (the one on PATH may be a pyenv or venv one without
 * Debian's packages); its output, or NULL when none has them.
 */
static char *
run_oracle(const char *srcdir, const char *fixture, const char *selectors)
{
	const char *pythons[] = { getenv("PYTHON3"), "python3",
	    "/usr/bin/python3" };

	for (size_t i = 0; i < NELEM(pythons); i++) {
		struct buf cmd = BUF_INIT, out = BUF_INIT;
		char chunk[4096];
		size_t n;
		FILE *p;
		int status;

		if (pythons[i] == NULL || pythons[i][0] == '\0')
			continue;
		buf_printf(&cmd, "'%s' '%s/tests/css_oracle.py' '%s' '%s'",
		    pythons[i], srcdir, fixture, selectors);
		p = popen(cmd.data, "r");
		ck_assert(p != NULL);
		buf_puts(&out, "");
		while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
			buf_append(&out, chunk, n);
		status = pclose(p);
		buf_free(&cmd);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return out.data;
		buf_free(&out);
		/* 77: no lxml or cssselect there; 127: no such Python. */
		ck_assert_msg(WIFEXITED(status) && (WEXITSTATUS(status) == 77 ||
		    WEXITSTATUS(status) == 127), "%s: css_oracle.py failed",
		    pythons[i]);
	}
	return NULL;
}

/* The next line of s (cut in place), or NULL at the end. */
static char *
next_line(char **s)
{
	char *line = *s, *nl;

	if (line == NULL || *line == '\0')
		return NULL;
	nl = strchr(line, '\n');
	if (nl != NULL) {
		*nl = '\0';
		*s = nl + 1;
	} else
		*s = line + strlen(line);
	return line;
}

/* This side's answer for one selector, in the oracle's form: "ok" and
 * the document-order indexes, or "error". */
static void
our_answer(htmlDocPtr doc, xmlNodeSetPtr all, const char *sel,
    struct buf *b)
{
	char err[256], *attr, *x;
	xmlXPathCompExprPtr comp;
	xmlXPathObjectPtr res;

	buf_reset(b);
	x = css_to_xpath(sel, &attr, err, sizeof err);
	if (x == NULL) {
		buf_printf(b, "error %s", err);
		return;
	}
	comp = xmlXPathCompile((const xmlChar *)x);
	ck_assert_msg(comp != NULL, "\"%s\" gave \"%s\", which libxml2 "
	    "does not compile", sel, x);
	xmlXPathFreeCompExpr(comp);
	res = eval(doc, x);
	buf_puts(b, "ok");
	for (int i = 0; res->nodesetval != NULL &&
	    i < res->nodesetval->nodeNr; i++) {
		int k = 0;

		while (k < all->nodeNr && all->nodeTab[k] !=
		    res->nodesetval->nodeTab[i])
			k++;
		ck_assert_msg(k < all->nodeNr, "\"%s\" matched a non-element",
		    sel);
		buf_printf(b, " %d", k);
	}
	xmlXPathFreeObject(res);
	free(attr);
	free(x);
}

START_TEST(test_oracle)
{
	const char *srcdir = getenv("SCRAPE_SRCDIR");
	char fixture[4096], selectors[4096], *expect, *sels, *e, *s, *line;
	char *html;
	htmlDocPtr doc;
	xmlXPathObjectPtr all;
	struct buf ours = BUF_INIT;
	int total = 0, agree = 0, errors_agreed = 0;

	if (srcdir == NULL)
		srcdir = ".";
	snprintf(fixture, sizeof fixture, "%s/tests/css/fixture.html", srcdir);
	snprintf(selectors, sizeof selectors, "%s/tests/css/selectors.txt",
	    srcdir);
	expect = run_oracle(srcdir, fixture, selectors);
	if (expect == NULL) {
		fprintf(stderr, "check_css: SKIP the lxml + cssselect oracle: "
		    "no python3 with lxml and cssselect (Debian: python3-lxml "
		    "python3-cssselect)\n");
		return;
	}
	html = slurp(fixture);
	doc = parse_html(html);
	all = eval(doc, "//*");

	/* Both sides must have parsed the same tree. */
	e = expect;
	line = next_line(&e);
	ck_assert_ptr_nonnull(line);
	buf_puts(&ours, "elements");
	for (int i = 0; i < all->nodesetval->nodeNr; i++)
		buf_printf(&ours, " %s", all->nodesetval->nodeTab[i]->name);
	ck_assert_msg(strcmp(line, ours.data) == 0, "the trees differ:\n"
	    "  lxml:    %s\n  libxml2: %s", line, ours.data);

	sels = slurp(selectors);
	s = sels;
	while ((line = next_line(&s)) != NULL) {
		const char *want;
		bool same;

		if (strspn(line, " \t") == strlen(line))
			continue;
		want = next_line(&e);
		ck_assert_msg(want != NULL, "the oracle stopped before \"%s\"",
		    line);
		our_answer(doc, all->nodesetval, line, &ours);
		total++;
		/* An error is an agreement whatever each side says. */
		same = strncmp(want, "error", 5) == 0 ?
		    strncmp(ours.data, "error", 5) == 0 :
		    strcmp(want, ours.data) == 0;
		if (same) {
			agree++;
			errors_agreed += strncmp(want, "error", 5) == 0;
		} else
			fprintf(stderr, "check_css: \"%s\": lxml + cssselect "
			    "%s; css.c %s\n", line, want, ours.data);
	}
	printf("check_css: %d of %d selectors agree with lxml + cssselect "
	    "(%d of them rejected by both)\n", agree, total, errors_agreed);
	ck_assert_int_ge(total, 60);
	ck_assert_msg(agree == total, "%d of %d selectors disagree with lxml "
	    "+ cssselect (listed above)", total - agree, total);

	buf_free(&ours);
	free(sels);
	xmlXPathFreeObject(all);
	xmlFreeDoc(doc);
	free(html);
	free(expect);
}
END_TEST

static Suite *
css_suite(void)
{
	Suite *s = suite_create("css");
	TCase *tf = tcase_create("forms");
	TCase *tm = tcase_create("matching");
	TCase *te = tcase_create("errors");
	TCase *to = tcase_create("oracle");

	tcase_add_loop_test(tf, test_forms, 0, (int)NELEM(forms));
	tcase_add_loop_test(tf, test_escapes, 0, (int)NELEM(escapes));
	suite_add_tcase(s, tf);

	tcase_add_test(tm, test_quotes_match);
	tcase_add_test(tm, test_case);
	tcase_add_test(tm, test_class_words);
	tcase_add_test(tm, test_combinator_chains);
	tcase_add_test(tm, test_nth_child_definition);
	tcase_add_test(tm, test_nth_child_forms);
	tcase_add_test(tm, test_tag_soup);
	tcase_add_test(tm, test_attr_pseudo_element);
	tcase_add_test(tm, test_long_selectors);
	suite_add_tcase(s, tm);

	tcase_add_loop_test(te, test_errors, 0, (int)NELEM(errors));
	tcase_add_test(te, test_too_long);
	tcase_add_test(te, test_small_err);
	suite_add_tcase(s, te);

	tcase_add_test(to, test_oracle);
	suite_add_tcase(s, to);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(css_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
