#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory is not a condition scrape can explain or recover from
 * usefully, so it aborts here rather than in a hundred call sites. */
void *
xcheck(void *p)
{
	if (p == NULL) {
		fputs("scrape: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *
xmalloc(size_t size)
{
	return xcheck(malloc(size ? size : 1));
}

void *
xcalloc(size_t nmemb, size_t size)
{
	return xcheck(calloc(nmemb ? nmemb : 1, size ? size : 1));
}

void *
xrealloc(void *ptr, size_t size)
{
	return xcheck(realloc(ptr, size ? size : 1));
}

char *
xstrdup(const char *s)
{
	return xcheck(strdup(s));
}

/* Copy len bytes and NUL-terminate: input lines may hold NUL bytes. */
char *
xmemdup0(const void *p, size_t len)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, p, len);
	copy[len] = '\0';
	return copy;
}
