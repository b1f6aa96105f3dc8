/* The scheduler: reads URLs while transfer slots are free, starts them,
 * decides done / retry / fail as each attempt ends, writes each result
 * the moment it is final, and ends the run when nothing is left. */
#ifndef SCRAPE_SCHED_H
#define SCRAPE_SCHED_H

#include <stdbool.h>

#include <event2/event.h>

#include "cli.h"
#include "input.h"
#include "output.h"
#include "progress.h"
#include "resume.h"
#include "summary.h"

struct sched;

enum sched_outcome {
	SCHED_RUNNING,
	SCHED_DONE,            /* every URL has its line */
	SCHED_INTERRUPTED,     /* a signal: every URL read has its line */
	SCHED_OUTPUT_CLOSED,   /* the reader of our output went away */
	SCHED_OUTPUT_FAILED,   /* writing the output failed */
	SCHED_FATAL            /* libcurl or libevent broke down */
};

struct fields;

/* The scheduler borrows everything it is given; they must outlive it.
 * resume (may be NULL) names URLs to skip, already done; fields (may be
 * NULL) the fields to add to every line; input is NULL when the lines
 * come from a feed (sched_share). */
struct sched *sched_new(struct event_base *base, const struct options *opts,
    struct input *input, struct output *output, struct summary *summary,
    const struct resume *resume, struct fields *fields);
void sched_free(struct sched *s);

struct feed;
struct slots;

/* With --jobs, before sched_start: the lines come from feed, already
 * parsed, and the slots from the pool all njobs loops share, as user
 * job. */
void sched_share(struct sched *s, struct feed *feed, struct slots *slots,
    unsigned job, unsigned njobs);
/* Lines may have come into the feed, or slots come free: go on. */
void sched_poke(struct sched *s);
/* The run has failed elsewhere (another loop's output): end now, with
 * nothing more written, as when the output is closed. */
void sched_abandon(struct sched *s);

/* Start reading and fetching; the run then goes on in the event loop. */
void sched_start(struct sched *s);
/* Cancel everything: transfers in flight, retries pending and lines
 * already read all get their result line (kind "cancelled"). */
void sched_interrupt(struct sched *s, int signo);

/* Write out lines still queued; the loop may have stopped before its
 * end-of-turn write. */
void sched_flush(struct sched *s);

/* The run is over: what the host policy did goes to the summary (when
 * nothing is left in flight). */
void sched_settle(struct sched *s);

enum sched_outcome sched_outcome(const struct sched *s);
int sched_signal(const struct sched *s);
/* A message for SCHED_OUTPUT_FAILED and SCHED_FATAL. */
const char *sched_error(const struct sched *s);
/* Whether some input file failed to read part way. */
bool sched_input_failed(const struct sched *s);

/* For the progress line. */
void sched_sample(void *arg, struct progress_counts *c);

#endif
