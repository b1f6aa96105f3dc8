/* -j, --jobs N: N event loops on N threads, each a whole scheduler of
 * its own (sched.h) with its own libcurl multi handles.  The main
 * thread reads the input and deals each URL to a loop by the hash of its
 * host key, the one --shard uses, so that every host lives in one loop
 * and the per-host limits hold; the loops share the -c slots (slots.h)
 * and the output, which takes whole lines from one loop at a time.
 * Signals reach the main thread, which passes them on; the summary is
 * the loops' summaries added up when they are over.
 *
 * The main thread's event loop runs the input, the signals and the
 * progress line; it returns once every loop is over. */
#ifndef SCRAPE_JOBS_H
#define SCRAPE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

#include "cli.h"
#include "input.h"
#include "output.h"
#include "progress.h"
#include "resume.h"
#include "sched.h"
#include "slots.h"
#include "summary.h"

struct fields;

struct jobs;

/* How many loops a run gets: --jobs as given, else the CPUs this process
 * may run on; never more than -c or than JOBS_MAX, and one with
 * --ordered or --rate, which order or pace every URL together. */
#define JOBS_MAX SLOTS_MAX_USERS
unsigned jobs_count(const struct options *opts);

/* Set up njobs (> 1) loops, borrowing the rest; the results go to output
 * and, once jobs_finish has run, the counts to summary.  fields (NULL:
 * none asked for) serves the first loop; the others make their own.
 * NULL, with a one-line reason in err, when a loop cannot be made. */
struct jobs *jobs_new(const struct options *opts, unsigned njobs,
    struct event_base *base, struct input *input, struct output *output,
    struct summary *summary, const struct resume *resume,
    struct fields *fields, char *err, size_t errlen);
/* Start the threads and the dealing; then run base's loop. */
void jobs_start(struct jobs *j);
/* SIGINT or SIGTERM: every line read is dealt, and every loop cancels
 * what it holds, each URL getting its line. */
void jobs_interrupt(struct jobs *j, int signo);
/* After base's loop returned: wait for the threads, add up the
 * summaries. */
void jobs_finish(struct jobs *j);
void jobs_free(struct jobs *j);

/* The run's outcome, as sched_outcome and friends say for one loop: the
 * first failure of any loop, else how they ended. */
enum sched_outcome jobs_outcome(const struct jobs *j);
int jobs_signal(const struct jobs *j);
const char *jobs_error(const struct jobs *j);
bool jobs_input_failed(const struct jobs *j);

/* For the progress line: every loop's figures added up. */
void jobs_sample(void *arg, struct progress_counts *c);

#endif
