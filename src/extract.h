/* HTML extraction, on a finished body: the title, the links and the
 * named --select and --xpath fields of one response, as JSON members.
 *
 * A body is HTML when its Content-Type is text/html or
 * application/xhtml+xml (XHTML goes through the same tag-soup parser, so
 * "//title" finds its title without namespaces).  It is decoded to UTF-8
 * before parsing, by the first of: a byte order mark, the Content-Type's
 * charset, the XML declaration's encoding (XHTML only), a <meta charset>
 * or <meta http-equiv=Content-Type content=...;charset=...> in the first
 * 1024 bytes, UTF-8.  A label that names no known encoding is passed
 * over; labels mean what they mean to browsers (ISO-8859-1 and US-ASCII
 * are windows-1252, Shift_JIS is windows-31j, GB2312 is GBK).  Bytes that
 * do not decode become U+FFFD.
 *
 * Parsing never fails, never touches the network or a file, and is
 * bounded: libxml2 stops nesting at 256 levels, a tag's attributes past
 * the 128th are dropped (libxml2 checks them for duplicates in quadratic
 * time), and the tree stops growing at 65536 + len/8 elements and
 * attributes (what follows is not parsed).  A field's array holds at most
 * 8 * len + 1 MiB of text; values past that are left out.  libxml2 must
 * be initialised by extractor_new before any other call. */
#ifndef SCRAPE_EXTRACT_H
#define SCRAPE_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum extract_kind {
	EXTRACT_SELECT,   /* a --select: XPath translated from CSS */
	EXTRACT_XPATH     /* an --xpath, as the user wrote it */
};

struct extractor;   /* the fields asked for, compiled once */

/* An extractor giving "title" and "links" as asked, and no select or
 * xpath field until one is added. */
struct extractor *extractor_new(bool title, bool links);

/*
 * Add field name to the "select" or "xpath" object.  xpath is compiled
 * once, here, and tried on an empty document so that an unknown function
 * or variable is caught now.  For EXTRACT_SELECT, attr names the
 * attribute of ::attr(A) (NULL: the element's text); for EXTRACT_XPATH it
 * must be NULL.  False, with a one-line reason in err, when the
 * expression does not compile or name is already used within its kind.
 */
bool extractor_add(struct extractor *x, enum extract_kind kind,
    const char *name, const char *xpath, const char *attr, char *err,
    size_t errlen);
void extractor_free(struct extractor *x);

/*
 * Append the members asked for, each with a leading comma, in the order
 * ,"title":... ,"links":[...] ,"select":{...} ,"xpath":{...}.  Each is
 * null when body is NULL or empty or content_type is not HTML (NULL
 * included); "select" and "xpath" appear only when a field was added.
 *
 * title: the first <title>'s text, white space collapsed and trimmed
 * ("" for an empty one); null when the page has none.
 * links: the href of each <a> and <area>, resolved against the first
 * <base href> (itself resolved against final_url, and used only when
 * that gives an http(s) URL) else final_url, with the fragment removed,
 * host lower-cased (IDN in ASCII) and a default port dropped; only
 * http(s), each once, in document order.
 * select: name -> each matching element's text (white space collapsed
 * and trimmed), or its attribute attr as written, skipping elements
 * without it; in document order.
 * xpath: name -> for a node-set, each node's string value, collapsed and
 * trimmed, in document order; for a string, number or boolean, a
 * one-element array of the XPath string() of it: ["3"], ["0.5"],
 * ["true"], the string as it is.  An expression that fails on this page,
 * or runs past 50 million XPath steps, gives [].
 */
void extractor_run(const struct extractor *x, const char *body, size_t len,
    const char *content_type, const char *final_url, struct buf *out);

/* Append the body as UTF-8 text (for --regex): HTML decoded as above,
 * with NUL as U+FFFD as the parser sees it; any other body as UTF-8 with
 * each byte that is not UTF-8 replaced by U+FFFD. */
void extract_text(const char *body, size_t len, const char *content_type,
    struct buf *out);

#endif
