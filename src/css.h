/* CSS selectors for --select, pure: a selector (group) translated once
 * into one XPath 1.0 expression, as cssselect's translator does for
 * parsel and Scrapy, which libxml2 then evaluates on every page.
 *
 * The forms SPEC.md lists, and only those: type selectors and `*`,
 * `#id`, `.class`, `[a]`, `[a=v]`, `[a~=v]`, `[a^=v]`, `[a$=v]`, `[a*=v]`
 * (v an identifier or a quoted string), the combinators descendant,
 * `>`, `+` and `~`, groups with `,`, `:first-child`, `:last-child`,
 * `:nth-child(An+B)` (with `odd` and `even`) and `:not()` of one of those
 * simple selectors; CSS escapes in identifiers and strings.  Element and
 * attribute names are matched lower-cased, as libxml2's HTML parser
 * stores them; class and attribute values are case-sensitive. */
#ifndef SCRAPE_CSS_H
#define SCRAPE_CSS_H

#include <stddef.h>

/* The longest selector accepted, in bytes: the XPath is a bounded
 * multiple of it, and :not() cannot nest, so hostile input costs little. */
#define CSS_MAX_BYTES 4096

/* Translate a CSS selector (group) into one XPath 1.0 expression selecting
 * the matching elements in document order, as cssselect's GenericTranslator
 * does for HTML (element names matched lower-case as libxml2's HTML parser
 * gives them).  A selector ending in ::attr(A) selects elements having
 * attribute A; *attr gets "A" (malloc'd), else NULL; in a group, every
 * selector must end in the same ::attr(A) or none does.  Returns the
 * malloc'd XPath, or NULL with a one-line reason in err naming the bad
 * part. */
char *css_to_xpath(const char *selector, char **attr, char *err,
    size_t errlen);

#endif
