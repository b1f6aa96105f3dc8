/* Where result lines go: standard output or -o FILE.  Lines finished in
 * one turn of the event loop go out together in one write(2), at the end
 * of that turn: whole lines only, never held back while the loop sleeps,
 * and one system call for many URLs when many finish at once. */
#ifndef SCRAPE_OUTPUT_H
#define SCRAPE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

struct output;

enum output_status {
	OUTPUT_OK,
	OUTPUT_CLOSED,   /* the reader went away (EPIPE): stop quietly */
	OUTPUT_FAILED    /* any other error: output_error says which */
};

/* Told when a write made at the end of a loop turn failed. */
typedef void (*output_failed_fn)(void *arg, enum output_status status);

/* path NULL or "-": standard output; else the file, emptied first unless
 * append.  NULL on failure, reason in err. */
struct output *output_open(const char *path, bool append, char *err,
    size_t errlen);
/* Another output on parent's descriptor, for another thread's loop
 * (--jobs): each flush writes its lines whole, never mixed with
 * another's.  Close it before parent. */
struct output *output_share(struct output *parent);
/* Write at the end of each turn of base's loop, at the lowest of its
 * three priorities; without this every line is written at once. */
void output_defer(struct output *out, struct event_base *base,
    output_failed_fn failed, void *arg);
/* Queue one or more whole lines. */
void output_add(struct output *out, const char *data, size_t len);
/* Write what is queued now. */
enum output_status output_flush(struct output *out);
const char *output_error(const struct output *out);
void output_close(struct output *out);

#endif
