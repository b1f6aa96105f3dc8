/* Command-line options: the one option table, defaults, validation,
 * --help and --version.  The table says what each option's value is, so
 * that the shell completions made from it at build time
 * (tools/gen-completion) keep up with every option added. */
#ifndef SCRAPE_CLI_H
#define SCRAPE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hostkey.h"

struct options {
	long concurrency;         /* -c: transfers in flight at most */
	long jobs;                /* -j: event loops; 0: as jobs_count says */
	long retries;             /* -r: retries after the first attempt */
	double retry_delay;       /* --retry-delay: backoff base, seconds */
	double retry_max_delay;   /* --retry-max-delay: cap on one wait */
	double timeout;           /* -t: per attempt, whole transfer */
	double connect_timeout;   /* --connect-timeout: per attempt */
	const char *output;       /* -o: NULL for standard output */
	const char *report;       /* --report: NULL for none */
	const char *resume;       /* --resume: previous output, appended to */
	bool quiet;               /* -q */
	const char *user_agent;   /* -A */
	const char **headers;     /* -H, in order given */
	size_t nheaders;
	long max_redirs;          /* --max-redirs */
	uint64_t max_size;        /* --max-size, bytes */
	bool body;                /* --body */
	bool insecure;            /* -k */
	bool no_private;          /* --no-private */
	const char *method;       /* -X: NULL for libcurl's own choice */
	const char *data_arg;     /* -d as given: STRING or @FILE; NULL: none */
	char *data;               /* the request body, after cli_load_data */
	size_t data_len;
	bool idempotent;          /* the method may be sent twice */
	long per_host;            /* --per-host: 0 for no limit */
	double rate_interval;     /* --rate: seconds between starts; 0: none */
	double host_interval;     /* --host-rate, the same per host */
	bool adaptive;            /* --adaptive */
	long breaker_failures;    /* --breaker N: 0 for no breaker */
	double breaker_secs;      /* --breaker /SECS */
	bool robots;              /* --robots */
	enum hostkey_mode host_key; /* --host-key */
	long lookahead;           /* --lookahead: URLs held ahead */
	bool hosts;               /* some option above needs the host gate */
	unsigned long shard_k;    /* --shard K/N; N 0: no sharding */
	unsigned long shard_n;
	bool ordered;             /* --ordered */
	bool title;               /* --title */
	bool links;               /* --links */
	const char **selects;     /* --select NAME=SELECTOR, in order given */
	size_t nselects;
	const char **xpaths;      /* --xpath NAME=EXPR */
	size_t nxpaths;
	const char **regexes;     /* --regex NAME=PATTERN */
	size_t nregexes;
	bool hash;                /* --hash */
	const char *store;        /* --store DIR: NULL for none */
	bool progress;            /* --progress / --no-progress; default: stderr is a terminal */
	bool progress_set;        /* whether the user chose */
	char **files;             /* operands; none means standard input */
	size_t nfiles;
};

/* What follows an option, as far as a shell completing it cares. */
enum cli_arg {
	CLI_ARG_NONE,     /* a flag */
	CLI_ARG_NUMBER,   /* a count, seconds, a size or a rate: typed */
	CLI_ARG_STRING,   /* free text: typed */
	CLI_ARG_FILE,     /* a path */
	CLI_ARG_WORD      /* a word; completion offers the row's words */
};

struct cli_option {
	const char *name;     /* long name, without "--" */
	int val;              /* its short letter, or above UCHAR_MAX: none */
	enum cli_arg arg;
	const char *words;    /* CLI_ARG_WORD: space-separated */
};

/* The one option table, ended by a row whose name is NULL. */
extern const struct cli_option cli_options[];

enum cli_result {
	CLI_RUN,        /* options parsed: go fetch */
	CLI_HELP,       /* -h: usage printed to stdout, exit 0 */
	CLI_VERSION,    /* -V: version printed, exit 0 */
	CLI_ERROR       /* usage error: message in the caller's buffer, exit 2 */
};

/* Parse argv into opts (which the caller frees with cli_free).  On
 * CLI_ERROR the one-line reason is written into err. */
enum cli_result cli_parse(int argc, char **argv, struct options *opts,
    char *err, size_t errlen);
void cli_free(struct options *opts);
/* Read the body -d names (STRING, or the contents of @FILE) into
 * opts->data; false, with the reason in err, when FILE cannot be read. */
bool cli_load_data(struct options *opts, char *err, size_t errlen);

void cli_usage(FILE *out);
void cli_version(FILE *out);

/* The long option names in the table, NULL-terminated (for tests that
 * check --help and the man page document every one). */
const char *const *cli_option_names(void);

/* Value parsers, shared with tests and fuzzers.  Each returns false for
 * malformed input. */
bool cli_parse_long(const char *s, long *out);
bool cli_parse_seconds(const char *s, double *out);
bool cli_parse_size(const char *s, uint64_t *out);

#endif
