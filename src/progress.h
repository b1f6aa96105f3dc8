/* The progress line on standard error.  On a terminal it is redrawn in
 * place four times a second, cut to the terminal's width, and erased when
 * the run ends, before anything else is written there; elsewhere (a file,
 * a pipe) it is a plain line every second, with no control sequences.
 *
 * When the input's size is known (every FILE a regular file) it shows the
 * share of input bytes read and an ETA: the bytes left, at the rate bytes
 * were read over the last five seconds.  URLs/s is over the same five
 * seconds. */
#ifndef SCRAPE_PROGRESS_H
#define SCRAPE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>

#include "errkind.h"

struct progress_counts {
	uint64_t done;
	uint64_t failed;
	uint64_t by_kind[ERR_KIND_COUNT];   /* failures, by kind */
	uint64_t in_flight;
	uint64_t waiting;    /* waiting for a retry */
	uint64_t queued;     /* read, held until their host has room */
	bool hosts;          /* a host option is on: the three below count */
	uint64_t hosts_waiting;  /* hosts with URLs held, paced or at a limit */
	uint64_t hosts_open;     /* hosts whose circuit is open */
	bool sized;          /* the input's size is known */
	uint64_t taken;      /* input bytes read into lines */
	uint64_t size;       /* the input's size, when sized */
};

typedef void (*progress_sample_fn)(void *arg, struct progress_counts *c);

struct progress;

/* Start drawing on out; sample fills in the figures each time. */
struct progress *progress_new(struct event_base *base, FILE *out,
    progress_sample_fn sample, void *arg);
/* Erase the line and stop; safe with NULL. */
void progress_free(struct progress *p);

#endif
