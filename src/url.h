/* Whether a line is a URL scrape fetches: http or https, parsed by
 * libcurl's own URL parser so that the check agrees with the transfer. */
#ifndef SCRAPE_URL_H
#define SCRAPE_URL_H

#include <stdbool.h>
#include <stddef.h>

/* True when url (NUL-terminated) is an http(s) URL with a host; else the
 * reason goes into why. */
bool url_check(const char *url, char *why, size_t whylen);

#endif
