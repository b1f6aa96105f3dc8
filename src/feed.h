/* A bounded queue of input lines from one thread to another: with
 * --jobs, the main thread reads the input and deals each URL to the
 * event loop of its host (jobs.c); each loop takes its lines from its
 * feed as it would from the input (input.h), with the URL already
 * parsed.
 *
 * Neither side ever blocks.  A side that finds the feed full (the
 * producer) or empty (the consumer) is told "not now", and the other
 * side rings its bell (writes 1 to an eventfd the waiting side's event
 * loop watches) when that changes: the consumer's when a line or the end
 * arrives, the producer's when the feed is down to half full.  A side
 * that was not waiting is never rung, so a busy stream of lines costs a
 * lock and an unlock a line on each side and no system call. */
#ifndef SCRAPE_FEED_H
#define SCRAPE_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "input.h"

struct feed;

/* Room for capacity lines of max_bytes in all (but always for one); the
 * bells are eventfds (or pipes' write ends) the feed writes to and never
 * closes. */
struct feed *feed_new(size_t capacity, size_t max_bytes, int consumer_bell,
    int producer_bell);
/* Frees the lines still queued, parsed URLs and all. */
void feed_free(struct feed *f);

/* Producer: queue a copy of line, with parsed (the URL as url_parse
 * made it, or NULL), whose ownership passes to the feed.  False when the
 * feed is full and force is not set: nothing was queued, the caller
 * keeps parsed, and the producer's bell rings once there is room.
 * force queues beyond the capacity (lines already read when the run is
 * interrupted must all reach their loop). */
bool feed_put(struct feed *f, const struct input_line *line, CURLU *parsed,
    bool force);
/* Producer: no more lines.  The consumer gets EOF after the last. */
void feed_close(struct feed *f);

/* Either side: the bytes of the lines queued now. */
size_t feed_bytes(struct feed *f);

/* Consumer: the next line, INPUT_AGAIN (the consumer's bell rings when
 * that changes) or INPUT_EOF.  line->text stays valid until the next
 * call; *parsed (NULL or the URL) is the caller's to free. */
enum input_status feed_next(struct feed *f, struct input_line *line,
    CURLU **parsed);

#endif
