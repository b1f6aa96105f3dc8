/* Counters and the list of failures, for the summary on standard error
 * and the --report document.  The failure list is spilled to a temporary
 * file, so memory stays flat however many URLs fail. */
#ifndef SCRAPE_SUMMARY_H
#define SCRAPE_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "result.h"

struct summary;

struct summary_counts {
	uint64_t total;
	uint64_t ok;
	uint64_t failed;
	uint64_t retries;                 /* attempts beyond the first */
	uint64_t by_kind[ERR_KIND_COUNT];
};

struct summary *summary_new(void);
void summary_free(struct summary *s);

/* Count one final result; a failure is kept for the reports. */
void summary_add(struct summary *s, const struct result *r);
const struct summary_counts *summary_counts(const struct summary *s);

/* With host options on, the report has a "hosts" array (empty or not). */
void summary_track_hosts(struct summary *s);
/* What the host policy did to one host: its circuit opened times_opened
 * times and circuit_urls URLs got circuit_open; --adaptive lowered its
 * limit to lowest_limit (0: never).  Notes for one host add up. */
void summary_note_host(struct summary *s, const char *host,
    long times_opened, long circuit_urls, long lowest_limit);

/* Add the counts, failures and host notes of srcs[0..n) to dst's
 * (--jobs: each loop has a summary of its own); the failures in the order
 * they finished, across all of them. */
void summary_merge(struct summary *dst, struct summary **srcs, size_t n);
/* The human summary: one line per failed URL, then one per host the
 * host policy acted on, then the totals line.
 * URLs and messages have control characters and bad UTF-8 escaped. */
void summary_print(struct summary *s, FILE *out, double elapsed_s);
/* The totals line alone, without its newline. */
void summary_totals_line(const struct summary *s, double elapsed_s,
    char *line, size_t len);
/* The --report JSON document.  False when writing failed (errno set). */
bool summary_write_report(struct summary *s, FILE *out, double elapsed_s);

#endif
