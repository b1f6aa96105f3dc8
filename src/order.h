/* The reorder window of --ordered, pure: result lines come in as their
 * URLs finish, tagged with the URL's place in the input, and go out in
 * input order.  A line that finishes early is held until every line
 * before it is out.  The caller bounds the window: it stops reading
 * while order_pending says that many lines are read and not yet out, so
 * a slow URL stalls new starts rather than growing memory. */
#ifndef SCRAPE_ORDER_H
#define SCRAPE_ORDER_H

#include <stddef.h>
#include <stdint.h>

struct order;

struct order *order_new(void);
/* Frees lines still held. */
void order_free(struct order *o);

/* The next place in input order, for a line just read. */
uint64_t order_take_seq(struct order *o);
/* The line (copied) of the URL read at place seq is made. */
void order_put(struct order *o, uint64_t seq, const char *line, size_t len);
/* The next line in input order, if it is made; NULL otherwise.  The
 * line stays valid until the next call into o. */
const char *order_next(struct order *o, size_t *len);
/* Lines read (places taken) and not yet handed out by order_next. */
uint64_t order_pending(const struct order *o);
/* Hand out every held line, in input order, skipping the places whose
 * lines are not made (a signal: they will come later, as made);
 * afterwards order_put's lines go straight out through order_next. */
const char *order_flush(struct order *o, size_t *len);

#endif
