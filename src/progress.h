/* The progress line on a terminal: redrawn a few times a second on
 * standard error, cleared before anything else is written there. */
#ifndef SCRAPE_PROGRESS_H
#define SCRAPE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>

struct progress_counts {
	uint64_t done;
	uint64_t ok;
	uint64_t failed;
	uint64_t in_flight;
	uint64_t waiting;    /* waiting for a retry */
};

typedef void (*progress_sample_fn)(void *arg, struct progress_counts *c);

struct progress;

/* Start redrawing on out; sample fills in the figures each time. */
struct progress *progress_new(struct event_base *base, FILE *out,
    progress_sample_fn sample, void *arg);
/* Erase the line and stop; safe with NULL. */
void progress_free(struct progress *p);

#endif
