/* Allocation that cannot fail: out of memory aborts in one place. */
#ifndef SCRAPE_XMALLOC_H
#define SCRAPE_XMALLOC_H

#include <stddef.h>

/* p, or abort if it is NULL: for what other libraries allocate (a curl
 * header list, a libevent event), where NULL can only mean no memory. */
void *xcheck(void *p);
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xmemdup0(const void *p, size_t len);

#endif
