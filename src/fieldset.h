/* The fields themselves, built into the module scrape-fields.so that
 * fields.c loads only when a field option is given: libxml2 (and the ICU
 * and C++ runtime it brings) and PCRE2 then cost a run without field
 * options nothing, not even the pages they would map at start-up.  The
 * functions do what fields.h says of the same names. */
#ifndef SCRAPE_FIELDSET_H
#define SCRAPE_FIELDSET_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cli.h"
#include "fields.h"

struct fieldset;

bool fieldset_open(const struct options *opts, struct fieldset **out,
    char *err, size_t errlen);
void fieldset_free(struct fieldset *f);
bool fieldset_want_body(const struct fieldset *f);
bool fieldset_want_hash(const struct fieldset *f);
bool fieldset_make(struct fieldset *f, const struct fields_input *in,
    struct buf *out, char *err, size_t errlen);

/* Bumped whenever struct options, struct fields_input or these calls
 * change, so that a binary never runs with a module built for another. */
#define FIELDS_MODULE_VERSION 2

/* The module's one exported symbol. */
struct fields_module {
	int version;
	bool (*open)(const struct options *, struct fieldset **, char *,
	    size_t);
	void (*free)(struct fieldset *);
	bool (*want_body)(const struct fieldset *);
	bool (*want_hash)(const struct fieldset *);
	bool (*make)(struct fieldset *, const struct fields_input *,
	    struct buf *, char *, size_t);
};

extern const struct fields_module scrape_fields_module;

#endif
