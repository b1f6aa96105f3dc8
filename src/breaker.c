#include "breaker.h"

#include <math.h>

void
breaker_init(struct breaker *b, int threshold, double cooldown)
{
	b->threshold = threshold;
	b->failures = 0;
	b->cooldown = cooldown;
	b->last = cooldown;
	b->open_until = -INFINITY;
	b->closed_at = -INFINITY;
	b->failed_at = -INFINITY;
	b->tripped = false;
	b->probing = false;
}

enum breaker_state
breaker_state(const struct breaker *b, double now)
{
	if (!b->tripped)
		return BREAKER_CLOSED;
	return now < b->open_until ? BREAKER_OPEN : BREAKER_HALF_OPEN;
}

bool
breaker_quiet(const struct breaker *b)
{
	return !b->tripped && b->failures == 0;
}

double
breaker_quiet_at(const struct breaker *b)
{
	if (b->tripped)
		return b->open_until + b->last;
	if (b->failures > 0)
		return b->failed_at + b->cooldown;
	return -INFINITY;
}

double
breaker_next(const struct breaker *b, double now)
{
	switch (breaker_state(b, now)) {
	case BREAKER_OPEN:
		return b->open_until;
	case BREAKER_HALF_OPEN:
		return b->probing ? INFINITY : now;
	case BREAKER_CLOSED:
		break;
	}
	return now;
}

void
breaker_take(struct breaker *b, double now)
{
	if (breaker_state(b, now) == BREAKER_HALF_OPEN)
		b->probing = true;
}

static void
breaker_open(struct breaker *b, double cooldown, double now)
{
	b->tripped = true;
	b->probing = false;
	b->failures = 0;
	b->last = cooldown;
	b->open_until = now + cooldown;
}

bool
breaker_record(struct breaker *b, bool failed, double started, double now)
{
	double next;

	if (!b->tripped) {
		if (started < b->closed_at)
			return false;
		if (!failed) {
			b->failures = 0;
			return false;
		}
		b->failed_at = now;
		if (++b->failures < b->threshold)
			return false;
		breaker_open(b, b->cooldown, now);
		return true;
	}
	if (!b->probing || started < b->open_until)
		return false;
	if (!failed) {
		b->tripped = false;
		b->probing = false;
		b->last = b->cooldown;
		b->closed_at = now;
		return false;
	}
	/* Doubling never shortens a configured cool-down over the cap. */
	next = fmin(2 * b->last, BREAKER_MAX_COOLDOWN);
	breaker_open(b, fmax(next, b->cooldown), now);
	return true;
}
