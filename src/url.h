/* Whether a line is a URL scrape fetches: http or https, parsed by
 * libcurl's own URL parser so that the check agrees with the transfer. */
#ifndef SCRAPE_URL_H
#define SCRAPE_URL_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

/* Parse url (NUL-terminated) if it is an http(s) URL with a host, and
 * hand over libcurl's parsed form so that the transfer need not parse it
 * again; else NULL, with the reason in why.  A non-ASCII (IDN) host is
 * converted to its ASCII form in the parse. */
CURLU *url_parse(const char *url, char *why, size_t whylen);
/* The origin of a parsed URL, "scheme://host:port" with the scheme and
 * host lower-cased and the port always given (robots.txt is per origin);
 * false if it does not fit in len. */
bool url_origin(CURLU *u, char *out, size_t len);
/* The path and query as a request sends them ("/a/b?c=d"; "/" for an
 * empty path); false if it does not fit in len. */
bool url_request_path(CURLU *u, char *out, size_t len);
/* A copy of u naming its origin's /robots.txt (no user, query or
 * fragment); NULL on failure. */
CURLU *url_robots(CURLU *u);

/* url_parse, for a yes or no. */
bool url_check(const char *url, char *why, size_t whylen);
/* Whether s is ASCII throughout (a host that is not needs IDN). */
bool url_is_ascii(const char *s);

#endif
