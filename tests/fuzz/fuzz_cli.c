/* libFuzzer target: option parsing (src/cli.c).
 *
 * Input: up to 63 arguments separated by NUL bytes, after argv[0]
 * "scrape".  cli_parse (getopt_long underneath: global state, which it
 * resets itself) must end in a one-line usage error or in options inside
 * the SPEC's ranges. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"

#include "fuzz_util.h"

#define MAX_ARGS 64
#define ERR_LEN 512

/* Whether p points into one of the argument strings ("--output=" at the
 * very end of the input gives a pointer to the final NUL). */
static bool
in_args(const char *p, const char *storage, size_t len)
{
	return p >= storage && p <= storage + len;
}

/* "NAME: takes no value" is for "--name=value" where the long option
 * takes no value: some argument must be one (NAME possibly abbreviated).
 * The flags are those of the option table, so new ones are known. */
static bool
has_flag_with_value(char **args, int n)
{
	for (int i = 1; i < n; i++) {
		const char *a = args[i], *eq;

		if (strncmp(a, "--", 2) != 0 || (eq = strchr(a, '=')) == NULL)
			continue;
		for (const struct cli_option *f = cli_options; f->name != NULL;
		    f++)
			if (f->arg == CLI_ARG_NONE &&
			    (size_t)(eq - a - 2) <= strlen(f->name) &&
			    strncmp(a + 2, f->name, (size_t)(eq - a - 2)) == 0)
				return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *storage = malloc(size + 1);
	char *argv[MAX_ARGS + 1];
	char *orig[MAX_ARGS + 1];
	char *err = malloc(ERR_LEN);
	int argc = 0;
	struct options o;
	enum cli_result res;

	CHECK(storage != NULL && err != NULL);
	if (size > 0)
		memcpy(storage, data, size);
	storage[size] = '\0';
	argv[argc++] = "scrape";
	/* Each NUL ends an argument; the input's end ends the last. */
	for (size_t i = 0; i < size && argc < MAX_ARGS; ) {
		size_t len = strlen(storage + i);

		argv[argc++] = storage + i;
		i += len + 1;
	}
	argv[argc] = NULL;
	memcpy(orig, argv, sizeof argv);
	memset(err, 0, ERR_LEN);

	res = cli_parse(argc, argv, &o, err, ERR_LEN);
	CHECK(argv[argc] == NULL);
	switch (res) {
	case CLI_ERROR: {
		size_t len = strnlen(err, ERR_LEN);

		CHECK(len > 0 && len < ERR_LEN);
		for (size_t i = 0; i < len; i++)
			CHECK((unsigned char)err[i] >= 0x20 &&
			    (unsigned char)err[i] != 0x7f);
		/* The message names an option (no quoted user text). */
		if (len > 16 && strcmp(err + len - 16, ": takes no value") == 0 &&
		    err[0] == '-' && strchr(err, '\'') == NULL)
			CHECK(has_flag_with_value(orig, argc));
		break;
	}
	case CLI_RUN:
		CHECK(o.concurrency >= 1 && o.concurrency <= 100000);
		CHECK(o.retries >= 0 && o.retries <= 100);
		CHECK(isfinite(o.retry_delay) && o.retry_delay >= 0);
		CHECK(isfinite(o.retry_max_delay) && o.retry_max_delay >= 0);
		CHECK(isfinite(o.timeout) && o.timeout > 0);
		CHECK(isfinite(o.connect_timeout) && o.connect_timeout > 0);
		CHECK(o.max_redirs >= 0 && o.max_redirs <= 1000);
		CHECK(o.max_size >= 1);
		CHECK(o.user_agent != NULL);
		CHECK(o.per_host >= 0 && o.per_host <= 100000);
		CHECK(o.lookahead >= 1 && o.lookahead <= 10000000);
		CHECK(isfinite(o.rate_interval) && o.rate_interval >= 0);
		CHECK(isfinite(o.host_interval) && o.host_interval >= 0);
		CHECK(o.breaker_failures == 0 || o.breaker_secs > 0);
		CHECK(o.shard_n == 0 ||
		    (o.shard_k >= 1 && o.shard_k <= o.shard_n &&
		    o.shard_n <= 100000));
		CHECK(o.hosts == (o.per_host > 0 || o.rate_interval > 0 ||
		    o.host_interval > 0 || o.adaptive ||
		    o.breaker_failures > 0 || o.robots));
		CHECK(strpbrk(o.user_agent, "\r\n") == NULL);
		CHECK(o.output == NULL || in_args(o.output, storage, size));
		CHECK(o.report == NULL || in_args(o.report, storage, size));
		CHECK(o.resume == NULL || in_args(o.resume, storage, size));
		CHECK(o.resume == NULL || o.output == NULL);
		for (size_t i = 0; i < o.nheaders; i++) {
			const char *h = o.headers[i];
			const char *colon = strchr(h, ':');

			CHECK(in_args(h, storage, size));
			CHECK(colon != NULL && colon != h);
			CHECK(strpbrk(h, "\r\n") == NULL);
			for (const char *p = h; p < colon; p++)
				CHECK((unsigned char)*p > ' ' && *p != 0x7f);
		}
		/* The operands are the tail of argv, each one of the inputs. */
		CHECK(o.nfiles <= (size_t)argc - 1);
		CHECK(o.files == argv + argc - o.nfiles);
		for (size_t i = 0; i < o.nfiles; i++) {
			bool found = false;

			for (int k = 1; k < argc; k++)
				if (orig[k] == o.files[i])
					found = true;
			CHECK(found);
		}
		break;
	case CLI_HELP:
	case CLI_VERSION:
		break;
	default:
		CHECK(!"cli_parse returned no known result");
	}
	cli_free(&o);
	CHECK(o.headers == NULL && o.nheaders == 0);
	free(err);
	free(storage);
	return 0;
}
