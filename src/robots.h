/* robots.txt (RFC 9309), pure: parse a body once into the rules of the
 * group that applies to one product token, then answer whether a URL
 * path may be fetched and how long to wait between requests.  No I/O:
 * the caller fetches the file and maps its status onto robots_parse,
 * robots_allow_all or robots_disallow_all. */
#ifndef SCRAPE_ROBOTS_H
#define SCRAPE_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

/* The most of a robots.txt body that is read (RFC 9309 section 2.5). */
#define ROBOTS_MAX_BYTES (500 * 1024)

/* The longest Crawl-delay honoured, in seconds. */
#define ROBOTS_MAX_DELAY 60.0

struct robots;   /* the rules of one robots.txt, for one product token */

/* The product token robots.txt groups are matched against, from the
 * User-Agent string: the part before the first '/' or space (e.g.
 * "scrape/2.0" -> "scrape", "Mozilla/5.0 (X11)" -> "Mozilla"); an empty
 * user agent gives "scrape".  Written NUL-terminated into out. */
void robots_product_token(const char *user_agent, char *out, size_t outlen);

/* Parse a robots.txt body (any bytes, not NUL-terminated; at most the
 * first 500 KiB are read, RFC 9309 section 2.5) and keep the group for
 * product token `token` (matched case-insensitively), else the `*` group,
 * else no rules (everything allowed). Never fails except on out of memory. */
struct robots *robots_parse(const char *body, size_t len, const char *token);
/* What a 4xx robots.txt means: everything allowed. */
struct robots *robots_allow_all(void);
/* What a 5xx or unreachable robots.txt means: everything disallowed. */
struct robots *robots_disallow_all(void);
void robots_free(struct robots *r);

/* Whether the URL path (path plus "?query" if any, as sent on the request
 * line, starting with '/'; "" treated as "/") may be fetched: longest
 * matching Allow/Disallow rule wins, Allow wins a tie, `*` matches any
 * sequence, `$` at the end anchors; no matching rule: allowed.
 * /robots.txt itself is always allowed. */
bool robots_allowed(const struct robots *r, const char *path);

/* The group's Crawl-delay in seconds (fractions allowed), capped at 60;
 * negative when the group has none or it is malformed. */
double robots_crawl_delay(const struct robots *r);

#endif
