/* robots.txt by origin, pure: for each origin (scheme, host, port) seen
 * under --robots, whether its robots.txt is still to be fetched, being
 * fetched or known, its rules once known, and the URLs waiting for them
 * in arrival order.  An origin's rules are kept for the whole run, so
 * robots.txt is fetched once per origin however its URLs are spread
 * over the list. */
#ifndef SCRAPE_ORIGINS_H
#define SCRAPE_ORIGINS_H

#include <stddef.h>

#include "robots.h"

enum origin_state {
	ORIGIN_NEW,        /* nobody has asked for its robots.txt yet */
	ORIGIN_FETCHING,   /* asked; its URLs wait */
	ORIGIN_KNOWN       /* the rules are in */
};

struct origins;
struct origin;

struct origins *origins_new(void);
/* Frees every origin and its rules; waiting items are the caller's to
 * take out first (origins_drain). */
void origins_free(struct origins *o);

/* The origin for key (e.g. "https://example.com:443"), created on first
 * sight in ORIGIN_NEW. */
struct origin *origins_get(struct origins *o, const char *key);
const char *origin_key(const struct origin *g);
enum origin_state origin_state(const struct origin *g);
void origin_set_fetching(struct origin *g);
/* The fetch ended without an answer: ORIGIN_NEW again. */
void origin_reset(struct origin *g);
/* The rules are in (the origin takes rules): ORIGIN_KNOWN. */
void origin_set_rules(struct origin *g, struct robots *rules);
/* The rules, once known; NULL before. */
const struct robots *origin_rules(const struct origin *g);

/* Hold item until the rules are in. */
void origin_wait(struct origins *o, struct origin *g, void *item);
/* Take g's waiting items back, oldest first, one a call; NULL when none. */
void *origin_release(struct origins *o, struct origin *g);
/* Items waiting at all origins. */
size_t origins_waiting(const struct origins *o);
/* Take any waiting item back (to cancel everything); NULL when none. */
void *origins_drain(struct origins *o);

#endif
