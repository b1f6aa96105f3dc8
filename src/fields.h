/* The fields --title, --links, --select, --xpath, --regex, --hash and
 * --store add to every result line: compiled once at start-up from the
 * options (a bad selector, expression or pattern, or a DIR that cannot be
 * used, is a usage error then, before anything is fetched), then made
 * from each final response.  The work is done in a module loaded only
 * when some field option is given (fieldset.h says why); this file loads
 * it and hands each call on. */
#ifndef SCRAPE_FIELDS_H
#define SCRAPE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"

struct fields;

/* The fields opts asks for; *out NULL when it asks for none (and then
 * nothing is loaded).  False with a one-line reason in err, naming the
 * option and the bad text, or saying the module cannot be loaded. */
bool fields_open(const struct options *opts, struct fields **out, char *err,
    size_t errlen);
void fields_free(struct fields *f);

/* What the fields need of each transfer: its body kept (up to
 * --max-size), its SHA-256 computed as the body arrives. */
bool fields_want_body(const struct fields *f);
bool fields_want_hash(const struct fields *f);

/* One final response.  complete: the transfer ended with a whole
 * response (ok or an HTTP status), so its body can be read. */
struct fields_input {
	bool complete;
	uint64_t bytes;             /* body bytes received */
	const char *body;           /* kept, when fields_want_body */
	size_t len;
	const char *content_type;   /* NULL: none */
	const char *final_url;
	const char *sha256;         /* hex of the body, with --hash/--store */
};

/* Append the fields (",\"title\":..." and so on) to out.  False, with a
 * one-line reason naming DIR in err, when --store could not write the
 * body: a fatal output error. */
bool fields_make(struct fields *f, const struct fields_input *in,
    struct buf *out, char *err, size_t errlen);

#endif
