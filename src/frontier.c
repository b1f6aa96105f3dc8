#include "frontier.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* A queue that empties keeps a ring this small for its next item; a
 * larger one, left by a burst, goes back. */
#define RING_KEEP 16
#define TABLE_MIN 16

struct slot {
	void *item;
	uint64_t seq;           /* place in line, across all hosts */
};

/* A binary min-heap of hosts; each host knows its index in the one heap
 * it is in, so that it can leave or move in O(log H). */
struct heap {
	struct frontier_host **v;
	size_t len;
	size_t cap;
	bool (*before)(const struct frontier_host *,
	    const struct frontier_host *);
};

struct frontier_host {
	struct frontier_host *prev, *next;      /* all, first seen first */
	uint64_t hash;
	void *policy;

	struct slot *ring;      /* the queue: count slots from head, wrapping */
	size_t head;
	size_t count;
	size_t cap;             /* a power of two, or 0 */

	struct heap *heap;      /* ready, timed or NULL: neither */
	size_t heap_index;
	double wake;            /* in the timed heap: when it may start */
	char key[];
};

struct frontier {
	frontier_when_fn when;
	void *arg;
	uint64_t next_seq;
	size_t queued;          /* items */
	size_t busy;            /* hosts with items */

	/* Open addressing with linear probing; NULL is an empty slot.
	 * Deletion shifts back, so there are no tombstones. */
	struct frontier_host **table;
	size_t table_cap;       /* a power of two */
	size_t nhosts;
	struct frontier_host *first, *last;

	/* A host with items is in one of these, or in neither while its
	 * policy says INFINITY.  ready: it could start when last asked,
	 * ordered by its head's place in line; timed: ordered by the time
	 * it may start, and moved to ready once that has come. */
	struct heap ready;
	struct heap timed;
};

static uint64_t
head_seq(const struct frontier_host *h)
{
	return h->ring[h->head].seq;
}

static bool
ready_before(const struct frontier_host *a, const struct frontier_host *b)
{
	return head_seq(a) < head_seq(b);
}

static bool
timed_before(const struct frontier_host *a, const struct frontier_host *b)
{
	return a->wake < b->wake;
}

static void
heap_set(struct heap *hp, size_t i, struct frontier_host *h)
{
	hp->v[i] = h;
	h->heap_index = i;
}

static void
heap_up(struct heap *hp, size_t i)
{
	struct frontier_host *h = hp->v[i];

	while (i > 0 && hp->before(h, hp->v[(i - 1) / 2])) {
		heap_set(hp, i, hp->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(hp, i, h);
}

static void
heap_down(struct heap *hp, size_t i)
{
	struct frontier_host *h = hp->v[i];
	size_t c;

	while ((c = 2 * i + 1) < hp->len) {
		if (c + 1 < hp->len && hp->before(hp->v[c + 1], hp->v[c]))
			c++;
		if (!hp->before(hp->v[c], h))
			break;
		heap_set(hp, i, hp->v[c]);
		i = c;
	}
	heap_set(hp, i, h);
}

static void
heap_insert(struct heap *hp, struct frontier_host *h)
{
	if (hp->len == hp->cap) {
		hp->cap = hp->cap != 0 ? hp->cap * 2 : 16;
		hp->v = xrealloc(hp->v, hp->cap * sizeof *hp->v);
	}
	h->heap = hp;
	heap_set(hp, hp->len++, h);
	heap_up(hp, h->heap_index);
}

static void
heap_remove(struct heap *hp, struct frontier_host *h)
{
	struct frontier_host *last = hp->v[--hp->len];

	h->heap = NULL;
	if (last == h)
		return;
	heap_set(hp, h->heap_index, last);
	heap_up(hp, last->heap_index);
	heap_down(hp, last->heap_index);
}

/* h's key changed where it is. */
static void
heap_fix(struct heap *hp, struct frontier_host *h)
{
	heap_up(hp, h->heap_index);
	heap_down(hp, h->heap_index);
}

/* Ask h's policy and put h in the heap its answer says. */
static void
place(struct frontier *f, struct frontier_host *h, double now)
{
	double t = f->when(h->policy, now, f->arg);
	struct heap *target = NULL;

	if (t <= now)
		target = &f->ready;
	else if (t < INFINITY) {
		target = &f->timed;
		h->wake = t;
	}
	if (h->heap == target) {
		if (target != NULL)
			heap_fix(target, h);
		return;
	}
	if (h->heap != NULL)
		heap_remove(h->heap, h);
	if (target != NULL)
		heap_insert(target, h);
}

/* The host whose head is first in line among those that may start at
 * now, or NULL.  The ready heap holds answers given earlier, and the top's
 * may be stale (a start the caller did not touch for, or drain's having
 * put every host there): ask it again, and try the next if it says no. */
static struct frontier_host *
ready_top(struct frontier *f, double now)
{
	struct frontier_host *h;

	while (f->timed.len > 0 && f->timed.v[0]->wake <= now) {
		h = f->timed.v[0];
		heap_remove(&f->timed, h);
		heap_insert(&f->ready, h);
	}
	while (f->ready.len > 0) {
		h = f->ready.v[0];
		place(f, h, now);
		if (h->heap == &f->ready)
			return h;
	}
	return NULL;
}

static void
ring_push(struct frontier_host *h, void *item, uint64_t seq)
{
	if (h->count == h->cap) {
		size_t cap = h->cap != 0 ? h->cap * 2 : 4;
		struct slot *ring = xmalloc(cap * sizeof *ring);

		for (size_t i = 0; i < h->count; i++)
			ring[i] = h->ring[(h->head + i) & (h->cap - 1)];
		free(h->ring);
		h->ring = ring;
		h->cap = cap;
		h->head = 0;
	}
	h->ring[(h->head + h->count) & (h->cap - 1)].item = item;
	h->ring[(h->head + h->count) & (h->cap - 1)].seq = seq;
	h->count++;
}

/* Remove h's head.  A host left with nothing leaves its heap; one that
 * stays in the ready line moves back to its new head's place. */
static void *
host_shift(struct frontier *f, struct frontier_host *h)
{
	void *item = h->ring[h->head].item;

	h->head = (h->head + 1) & (h->cap - 1);
	h->count--;
	f->queued--;
	if (h->count == 0) {
		f->busy--;
		if (h->heap != NULL)
			heap_remove(h->heap, h);
		if (h->cap > RING_KEEP) {
			free(h->ring);
			h->ring = NULL;
			h->cap = 0;
		}
		h->head = 0;
	} else if (h->heap == &f->ready)
		heap_down(&f->ready, h->heap_index);
	return item;
}

/* FNV-1a: each step's low bits depend only on low bits, so the high half
 * is folded in before the table's mask takes the low ones. */
static uint64_t
key_hash(const char *key)
{
	uint64_t hash = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0';
	    p++)
		hash = (hash ^ *p) * 0x100000001b3ULL;
	return hash ^ hash >> 32;
}

static size_t
table_home(const struct frontier *f, uint64_t hash)
{
	return (size_t)hash & (f->table_cap - 1);
}

/* key's slot, or the empty slot where it would go. */
static size_t
table_find(const struct frontier *f, const char *key, uint64_t hash)
{
	size_t i = table_home(f, hash);
	struct frontier_host *h;

	while ((h = f->table[i]) != NULL &&
	    (h->hash != hash || strcmp(h->key, key) != 0))
		i = (i + 1) & (f->table_cap - 1);
	return i;
}

static void
table_resize(struct frontier *f, size_t cap)
{
	size_t i;

	free(f->table);
	f->table = xcalloc(cap, sizeof *f->table);
	f->table_cap = cap;
	for (struct frontier_host *h = f->first; h != NULL; h = h->next) {
		i = table_home(f, h->hash);
		while (f->table[i] != NULL)
			i = (i + 1) & (cap - 1);
		f->table[i] = h;
	}
}

static void
table_delete(struct frontier *f, struct frontier_host *h)
{
	size_t mask = f->table_cap - 1;
	size_t i = table_home(f, h->hash);
	size_t j, home;

	while (f->table[i] != h)
		i = (i + 1) & mask;
	/* Close the hole at i: a later entry of the run moves into it unless
	 * its home lies after the hole, where a lookup starts past i. */
	for (j = (i + 1) & mask; f->table[j] != NULL; j = (j + 1) & mask) {
		home = table_home(f, f->table[j]->hash);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			f->table[i] = f->table[j];
			i = j;
		}
	}
	f->table[i] = NULL;
}

struct frontier *
frontier_new(frontier_when_fn when, void *arg)
{
	struct frontier *f = xcalloc(1, sizeof *f);

	f->when = when;
	f->arg = arg;
	f->table_cap = TABLE_MIN;
	f->table = xcalloc(f->table_cap, sizeof *f->table);
	f->ready.before = ready_before;
	f->timed.before = timed_before;
	return f;
}

void
frontier_free(struct frontier *f)
{
	struct frontier_host *h, *next;

	if (f == NULL)
		return;
	for (h = f->first; h != NULL; h = next) {
		next = h->next;
		free(h->ring);
		free(h);
	}
	free(f->table);
	free(f->ready.v);
	free(f->timed.v);
	free(f);
}

struct frontier_host *
frontier_host(struct frontier *f, const char *key)
{
	uint64_t hash = key_hash(key);
	size_t i = table_find(f, key, hash);
	size_t len;
	struct frontier_host *h;

	if (f->table[i] != NULL)
		return f->table[i];
	/* Grown at three quarters full, so that probes stay short. */
	if ((f->nhosts + 1) * 4 > f->table_cap * 3) {
		table_resize(f, f->table_cap * 2);
		i = table_find(f, key, hash);
	}
	len = strlen(key);
	h = xcalloc(1, sizeof *h + len + 1);
	memcpy(h->key, key, len + 1);
	h->hash = hash;
	f->table[i] = h;
	f->nhosts++;
	h->prev = f->last;
	if (f->last != NULL)
		f->last->next = h;
	else
		f->first = h;
	f->last = h;
	return h;
}

void *
frontier_host_policy(const struct frontier_host *h)
{
	return h->policy;
}

void
frontier_host_set_policy(struct frontier_host *h, void *policy)
{
	h->policy = policy;
}

const char *
frontier_host_key(const struct frontier_host *h)
{
	return h->key;
}

size_t
frontier_host_queued(const struct frontier_host *h)
{
	return h->count;
}

void
frontier_push(struct frontier *f, struct frontier_host *h, void *item,
    double now)
{
	ring_push(h, item, f->next_seq++);
	f->queued++;
	/* Behind other items, it changes neither the host's place in line
	 * nor its policy's answer. */
	if (h->count == 1) {
		f->busy++;
		place(f, h, now);
	}
}

void *
frontier_pop(struct frontier *f, double now, struct frontier_host **host)
{
	struct frontier_host *h = ready_top(f, now);

	*host = h;
	return h != NULL ? host_shift(f, h) : NULL;
}

void
frontier_touch(struct frontier *f, struct frontier_host *h, double now)
{
	if (h->count > 0)
		place(f, h, now);
}

double
frontier_next_wake(struct frontier *f, double now)
{
	if (ready_top(f, now) != NULL)
		return now;
	return f->timed.len > 0 ? f->timed.v[0]->wake : INFINITY;
}

size_t
frontier_queued(const struct frontier *f)
{
	return f->queued;
}

void *
frontier_take(struct frontier *f, struct frontier_host *h)
{
	return h->count > 0 ? host_shift(f, h) : NULL;
}

void *
frontier_drain(struct frontier *f, struct frontier_host **host)
{
	struct frontier_host *h;

	/* Oldest first whatever the policies say: every host with items
	 * joins the ready heap, where pops ask again anyway.  One pass over
	 * the hosts serves the whole drain, unless a push, touch or pop
	 * between two calls puts a host elsewhere. */
	if (f->ready.len < f->busy) {
		for (h = f->first; h != NULL; h = h->next) {
			if (h->count == 0 || h->heap == &f->ready)
				continue;
			if (h->heap != NULL)
				heap_remove(h->heap, h);
			heap_insert(&f->ready, h);
		}
	}
	h = f->ready.len > 0 ? f->ready.v[0] : NULL;
	*host = h;
	return h != NULL ? host_shift(f, h) : NULL;
}

void
frontier_host_release(struct frontier *f, struct frontier_host *h)
{
	/* The heaps would be left pointing at freed memory. */
	if (h->count > 0) {
		fprintf(stderr, "scrape: frontier: host %s released with %zu "
		    "queued\n", h->key, h->count);
		abort();
	}
	table_delete(f, h);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		f->first = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	else
		f->last = h->prev;
	f->nhosts--;
	free(h->ring);
	free(h);
	/* Memory follows the hosts in play: halve at an eighth full, which
	 * leaves it a quarter full, far from growing again. */
	if (f->nhosts * 8 < f->table_cap && f->table_cap > TABLE_MIN)
		table_resize(f, f->table_cap / 2);
}

struct frontier_host *
frontier_first(struct frontier *f)
{
	return f->first;
}

struct frontier_host *
frontier_next(struct frontier *f, struct frontier_host *h)
{
	return h->next;
}

size_t
frontier_hosts(const struct frontier *f)
{
	return f->nhosts;
}
