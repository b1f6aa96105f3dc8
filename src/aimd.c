#include "aimd.h"

#include <math.h>

void
aimd_init(struct aimd *a, long start)
{
	a->start = start;
	a->limit = start;
	a->lowest = start;
	a->cut_at = -INFINITY;
	a->changed_at = -INFINITY;
}

long
aimd_limit(const struct aimd *a)
{
	return a->limit;
}

long
aimd_lowest(const struct aimd *a)
{
	return a->lowest;
}

void
aimd_on_pushback(struct aimd *a, double started, double now)
{
	if (started < a->cut_at)
		return;
	a->limit = a->limit > 1 ? a->limit / 2 : 1;
	if (a->limit < a->lowest)
		a->lowest = a->limit;
	a->cut_at = now;
	a->changed_at = now;
}

void
aimd_on_success(struct aimd *a, double started, double now, bool was_full)
{
	if (!was_full || started < a->changed_at || a->limit >= a->start)
		return;
	a->limit++;
	a->changed_at = now;
}
