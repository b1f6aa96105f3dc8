#include "order.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* A made line waiting for the ones before it. */
struct held {
	char *line;              /* NULL: not made yet */
	size_t len;
};

/* A line made after a flush, going straight out. */
struct straight {
	char *line;
	size_t len;
	struct straight *next;
};

struct order {
	uint64_t next_seq;       /* the next place to hand out */
	uint64_t out_seq;        /* the place whose line goes out next */
	struct held *ring;       /* places out_seq.. at index seq % cap */
	size_t cap;              /* a power of two */
	char *last;              /* the line order_next handed out last */
	bool flushed;            /* order_flush ran: no more holding */
	uint64_t flush_seq;      /* order_flush's pass over the held lines */
	struct straight *head, *tail;  /* made after the flush */
};

struct order *
order_new(void)
{
	struct order *o = xcalloc(1, sizeof *o);

	o->cap = 64;
	o->ring = xcalloc(o->cap, sizeof *o->ring);
	return o;
}

void
order_free(struct order *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < o->cap; i++)
		free(o->ring[i].line);
	while (o->head != NULL) {
		struct straight *n = o->head;

		o->head = n->next;
		free(n->line);
		free(n);
	}
	free(o->ring);
	free(o->last);
	free(o);
}

/* Make room for every place from out_seq to next_seq: the window grows
 * with what the caller lets be pending, never beyond. */
static void
order_grow(struct order *o)
{
	size_t cap = o->cap * 2;
	struct held *ring = xcalloc(cap, sizeof *ring);

	for (uint64_t s = o->out_seq; s < o->next_seq; s++)
		ring[s & (cap - 1)] = o->ring[s & (o->cap - 1)];
	free(o->ring);
	o->ring = ring;
	o->cap = cap;
}

uint64_t
order_take_seq(struct order *o)
{
	if (o->next_seq - o->out_seq >= o->cap)
		order_grow(o);
	return o->next_seq++;
}

void
order_put(struct order *o, uint64_t seq, const char *line, size_t len)
{
	struct held *h = &o->ring[seq & (o->cap - 1)];
	struct straight *n;

	if (!o->flushed) {
		h->line = xmemdup0(line, len);
		h->len = len;
		return;
	}
	n = xmalloc(sizeof *n);
	n->line = xmemdup0(line, len);
	n->len = len;
	n->next = NULL;
	if (o->tail != NULL)
		o->tail->next = n;
	else
		o->head = n;
	o->tail = n;
}

/* Hand out the held line of place seq, which is made. */
static const char *
order_hand_out(struct order *o, uint64_t seq, size_t *len)
{
	struct held *h = &o->ring[seq & (o->cap - 1)];

	free(o->last);
	o->last = h->line;
	*len = h->len;
	h->line = NULL;
	return o->last;
}

/* Past a flush: the lines held then, in place order, then the lines
 * made since, as made. */
static const char *
order_next_flushed(struct order *o, size_t *len)
{
	struct straight *n;

	for (; o->flush_seq < o->next_seq; o->flush_seq++)
		if (o->ring[o->flush_seq & (o->cap - 1)].line != NULL)
			return order_hand_out(o, o->flush_seq++, len);
	if ((n = o->head) == NULL)
		return NULL;
	o->head = n->next;
	if (o->head == NULL)
		o->tail = NULL;
	free(o->last);
	o->last = n->line;
	*len = n->len;
	free(n);
	return o->last;
}

const char *
order_next(struct order *o, size_t *len)
{
	if (o->flushed)
		return order_next_flushed(o, len);
	if (o->out_seq == o->next_seq ||
	    o->ring[o->out_seq & (o->cap - 1)].line == NULL)
		return NULL;
	return order_hand_out(o, o->out_seq++, len);
}

uint64_t
order_pending(const struct order *o)
{
	return o->next_seq - o->out_seq;
}

const char *
order_flush(struct order *o, size_t *len)
{
	if (!o->flushed) {
		o->flushed = true;
		o->flush_seq = o->out_seq;
	}
	return order_next(o, len);
}
