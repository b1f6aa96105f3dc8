#include "slots.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "xmalloc.h"

struct slots {
	atomic_long used;
	long capacity;
	atomic_uint_fast64_t waiting;   /* one bit a user */
	slots_wake_fn wake;
	void *arg;
};

struct slots *
slots_new(long capacity, slots_wake_fn wake, void *arg)
{
	struct slots *p = xcalloc(1, sizeof *p);

	atomic_init(&p->used, 0);
	atomic_init(&p->waiting, 0);
	p->capacity = capacity;
	p->wake = wake;
	p->arg = arg;
	return p;
}

void
slots_free(struct slots *p)
{
	free(p);
}

static bool
slots_try(struct slots *p)
{
	long used = atomic_load(&p->used);

	while (used < p->capacity)
		if (atomic_compare_exchange_weak(&p->used, &used, used + 1))
			return true;
	return false;
}

/* The waiting bit is set before the second try: a slot given back
 * between the two either is taken by that try, or its giver sees the
 * bit and wakes us. */
bool
slots_take(struct slots *p, unsigned user)
{
	uint_fast64_t bit = (uint_fast64_t)1 << user;

	if (slots_try(p))
		return true;
	atomic_fetch_or(&p->waiting, bit);
	if (!slots_try(p))
		return false;
	atomic_fetch_and(&p->waiting, ~bit);
	return true;
}

void
slots_give(struct slots *p)
{
	uint_fast64_t waiting;

	atomic_fetch_sub(&p->used, 1);
	if (atomic_load(&p->waiting) == 0)
		return;
	waiting = atomic_exchange(&p->waiting, 0);
	for (unsigned u = 0; waiting != 0; u++, waiting >>= 1)
		if (waiting & 1)
			p->wake(u, p->arg);
}

long
slots_used(const struct slots *p)
{
	return atomic_load(&p->used);
}
