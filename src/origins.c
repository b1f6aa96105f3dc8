#include "origins.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct waiter {
	void *item;
	struct waiter *next;
};

struct origin {
	char *key;
	enum origin_state state;
	struct robots *rules;
	struct waiter *head, *tail;   /* waiting for the rules */
	struct origin *chain;         /* next in the same bucket */
	struct origin *busy_next;     /* on the list of origins with waiters */
	struct origin **busy_prev;
};

struct origins {
	struct origin **buckets;
	size_t nbuckets;              /* a power of two */
	size_t count;
	size_t waiting;
	struct origin *busy;          /* origins with waiting items */
};

static uint64_t
origins_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct origins *
origins_new(void)
{
	struct origins *o = xcalloc(1, sizeof *o);

	o->nbuckets = 64;
	o->buckets = xcalloc(o->nbuckets, sizeof *o->buckets);
	return o;
}

void
origins_free(struct origins *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < o->nbuckets; i++) {
		struct origin *g, *next;

		for (g = o->buckets[i]; g != NULL; g = next) {
			next = g->chain;
			while (g->head != NULL) {
				struct waiter *w = g->head;

				g->head = w->next;
				free(w);
			}
			robots_free(g->rules);
			free(g->key);
			free(g);
		}
	}
	free(o->buckets);
	free(o);
}

/* Chains stay short: the table doubles when it holds as many origins as
 * it has buckets. */
static void
origins_grow(struct origins *o)
{
	size_t n = o->nbuckets * 2;
	struct origin **b = xcalloc(n, sizeof *b);

	for (size_t i = 0; i < o->nbuckets; i++) {
		struct origin *g, *next;

		for (g = o->buckets[i]; g != NULL; g = next) {
			size_t j = origins_hash(g->key) & (n - 1);

			next = g->chain;
			g->chain = b[j];
			b[j] = g;
		}
	}
	free(o->buckets);
	o->buckets = b;
	o->nbuckets = n;
}

struct origin *
origins_get(struct origins *o, const char *key)
{
	size_t i = origins_hash(key) & (o->nbuckets - 1);
	struct origin *g;

	for (g = o->buckets[i]; g != NULL; g = g->chain)
		if (strcmp(g->key, key) == 0)
			return g;
	if (o->count >= o->nbuckets) {
		origins_grow(o);
		i = origins_hash(key) & (o->nbuckets - 1);
	}
	g = xcalloc(1, sizeof *g);
	g->key = xstrdup(key);
	g->state = ORIGIN_NEW;
	g->chain = o->buckets[i];
	o->buckets[i] = g;
	o->count++;
	return g;
}

const char *
origin_key(const struct origin *g)
{
	return g->key;
}

enum origin_state
origin_state(const struct origin *g)
{
	return g->state;
}

void
origin_set_fetching(struct origin *g)
{
	g->state = ORIGIN_FETCHING;
}

void
origin_reset(struct origin *g)
{
	g->state = ORIGIN_NEW;
}

void
origin_set_rules(struct origin *g, struct robots *rules)
{
	robots_free(g->rules);
	g->rules = rules;
	g->state = ORIGIN_KNOWN;
}

const struct robots *
origin_rules(const struct origin *g)
{
	return g->rules;
}

void
origin_wait(struct origins *o, struct origin *g, void *item)
{
	struct waiter *w = xmalloc(sizeof *w);

	w->item = item;
	w->next = NULL;
	if (g->tail != NULL) {
		g->tail->next = w;
	} else {
		g->head = w;
		/* First waiter: onto the busy list, for origins_drain. */
		g->busy_next = o->busy;
		if (o->busy != NULL)
			o->busy->busy_prev = &g->busy_next;
		g->busy_prev = &o->busy;
		o->busy = g;
	}
	g->tail = w;
	o->waiting++;
}

void *
origin_release(struct origins *o, struct origin *g)
{
	struct waiter *w = g->head;
	void *item;

	if (w == NULL)
		return NULL;
	g->head = w->next;
	if (g->head == NULL) {
		g->tail = NULL;
		*g->busy_prev = g->busy_next;
		if (g->busy_next != NULL)
			g->busy_next->busy_prev = g->busy_prev;
		g->busy_next = NULL;
		g->busy_prev = NULL;
	}
	item = w->item;
	free(w);
	o->waiting--;
	return item;
}

size_t
origins_waiting(const struct origins *o)
{
	return o->waiting;
}

void *
origins_drain(struct origins *o)
{
	return o->busy != NULL ? origin_release(o, o->busy) : NULL;
}
