/* One URL's outcome and its JSON line: the output format in one place. */
#ifndef SCRAPE_RESULT_H
#define SCRAPE_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errkind.h"

struct result {
	const char *url;           /* the trimmed input line, any bytes */
	size_t url_len;
	long status;               /* 0: no response */
	long attempts;
	double elapsed_ms;
	uint64_t bytes;
	const char *final_url;     /* NULL: none */
	const char *content_type;  /* NULL: none */
	enum errkind kind;         /* ERR_NONE: ok */
	const char *message;       /* with kind */
	bool with_body;            /* --body: write "body" */
	const char *body;
	size_t body_len;
	const char *fields;        /* more members, ",\"title\":..."; NULL: none */
	size_t fields_len;
};

/* Append r as one JSON object and a newline. */
void result_format(struct buf *out, const struct result *r);

#endif
