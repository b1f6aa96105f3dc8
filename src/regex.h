/* The named patterns of --regex NAME=PATTERN: Perl syntax through PCRE2,
 * compiled once at start-up (UTF-8 mode, Unicode properties for \w, \d,
 * \b and the POSIX classes, JIT where the machine has it), then run over
 * each body's text.
 *
 * A hostile body cannot make a pattern run for ever: each search for the
 * next match stops after REGEX_MATCH_LIMIT steps of backtracking, or
 * REGEX_HEAP_LIMIT KiB of backtracking memory.  A NAME whose search hits
 * a limit keeps the matches found before it.  The values of one NAME
 * never add up to more bytes than the text, which only a capture inside
 * a lookahead could otherwise make quadratic.
 *
 * One set may be run from several threads at once. */
#ifndef SCRAPE_REGEX_H
#define SCRAPE_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define REGEX_MATCH_LIMIT 10000000
#define REGEX_HEAP_LIMIT (64 * 1024)

struct regex_set;

struct regex_set *regex_set_new(void);
/* Compile spec, "NAME=PATTERN" split at its first '='.  False with one
 * line naming spec in err, for the caller to put the option in front
 * of, when the '=' is missing, NAME is empty or taken, or the pattern
 * does not compile (PCRE2's reason and the offset in the pattern).  \C
 * is refused: it could stop a match inside a UTF-8 sequence. */
bool regex_set_add(struct regex_set *r, const char *spec, char *err,
    size_t errlen);
size_t regex_set_count(const struct regex_set *r);
void regex_set_free(struct regex_set *r);
/* Append "regex":{"NAME":[...],...} to out, the NAMEs in the order they
 * were added, each with every non-overlapping match in text (len bytes
 * of UTF-8) from left to right: capture group 1 when the pattern has
 * groups (a match that leaves it unset gives nothing), else the whole
 * match.  An empty match is followed by a search one character on, as
 * Perl's //g does ("a*" over "baaa" gives "", "aaa", "").  Text that is
 * not valid UTF-8 gives every NAME an empty array. */
void regex_set_run(const struct regex_set *r, const char *text, size_t len,
    struct buf *out);

#endif
