#include "extract.h"

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/SAX2.h>
#include <libxml/hash.h>
#include <libxml/parserInternals.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "json.h"
#include "url.h"
#include "utf8.h"
#include "xmalloc.h"

#define PRESCAN_BYTES 1024        /* where a <meta> charset counts (WHATWG) */
#define MAX_ATTRIBUTES 128        /* per tag, see cap_attributes */
#define NODE_BUDGET_BASE 65536    /* elements and attributes, plus len/8 */
#define XPATH_OP_LIMIT 50000000UL /* libxml2's count of XPath steps */
#define LABEL_MAX 40              /* longest encoding label looked up */

static const char fffd[] = "\xef\xbf\xbd";

struct field {
	char *name;
	char *attr;                   /* ::attr(A), or NULL */
	xmlXPathCompExprPtr comp;
};

struct fields {
	struct field *v;
	size_t n;
};

struct extractor {
	bool title;
	bool links;
	struct fields select;
	struct fields xpath;
};

/* How a body is turned into UTF-8: by hand, or by an iconv descriptor. */
struct charset {
	bool utf8;
	iconv_t cd;
	size_t skip;                  /* a byte order mark's length */
};

/* ---- bytes ------------------------------------------------------------- */

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Whether the n bytes at p are s, ignoring ASCII case. */
static bool
caseeq(const char *p, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		if (lower((unsigned char)p[i]) != s[i])
			return false;
	return i == n && s[i] == '\0';
}

/* Whether the bytes at p, of which n remain, start with s (lower case),
 * ignoring ASCII case. */
static bool
casestarts(const char *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && caseeq(p, l, s);
}

/* The first occurrence of s (lower case) in the n bytes at p, ignoring
 * ASCII case; NULL if none. */
static const char *
casefind(const char *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	for (size_t i = 0; i + l <= n; i++)
		if (lower((unsigned char)p[i]) == s[0] && caseeq(p + i, l, s))
			return p + i;
	return NULL;
}

/* ---- content type ------------------------------------------------------ */

enum media { MEDIA_OTHER, MEDIA_HTML, MEDIA_XHTML };

static enum media
media_kind(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return MEDIA_OTHER;
	while (is_space((unsigned char)*ct))
		ct++;
	n = strcspn(ct, "; \t");
	if (caseeq(ct, n, "text/html"))
		return MEDIA_HTML;
	if (caseeq(ct, n, "application/xhtml+xml"))
		return MEDIA_XHTML;
	return MEDIA_OTHER;
}

/* The charset parameter of a Content-Type, quotes removed; false if it
 * has none. */
static bool
content_type_charset(const char *ct, const char **label, size_t *n)
{
	const char *p = ct == NULL ? NULL : strchr(ct, ';');

	while (p != NULL) {
		const char *name;
		size_t nl;

		p++;
		while (is_space((unsigned char)*p))
			p++;
		name = p;
		nl = strcspn(p, "=; \t");
		p += nl;
		while (is_space((unsigned char)*p))
			p++;
		if (*p != '=') {
			p = strchr(p, ';');
			continue;
		}
		p++;
		while (is_space((unsigned char)*p))
			p++;
		if (*p == '"') {
			*label = ++p;
			*n = strcspn(p, "\"");
			p += *n;
		} else {
			*label = p;
			*n = strcspn(p, "; \t");
			p += *n;
		}
		if (caseeq(name, nl, "charset") && *n > 0)
			return true;
		p = strchr(p, ';');
	}
	return false;
}

/* ---- encodings --------------------------------------------------------- */

/* Labels whose meaning on the web (WHATWG Encoding) is not the encoding
 * iconv gives them by that name, or that iconv does not know. */
static const struct {
	const char *label;
	const char *iconv;
} aliases[] = {
	{ "utf-8", "UTF-8" }, { "utf8", "UTF-8" },
	{ "unicode-1-1-utf-8", "UTF-8" },
	{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
	{ "iso_8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
	{ "l1", "WINDOWS-1252" }, { "us-ascii", "WINDOWS-1252" },
	{ "ascii", "WINDOWS-1252" }, { "ansi_x3.4-1968", "WINDOWS-1252" },
	{ "cp819", "WINDOWS-1252" }, { "ibm819", "WINDOWS-1252" },
	{ "iso-ir-100", "WINDOWS-1252" }, { "csisolatin1", "WINDOWS-1252" },
	{ "cp1252", "WINDOWS-1252" }, { "x-cp1252", "WINDOWS-1252" },
	{ "iso-8859-9", "WINDOWS-1254" }, { "latin5", "WINDOWS-1254" },
	{ "l5", "WINDOWS-1254" }, { "tis-620", "WINDOWS-874" },
	{ "iso-8859-11", "WINDOWS-874" },
	{ "shift_jis", "WINDOWS-31J" }, { "shift-jis", "WINDOWS-31J" },
	{ "sjis", "WINDOWS-31J" }, { "x-sjis", "WINDOWS-31J" },
	{ "ms_kanji", "WINDOWS-31J" }, { "ms932", "WINDOWS-31J" },
	{ "csshiftjis", "WINDOWS-31J" },
	{ "gb2312", "GBK" }, { "gb_2312", "GBK" }, { "gb_2312-80", "GBK" },
	{ "csgb2312", "GBK" }, { "iso-ir-58", "GBK" }, { "chinese", "GBK" },
	{ "x-gbk", "GBK" }, { "cp936", "GBK" },
	{ "big5", "BIG5-HKSCS" }, { "x-x-big5", "BIG5-HKSCS" },
	{ "cn-big5", "BIG5-HKSCS" }, { "csbig5", "BIG5-HKSCS" },
	{ "euc-kr", "CP949" }, { "ks_c_5601-1987", "CP949" },
	{ "windows-949", "CP949" }, { "cseuckr", "CP949" },
	{ "utf-16", "UTF-16LE" }, { "utf-16le", "UTF-16LE" },
	{ "utf-16be", "UTF-16BE" },
};

/*
 * Set cs up for the encoding label names (white space around it
 * ignored); false when nothing knows it.  A label from the document
 * itself that says UTF-16 means UTF-8: the bytes that spelt it were
 * ASCII (WHATWG).  Only plain labels reach iconv_open, which would read
 * "//" suffixes as orders.
 */
static bool
charset_open(struct charset *cs, const char *label, size_t n,
    bool in_document)
{
	char name[LABEL_MAX + 1];
	const char *use = name;
	size_t l = 0;

	while (n > 0 && is_space((unsigned char)*label)) {
		label++;
		n--;
	}
	while (n > 0 && is_space((unsigned char)label[n - 1]))
		n--;
	if (n == 0 || n > LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = lower((unsigned char)label[i]);

		if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '-' &&
		    c != '_' && c != '.' && c != ':')
			return false;
		name[l++] = (char)c;
	}
	name[l] = '\0';
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcmp(name, aliases[i].label) == 0) {
			use = aliases[i].iconv;
			break;
		}
	}
	if (in_document && strncmp(use, "UTF-16", 6) == 0)
		use = "UTF-8";
	cs->utf8 = strcmp(use, "UTF-8") == 0;
	if (cs->utf8)
		return true;
	cs->cd = iconv_open("UTF-8", use);
	return cs->cd != (iconv_t)-1;
}

/* The value of the attribute at p in a tag, WHATWG's "get an attribute"
 * cut down: name and value as spans of the input (quotes removed), *i
 * moved past it.  False at the tag's end. */
static bool
get_attribute(const char *p, size_t n, size_t *i, const char **name,
    size_t *nl, const char **value, size_t *vl)
{
	size_t k = *i;

	while (k < n && (is_space((unsigned char)p[k]) || p[k] == '/'))
		k++;
	if (k >= n || p[k] == '>') {
		*i = k;
		return false;
	}
	*name = p + k;
	k++;
	while (k < n && !is_space((unsigned char)p[k]) && p[k] != '=' &&
	    p[k] != '/' && p[k] != '>')
		k++;
	*nl = (size_t)(p + k - *name);
	*value = p + k;
	*vl = 0;
	while (k < n && is_space((unsigned char)p[k]))
		k++;
	if (k < n && p[k] == '=') {
		k++;
		while (k < n && is_space((unsigned char)p[k]))
			k++;
		if (k < n && (p[k] == '"' || p[k] == '\'')) {
			const char *end = memchr(p + k + 1, p[k], n - k - 1);

			*value = p + k + 1;
			*vl = end != NULL ? (size_t)(end - *value) :
			    n - k - 1;
			k = end != NULL ? (size_t)(end - p) + 1 : n;
		} else {
			*value = p + k;
			while (k < n && !is_space((unsigned char)p[k]) &&
			    p[k] != '>')
				k++;
			*vl = (size_t)(p + k - *value);
		}
	}
	*i = k;
	return true;
}

/* The charset named in a <meta content> value ("text/html;
 * charset=X"), WHATWG's algorithm for it. */
static bool
content_charset(const char *p, size_t n, const char **label, size_t *ll)
{
	const char *end = p + n, *c;

	while ((c = casefind(p, (size_t)(end - p), "charset")) != NULL) {
		p = c + 7;
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p >= end || *p != '=')
			continue;
		p++;
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p < end && (*p == '"' || *p == '\'')) {
			const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));

			if (q == NULL)
				return false;
			*label = p + 1;
			*ll = (size_t)(q - p - 1);
			return true;
		}
		*label = p;
		while (p < end && !is_space((unsigned char)*p) && *p != ';')
			p++;
		*ll = (size_t)(p - *label);
		return *ll > 0;
	}
	return false;
}

/* A <meta> whose attributes start at *i: set cs up if it declares a
 * charset something knows. */
static bool
meta_charset(struct charset *cs, const char *p, size_t n, size_t *i)
{
	const char *name, *value, *label = NULL;
	size_t nl, vl, ll = 0;
	bool pragma = false, need_pragma = false, seen = false;

	while (get_attribute(p, n, i, &name, &nl, &value, &vl)) {
		if (caseeq(name, nl, "http-equiv")) {
			if (caseeq(value, vl, "content-type"))
				pragma = true;
		} else if (caseeq(name, nl, "content") && label == NULL) {
			if (content_charset(value, vl, &label, &ll))
				need_pragma = seen = true;
		} else if (caseeq(name, nl, "charset") && !seen) {
			label = value;
			ll = vl;
			need_pragma = false;
			seen = true;
		}
	}
	if (label == NULL || (need_pragma && !pragma))
		return false;
	return charset_open(cs, label, ll, true);
}

/* WHATWG's prescan of the first 1024 bytes for a <meta> charset, with
 * comments and other tags' quoted attribute values stepped over. */
static bool
prescan(struct charset *cs, const char *p, size_t n)
{
	size_t i = 0;

	if (n > PRESCAN_BYTES)
		n = PRESCAN_BYTES;
	while (i < n) {
		const char *name, *value;
		size_t nl, vl;

		if (p[i] != '<') {
			i++;
		} else if (casestarts(p + i, n - i, "<!--")) {
			const char *e = casefind(p + i + 2, n - i - 2, "-->");

			if (e == NULL)
				return false;
			i = (size_t)(e - p) + 3;
		} else if (casestarts(p + i, n - i, "<meta") && i + 5 < n &&
		    (is_space((unsigned char)p[i + 5]) || p[i + 5] == '/')) {
			i += 5;
			if (meta_charset(cs, p, n, &i))
				return true;
		} else if (i + 1 < n && (is_alpha((unsigned char)p[i + 1]) ||
		    (p[i + 1] == '/' && i + 2 < n &&
		    is_alpha((unsigned char)p[i + 2])))) {
			while (i < n && !is_space((unsigned char)p[i]) &&
			    p[i] != '>')
				i++;
			while (get_attribute(p, n, &i, &name, &nl, &value, &vl))
				continue;
		} else if (i + 1 < n && (p[i + 1] == '!' || p[i + 1] == '/' ||
		    p[i + 1] == '?')) {
			const char *e = memchr(p + i, '>', n - i);

			if (e == NULL)
				return false;
			i = (size_t)(e - p) + 1;
		} else {
			i++;
		}
	}
	return false;
}

/* The encoding of an XML declaration at the very start, for XHTML. */
static bool
xml_declaration(struct charset *cs, const char *p, size_t n)
{
	const char *end, *e, *q;

	if (n > PRESCAN_BYTES)
		n = PRESCAN_BYTES;
	if (n < 6 || memcmp(p, "<?xml", 5) != 0 || !is_space((unsigned char)p[5]))
		return false;
	if ((end = memchr(p, '>', n)) == NULL ||
	    (e = casefind(p, (size_t)(end - p), "encoding")) == NULL)
		return false;
	for (e += 8; e < end && is_space((unsigned char)*e); e++)
		continue;
	if (e >= end || *e++ != '=')
		return false;
	while (e < end && is_space((unsigned char)*e))
		e++;
	if (e >= end || (*e != '"' && *e != '\'') ||
	    (q = memchr(e + 1, *e, (size_t)(end - e - 1))) == NULL)
		return false;
	return charset_open(cs, e + 1, (size_t)(q - e - 1), true);
}

/* How to decode an HTML body: a byte order mark, the HTTP charset, the
 * XML declaration (XHTML), a <meta>, UTF-8, the first that is known. */
static void
html_charset(struct charset *cs, const char *p, size_t n,
    const char *content_type, enum media media)
{
	const char *label;
	size_t ll;

	cs->utf8 = true;
	cs->skip = 0;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		cs->skip = 3;
		return;
	}
	if (n >= 2 && (memcmp(p, "\xff\xfe", 2) == 0 ||
	    memcmp(p, "\xfe\xff", 2) == 0)) {
		cs->skip = 2;
		if (charset_open(cs, p[0] == '\xff' ? "utf-16le" : "utf-16be",
		    8, false))
			return;
	}
	if (content_type_charset(content_type, &label, &ll) &&
	    charset_open(cs, label, ll, false))
		return;
	if (media == MEDIA_XHTML && xml_declaration(cs, p, n))
		return;
	if (prescan(cs, p, n))
		return;
	cs->utf8 = true;
}

/* Append n bytes of UTF-8 to out, NUL as U+FFFD when nul is set (the
 * parser would take it for the end). */
static void
put_text(struct buf *out, const char *p, size_t n, bool nul)
{
	const char *z;

	while (nul && (z = memchr(p, '\0', n)) != NULL) {
		buf_append(out, p, (size_t)(z - p));
		buf_append(out, fffd, 3);
		n -= (size_t)(z - p) + 1;
		p = z + 1;
	}
	buf_append(out, p, n);
}

/* Append p as UTF-8, each byte that starts no valid sequence as
 * U+FFFD. */
static void
decode_utf8(const char *p, size_t n, bool nul, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;

	while (s < end) {
		const unsigned char *run = s;
		uint32_t cp;
		size_t k = 0;

		while (s < end && (*s < 0x80 ||
		    (k = utf8_decode(s, (size_t)(end - s), &cp)) > 0))
			s += *s < 0x80 ? 1 : k;
		put_text(out, (const char *)run, (size_t)(s - run), nul);
		if (s < end) {
			buf_append(out, fffd, 3);
			s++;
		}
	}
}

/* Append p decoded by iconv; a sequence it cannot decode costs one byte
 * and gives U+FFFD, as a cut-off one at the end does. */
static void
decode_iconv(iconv_t cd, const char *p, size_t n, bool nul,
    struct buf *out)
{
	char chunk[16384];
	char *in = (char *)p;
	size_t inleft = n;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		char *o = chunk;
		size_t oleft = sizeof chunk;
		size_t rc = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;

		put_text(out, chunk, sizeof chunk - oleft, nul);
		if (rc != (size_t)-1 || e == E2BIG)
			continue;
		buf_append(out, fffd, 3);
		if (e != EILSEQ)
			break;
		in++;
		inleft--;
	}
	{
		char *o = chunk;
		size_t oleft = sizeof chunk;

		iconv(cd, NULL, NULL, &o, &oleft);
		put_text(out, chunk, sizeof chunk - oleft, nul);
	}
}

/* Append an HTML body decoded to UTF-8. */
static void
decode_html(const char *p, size_t n, const char *content_type,
    enum media media, struct buf *out)
{
	struct charset cs;

	html_charset(&cs, p, n, content_type, media);
	if (cs.utf8) {
		decode_utf8(p + cs.skip, n - cs.skip, true, out);
	} else {
		decode_iconv(cs.cd, p + cs.skip, n - cs.skip, true, out);
		iconv_close(cs.cd);
	}
}

void
extract_text(const char *body, size_t len, const char *content_type,
    struct buf *out)
{
	enum media media = media_kind(content_type);

	if (body == NULL || len == 0)
		return;
	if (media == MEDIA_OTHER)
		decode_utf8(body, len, false, out);
	else
		decode_html(body, len, content_type, media, out);
}

/* ---- parsing ----------------------------------------------------------- */

/*
 * Drop each tag's attributes past the MAX_ATTRIBUTES-th, in place, and
 * return the new length.  libxml2 2.9 compares each attribute of a tag
 * with all those before it and appends it to a list it walks, so a tag
 * with a million is hours of work.  Tags are found the way libxml2 finds
 * them where it matters (quoted values may hold '>', script and style
 * hold no tags, comments run to "-->"); where this reads text as a tag
 * that libxml2 would not, it can only drop more, never let a long tag by.
 */
static size_t
cap_attributes(char *s, size_t n)
{
	size_t r = 0, w = 0;

	while (r < n) {
		const char *e;
		size_t start = r, i, nattr = 0, cut = 0, name;
		bool closed = false;

		if (s[r] != '<' || r + 1 >= n) {
			s[w++] = s[r++];
			continue;
		}
		if (casestarts(s + r, n - r, "<!--") &&
		    (e = casefind(s + r + 4, n - r - 4, "-->")) != NULL) {
			r = (size_t)(e - s) + 3;
			memmove(s + w, s + start, r - start);
			w += r - start;
			continue;
		}
		if (!is_alpha((unsigned char)s[r + 1])) {
			s[w++] = s[r++];
			continue;
		}
		for (i = r + 1; i < n && !is_space((unsigned char)s[i]) &&
		    s[i] != '>' && s[i] != '/'; i++)
			continue;
		name = i - r - 1;
		for (;;) {
			while (i < n && (is_space((unsigned char)s[i]) ||
			    s[i] == '/'))
				i++;
			if (i >= n)
				break;
			if (s[i] == '>') {
				closed = true;
				i++;
				break;
			}
			if (++nattr == MAX_ATTRIBUTES + 1)
				cut = i;
			while (i < n && !is_space((unsigned char)s[i]) &&
			    s[i] != '=' && s[i] != '>')
				i++;
			while (i < n && is_space((unsigned char)s[i]))
				i++;
			if (i >= n || s[i] != '=')
				continue;
			for (i++; i < n && is_space((unsigned char)s[i]); i++)
				continue;
			if (i < n && (s[i] == '"' || s[i] == '\'') &&
			    (e = memchr(s + i + 1, s[i], n - i - 1)) != NULL) {
				i = (size_t)(e - s) + 1;
				continue;
			}
			while (i < n && !is_space((unsigned char)s[i]) &&
			    s[i] != '>')
				i++;
		}
		r = i;
		if (cut != 0) {
			memmove(s + w, s + start, cut - start);
			w += cut - start;
			if (closed)
				s[w++] = '>';
		} else {
			memmove(s + w, s + start, r - start);
			w += r - start;
		}
		/* The text of a script or style runs to its end tag. */
		if (caseeq(s + start + 1, name, "script") ||
		    caseeq(s + start + 1, name, "style")) {
			const char *end = caseeq(s + start + 1, name,
			    "script") ? "</script" : "</style";

			if ((e = casefind(s + r, n - r, end)) != NULL) {
				memmove(s + w, s + r, (size_t)(e - s) - r);
				w += (size_t)(e - s) - r;
				r = (size_t)(e - s);
			}
		}
	}
	return w;
}

/* How many more elements and attributes the tree may take. */
struct budget {
	size_t left;
};

/* libxml2's own start-element handler, unless the tree is full: then
 * the parse stops here, as if the body ended. */
static void
start_element_cb(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct budget *b = ctxt->_private;
	size_t cost = 1;

	for (size_t i = 0; atts != NULL && atts[i] != NULL; i += 2)
		cost++;
	if (cost > b->left) {
		b->left = 0;
		xmlStopParser(ctxt);
		return;
	}
	b->left -= cost;
	xmlSAX2StartElement(ctx, name, atts);
}

/* External entities are never loaded, whoever asks. */
static xmlParserInputPtr
no_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	return NULL;
}

/* Parse a decoded body; an empty document when there is nothing. */
static xmlDocPtr
parse_html(const char *body, size_t len, const char *content_type,
    enum media media)
{
	struct buf text = BUF_INIT;
	struct budget b = { NODE_BUDGET_BASE + len / 8 };
	htmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	size_t n;

	decode_html(body, len, content_type, media, &text);
	n = cap_attributes(text.data, text.len);
	if (n > INT_MAX)
		n = INT_MAX;
	if (n > 0)
		ctxt = htmlCreateMemoryParserCtxt(text.data, (int)n);
	if (ctxt != NULL) {
		ctxt->_private = &b;
		ctxt->sax->startElement = start_element_cb;
		/* Else libxml2 reads bytes past ASCII as Latin-1. */
		xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
		htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER |
		    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		    HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC |
		    HTML_PARSE_COMPACT);
		htmlParseDocument(ctxt);
		doc = ctxt->myDoc;
		ctxt->myDoc = NULL;
		htmlFreeParserCtxt(ctxt);
	}
	buf_free(&text);
	if (doc == NULL)
		doc = xcheck(htmlNewDocNoDtD(NULL, NULL));
	return doc;
}

/* ---- text -------------------------------------------------------------- */

/* Text with white space runs collapsed to one space and trimmed, built
 * piece by piece. */
struct text {
	struct buf *b;
	bool space;                   /* white space since the last word */
};

static void
text_add(struct text *t, const char *s)
{
	while (s != NULL && *s != '\0') {
		const char *run = s;

		while (*s != '\0' && !is_space((unsigned char)*s))
			s++;
		if (s > run) {
			if (t->space && t->b->len > 0)
				buf_putc(t->b, ' ');
			t->space = false;
			buf_append(t->b, run, (size_t)(s - run));
		}
		while (is_space((unsigned char)*s)) {
			t->space = true;
			s++;
		}
	}
}

/* The node after n in document order, not leaving top's subtree (NULL
 * at its end); only elements and documents are entered. */
static xmlNodePtr
next_node(xmlNodePtr n, xmlNodePtr top, bool enter)
{
	if (enter && n->children != NULL && (n->type == XML_ELEMENT_NODE ||
	    n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE ||
	    n->type == XML_DOCUMENT_FRAG_NODE || n == top))
		return n->children;
	while (n != top) {
		if (n->next != NULL)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

/* Append node's XPath string value, collapsed and trimmed, into b
 * (emptied first).  Written as a loop: a tree may be deep. */
static void
string_value(xmlNodePtr node, struct buf *b)
{
	struct text t = { b, false };

	buf_reset(b);
	switch (node->type) {
	case XML_NAMESPACE_DECL:
		text_add(&t, (const char *)((xmlNsPtr)node)->href);
		return;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		text_add(&t, (const char *)node->content);
		return;
	case XML_ELEMENT_NODE:
	case XML_ATTRIBUTE_NODE:
	case XML_HTML_DOCUMENT_NODE:
	case XML_DOCUMENT_NODE:
	case XML_DOCUMENT_FRAG_NODE:
		break;
	default:
		return;
	}
	for (xmlNodePtr n = node; n != NULL; n = next_node(n, node, true))
		if (n->type == XML_TEXT_NODE ||
		    n->type == XML_CDATA_SECTION_NODE)
			text_add(&t, (const char *)n->content);
}

/* The value of element el's attribute name (in lower case; ASCII case
 * ignored) into b, as written; false if it has none. */
static bool
attribute(xmlNodePtr el, const char *name, struct buf *b)
{
	buf_reset(b);
	for (xmlAttrPtr a = el->properties; a != NULL; a = a->next) {
		const char *an = (const char *)a->name;

		if (a->ns != NULL || !caseeq(an, strlen(an), name))
			continue;
		for (xmlNodePtr c = a->children; c != NULL; c = c->next)
			if (c->content != NULL)
				buf_puts(b, (const char *)c->content);
		if (b->data == NULL)
			buf_append(b, "", 0);
		return true;
	}
	return false;
}

static bool
is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* ---- fields ------------------------------------------------------------ */

static void
put_title(xmlDocPtr doc, struct buf *tmp, struct buf *out)
{
	xmlNodePtr top = (xmlNodePtr)doc;

	for (xmlNodePtr n = top; n != NULL; n = next_node(n, top, true)) {
		if (is_element(n, "title")) {
			string_value(n, tmp);
			json_string(out, tmp->data, tmp->len);
			return;
		}
	}
	buf_puts(out, "null");
}

/* What resolving links needs, allocated once per page. */
struct resolver {
	CURLU *base;                  /* NULL: only absolute links resolve */
	struct buf a, b;
};

static bool
is_c0_or_space(int c)
{
	return c >= 0 && c <= 0x20;
}

/*
 * Write href into r->b as libcurl should see it to resolve it the way a
 * browser does: control bytes and spaces trimmed off the ends, tabs and
 * newlines dropped, the fragment cut, '\' before the query read as '/',
 * and spaces, quotes, '<', '>', '`' and non-ASCII bytes outside the host
 * percent-encoded (libcurl would refuse them or encode them in lower
 * case).
 */
static void
clean_href(struct resolver *r, const char *href)
{
	const char *s = href, *e = href + strlen(href), *host = NULL, *p;
	size_t hostend = 0;
	bool query = false;

	while (s < e && is_c0_or_space((unsigned char)*s))
		s++;
	while (e > s && is_c0_or_space((unsigned char)e[-1]))
		e--;
	buf_reset(&r->a);
	buf_append(&r->a, "", 0);
	for (p = s; p < e && *p != '#'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (*p == '?')
			query = true;
		buf_putc(&r->a, !query && *p == '\\' ? '/' : *p);
	}
	/* An authority's host stays as it is: libcurl makes it ASCII. */
	p = r->a.data;
	if (p[0] == '/' && p[1] == '/') {
		host = p + 2;
	} else if (is_alpha((unsigned char)p[0])) {
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

		if (strncmp(p + k, "://", 3) == 0)
			host = p + k + 3;
	}
	if (host != NULL)
		hostend = (size_t)(host - p) + strcspn(host, "/?");
	buf_reset(&r->b);
	buf_append(&r->b, "", 0);
	for (size_t i = 0; i < r->a.len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' ||
		    c == '>' || c == '`' || (c >= 0x80 && i >= hostend))
			buf_printf(&r->b, "%%%02X", c);
		else
			buf_putc(&r->b, (char)c);
	}
}

/* Resolve href against r->base into a new URL string (curl_free it);
 * NULL unless that gives an http(s) URL with a host.  The join is
 * checked and finished in place: a page has hundreds of links, and
 * parsing each again costs as much as the join.  Only an IDN host goes
 * through url_parse, which makes it ASCII as it does for input lines. */
static char *
resolve(struct resolver *r, const char *href)
{
	CURLU *u, *v = NULL;
	char *joined = NULL, *scheme = NULL, *host = NULL, *url = NULL;
	char why[128];

	clean_href(r, href);
	u = r->base != NULL ? curl_url_dup(r->base) : curl_url();
	if (u == NULL)
		return NULL;
	if ((r->b.len > 0 &&
	    curl_url_set(u, CURLUPART_URL, r->b.data, 0) != CURLUE_OK) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0')
		goto out;
	if (!url_is_ascii(host)) {
		curl_free(host);
		host = NULL;
		if (curl_url_get(u, CURLUPART_URL, &joined, 0) != CURLUE_OK ||
		    (v = url_parse(joined, why, sizeof why)) == NULL ||
		    curl_url_get(v, CURLUPART_HOST, &host, 0) != CURLUE_OK)
			goto out;
		curl_url_cleanup(u);
		u = v;
		v = NULL;
	}
	for (char *h = host; *h != '\0'; h++)
		*h = (char)lower((unsigned char)*h);
	if (curl_url_set(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		url = NULL;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(joined);
	curl_url_cleanup(v);
	curl_url_cleanup(u);
	return url;
}

/* The base links resolve against: the first <base href>, itself
 * resolved against the final URL, if that gives an http(s) URL; else
 * the final URL. */
static void
resolver_init(struct resolver *r, xmlDocPtr doc, const char *final_url)
{
	xmlNodePtr top = (xmlNodePtr)doc;
	char *url;

	r->base = NULL;
	r->a = (struct buf)BUF_INIT;
	r->b = (struct buf)BUF_INIT;
	if (final_url != NULL) {
		r->base = xcheck(curl_url());
		if (curl_url_set(r->base, CURLUPART_URL, final_url, 0) !=
		    CURLUE_OK) {
			curl_url_cleanup(r->base);
			r->base = NULL;
		}
	}
	for (xmlNodePtr n = top; n != NULL; n = next_node(n, top, true)) {
		struct buf href = BUF_INIT;

		if (!is_element(n, "base") || !attribute(n, "href", &href)) {
			buf_free(&href);
			continue;
		}
		url = resolve(r, href.data);
		buf_free(&href);
		if (url != NULL) {
			curl_url_cleanup(r->base);
			r->base = xcheck(curl_url());
			if (curl_url_set(r->base, CURLUPART_URL, url, 0) !=
			    CURLUE_OK) {
				curl_url_cleanup(r->base);
				r->base = NULL;
			}
			curl_free(url);
		}
		break;
	}
}

static void
resolver_free(struct resolver *r)
{
	curl_url_cleanup(r->base);
	buf_free(&r->a);
	buf_free(&r->b);
}

static void
put_links(xmlDocPtr doc, const char *final_url, struct buf *tmp,
    struct buf *out)
{
	xmlNodePtr top = (xmlNodePtr)doc;
	struct resolver r;
	xmlHashTablePtr seen = xcheck(xmlHashCreate(64));
	bool first = true;

	resolver_init(&r, doc, final_url);
	buf_putc(out, '[');
	for (xmlNodePtr n = top; n != NULL; n = next_node(n, top, true)) {
		char *url;

		if ((!is_element(n, "a") && !is_element(n, "area")) ||
		    !attribute(n, "href", tmp))
			continue;
		if ((url = resolve(&r, tmp->data)) == NULL)
			continue;
		if (xmlHashAddEntry(seen, (const xmlChar *)url, seen) == 0) {
			if (!first)
				buf_putc(out, ',');
			first = false;
			json_string(out, url, strlen(url));
		}
		curl_free(url);
	}
	buf_putc(out, ']');
	xmlHashFree(seen, NULL);
	resolver_free(&r);
}

/* A value for an array, unless the array has grown past its limit. */
static bool
put_value(struct buf *out, size_t start, size_t limit, const char *s,
    size_t n)
{
	if (out->len - start > limit)
		return false;
	if (out->len > start + 1)
		buf_putc(out, ',');
	json_string(out, s, n);
	return true;
}

/* XPath's errors are not printed: a compile error's code is kept for
 * extractor_add (data: an int, or NULL), and one during a run just
 * means no result. */
static void
xpath_error_cb(void *data, xmlErrorPtr error)
{
	int *code = data;

	if (code != NULL && *code == 0)
		*code = error->code;
}

/* Messages libxml2 prints itself, and prints whatever the context's
 * handler, for a function it does not know. */
static void
generic_error_cb(void *ctx, const char *msg, ...)
{
}

/* One field's array: its matches' text, or attribute, or the one
 * value. */
static void
put_field(const struct field *f, xmlXPathContextPtr ctx,
    size_t limit, struct buf *tmp, struct buf *out)
{
	xmlXPathObjectPtr res;
	size_t start = out->len;

	buf_putc(out, '[');
	ctx->node = (xmlNodePtr)ctx->doc;
	ctx->opCount = 0;
	res = xmlXPathCompiledEval(f->comp, ctx);
	if (res == NULL) {
		buf_putc(out, ']');
		return;
	}
	switch (res->type) {
	case XPATH_NODESET:
		if (res->nodesetval == NULL)
			break;
		xmlXPathNodeSetSort(res->nodesetval);
		for (int i = 0; i < res->nodesetval->nodeNr; i++) {
			xmlNodePtr n = res->nodesetval->nodeTab[i];

			if (f->attr != NULL) {
				if (n->type != XML_ELEMENT_NODE ||
				    !attribute(n, f->attr, tmp))
					continue;
			} else {
				string_value(n, tmp);
			}
			if (!put_value(out, start, limit, tmp->data, tmp->len))
				break;
		}
		break;
	case XPATH_STRING:
		put_value(out, start, limit, (const char *)res->stringval,
		    strlen((const char *)res->stringval));
		break;
	case XPATH_NUMBER: {
		xmlChar *s = xcheck(xmlXPathCastNumberToString(res->floatval));

		put_value(out, start, limit, (const char *)s,
		    strlen((const char *)s));
		xmlFree(s);
		break;
	}
	case XPATH_BOOLEAN:
		buf_puts(out, res->boolval ? "\"true\"" : "\"false\"");
		break;
	default:
		break;
	}
	xmlXPathFreeObject(res);
	buf_putc(out, ']');
}

static void
put_fields(const struct fields *fs, xmlXPathContextPtr ctx,
    size_t limit, struct buf *tmp, struct buf *out)
{
	buf_putc(out, '{');
	for (size_t i = 0; i < fs->n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		json_string(out, fs->v[i].name, strlen(fs->v[i].name));
		buf_putc(out, ':');
		put_field(&fs->v[i], ctx, limit, tmp, out);
	}
	buf_putc(out, '}');
}

void
extractor_run(const struct extractor *x, const char *body, size_t len,
    const char *content_type, const char *final_url, struct buf *out)
{
	enum media media = media_kind(content_type);
	struct buf tmp = BUF_INIT;
	xmlXPathContextPtr ctx = NULL;
	xmlDocPtr doc;
	size_t limit = 8 * len + (1 << 20);

	if (body == NULL || len == 0 || media == MEDIA_OTHER) {
		if (x->title)
			buf_puts(out, ",\"title\":null");
		if (x->links)
			buf_puts(out, ",\"links\":null");
		if (x->select.n > 0)
			buf_puts(out, ",\"select\":null");
		if (x->xpath.n > 0)
			buf_puts(out, ",\"xpath\":null");
		return;
	}
	doc = parse_html(body, len, content_type, media);
	if (x->title) {
		buf_puts(out, ",\"title\":");
		put_title(doc, &tmp, out);
	}
	if (x->links) {
		buf_puts(out, ",\"links\":");
		put_links(doc, final_url, &tmp, out);
	}
	if (x->select.n > 0 || x->xpath.n > 0) {
		ctx = xcheck(xmlXPathNewContext(doc));
		ctx->error = xpath_error_cb;
		ctx->opLimit = XPATH_OP_LIMIT;
	}
	if (x->select.n > 0) {
		buf_puts(out, ",\"select\":");
		put_fields(&x->select, ctx, limit, &tmp, out);
	}
	if (x->xpath.n > 0) {
		buf_puts(out, ",\"xpath\":");
		put_fields(&x->xpath, ctx, limit, &tmp, out);
	}
	if (ctx != NULL)
		xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	buf_free(&tmp);
}

/* ---- set-up ------------------------------------------------------------ */

struct extractor *
extractor_new(bool title, bool links)
{
	struct extractor *x = xcalloc(1, sizeof *x);

	xmlInitParser();
	/* Process-wide, and the one libxml2 setting that could reach the
	 * network or the disk; the HTML parser has no reason to call it. */
	xmlSetExternalEntityLoader(no_entity_loader);
	xmlSetGenericErrorFunc(NULL, generic_error_cb);
	xmlThrDefSetGenericErrorFunc(NULL, generic_error_cb);
	x->title = title;
	x->links = links;
	return x;
}

/* What an XPath error code (of libxml2's XML_XPATH_* range) means. */
static const char *
xpath_error_text(int code)
{
	switch (code - XML_XPATH_EXPRESSION_OK + XPATH_EXPRESSION_OK) {
	case XPATH_NUMBER_ERROR:
		return "bad number";
	case XPATH_UNFINISHED_LITERAL_ERROR:
		return "unfinished literal";
	case XPATH_START_LITERAL_ERROR:
		return "expected a literal";
	case XPATH_VARIABLE_REF_ERROR:
		return "bad variable reference";
	case XPATH_UNDEF_VARIABLE_ERROR:
		return "undefined variable";
	case XPATH_INVALID_PREDICATE_ERROR:
		return "invalid predicate";
	case XPATH_INVALID_TYPE:
		return "wrong type of argument";
	case XPATH_INVALID_ARITY:
		return "wrong number of arguments";
	case XPATH_UNKNOWN_FUNC_ERROR:
		return "unknown function";
	case XPATH_UNCLOSED_ERROR:
		return "unclosed bracket";
	case XPATH_INVALID_OPERAND:
		return "invalid operand";
	case XPATH_INVALID_CHAR_ERROR:
		return "invalid character";
	case XPATH_UNDEF_PREFIX_ERROR:
		return "undefined namespace prefix";
	default:
		return "invalid expression";
	}
}

bool
extractor_add(struct extractor *x, enum extract_kind kind, const char *name,
    const char *xpath, const char *attr, char *err, size_t errlen)
{
	struct fields *fs = kind == EXTRACT_SELECT ? &x->select : &x->xpath;
	xmlDocPtr doc = xcheck(htmlNewDocNoDtD(NULL, NULL));
	xmlXPathContextPtr ctx = xcheck(xmlXPathNewContext(doc));
	xmlXPathCompExprPtr comp;
	xmlXPathObjectPtr res = NULL;
	struct field *f;
	bool ok = false;

	int code = 0;

	ctx->error = xpath_error_cb;
	ctx->userData = &code;
	for (size_t i = 0; i < fs->n; i++) {
		if (strcmp(fs->v[i].name, name) == 0) {
			snprintf(err, errlen, "name \"%s\" used twice", name);
			goto out;
		}
	}
	if ((comp = xmlXPathCtxtCompile(ctx, (const xmlChar *)xpath)) ==
	    NULL) {
		snprintf(err, errlen, "invalid XPath: %s",
		    xpath_error_text(code));
		goto out;
	}
	/* Unknown functions and variables are only found when run. */
	ctx->node = (xmlNodePtr)doc;
	if ((res = xmlXPathCompiledEval(comp, ctx)) == NULL) {
		snprintf(err, errlen, "invalid XPath: %s",
		    xpath_error_text(code));
		xmlXPathFreeCompExpr(comp);
		goto out;
	}
	fs->v = xrealloc(fs->v, (fs->n + 1) * sizeof *fs->v);
	f = &fs->v[fs->n++];
	f->name = xstrdup(name);
	f->attr = NULL;
	if (attr != NULL) {
		/* HTML attribute names are ASCII case-insensitive; the
		 * parser gives them in lower case. */
		f->attr = xstrdup(attr);
		for (char *c = f->attr; *c != '\0'; c++)
			*c = (char)lower((unsigned char)*c);
	}
	f->comp = comp;
	ok = true;
out:
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return ok;
}

static void
fields_free(struct fields *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		free(fs->v[i].attr);
		xmlXPathFreeCompExpr(fs->v[i].comp);
	}
	free(fs->v);
}

void
extractor_free(struct extractor *x)
{
	if (x == NULL)
		return;
	fields_free(&x->select);
	fields_free(&x->xpath);
	free(x);
}
