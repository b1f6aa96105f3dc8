/* The URL list, streamed: each FILE in turn ('-' is standard input), read
 * in chunks and cut into judged lines on demand, so memory never depends
 * on the list's length.  Pipes and terminals are read only when libevent
 * says they are readable: a slow producer never stalls transfers. */
#ifndef SCRAPE_INPUT_H
#define SCRAPE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "line.h"

struct input;

enum input_status {
	INPUT_LINE,    /* a line that is not blank or a comment */
	INPUT_AGAIN,   /* nothing buffered: wait for the ready callback */
	INPUT_EOF,     /* every file is done */
	INPUT_ERROR    /* a file failed to read; input_error says how.  The
	                * next call goes on with the next file. */
};

struct input_line {
	enum line_verdict verdict;
	const char *text;      /* valid until the next input_next */
	size_t len;
	size_t total;          /* full trimmed length (see line_finish) */
};

typedef void (*input_ready_fn)(void *arg);

/* Open every path up front (none: standard input), so that a missing
 * file is a usage error before anything is fetched.  NULL on failure,
 * with the reason in err. */
struct input *input_open(struct event_base *base, char *const *paths,
    size_t npaths, char *err, size_t errlen);
/* Who to tell when a source that had nothing buffered becomes readable. */
void input_set_ready(struct input *in, input_ready_fn ready, void *arg);
void input_free(struct input *in);

enum input_status input_next(struct input *in, struct input_line *line);
const char *input_error(const struct input *in);

/* How far the reading is, for the progress line: *taken gets the bytes
 * cut into lines so far (comments and blank lines included).  When every
 * source is a regular file, *total gets their size, as fstat gave it at
 * open, and the result is true; with a pipe, a terminal or a socket
 * among them there is no total, and the result is false. */
bool input_progress(const struct input *in, uint64_t *taken,
    uint64_t *total);

/* From now on hand out only complete lines already read, then EOF: used
 * when the run is interrupted, so that nothing read is lost silently. */
void input_stop_reading(struct input *in);

#endif
