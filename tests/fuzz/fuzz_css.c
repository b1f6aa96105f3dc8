/* libFuzzer target: the CSS selector translator (src/css.c).
 *
 * Input: the selector (a NUL-terminated copy: an embedded NUL ends it).
 * What must hold whatever it is: on success, an XPath that libxml2
 * compiles and evaluates to elements only, brackets and parentheses
 * balanced outside its string literals, no bigger than a fixed multiple
 * of the selector, the same again for the same selector and for it with
 * white space around it, and an ::attr() name that is not empty; on
 * failure, one non-empty line of reason and no attribute. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "css.h"

#include "fuzz_util.h"

/* The most XPath one selector byte can become: a ".a" is some 80 bytes. */
#define GROWTH 64

static const char page[] =
    "<html><body><div id=a class='x y'><p>1<p class=x>2<span>3</span>"
    "<ul><li>a<li id=b>b<li>c</ul></div><a href=/x title=\"it's\">l</a>";

static void
ignore_error(void *ctx, const char *fmt, ...)
{
}

/* Parentheses and brackets close in order outside '...' and "..."
 * (XPath literals have no escapes). */
static bool
balanced(const char *x)
{
	static char open[CSS_MAX_BYTES * GROWTH];
	size_t depth = 0;

	for (; *x != '\0'; x++) {
		if (*x == '\'' || *x == '"') {
			const char *end = strchr(x + 1, *x);

			if (end == NULL)
				return false;
			x = end;
		} else if (*x == '(' || *x == '[') {
			open[depth++] = *x;
		} else if (*x == ')' || *x == ']') {
			if (depth == 0 || open[--depth] != (*x == ')' ? '(' :
			    '['))
				return false;
		}
	}
	return depth == 0;
}

/* Evaluate x on a small page: a node-set of elements. */
static void
check_eval(htmlDocPtr doc, const char *x)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;

	CHECK(ctx != NULL);
	ctx->node = (xmlNodePtr)doc;
	res = xmlXPathEvalExpression((const xmlChar *)x, ctx);
	CHECK(res != NULL && res->type == XPATH_NODESET);
	for (int i = 0; res->nodesetval != NULL &&
	    i < res->nodesetval->nodeNr; i++)
		CHECK(res->nodesetval->nodeTab[i]->type == XML_ELEMENT_NODE);
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static htmlDocPtr doc;
	char *sel = fz_dup0(data, size), *x, *x2, *attr, *attr2, *padded;
	char err[256];
	size_t n = strlen(sel);
	xmlXPathCompExprPtr comp;

	if (doc == NULL) {
		xmlSetGenericErrorFunc(NULL, ignore_error);
		doc = htmlReadMemory(page, (int)strlen(page), "page", "UTF-8",
		    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
		    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
		CHECK(doc != NULL);
	}

	memset(err, 'x', sizeof err);
	x = css_to_xpath(sel, &attr, err, sizeof err);
	if (x == NULL) {
		CHECK(attr == NULL);
		CHECK(memchr(err, '\0', sizeof err) != NULL);
		CHECK(err[0] != '\0');
		CHECK(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL);
		free(sel);
		return 0;
	}

	CHECK(n <= CSS_MAX_BYTES);
	CHECK(strlen(x) <= GROWTH * n + GROWTH);
	CHECK(balanced(x));
	CHECK(attr == NULL || attr[0] != '\0');
	comp = xmlXPathCompile((const xmlChar *)x);
	CHECK(comp != NULL);
	xmlXPathFreeCompExpr(comp);
	check_eval(doc, x);

	x2 = css_to_xpath(sel, &attr2, err, sizeof err);
	CHECK(x2 != NULL && strcmp(x, x2) == 0);
	CHECK((attr == NULL) == (attr2 == NULL));
	CHECK(attr == NULL || strcmp(attr, attr2) == 0);
	free(x2);
	free(attr2);

	/* White space around a selector means nothing. */
	if (n + 2 <= CSS_MAX_BYTES) {
		padded = malloc(n + 3);
		CHECK(padded != NULL);
		padded[0] = ' ';
		memcpy(padded + 1, sel, n);
		memcpy(padded + 1 + n, "\t", 2);
		x2 = css_to_xpath(padded, &attr2, err, sizeof err);
		CHECK(x2 != NULL && strcmp(x, x2) == 0);
		free(x2);
		free(attr2);
		free(padded);
	}

	free(attr);
	free(x);
	free(sel);
	return 0;
}
