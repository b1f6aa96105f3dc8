#include "errkind.h"

static const char *const names[ERR_KIND_COUNT] = {
	[ERR_NONE] = "",
	[ERR_DNS] = "dns",
	[ERR_CONNECT] = "connect",
	[ERR_TIMEOUT] = "timeout",
	[ERR_TLS] = "tls",
	[ERR_RESET] = "reset",
	[ERR_PROTOCOL] = "protocol",
	[ERR_HTTP] = "http",
	[ERR_REDIRECT] = "redirect",
	[ERR_TOO_LARGE] = "too_large",
	[ERR_INVALID_URL] = "invalid_url",
	[ERR_CANCELLED] = "cancelled",
	[ERR_BLOCKED] = "blocked",
	[ERR_CIRCUIT_OPEN] = "circuit_open",
	[ERR_ROBOTS] = "robots",
	[ERR_OTHER] = "other",
};

const char *
errkind_name(enum errkind kind)
{
	if (kind < 0 || kind >= ERR_KIND_COUNT)
		return "other";
	return names[kind];
}
