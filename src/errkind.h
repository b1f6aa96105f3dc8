/* The kinds of failure a result can carry, as named in the JSON output. */
#ifndef SCRAPE_ERRKIND_H
#define SCRAPE_ERRKIND_H

enum errkind {
	ERR_NONE = 0,
	ERR_DNS,
	ERR_CONNECT,
	ERR_TIMEOUT,
	ERR_TLS,
	ERR_RESET,
	ERR_PROTOCOL,
	ERR_HTTP,
	ERR_REDIRECT,
	ERR_TOO_LARGE,
	ERR_INVALID_URL,
	ERR_CANCELLED,
	ERR_BLOCKED,
	ERR_CIRCUIT_OPEN,
	ERR_ROBOTS,
	ERR_OTHER,
	ERR_KIND_COUNT
};

/* The kind's name in the output ("dns", "timeout", ...); "" for ERR_NONE. */
const char *errkind_name(enum errkind kind);

#endif
