#include "seen.h"

#include <math.h>
#include <stdlib.h>

#include "xmalloc.h"

struct seen_slot {
	uint64_t key;
	double until;
};

struct seen {
	size_t mask;
	struct seen_slot *slots;
};

struct seen *
seen_new(size_t slots)
{
	struct seen *s = xcalloc(1, sizeof *s);
	size_t n = 1;

	while (n < slots)
		n <<= 1;
	s->mask = n - 1;
	s->slots = xcalloc(n, sizeof *s->slots);
	for (size_t i = 0; i < n; i++)
		s->slots[i].until = -INFINITY;      /* fresh at no time */
	return s;
}

void
seen_free(struct seen *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

/* Keys are hashes already (FNV-1a); the high bits are mixed in so that
 * keys differing only there do not all share a slot. */
static size_t
seen_slot(const struct seen *s, uint64_t key)
{
	return (size_t)(key ^ (key >> 32)) & s->mask;
}

double
seen_until(const struct seen *s, uint64_t key)
{
	const struct seen_slot *e = &s->slots[seen_slot(s, key)];

	return e->key == key ? e->until : -INFINITY;
}

void
seen_put(struct seen *s, uint64_t key, double until)
{
	struct seen_slot *e = &s->slots[seen_slot(s, key)];

	e->key = key;
	e->until = until;
}
