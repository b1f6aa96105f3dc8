#include "config.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "pace.h"
#include "slots.h"
#include "xmalloc.h"

/* Long-only options get codes above the range of characters. */
enum {
	OPT_RETRY_DELAY = 256,
	OPT_RETRY_MAX_DELAY,
	OPT_CONNECT_TIMEOUT,
	OPT_REPORT,
	OPT_MAX_REDIRS,
	OPT_MAX_SIZE,
	OPT_BODY,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_RESUME,
	OPT_NO_PRIVATE,
	OPT_PER_HOST,
	OPT_RATE,
	OPT_HOST_RATE,
	OPT_ADAPTIVE,
	OPT_BREAKER,
	OPT_ROBOTS,
	OPT_HOST_KEY,
	OPT_LOOKAHEAD,
	OPT_SHARD,
	OPT_ORDERED,
	OPT_TITLE,
	OPT_LINKS,
	OPT_SELECT,
	OPT_XPATH,
	OPT_REGEX,
	OPT_HASH,
	OPT_STORE,
};

/* The one option table: getopt_long's tables are made from it, and so
 * are the shell completions (tools/gen-completion). */
const struct cli_option cli_options[] = {
	{ "concurrency", 'c', CLI_ARG_NUMBER, NULL },
	{ "jobs", 'j', CLI_ARG_NUMBER, NULL },
	{ "retries", 'r', CLI_ARG_NUMBER, NULL },
	{ "retry-delay", OPT_RETRY_DELAY, CLI_ARG_NUMBER, NULL },
	{ "retry-max-delay", OPT_RETRY_MAX_DELAY, CLI_ARG_NUMBER, NULL },
	{ "timeout", 't', CLI_ARG_NUMBER, NULL },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, CLI_ARG_NUMBER, NULL },
	{ "output", 'o', CLI_ARG_FILE, NULL },
	{ "report", OPT_REPORT, CLI_ARG_FILE, NULL },
	{ "resume", OPT_RESUME, CLI_ARG_FILE, NULL },
	{ "quiet", 'q', CLI_ARG_NONE, NULL },
	{ "user-agent", 'A', CLI_ARG_STRING, NULL },
	{ "header", 'H', CLI_ARG_STRING, NULL },
	{ "method", 'X', CLI_ARG_WORD,
	    "GET HEAD POST PUT DELETE OPTIONS PATCH" },
	{ "data", 'd', CLI_ARG_STRING, NULL },
	{ "max-redirs", OPT_MAX_REDIRS, CLI_ARG_NUMBER, NULL },
	{ "max-size", OPT_MAX_SIZE, CLI_ARG_NUMBER, NULL },
	{ "body", OPT_BODY, CLI_ARG_NONE, NULL },
	{ "insecure", 'k', CLI_ARG_NONE, NULL },
	{ "no-private", OPT_NO_PRIVATE, CLI_ARG_NONE, NULL },
	{ "per-host", OPT_PER_HOST, CLI_ARG_NUMBER, NULL },
	{ "rate", OPT_RATE, CLI_ARG_NUMBER, NULL },
	{ "host-rate", OPT_HOST_RATE, CLI_ARG_NUMBER, NULL },
	{ "adaptive", OPT_ADAPTIVE, CLI_ARG_NONE, NULL },
	{ "breaker", OPT_BREAKER, CLI_ARG_NUMBER, NULL },
	{ "robots", OPT_ROBOTS, CLI_ARG_NONE, NULL },
	{ "host-key", OPT_HOST_KEY, CLI_ARG_WORD, "host domain" },
	{ "lookahead", OPT_LOOKAHEAD, CLI_ARG_NUMBER, NULL },
	{ "shard", OPT_SHARD, CLI_ARG_NUMBER, NULL },
	{ "ordered", OPT_ORDERED, CLI_ARG_NONE, NULL },
	{ "title", OPT_TITLE, CLI_ARG_NONE, NULL },
	{ "links", OPT_LINKS, CLI_ARG_NONE, NULL },
	{ "select", OPT_SELECT, CLI_ARG_STRING, NULL },
	{ "xpath", OPT_XPATH, CLI_ARG_STRING, NULL },
	{ "regex", OPT_REGEX, CLI_ARG_STRING, NULL },
	{ "hash", OPT_HASH, CLI_ARG_NONE, NULL },
	{ "store", OPT_STORE, CLI_ARG_FILE, NULL },
	{ "progress", OPT_PROGRESS, CLI_ARG_NONE, NULL },
	{ "no-progress", OPT_NO_PROGRESS, CLI_ARG_NONE, NULL },
	{ "help", 'h', CLI_ARG_NONE, NULL },
	{ "version", 'V', CLI_ARG_NONE, NULL },
	{ NULL, 0, CLI_ARG_NONE, NULL }
};

#define NOPTIONS (sizeof cli_options / sizeof cli_options[0])

/* getopt_long's view of cli_options, made by getopt_tables.  The leading
 * ':' of short_options makes getopt tell a missing value from an unknown
 * option. */
static struct option long_options[NOPTIONS];
static char short_options[1 + 2 * NOPTIONS];

static void
getopt_tables(void)
{
	char *s = short_options;

	*s++ = ':';
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct cli_option *o = &cli_options[i];

		long_options[i] = (struct option){ o->name,
		    o->arg == CLI_ARG_NONE ? no_argument : required_argument,
		    NULL, o->val };
		if (o->name == NULL || o->val > UCHAR_MAX)
			continue;
		*s++ = (char)o->val;
		if (o->arg != CLI_ARG_NONE)
			*s++ = ':';
	}
	*s = '\0';
}

#define DEFAULT_USER_AGENT "scrape/" PACKAGE_VERSION

const char *const *
cli_option_names(void)
{
	static const char *names[NOPTIONS];

	for (size_t i = 0; cli_options[i].name != NULL; i++)
		names[i] = cli_options[i].name;
	return names;
}

void
cli_usage(FILE *out)
{
	fputs(
"Usage: scrape [OPTIONS] [FILE...]\n"
"Fetch the URLs listed in FILEs (one per line; '-' or none: standard input)\n"
"concurrently and print one JSON line per URL as each finishes.\n"
"  -c, --concurrency N       transfers in flight at most (50)\n"
"  -j, --jobs N              event loops, one a thread, hosts dealt (CPUs)\n"
"  -r, --retries N           retries of a retryable failure (3)\n"
"      --retry-delay SECS    backoff base: retry k waits SECS*2^(k-1)+jitter (1)\n"
"      --retry-max-delay SECS  cap on one backoff wait (30)\n"
"  -t, --timeout SECS        limit on each attempt (30)\n"
"      --connect-timeout SECS  limit on connecting, each attempt (10)\n"
"  -o, --output FILE         write the JSON lines to FILE\n"
"      --report FILE         also write the summary as JSON to FILE\n"
"      --resume FILE         skip the URLs FILE has final lines for; append to it\n"
"  -q, --quiet               nothing on standard error but errors\n"
"  -A, --user-agent STR      User-Agent header (" DEFAULT_USER_AGENT ")\n"
"  -H, --header 'Name: value'  extra request header, repeatable\n"
"  -X, --method METHOD       request method (GET; POST with -d; HEAD: no body)\n"
"  -d, --data STRING|@FILE   request body, form-encoded unless -H says\n"
"      --max-redirs N        redirects to follow, 0 for none (10)\n"
"      --max-size BYTES      largest body, suffix k, M or G (10M)\n"
"  -k, --insecure            do not verify TLS certificates\n"
"      --no-private          refuse loopback, private and link-local addresses\n"
"      --progress, --no-progress  progress line (default: stderr a terminal)\n"
"Hosts (each URL's host name, or its registrable domain with --host-key domain):\n"
"      --per-host N          transfers in flight to one host at most\n"
"      --rate N/U, --host-rate N/U  starts per U (s, m, h, 5s...), evenly spaced\n"
"      --adaptive            halve a host's limit on 429, 503 and timeouts\n"
"      --breaker N[/SECS]    N failures in a row stop a host for SECS (30)\n"
"      --robots              obey robots.txt\n"
"      --host-key host|domain  what counts as one host (host)\n"
"      --lookahead N         URLs read ahead while hosts are busy (10000)\n"
"      --shard K/N           fetch only the hosts of shard K of N\n"
"      --ordered             write the lines in input order\n"
"Fields (each adds one to every line; NAME=... options repeat):\n"
"      --body, --title, --links, --hash (sha256), --store DIR (stored)\n"
"      --select NAME=CSS, --xpath NAME=EXPR, --regex NAME=PCRE\n"
"  -h, --help                this help;  -V, --version  version\n"
"Exit status: 0 all ok, 1 some URL failed, 2 usage or input error,\n"
"3 output error, 4 internal error, 130/143 interrupted.  See scrape(1).\n", out);
}

void
cli_version(FILE *out)
{
	fprintf(out, "scrape %s (%s)\n", PACKAGE_VERSION, curl_version());
}

/* A whole decimal integer, optionally signed, and nothing else. */
bool
cli_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || (*s != '-' && *s != '+' &&
	    (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s)
		return false;
	*out = v;
	return true;
}

/* Seconds as plain decimal digits with an optional fraction ("1", "0.5",
 * ".25", "-2"): no hex, exponents, inf or nan, which strtod would take. */
bool
cli_parse_seconds(const char *s, double *out)
{
	const char *p = s;
	size_t digits = 0;
	double v;

	if (s == NULL)
		return false;
	if (*p == '-' || *p == '+')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (*p != '\0' || digits == 0)
		return false;
	v = strtod(s, NULL);
	if (!isfinite(v))
		return false;
	*out = v;
	return true;
}

/* Bytes with an optional k, M or G suffix, powers of 1024. */
bool
cli_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (s == NULL || *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		return false;
	}
	if (*p != '\0' && p[1] != '\0')
		return false;
	if (v > UINT64_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

/* Format a usage error into err.  Values are quoted back to the user,
 * so control bytes in them are shown as \xNN: the message stays one
 * line whatever was typed. */
static bool
fail(char *err, size_t errlen, const char *fmt, ...)
{
	char raw[1024];
	size_t w = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	for (const char *p = raw; *p != '\0' && w + 5 < errlen; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			w += (size_t)snprintf(err + w, errlen - w, "\\x%02x", c);
		else
			err[w++] = (char)c;
	}
	if (errlen > 0)
		err[w < errlen ? w : errlen - 1] = '\0';
	return false;
}

/* The name the user typed, for messages: "-c" or "--concurrency". */
static const char *
option_name(int code, char *buf, size_t len)
{
	for (size_t i = 0; long_options[i].name != NULL; i++) {
		if (long_options[i].val != code)
			continue;
		if (code < 256)
			snprintf(buf, len, "-%c/--%s", code, long_options[i].name);
		else
			snprintf(buf, len, "--%s", long_options[i].name);
		return buf;
	}
	snprintf(buf, len, "-%c", code);
	return buf;
}

static bool
parse_count(int code, const char *arg, long lo, long hi, long *out,
    char *err, size_t errlen)
{
	char name[64];
	long v;

	option_name(code, name, sizeof name);
	if (!cli_parse_long(arg, &v))
		return fail(err, errlen, "%s: '%s' is not a whole number",
		    name, arg);
	if (v < lo || v > hi)
		return fail(err, errlen, "%s: %s is out of range (%ld to %ld)",
		    name, arg, lo, hi);
	*out = v;
	return true;
}

static bool
parse_secs(int code, const char *arg, bool zero_ok, double *out,
    char *err, size_t errlen)
{
	char name[64];
	double v;

	option_name(code, name, sizeof name);
	if (!cli_parse_seconds(arg, &v))
		return fail(err, errlen, "%s: '%s' is not a number of seconds",
		    name, arg);
	if (v < 0 || (!zero_ok && v == 0))
		return fail(err, errlen, "%s: %s is out of range (must be %s)",
		    name, arg, zero_ok ? "0 or more" : "more than 0");
	*out = v;
	return true;
}

/* Header and User-Agent values go into the request verbatim: a CR or LF
 * would let an argument smuggle in headers of its own. */
static bool
check_header_text(int code, const char *arg, bool need_colon,
    char *err, size_t errlen)
{
	char name[64];
	const char *colon;

	option_name(code, name, sizeof name);
	if (strpbrk(arg, "\r\n") != NULL)
		return fail(err, errlen, "%s: value must not contain CR or LF",
		    name);
	if (!need_colon)
		return true;
	colon = strchr(arg, ':');
	if (colon == NULL || colon == arg)
		return fail(err, errlen, "%s: '%s' is not 'Name: value'",
		    name, arg);
	for (const char *p = arg; p < colon; p++)
		if (*p <= ' ' || *p == 0x7f)
			return fail(err, errlen,
			    "%s: '%s' has a bad header name", name, arg);
	return true;
}

/* RFC 9110's token: what a method may be made of. */
static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!(( *s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)))
			return false;
	return true;
}

/* Methods a retry may send again, per the SPEC: repeating them has the
 * effect of sending them once (RFC 9110's idempotent methods less TRACE,
 * which nobody scrapes with). */
static bool
is_idempotent(const char *method)
{
	static const char *const safe[] = { "GET", "HEAD", "OPTIONS", "PUT",
	    "DELETE" };

	for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++)
		if (strcmp(method, safe[i]) == 0)
			return true;
	return false;
}

static void
set_defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	o->concurrency = 50;
	o->retries = 3;
	o->retry_delay = 1;
	o->retry_max_delay = 30;
	o->timeout = 30;
	o->connect_timeout = 10;
	o->user_agent = DEFAULT_USER_AGENT;
	o->max_redirs = 10;
	o->max_size = 10 * 1024 * 1024;
	o->breaker_secs = 30;
	o->host_key = HOSTKEY_HOST;
	o->lookahead = 10000;
}

/* --rate and --host-rate: N/U, evenly paced. */
static bool
parse_rate(int code, const char *arg, double *interval, char *err,
    size_t errlen)
{
	char name[64];

	option_name(code, name, sizeof name);
	if (!pace_parse(arg, interval))
		return fail(err, errlen, "%s: '%s' is not a rate N/U such as "
		    "10/s, 30/m or 100/5m", name, arg);
	return true;
}

/* --shard K/N, 1 <= K <= N <= 100000. */
static bool
parse_shard(const char *arg, struct options *o, char *err, size_t errlen)
{
	const char *slash = strchr(arg, '/');
	char k[32];
	long kv, nv;

	if (slash == NULL || (size_t)(slash - arg) >= sizeof k)
		return fail(err, errlen, "--shard: '%s' is not K/N", arg);
	memcpy(k, arg, (size_t)(slash - arg));
	k[slash - arg] = '\0';
	if (!cli_parse_long(k, &kv) || !cli_parse_long(slash + 1, &nv) ||
	    k[0] == '+' || k[0] == '-' || slash[1] == '+' || slash[1] == '-')
		return fail(err, errlen, "--shard: '%s' is not K/N", arg);
	if (nv < 1 || nv > 100000 || kv < 1 || kv > nv)
		return fail(err, errlen, "--shard: '%s' is out of range (1 <= "
		    "K <= N <= 100000)", arg);
	o->shard_k = (unsigned long)kv;
	o->shard_n = (unsigned long)nv;
	return true;
}

/* --select, --xpath, --regex: NAME=VALUE, NAME not empty and not used
 * before in the same option; the value is checked when it is compiled. */
static bool
add_named(int code, const char *arg, const char ***list, size_t *n,
    char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char name[64];

	option_name(code, name, sizeof name);
	if (eq == NULL || eq == arg)
		return fail(err, errlen, "%s: '%s' is not NAME=%s", name, arg,
		    code == OPT_SELECT ? "SELECTOR" : code == OPT_XPATH ?
		    "EXPR" : "PATTERN");
	for (size_t i = 0; i < *n; i++) {
		const char *other = (*list)[i];

		if (strncmp(other, arg, (size_t)(eq - arg) + 1) == 0)
			return fail(err, errlen, "%s: '%s': the name '%.*s' is "
			    "used twice", name, arg, (int)(eq - arg), arg);
	}
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = arg;
	return true;
}

/* --breaker N[/SECS] */
static bool
parse_breaker(const char *arg, struct options *o, char *err, size_t errlen)
{
	const char *slash = strchr(arg, '/');
	char n[32];
	long v;

	if (slash == NULL)
		slash = arg + strlen(arg);
	if ((size_t)(slash - arg) >= sizeof n)
		return fail(err, errlen, "--breaker: '%s' is not N[/SECS]",
		    arg);
	memcpy(n, arg, (size_t)(slash - arg));
	n[slash - arg] = '\0';
	if (!cli_parse_long(n, &v) || v < 1 || v > 1000000)
		return fail(err, errlen, "--breaker: '%s' is not N[/SECS] "
		    "with N from 1 to 1000000", arg);
	o->breaker_failures = v;
	if (*slash == '\0')
		return true;
	if (!cli_parse_seconds(slash + 1, &o->breaker_secs) ||
	    !(o->breaker_secs > 0))
		return fail(err, errlen, "--breaker: '%s': SECS must be a "
		    "number of seconds over 0", arg);
	return true;
}

static bool
apply_option(struct options *o, int c, const char *arg, char *err,
    size_t errlen)
{
	switch (c) {
	case 'c':
		return parse_count(c, arg, 1, 100000, &o->concurrency, err, errlen);
	case 'j':
		return parse_count(c, arg, 1, SLOTS_MAX_USERS, &o->jobs, err,
		    errlen);
	case 'r':
		return parse_count(c, arg, 0, 100, &o->retries, err, errlen);
	case OPT_RETRY_DELAY:
		return parse_secs(c, arg, true, &o->retry_delay, err, errlen);
	case OPT_RETRY_MAX_DELAY:
		return parse_secs(c, arg, true, &o->retry_max_delay, err, errlen);
	case 't':
		return parse_secs(c, arg, false, &o->timeout, err, errlen);
	case OPT_CONNECT_TIMEOUT:
		return parse_secs(c, arg, false, &o->connect_timeout, err, errlen);
	case 'o':
		o->output = arg;
		return true;
	case OPT_REPORT:
		o->report = arg;
		return true;
	case OPT_RESUME:
		o->resume = arg;
		return true;
	case 'q':
		o->quiet = true;
		return true;
	case 'A':
		o->user_agent = arg;
		return check_header_text(c, arg, false, err, errlen);
	case 'H':
		if (!check_header_text(c, arg, true, err, errlen))
			return false;
		o->headers = xrealloc(o->headers,
		    (o->nheaders + 1) * sizeof *o->headers);
		o->headers[o->nheaders++] = arg;
		return true;
	case 'X':
		if (!is_token(arg))
			return fail(err, errlen, "-X/--method: '%s' is not an "
			    "HTTP method", arg);
		o->method = arg;
		return true;
	case 'd':
		if (strcmp(arg, "@-") == 0)
			return fail(err, errlen, "-d/--data: '@-' is not "
			    "allowed: standard input carries the URLs");
		if (arg[0] == '@' && arg[1] == '\0')
			return fail(err, errlen, "-d/--data: '@' names no file");
		o->data_arg = arg;
		return true;
	case OPT_MAX_REDIRS:
		return parse_count(c, arg, 0, 1000, &o->max_redirs, err, errlen);
	case OPT_MAX_SIZE:
		if (!cli_parse_size(arg, &o->max_size) || o->max_size < 1)
			return fail(err, errlen, "--max-size: '%s' is not a "
			    "size of 1 or more bytes (suffix k, M or G)", arg);
		return true;
	case OPT_BODY:
		o->body = true;
		return true;
	case 'k':
		o->insecure = true;
		return true;
	case OPT_NO_PRIVATE:
		o->no_private = true;
		return true;
	case OPT_PER_HOST:
		return parse_count(c, arg, 1, 100000, &o->per_host, err, errlen);
	case OPT_RATE:
		return parse_rate(c, arg, &o->rate_interval, err, errlen);
	case OPT_HOST_RATE:
		return parse_rate(c, arg, &o->host_interval, err, errlen);
	case OPT_ADAPTIVE:
		o->adaptive = true;
		return true;
	case OPT_BREAKER:
		return parse_breaker(arg, o, err, errlen);
	case OPT_ROBOTS:
		o->robots = true;
		return true;
	case OPT_HOST_KEY:
		if (strcmp(arg, "host") == 0)
			o->host_key = HOSTKEY_HOST;
		else if (strcmp(arg, "domain") == 0)
			o->host_key = HOSTKEY_DOMAIN;
		else
			return fail(err, errlen, "--host-key: '%s' is not "
			    "'host' or 'domain'", arg);
		return true;
	case OPT_LOOKAHEAD:
		return parse_count(c, arg, 1, 10000000, &o->lookahead, err,
		    errlen);
	case OPT_SHARD:
		return parse_shard(arg, o, err, errlen);
	case OPT_ORDERED:
		o->ordered = true;
		return true;
	case OPT_TITLE:
		o->title = true;
		return true;
	case OPT_LINKS:
		o->links = true;
		return true;
	case OPT_SELECT:
		return add_named(c, arg, &o->selects, &o->nselects, err, errlen);
	case OPT_XPATH:
		return add_named(c, arg, &o->xpaths, &o->nxpaths, err, errlen);
	case OPT_REGEX:
		return add_named(c, arg, &o->regexes, &o->nregexes, err, errlen);
	case OPT_HASH:
		o->hash = true;
		return true;
	case OPT_STORE:
		if (arg[0] == '\0')
			return fail(err, errlen, "--store: the directory name is "
			    "empty");
		o->store = arg;
		return true;
	case OPT_PROGRESS:
	case OPT_NO_PROGRESS:
		o->progress = c == OPT_PROGRESS;
		o->progress_set = true;
		return true;
	}
	return fail(err, errlen, "internal error: option %d not handled", c);
}

/* getopt_long's own messages are off (opterr = 0) so that every usage
 * error is one line in the same form. */
/* Whether arg is "--NAME=..." for (an abbreviation of) the flag whose
 * code is code: glibc's way of saying "--body=yes".  Inside a group of
 * short options optind has not moved yet, so arg may be any earlier
 * argument: the name must match. */
static bool
is_flag_given_value(const char *arg, int code)
{
	const char *eq = strchr(arg, '=');
	size_t len;

	if (code == 0 || strncmp(arg, "--", 2) != 0 || eq == NULL)
		return false;
	len = (size_t)(eq - (arg + 2));
	for (size_t i = 0; long_options[i].name != NULL; i++)
		if (long_options[i].val == code &&
		    long_options[i].has_arg == no_argument && len > 0 &&
		    strncmp(long_options[i].name, arg + 2, len) == 0)
			return true;
	return false;
}

static void
describe_getopt_error(int argc, char **argv, int bad, char *err,
    size_t errlen)
{
	const char *arg = optind - 1 < argc ? argv[optind - 1] : "";
	char name[64];

	if (bad == ':') {
		fail(err, errlen, "%s: missing value",
		    option_name(optopt, name, sizeof name));
	} else if (is_flag_given_value(arg, optopt)) {
		fail(err, errlen, "%s: takes no value",
		    option_name(optopt, name, sizeof name));
	} else if (optopt != 0) {
		fail(err, errlen, "unknown option '-%c'", optopt);
	} else {
		fail(err, errlen, "unknown or ambiguous option '%s'", arg);
	}
}

enum cli_result
cli_parse(int argc, char **argv, struct options *opts, char *err,
    size_t errlen)
{
	int c;

	set_defaults(opts);
	getopt_tables();
	opterr = 0;
	/* 0, not 1: glibc then also forgets where it was inside a group of
	 * short options from an earlier call. */
	optind = 0;
	while ((c = getopt_long(argc, argv, short_options, long_options,
	    NULL)) != -1) {
		if (c == 'h')
			return CLI_HELP;
		if (c == 'V')
			return CLI_VERSION;
		if (c == '?' || c == ':') {
			describe_getopt_error(argc, argv, c, err, errlen);
			return CLI_ERROR;
		}
		if (!apply_option(opts, c, optarg, err, errlen))
			return CLI_ERROR;
	}
	if (opts->resume != NULL && opts->output != NULL) {
		fail(err, errlen, "--resume: cannot be combined with -o "
		    "(results are appended to the --resume FILE)");
		return CLI_ERROR;
	}
	/* Without these a run takes the fast path of 1.0, host-blind. */
	opts->hosts = opts->per_host > 0 || opts->rate_interval > 0 ||
	    opts->host_interval > 0 || opts->adaptive ||
	    opts->breaker_failures > 0 || opts->robots;
	opts->idempotent = is_idempotent(opts->method != NULL ? opts->method :
	    opts->data_arg != NULL ? "POST" : "GET");
	opts->files = argv + optind;
	opts->nfiles = (size_t)(argc - optind);
	return CLI_RUN;
}

/* Largest -d @FILE: a request body, not a data set. */
#define DATA_FILE_MAX (64 * 1024 * 1024)

bool
cli_load_data(struct options *opts, char *err, size_t errlen)
{
	const char *path;
	size_t cap = 4096;
	ssize_t n;
	int fd;

	if (opts->data_arg == NULL)
		return true;
	if (opts->data_arg[0] != '@') {
		opts->data_len = strlen(opts->data_arg);
		opts->data = xmemdup0(opts->data_arg, opts->data_len);
		return true;
	}
	path = opts->data_arg + 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail(err, errlen, "-d/--data: cannot open '%s': %s",
		    path, strerror(errno));
	opts->data = xmalloc(cap);
	opts->data_len = 0;
	for (;;) {
		if (opts->data_len == cap) {
			if (cap >= DATA_FILE_MAX) {
				close(fd);
				return fail(err, errlen, "-d/--data: '%s' is "
				    "larger than 64 MiB", path);
			}
			cap *= 2;
			opts->data = xrealloc(opts->data, cap);
		}
		n = read(fd, opts->data + opts->data_len, cap - opts->data_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int e = errno;

			close(fd);
			return fail(err, errlen, "-d/--data: cannot read "
			    "'%s': %s", path, strerror(e));
		}
		if (n == 0)
			break;
		opts->data_len += (size_t)n;
	}
	close(fd);
	return true;
}

void
cli_free(struct options *opts)
{
	free(opts->headers);
	opts->headers = NULL;
	opts->nheaders = 0;
	free(opts->data);
	opts->data = NULL;
	free(opts->selects);
	free(opts->xpaths);
	free(opts->regexes);
	opts->selects = opts->xpaths = opts->regexes = NULL;
	opts->nselects = opts->nxpaths = opts->nregexes = 0;
}
