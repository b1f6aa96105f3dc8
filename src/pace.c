#include "pace.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

void
pace_init(struct pace *p, double interval)
{
	p->interval = interval;
	p->tat = -INFINITY;
}

void
pace_set(struct pace *p, double interval)
{
	/* The TAT is the last start plus the old interval (pace_take). */
	if (isfinite(p->tat))
		p->tat += fmax(interval, 0) - fmax(p->interval, 0);
	p->interval = interval;
}

double
pace_next(const struct pace *p, double now)
{
	return p->tat > now ? p->tat : now;
}

void
pace_take(struct pace *p, double now)
{
	p->tat = fmax(p->tat, now) + fmax(p->interval, 0);
}

/* A decimal number, digits with an optional fraction: no sign, exponent,
 * "inf" or locale's decimal point, which strtod would all let through. */
static const char *
parse_number(const char *p, double *v)
{
	double whole = 0, frac = 0, scale = 1;

	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++)
		whole = whole * 10 + (*p - '0');
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NULL;
		for (; *p >= '0' && *p <= '9'; p++) {
			frac = frac * 10 + (*p - '0');
			scale *= 10;
		}
	}
	*v = whole + frac / scale;
	return p;
}

bool
pace_parse(const char *s, double *interval)
{
	const char *p;
	char *end;
	unsigned long n;
	double per = 1, v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || n == 0 || *end != '/')
		return false;
	p = end + 1;
	if (*p >= '0' && *p <= '9' && (p = parse_number(p, &per)) == NULL)
		return false;
	switch (*p) {
	case 's':
		break;
	case 'm':
		per *= 60;
		break;
	case 'h':
		per *= 3600;
		break;
	default:
		return false;
	}
	if (p[1] != '\0')
		return false;
	v = per / (double)n;
	if (!(v > 0) || !isfinite(v))
		return false;
	*interval = v;
	return true;
}
