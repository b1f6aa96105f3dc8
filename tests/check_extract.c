/* Unit tests of the Extraction rules of SPEC.md on src/extract.c: charset
 * decoding, link resolution, titles, select and xpath values, null where
 * the body is not HTML, hostile pages; and a differential test against
 * lxml (tests/extract_oracle.py) over the pages in tests/fixtures/html. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "extract.h"

#define URL "http://example.com/dir/page.html?q=1#frag"

/* The members extractor_run appends, as one JSON object. */
static cJSON *
run_len(const struct extractor *x, const char *body, size_t len,
    const char *ct, const char *url)
{
	struct buf out = BUF_INIT, obj = BUF_INIT;
	cJSON *j;

	extractor_run(x, body, len, ct, url, &out);
	buf_putc(&obj, '{');
	if (out.len > 0) {
		ck_assert_msg(out.data[0] == ',', "output starts with %.20s",
		    out.data);
		buf_append(&obj, out.data + 1, out.len - 1);
	}
	buf_putc(&obj, '}');
	j = cJSON_Parse(obj.data);
	ck_assert_msg(j != NULL, "not JSON: %s", obj.data);
	buf_free(&out);
	buf_free(&obj);
	return j;
}

static cJSON *
run(const struct extractor *x, const char *body, const char *ct)
{
	return run_len(x, body, strlen(body), ct, URL);
}

/* The title a page gives, compared with want (NULL: null). */
static void
assert_title(const char *body, size_t len, const char *ct, const char *want)
{
	struct extractor *x = extractor_new(true, false);
	cJSON *j = run_len(x, body, len, ct, URL);
	cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "title");

	ck_assert_ptr_nonnull(t);
	if (want == NULL) {
		ck_assert_msg(cJSON_IsNull(t), "title is not null for %s", body);
	} else {
		ck_assert_msg(cJSON_IsString(t), "no title for %s", body);
		ck_assert_str_eq(t->valuestring, want);
	}
	cJSON_Delete(j);
	extractor_free(x);
}

#define TITLE(body, ct, want) assert_title(body, sizeof body - 1, ct, want)

/* An array of strings, as one string "a|b|c", for comparing. */
static char *
joined(const cJSON *a)
{
	struct buf b = BUF_INIT;
	const cJSON *e;

	ck_assert_msg(cJSON_IsArray(a), "not an array");
	buf_append(&b, "", 0);
	cJSON_ArrayForEach(e, a) {
		ck_assert_msg(cJSON_IsString(e), "not a string in the array");
		if (e != a->child)
			buf_putc(&b, '|');
		buf_puts(&b, e->valuestring);
	}
	return b.data;
}

static void
assert_links(const char *body, const char *url, const char *want)
{
	struct extractor *x = extractor_new(false, true);
	cJSON *j = run_len(x, body, strlen(body), "text/html", url);
	char *got = joined(cJSON_GetObjectItemCaseSensitive(j, "links"));

	ck_assert_msg(strcmp(got, want) == 0, "links of %s:\n got %s\nwant %s",
	    body, got, want);
	free(got);
	cJSON_Delete(j);
	extractor_free(x);
}

/* One --xpath field's array on a page, joined. */
static char *
xpath_of(const char *body, const char *ct, const char *expr)
{
	struct extractor *x = extractor_new(false, false);
	char err[256];
	cJSON *j;
	char *got;

	ck_assert_msg(extractor_add(x, EXTRACT_XPATH, "f", expr, NULL, err,
	    sizeof err), "%s: %s", expr, err);
	j = run(x, body, ct);
	got = joined(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "xpath"), "f"));
	cJSON_Delete(j);
	extractor_free(x);
	return got;
}

#define ASSERT_XPATH(body, expr, want) do {                              \
	char *got_ = xpath_of(body, "text/html", expr);                  \
	ck_assert_msg(strcmp(got_, want) == 0, "%s: got \"%s\", want \"%s\"", \
	    expr, got_, want);                                           \
	free(got_);                                                      \
} while (0)

/* ---- charsets ---------------------------------------------------------- */

START_TEST(test_charset_header_windows_1252)
{
	TITLE("<title>caf\xe9 \x93q\x94 \x80</title>",
	    "text/html; charset=windows-1252", "caf\xc3\xa9 \xe2\x80\x9cq"
	    "\xe2\x80\x9d \xe2\x82\xac");
	/* ISO-8859-1 means windows-1252 on the web. */
	TITLE("<title>\x80 \xe9</title>", "text/html;charset=\"ISO-8859-1\"",
	    "\xe2\x82\xac \xc3\xa9");
	TITLE("<title>\x80</title>", "text/html; CHARSET=us-ascii",
	    "\xe2\x82\xac");
}
END_TEST

START_TEST(test_charset_header_cjk)
{
	/* 日本 in Shift_JIS, 中文 in GBK, 한 in EUC-KR. */
	TITLE("<title>\x93\xfa\x96\x7b</title>", "text/html; charset=Shift_JIS",
	    "\xe6\x97\xa5\xe6\x9c\xac");
	TITLE("<title>\xd6\xd0\xce\xc4</title>", "text/html; charset=GBK",
	    "\xe4\xb8\xad\xe6\x96\x87");
	TITLE("<title>\xd6\xd0\xce\xc4</title>", "text/html; charset=gb2312",
	    "\xe4\xb8\xad\xe6\x96\x87");
	TITLE("<title>\xc7\xd1</title>", "text/html; charset=euc-kr",
	    "\xed\x95\x9c");
}
END_TEST

START_TEST(test_charset_meta)
{
	TITLE("<meta charset=\"windows-1252\"><title>caf\xe9</title>",
	    "text/html", "caf\xc3\xa9");
	TITLE("<head><META CHARSET=shift_jis><title>\x93\xfa</title>",
	    "text/html", "\xe6\x97\xa5");
	TITLE("<meta http-equiv=\"Content-Type\" content=\"text/html; "
	    "charset=windows-1252\"><title>caf\xe9</title>", "text/html",
	    "caf\xc3\xa9");
	TITLE("<meta content='text/html;charset=GBK' "
	    "http-equiv='content-type'><title>\xd6\xd0</title>", "text/html",
	    "\xe4\xb8\xad");
	/* content without http-equiv declares nothing. */
	TITLE("<meta content=\"text/html; charset=windows-1252\">"
	    "<title>caf\xe9</title>", "text/html", "caf\xef\xbf\xbd");
	/* A meta in a comment does not count; the one after it does. */
	TITLE("<!-- <meta charset=gbk> --><meta charset=windows-1252>"
	    "<title>\xe9</title>", "text/html", "\xc3\xa9");
	/* Past the first 1024 bytes a meta is not looked at. */
	{
		char page[1200];
		int n;

		memset(page, ' ', 1100);
		n = snprintf(page + 1100, sizeof page - 1100,
		    "<meta charset=windows-1252><title>\xe9</title>");
		assert_title(page, 1100 + (size_t)n, "text/html",
		    "\xef\xbf\xbd");
		assert_title(page + 200, 900 + (size_t)n, "text/html",
		    "\xc3\xa9");
	}
	/* A page that says it is UTF-16 in ASCII bytes is not. */
	TITLE("<meta charset=utf-16><title>caf\xc3\xa9</title>", "text/html",
	    "caf\xc3\xa9");
}
END_TEST

START_TEST(test_charset_order)
{
	/* The HTTP header beats the meta. */
	TITLE("<meta charset=\"shift_jis\"><title>caf\xe9</title>",
	    "text/html; charset=windows-1252", "caf\xc3\xa9");
	/* A byte order mark beats both, as in browsers. */
	TITLE("\xef\xbb\xbf<meta charset=windows-1252><title>caf\xc3\xa9"
	    "</title>", "text/html; charset=windows-1252", "caf\xc3\xa9");
	TITLE("\xff\xfe<\0t\0i\0t\0l\0e\0>\0\xe9\0<\0/\0t\0i\0t\0l\0e\0>\0",
	    "text/html", "\xc3\xa9");
	/* An unknown label is passed over: the meta, then UTF-8. */
	TITLE("<meta charset=windows-1252><title>caf\xe9</title>",
	    "text/html; charset=x-no-such-thing", "caf\xc3\xa9");
	TITLE("<meta charset=bogus><title>caf\xc3\xa9</title>",
	    "text/html; charset=utf-8//TRANSLIT", "caf\xc3\xa9");
	/* No label at all: UTF-8, bad bytes as U+FFFD. */
	TITLE("<title>caf\xc3\xa9 \xff</title>", "text/html",
	    "caf\xc3\xa9 \xef\xbf\xbd");
}
END_TEST

START_TEST(test_charset_lying)
{
	/* Bytes that are not what the label says: U+FFFD, never a cut. */
	TITLE("<title>a\x81\xff" "b</title><p>after", "text/html; "
	    "charset=shift_jis", "a\xef\xbf\xbd\xef\xbf\xbd" "b");
	TITLE("<title>a\xc3\xa9\xe9</title>", "text/html; charset=utf-8",
	    "a\xc3\xa9\xef\xbf\xbd");
	TITLE("<title>\xd6</title>", "text/html; charset=gbk", "\xef\xbf\xbd");
}
END_TEST

START_TEST(test_xml_declaration)
{
	TITLE("<?xml version=\"1.0\" encoding=\"windows-1252\"?><html "
	    "xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>caf\xe9"
	    "</title></head></html>", "application/xhtml+xml", "caf\xc3\xa9");
	/* Only XHTML is read by XML's rules. */
	TITLE("<?xml version=\"1.0\" encoding=\"windows-1252\"?><title>caf\xe9"
	    "</title>", "text/html", "caf\xef\xbf\xbd");
}
END_TEST

/* ---- text for --regex -------------------------------------------------- */

static void
assert_text(const char *body, size_t len, const char *ct, const char *want,
    size_t wantlen)
{
	struct buf out = BUF_INIT;

	extract_text(body, len, ct, &out);
	ck_assert_uint_eq(out.len, wantlen);
	ck_assert_msg(wantlen == 0 || memcmp(out.data, want, wantlen) == 0,
	    "text of %s", body);
	buf_free(&out);
}

#define TEXT(body, ct, want) \
	assert_text(body, sizeof body - 1, ct, want, sizeof want - 1)

START_TEST(test_extract_text)
{
	TEXT("caf\xe9", "text/html; charset=windows-1252", "caf\xc3\xa9");
	TEXT("<meta charset=gbk>\xd6\xd0", "text/html",
	    "<meta charset=gbk>\xe4\xb8\xad");
	/* Not HTML: UTF-8 whatever the label, bad bytes as U+FFFD, NUL
	 * kept. */
	TEXT("caf\xe9\0x", "text/plain; charset=windows-1252",
	    "caf\xef\xbf\xbd\0x");
	TEXT("a\xf0\x9f\x98\x80" "b\xed\xa0\x80", NULL,
	    "a\xf0\x9f\x98\x80" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_text(NULL, 0, "text/html", "", 0);
}
END_TEST

/* ---- titles ------------------------------------------------------------ */

START_TEST(test_title)
{
	TITLE("<title>\n\t  Hello \r\n  world\f </title>", "text/html",
	    "Hello world");
	TITLE("<html><head></head><body>no title</body></html>", "text/html",
	    NULL);
	TITLE("<title></title>", "text/html", "");
	TITLE("<title>   </title>", "text/html", "");
	TITLE("<title>first</title><title>second</title>", "text/html",
	    "first");
	TITLE("<title>a &amp; b &lt;c&gt; &eacute;&#x41;</title>", "text/html",
	    "a & b <c> \xc3\xa9" "A");
	/* U+00A0 is not white space to collapse. */
	TITLE("<title>&nbsp;a&nbsp; </title>", "text/html",
	    "\xc2\xa0" "a\xc2\xa0");
	/* A 404 page has a title like any other. */
	TITLE("<html><title>404 Not Found</title><h1>Not Found</h1>",
	    "text/html; charset=iso-8859-1", "404 Not Found");
	TITLE("<TITLE>Upper</TITLE>", "TEXT/HTML", "Upper");
}
END_TEST

START_TEST(test_not_html)
{
	struct extractor *x = extractor_new(true, true);
	char err[256];
	const char *cts[] = { "text/plain", "application/json",
	    "text/htmlx", "image/svg+xml", "application/xml", NULL };
	cJSON *j;

	ck_assert(extractor_add(x, EXTRACT_SELECT, "s", "//p", NULL, err,
	    sizeof err));
	ck_assert(extractor_add(x, EXTRACT_XPATH, "c", "count(//p)", NULL,
	    err, sizeof err));
	for (size_t i = 0; i < sizeof cts / sizeof cts[0]; i++) {
		j = run(x, "<title>t</title><p>p</p>", cts[i]);
		ck_assert_msg(cJSON_IsNull(cJSON_GetObjectItem(j, "title")) &&
		    cJSON_IsNull(cJSON_GetObjectItem(j, "links")) &&
		    cJSON_IsNull(cJSON_GetObjectItem(j, "select")) &&
		    cJSON_IsNull(cJSON_GetObjectItem(j, "xpath")),
		    "fields not null for %s", cts[i] ? cts[i] : "no type");
		cJSON_Delete(j);
	}
	/* No body: null too, whatever the type. */
	j = run_len(x, NULL, 0, "text/html", URL);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "title")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "xpath")));
	cJSON_Delete(j);
	/* An HTML body with nothing in it has no title, no links. */
	j = run(x, "\xef\xbb\xbf", "text/html");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "title")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "links")),
	    0);
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "xpath"), "c"), 0)->valuestring, "0");
	cJSON_Delete(j);
	extractor_free(x);
}
END_TEST

START_TEST(test_fields_present)
{
	struct extractor *x = extractor_new(false, false);
	struct buf out = BUF_INIT;

	/* Nothing asked: nothing added. */
	extractor_run(x, "<title>t</title>", 16, "text/html", URL, &out);
	ck_assert_uint_eq(out.len, 0);
	extractor_free(x);
	x = extractor_new(true, true);
	extractor_run(x, "<title>t</title><a href=x>", 26, "text/html", URL,
	    &out);
	ck_assert_str_eq(out.data,
	    ",\"title\":\"t\",\"links\":[\"http://example.com/dir/x\"]");
	buf_free(&out);
	extractor_free(x);
}
END_TEST

/* ---- links ------------------------------------------------------------- */

START_TEST(test_links_relative)
{
	assert_links("<a href=a.html><a href=../up><a href=/root>"
	    "<a href=//other.org/p><a href=?x=2><a href=../../../../top>"
	    "<a href=./b/./c/../d>", URL,
	    "http://example.com/dir/a.html|http://example.com/up|"
	    "http://example.com/root|http://other.org/p|"
	    "http://example.com/dir/page.html?x=2|http://example.com/top|"
	    "http://example.com/dir/b/d");
	/* Protocol-relative takes the page's scheme. */
	assert_links("<a href=//cdn.example.net/x>", "https://example.com/",
	    "https://cdn.example.net/x");
}
END_TEST

START_TEST(test_links_base)
{
	assert_links("<head><base href=\"/base/\"></head><a href=x><a href=/y>",
	    URL, "http://example.com/base/x|http://example.com/y");
	/* The first <base href> counts, wherever the links are. */
	assert_links("<a href=x><base target=_top><base href=\"http://b.org/"
	    "s/\"><base href=\"http://c.org/\">", URL, "http://b.org/s/x");
	/* A base that gives no http(s) URL is passed over. */
	assert_links("<base href=\"javascript:x\"><a href=y>", URL,
	    "http://example.com/dir/y");
	/* An empty href is the base itself. */
	assert_links("<base href=\"sub/\"><a href=\"\">", URL,
	    "http://example.com/dir/sub/");
}
END_TEST

START_TEST(test_links_dropped)
{
	assert_links("<a href=\"javascript:void(0)\"><a href=\"mailto:a@b.c\">"
	    "<a href=\"data:text/html,x\"><a href=\"ftp://f.org/x\">"
	    "<a href=\"tel:+1\"><a href=\"JavaScript:alert(1)\">"
	    "<a href=\"file:///etc/passwd\"><a name=x><a href=\"http://\">"
	    "<a href=\"//\"><a href=\"http://a b/\"><link href=/css>"
	    "<img src=/i><a href=ok>", URL, "http://example.com/dir/ok");
}
END_TEST

START_TEST(test_links_fragment_duplicates)
{
	assert_links("<a href=#top><a href=a#1><a href=a#2><a href=a>"
	    "<a href=\"http://example.com/dir/a\"><a href=\"HTTP://EXAMPLE.COM"
	    ":80/dir/a\"><a href=b><area href=a><area href=c>"
	    "<a href=\"https://x.org#\">", URL,
	    "http://example.com/dir/page.html?q=1|http://example.com/dir/a|"
	    "http://example.com/dir/b|http://example.com/dir/c|"
	    "https://x.org/");
}
END_TEST

START_TEST(test_links_browser_quirks)
{
	/* Spaces and controls trimmed, tabs and newlines dropped, '\' as
	 * '/', spaces and non-ASCII percent-encoded, IDN hosts in ASCII. */
	assert_links("<a href=\"  /a b \n\"><a href=\"/c\td\ne\">"
	    "<a href=\"\\x\\y?z\\w\"><a href=\"/\xc3\xbc?\xc3\xa9\">"
	    "<a href=\"http://B\xc3\xbc" "cher.de/\"><a href=\"HTTPS://Ex.COM"
	    ":443/P\">", URL,
	    "http://example.com/a%20b|http://example.com/cde|"
	    "http://example.com/x/y?z\\w|http://example.com/%C3%BC?%C3%A9|"
	    "http://xn--bcher-kva.de/|https://ex.com/P");
	/* Entities in an href are decoded before resolving. */
	assert_links("<a href=\"/p?a=1&amp;b=2\">", URL,
	    "http://example.com/p?a=1&b=2");
}
END_TEST

START_TEST(test_links_no_final_url)
{
	struct extractor *x = extractor_new(false, true);
	cJSON *j = run_len(x, "<a href=/rel><a href=\"http://abs.org/\">", 38,
	    "text/html", NULL);
	char *got = joined(cJSON_GetObjectItem(j, "links"));

	ck_assert_str_eq(got, "http://abs.org/");
	free(got);
	cJSON_Delete(j);
	extractor_free(x);
}
END_TEST

/* ---- tag soup ---------------------------------------------------------- */

START_TEST(test_tag_soup)
{
	const char *soup = "<title>soup<p>1 < 2 <b>bold<i>both</b>it</i>"
	    "<ul><li>a<li>b</ul><a href=x>unclosed <div>x";

	TITLE("<title>soup < 3 & so", "text/html", "soup < 3 & so");
	ASSERT_XPATH(soup, "count(//li)", "2");
	ASSERT_XPATH(soup, "//li", "a|b");
	ASSERT_XPATH("<p>1 < 2 and 3 > 2</p>", "//p", "1 < 2 and 3 > 2");
	ASSERT_XPATH("<table><tr><td>1<td>2<tr><td>3</table>", "//td",
	    "1|2|3");
	ASSERT_XPATH("<div><p>one<p>two</div>", "//p", "one|two");
	ASSERT_XPATH("<P CLASS=X>up</P>", "//p[@class='X']", "up");
}
END_TEST

START_TEST(test_xhtml)
{
	const char *page = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
	    "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n"
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>X "
	    "page</title></head><body><p>a<br/>b</p><a href=\"r\"/>"
	    "</body></html>";
	struct extractor *x = extractor_new(true, true);
	char err[256];
	cJSON *j;
	char *got;

	/* No namespace prefix needed: parsed as HTML. */
	ck_assert(extractor_add(x, EXTRACT_XPATH, "p", "//p", NULL, err,
	    sizeof err));
	j = run(x, page, "application/xhtml+xml; charset=utf-8");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "title")->valuestring,
	    "X page");
	got = joined(cJSON_GetObjectItem(j, "links"));
	ck_assert_str_eq(got, "http://example.com/dir/r");
	free(got);
	got = joined(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "xpath"), "p"));
	ck_assert_str_eq(got, "ab");
	free(got);
	cJSON_Delete(j);
	extractor_free(x);
}
END_TEST

/* ---- select and xpath -------------------------------------------------- */

static const char shop[] =
	"<html><head><title>Shop</title></head><body>"
	"<div class=item><span class=name> Red\n  shoe </span>"
	"<span class=price data-c=USD>19.99</span><a href=/r>r</a></div>"
	"<div class=item><span class=name>Blue <b>hat</b></span>"
	"<span class=price>5</span></div>"
	"<div class=item><span class=name></span></div>"
	"<!-- c --></body></html>";

START_TEST(test_select)
{
	struct extractor *x = extractor_new(false, false);
	char err[256];
	cJSON *j, *s;
	char *got;

	ck_assert(extractor_add(x, EXTRACT_SELECT, "name",
	    "descendant-or-self::span[@class='name']", NULL, err, sizeof err));
	ck_assert(extractor_add(x, EXTRACT_SELECT, "cur",
	    "descendant-or-self::span[@class='price']", "data-c", err,
	    sizeof err));
	ck_assert(extractor_add(x, EXTRACT_SELECT, "href",
	    "descendant-or-self::a", "HREF", err, sizeof err));
	ck_assert(extractor_add(x, EXTRACT_SELECT, "none",
	    "descendant-or-self::table", NULL, err, sizeof err));
	j = run(x, shop, "text/html");
	s = cJSON_GetObjectItem(j, "select");
	got = joined(cJSON_GetObjectItem(s, "name"));
	ck_assert_str_eq(got, "Red shoe|Blue hat|");
	free(got);
	got = joined(cJSON_GetObjectItem(s, "cur"));
	ck_assert_str_eq(got, "USD");
	free(got);
	/* An attribute is given as written, not resolved. */
	got = joined(cJSON_GetObjectItem(s, "href"));
	ck_assert_str_eq(got, "/r");
	free(got);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(s, "none")), 0);
	/* Fields keep the order they were added in. */
	ck_assert_str_eq(s->child->string, "name");
	cJSON_Delete(j);
	extractor_free(x);
}
END_TEST

START_TEST(test_xpath_values)
{
	ASSERT_XPATH(shop, "count(//div)", "3");
	ASSERT_XPATH(shop, "count(//div) div 2", "1.5");
	ASSERT_XPATH(shop, "sum(//span[@class='price'])", "24.99");
	ASSERT_XPATH(shop, "number('x')", "NaN");
	ASSERT_XPATH(shop, "1 div 0", "Infinity");
	ASSERT_XPATH(shop, "boolean(//a)", "true");
	ASSERT_XPATH(shop, "count(//table) > 0", "false");
	/* A string is given as it is, not collapsed. */
	ASSERT_XPATH(shop, "string(//span)", " Red\n  shoe ");
	ASSERT_XPATH(shop, "concat('a', '  b')", "a  b");
	ASSERT_XPATH(shop, "normalize-space(//span)", "Red shoe");
	/* Node-sets: string values collapsed and trimmed, attributes, text,
	 * comments. */
	ASSERT_XPATH(shop, "//span[@class='name']", "Red shoe|Blue hat|");
	ASSERT_XPATH(shop, "//span/@class", "name|price|name|price|name");
	ASSERT_XPATH(shop, "//b/text()", "hat");
	ASSERT_XPATH(shop, "//comment()", "c");
	ASSERT_XPATH(shop, "//title | //a", "Shop|r");
	ASSERT_XPATH(shop, "//nothing", "");
	/* Document order, whatever the expression's order. */
	ASSERT_XPATH(shop, "//a | //title", "Shop|r");
	ASSERT_XPATH(shop, "(//span[@class='price'])[last()]/ancestor::*[1]"
	    "/span[1]", "Blue hat");
}
END_TEST

START_TEST(test_add_errors)
{
	struct extractor *x = extractor_new(true, true);
	char err[256];
	const char *bad[] = { "//a[", "", "foo(", "nosuch()", "$v", "count(1)",
	    "'open", "//a[@", "1 +", "///", "substring()" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(!extractor_add(x, EXTRACT_XPATH, "n", bad[i], NULL,
		    err, sizeof err), "\"%s\" accepted", bad[i]);
		ck_assert_msg(strncmp(err, "invalid XPath: ", 15) == 0 &&
		    strchr(err, '\n') == NULL, "reason: %s", err);
	}
	ck_assert(extractor_add(x, EXTRACT_XPATH, "n", "//a", NULL, err,
	    sizeof err));
	ck_assert(!extractor_add(x, EXTRACT_XPATH, "n", "//b", NULL, err,
	    sizeof err));
	ck_assert_str_eq(err, "name \"n\" used twice");
	/* Names are per kind. */
	ck_assert(extractor_add(x, EXTRACT_SELECT, "n", "//a", NULL, err,
	    sizeof err));
	extractor_free(x);
}
END_TEST

/* ---- hostile pages ----------------------------------------------------- */

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail,
    size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *p = malloc(hl + ul * n + tl + 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(p + hl + i * ul, unit, ul);
	memcpy(p + hl + ul * n, tail, tl + 1);
	*len = hl + ul * n + tl;
	return p;
}

static cJSON *
run_hostile(char *page, size_t len)
{
	struct extractor *x = extractor_new(true, true);
	char err[256];
	cJSON *j;

	ck_assert(extractor_add(x, EXTRACT_XPATH, "c", "count(//*)", NULL, err,
	    sizeof err));
	j = run_len(x, page, len, "text/html", URL);
	extractor_free(x);
	free(page);
	return j;
}

START_TEST(test_hostile_deep)
{
	size_t len;
	char *p = repeat("<title>deep</title>", "<div>", 100000, "x", &len);
	cJSON *j = run_hostile(p, len);

	ck_assert_str_eq(cJSON_GetObjectItem(j, "title")->valuestring, "deep");
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_hostile_attributes)
{
	struct buf b = BUF_INIT;
	char *links;
	cJSON *j;

	/* A million distinct attributes on one tag (libxml2 alone takes
	 * hours): the link on it and the one after it are still found. */
	buf_puts(&b, "<title>a</title><a href=/first");
	for (int i = 0; i < 1000000; i++)
		buf_printf(&b, " a%d", i);
	buf_puts(&b, ">t</a><a href=/after>");
	j = run_hostile(b.data, b.len);
	links = joined(cJSON_GetObjectItem(j, "links"));
	ck_assert_str_eq(links,
	    "http://example.com/first|http://example.com/after");
	free(links);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_hostile_size)
{
	size_t len;
	char *p;
	cJSON *j;

	/* A 10 MB line of text. */
	p = repeat("<title>long</title><p>", "abc def ", 1300000, "", &len);
	j = run_hostile(p, len);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "title")->valuestring, "long");
	cJSON_Delete(j);
	/* A million elements: the tree stops growing, the title is there. */
	p = repeat("<title>many</title>", "<p>", 1000000, "", &len);
	j = run_hostile(p, len);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "title")->valuestring, "many");
	ck_assert(atof(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "xpath"), "c"), 0)->valuestring) < 500000);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_hostile_bytes)
{
	struct extractor *x = extractor_new(true, true);
	char page[4096];
	cJSON *j;

	/* Every byte value, NUL included: valid JSON, the title kept. */
	memcpy(page, "<title>t\0t</title>", 18);
	for (size_t i = 18; i < sizeof page; i++)
		page[i] = (char)(i * 7);
	j = run_len(x, page, sizeof page, "text/html", URL);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "title")->valuestring,
	    "t\xef\xbf\xbdt");
	cJSON_Delete(j);
	extractor_free(x);
}
END_TEST

/* ---- the lxml oracle --------------------------------------------------- */

/* A python3 that has lxml, or NULL. */
static const char *
oracle_python(void)
{
	static const char *cands[] = { "python3", "/usr/bin/python3" };
	char cmd[256];

	for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		snprintf(cmd, sizeof cmd, "%s -c 'import lxml.html' "
		    ">/dev/null 2>&1", cands[i]);
		if (system(cmd) == 0)
			return cands[i];
	}
	return NULL;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.data;
}

/* Whether two JSON values are equal, with the first difference said. */
static void
assert_same(const char *file, const char *what, const cJSON *got,
    const cJSON *want)
{
	char *g = cJSON_PrintUnformatted(got), *w = cJSON_PrintUnformatted(want);

	ck_assert_msg(got != NULL && cJSON_Compare(got, want, true),
	    "%s, %s:\n got %s\nwant %s", file, what, g ? g : "(missing)", w);
	free(g);
	free(w);
}

START_TEST(test_oracle)
{
	const char *srcdir = getenv("SCRAPE_SRCDIR");
	const char *py = oracle_python();
	char cmd[1024], path[1024], *line = NULL;
	size_t cap = 0;
	int pages = 0;
	FILE *p;

	if (srcdir == NULL)
		srcdir = ".";
	if (py == NULL) {
		fprintf(stderr, "test_oracle: skipped, no python3 with lxml "
		    "(python3-lxml)\n");
		return;
	}
	snprintf(cmd, sizeof cmd, "%s %s/tests/extract_oracle.py "
	    "%s/tests/fixtures/html", py, srcdir, srcdir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (getline(&line, &cap, p) > 0) {
		cJSON *want = cJSON_Parse(line), *xp, *e, *got;
		const char *file;
		struct extractor *x = extractor_new(true, true);
		char err[256], *body;
		size_t len;

		ck_assert_msg(want != NULL, "oracle: %s", line);
		file = cJSON_GetObjectItem(want, "file")->valuestring;
		xp = cJSON_GetObjectItem(want, "xpath");
		cJSON_ArrayForEach(e, xp)
			ck_assert_msg(extractor_add(x, EXTRACT_XPATH, e->string,
			    e->string, NULL, err, sizeof err), "%s: %s",
			    e->string, err);
		snprintf(path, sizeof path, "%s/tests/fixtures/html/%s", srcdir,
		    file);
		body = slurp(path, &len);
		got = run_len(x, body, len,
		    cJSON_GetObjectItem(want, "content_type")->valuestring,
		    cJSON_GetObjectItem(want, "url")->valuestring);
		assert_same(file, "title", cJSON_GetObjectItem(got, "title"),
		    cJSON_GetObjectItem(want, "title"));
		assert_same(file, "links", cJSON_GetObjectItem(got, "links"),
		    cJSON_GetObjectItem(want, "links"));
		cJSON_ArrayForEach(e, xp)
			assert_same(file, e->string, cJSON_GetObjectItem(
			    cJSON_GetObjectItem(got, "xpath"), e->string), e);
		cJSON_Delete(got);
		cJSON_Delete(want);
		free(body);
		extractor_free(x);
		pages++;
	}
	free(line);
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_int_ge(pages, 9);
}
END_TEST

static Suite *
extract_suite(void)
{
	Suite *s = suite_create("extract");
	TCase *tc;

	tc = tcase_create("charset");
	tcase_add_test(tc, test_charset_header_windows_1252);
	tcase_add_test(tc, test_charset_header_cjk);
	tcase_add_test(tc, test_charset_meta);
	tcase_add_test(tc, test_charset_order);
	tcase_add_test(tc, test_charset_lying);
	tcase_add_test(tc, test_xml_declaration);
	tcase_add_test(tc, test_extract_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, test_title);
	tcase_add_test(tc, test_not_html);
	tcase_add_test(tc, test_fields_present);
	tcase_add_test(tc, test_tag_soup);
	tcase_add_test(tc, test_xhtml);
	tcase_add_test(tc, test_select);
	tcase_add_test(tc, test_xpath_values);
	tcase_add_test(tc, test_add_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("links");
	tcase_add_test(tc, test_links_relative);
	tcase_add_test(tc, test_links_base);
	tcase_add_test(tc, test_links_dropped);
	tcase_add_test(tc, test_links_fragment_duplicates);
	tcase_add_test(tc, test_links_browser_quirks);
	tcase_add_test(tc, test_links_no_final_url);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_hostile_deep);
	tcase_add_test(tc, test_hostile_attributes);
	tcase_add_test(tc, test_hostile_size);
	tcase_add_test(tc, test_hostile_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("oracle");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_oracle);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(extract_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
