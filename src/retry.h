/* Retry policy, pure: which outcomes are worth another attempt, and how
 * long to wait before it.  The clock and the random source are passed in
 * so that tests can pin them. */
#ifndef SCRAPE_RETRY_H
#define SCRAPE_RETRY_H

#include <stdbool.h>
#include <time.h>

#include <curl/curl.h>

#include "errkind.h"

struct verdict {
	enum errkind kind;   /* ERR_NONE: success */
	bool retryable;
};

/* Why scrape itself stopped an attempt, if it did. */
enum retry_stop {
	STOP_NONE,
	STOP_TOO_LARGE,   /* the write callback cut the body at --max-size */
	STOP_BLOCKED      /* --no-private refused the address to connect to */
};

/* Judge one finished attempt from libcurl's result code, the HTTP status
 * (0 when no response arrived), what scrape itself stopped and libcurl's
 * error message (NULL or "" when there is none), which alone tells some
 * failures apart. */
struct verdict retry_classify(CURLcode code, long status,
    enum retry_stop stop, const char *message);

/* Seconds to wait before retry number k (1-based): base*2^(k-1) stretched
 * by jitter in [0, 1) to at most double, at least retry_after when that
 * is >= 0, and never more than cap. */
double retry_backoff(int k, double base, double cap, double retry_after,
    double jitter);

/* Parse a Retry-After value, delta-seconds or an HTTP date, into seconds
 * from now (0 for a date in the past).  False when it is neither. */
bool retry_after_parse(const char *value, time_t now, double *secs);

#endif
