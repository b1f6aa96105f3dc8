/* Where result lines go: standard output or -o FILE, one write per line
 * so that a line is never interleaved or left half-written by scrape. */
#ifndef SCRAPE_OUTPUT_H
#define SCRAPE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

struct output;

enum output_status {
	OUTPUT_OK,
	OUTPUT_CLOSED,   /* the reader went away (EPIPE): stop quietly */
	OUTPUT_FAILED    /* any other error: output_error says which */
};

/* path NULL or "-": standard output; else the file, emptied first unless
 * append.  NULL on failure, reason in err. */
struct output *output_open(const char *path, bool append, char *err,
    size_t errlen);
enum output_status output_write(struct output *out, const char *data,
    size_t len);
const char *output_error(const struct output *out);
void output_close(struct output *out);

#endif
