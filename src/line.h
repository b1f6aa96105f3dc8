/* One input line at a time: trimming, comments, the length cap and the
 * byte checks that decide whether a line can be a URL at all.  Pure: the
 * caller feeds the bytes, from whatever source. */
#ifndef SCRAPE_LINE_H
#define SCRAPE_LINE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest trimmed line accepted as a URL, in bytes. */
#define LINE_MAX_BYTES 8192

enum line_verdict {
	LINE_URL,         /* a candidate URL: check it with url_check */
	LINE_SKIP,        /* blank or a '#' comment */
	LINE_TOO_LONG,    /* trimmed length over LINE_MAX_BYTES */
	LINE_CONTROL,     /* holds a control byte (tab, NUL, DEL, ...) */
	LINE_BAD_UTF8     /* holds bytes that are not UTF-8 */
};

struct line;

struct line *line_new(void);
void line_free(struct line *l);

/* The next bytes appended start a new source (a FILE or standard
 * input): a UTF-8 byte-order mark at its very start is dropped. */
void line_new_source(struct line *l);
/* Add bytes of the current line; p holds no newline. */
void line_append(struct line *l, const char *p, size_t n);
/* Whether bytes were appended since the last line_finish. */
bool line_pending(const struct line *l);
/* End the current line and judge it.  *text and *len give the trimmed
 * line (for LINE_TOO_LONG its first LINE_MAX_BYTES bytes), valid until
 * the next line_append; *total is the trimmed length in full. */
enum line_verdict line_finish(struct line *l, const char **text,
    size_t *len, size_t *total);

/* A one-line reason for a verdict other than LINE_URL and LINE_SKIP. */
const char *line_verdict_message(enum line_verdict v);

#endif
