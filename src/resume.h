/* --resume FILE: which URLs a previous run already finished, read from
 * its JSON Lines output, so that a killed run can be started again and
 * end with exactly one final line per URL. */
#ifndef SCRAPE_RESUME_H
#define SCRAPE_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct resume;

struct resume *resume_new(void);
void resume_free(struct resume *r);

/* Take one complete line of a previous run's output (without its '\n').
 * A line that is a result with a final outcome (any error kind but
 * "cancelled") marks its URL done; anything else is ignored.  Returns
 * whether the line was a result line at all. */
bool resume_add_line(struct resume *r, const char *line, size_t len);

/* Read a whole output file: every complete line through
 * resume_add_line, and a torn last line (no newline: the previous run was
 * killed mid-write) cut off the file.  A missing file is an empty one.
 * False on an error, with the reason in err. */
bool resume_load(struct resume *r, const char *path, char *err,
    size_t errlen);

/* Whether the input line (trimmed, any bytes) has a final line already. */
bool resume_done(const struct resume *r, const char *url, size_t len);

/* How many distinct URLs are done. */
size_t resume_count(const struct resume *r);

#endif
