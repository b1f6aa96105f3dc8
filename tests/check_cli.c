/* Unit tests of the command line: every option, its default, its range,
 * and the one-line usage errors of SPEC.md. */
#include <check.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The argv handed to cli_parse: a writable copy (getopt permutes it).
 * Every copy stays alive until the end of the run, not just while
 * opts->files and opts->headers point into it: glibc's getopt keeps a
 * pointer into the last argv it scanned, so freeing one between calls
 * would let the next call read freed memory (see the test of repeated
 * calls below). */
struct argv_copy {
	struct argv_copy *next;
	int argc;
	char **argv;
};

static struct argv_copy *arena;
static struct options opts;
static char err[256];

static void
arena_free(void)
{
	while (arena != NULL) {
		struct argv_copy *a = arena;

		arena = a->next;
		/* Permutation only reorders the pointers, so each one is
		 * still freed exactly once. */
		for (int i = 0; i < a->argc; i++)
			free(a->argv[i]);
		free(a->argv);
		free(a);
	}
}

static void
teardown(void)
{
	cli_free(&opts);
}

static enum cli_result
run_args(const char *const *list)
{
	struct argv_copy *a = calloc(1, sizeof *a);
	int n = 0;

	ck_assert_ptr_nonnull(a);
	cli_free(&opts);
	while (list[n] != NULL)
		n++;
	a->argv = calloc((size_t)n + 1, sizeof *a->argv);
	ck_assert_ptr_nonnull(a->argv);
	for (int i = 0; i < n; i++) {
		a->argv[i] = strdup(list[i]);
		ck_assert_ptr_nonnull(a->argv[i]);
	}
	a->argc = n;
	a->next = arena;
	arena = a;
	memset(err, 0, sizeof err);
	return cli_parse(a->argc, a->argv, &opts, err, sizeof err);
}

#define PARSE(...) \
	run_args((const char *const[]){ "scrape", __VA_ARGS__, NULL })
#define PARSE0() run_args((const char *const[]){ "scrape", NULL })

/* A usage error as SPEC.md describes it: a message, on one line, that
 * names the option (as the user typed it). */
static void
assert_usage_error(enum cli_result r, const char *needle)
{
	ck_assert_int_eq(r, CLI_ERROR);
	ck_assert_msg(err[0] != '\0', "no error message");
	for (const char *p = err; *p != '\0'; p++)
		ck_assert_msg(!iscntrl((unsigned char)*p),
		    "error message holds control byte 0x%02x: \"%s\"",
		    (unsigned char)*p, err);
	ck_assert_msg(strstr(err, needle) != NULL,
	    "error message \"%s\" does not name \"%s\"", err, needle);
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(PARSE0(), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 50);
	ck_assert_int_eq(opts.retries, 3);
	ck_assert_double_eq(opts.retry_delay, 1.0);
	ck_assert_double_eq(opts.retry_max_delay, 30.0);
	ck_assert_double_eq(opts.timeout, 30.0);
	ck_assert_double_eq(opts.connect_timeout, 10.0);
	ck_assert_ptr_null(opts.output);
	ck_assert_ptr_null(opts.report);
	ck_assert(!opts.quiet);
	ck_assert_str_eq(opts.user_agent, "scrape/1.0.0");
	ck_assert_uint_eq(opts.nheaders, 0);
	ck_assert_int_eq(opts.max_redirs, 10);
	ck_assert_uint_eq(opts.max_size, 10485760u);
	ck_assert(!opts.body);
	ck_assert(!opts.insecure);
	ck_assert(!opts.progress_set);
	ck_assert_uint_eq(opts.nfiles, 0);
	ck_assert_ptr_null(opts.method);
	ck_assert_ptr_null(opts.data_arg);
	ck_assert_ptr_null(opts.data);
	ck_assert(opts.idempotent);
}
END_TEST

START_TEST(test_short_options)
{
	ck_assert_int_eq(PARSE("-c", "7", "-r", "0", "-t", "2.5", "-o",
	    "out.jsonl", "-q", "-A", "ua/1", "-H", "X-A: 1", "-k"), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 7);
	ck_assert_int_eq(opts.retries, 0);
	ck_assert_double_eq(opts.timeout, 2.5);
	ck_assert_str_eq(opts.output, "out.jsonl");
	ck_assert(opts.quiet);
	ck_assert_str_eq(opts.user_agent, "ua/1");
	ck_assert_uint_eq(opts.nheaders, 1);
	ck_assert_str_eq(opts.headers[0], "X-A: 1");
	ck_assert(opts.insecure);
	ck_assert_uint_eq(opts.nfiles, 0);
	/* untouched ones keep their defaults */
	ck_assert_int_eq(opts.max_redirs, 10);
	ck_assert_double_eq(opts.connect_timeout, 10.0);
}
END_TEST

START_TEST(test_long_options)
{
	ck_assert_int_eq(PARSE("--concurrency", "8", "--retries", "100",
	    "--retry-delay", "0.25", "--retry-max-delay", "60", "--timeout",
	    "0.5", "--connect-timeout", "3", "--output", "o.jsonl",
	    "--report", "r.json", "--quiet", "--user-agent", "bot/2",
	    "--header", "X-B: 2", "--max-redirs", "0", "--max-size", "1k",
	    "--body", "--insecure"), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 8);
	ck_assert_int_eq(opts.retries, 100);
	ck_assert_double_eq(opts.retry_delay, 0.25);
	ck_assert_double_eq(opts.retry_max_delay, 60.0);
	ck_assert_double_eq(opts.timeout, 0.5);
	ck_assert_double_eq(opts.connect_timeout, 3.0);
	ck_assert_str_eq(opts.output, "o.jsonl");
	ck_assert_str_eq(opts.report, "r.json");
	ck_assert(opts.quiet);
	ck_assert_str_eq(opts.user_agent, "bot/2");
	ck_assert_uint_eq(opts.nheaders, 1);
	ck_assert_str_eq(opts.headers[0], "X-B: 2");
	ck_assert_int_eq(opts.max_redirs, 0);
	ck_assert_uint_eq(opts.max_size, 1024);
	ck_assert(opts.body);
	ck_assert(opts.insecure);
	ck_assert_uint_eq(opts.nfiles, 0);
}
END_TEST

START_TEST(test_long_options_with_equals)
{
	ck_assert_int_eq(PARSE("--concurrency=9", "--max-size=2M",
	    "--report=rep.json", "--timeout=1.5", "--header=X-C: 3",
	    "--retry-delay=0"), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 9);
	ck_assert_uint_eq(opts.max_size, 2u * 1024 * 1024);
	ck_assert_str_eq(opts.report, "rep.json");
	ck_assert_double_eq(opts.timeout, 1.5);
	ck_assert_uint_eq(opts.nheaders, 1);
	ck_assert_str_eq(opts.headers[0], "X-C: 3");
	ck_assert_double_eq(opts.retry_delay, 0.0);
}
END_TEST

START_TEST(test_attached_and_clustered_short_options)
{
	ck_assert_int_eq(PARSE("-c12", "-r5", "-t0.1", "-qk", "-Hx:y"),
	    CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 12);
	ck_assert_int_eq(opts.retries, 5);
	ck_assert_double_eq_tol(opts.timeout, 0.1, 1e-12);
	ck_assert(opts.quiet);
	ck_assert(opts.insecure);
	ck_assert_uint_eq(opts.nheaders, 1);
	ck_assert_str_eq(opts.headers[0], "x:y");
	/* a cluster that ends in an option taking a value */
	ck_assert_int_eq(PARSE("-kc", "3"), CLI_RUN);
	ck_assert(opts.insecure);
	ck_assert_int_eq(opts.concurrency, 3);
}
END_TEST

START_TEST(test_progress_switches)
{
	ck_assert_int_eq(PARSE("--progress"), CLI_RUN);
	ck_assert(opts.progress_set);
	ck_assert(opts.progress);
	ck_assert_int_eq(PARSE("--no-progress"), CLI_RUN);
	ck_assert(opts.progress_set);
	ck_assert(!opts.progress);
	ck_assert_int_eq(PARSE("--progress", "--no-progress"), CLI_RUN);
	ck_assert(!opts.progress);
}
END_TEST

START_TEST(test_last_value_wins)
{
	ck_assert_int_eq(PARSE("-c", "5", "--concurrency", "7", "-A", "a",
	    "-A", "b"), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 7);
	ck_assert_str_eq(opts.user_agent, "b");
}
END_TEST

START_TEST(test_repeated_headers_keep_order)
{
	ck_assert_int_eq(PARSE("-H", "A: 1", "--header", "B: 2", "-H",
	    "C: 3", "--header=D: 4", "-HE: 5"), CLI_RUN);
	ck_assert_uint_eq(opts.nheaders, 5);
	ck_assert_str_eq(opts.headers[0], "A: 1");
	ck_assert_str_eq(opts.headers[1], "B: 2");
	ck_assert_str_eq(opts.headers[2], "C: 3");
	ck_assert_str_eq(opts.headers[3], "D: 4");
	ck_assert_str_eq(opts.headers[4], "E: 5");
}
END_TEST

START_TEST(test_operands)
{
	ck_assert_int_eq(PARSE("a.txt", "-", "b.txt"), CLI_RUN);
	ck_assert_uint_eq(opts.nfiles, 3);
	ck_assert_str_eq(opts.files[0], "a.txt");
	ck_assert_str_eq(opts.files[1], "-");
	ck_assert_str_eq(opts.files[2], "b.txt");

	ck_assert_int_eq(PARSE("-"), CLI_RUN);
	ck_assert_uint_eq(opts.nfiles, 1);
	ck_assert_str_eq(opts.files[0], "-");
}
END_TEST

START_TEST(test_options_after_operands)
{
	ck_assert_int_eq(PARSE("urls", "-c", "5", "more", "-q", "-",
	    "--max-redirs=2"), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 5);
	ck_assert(opts.quiet);
	ck_assert_int_eq(opts.max_redirs, 2);
	ck_assert_uint_eq(opts.nfiles, 3);
	ck_assert_str_eq(opts.files[0], "urls");
	ck_assert_str_eq(opts.files[1], "more");
	ck_assert_str_eq(opts.files[2], "-");
}
END_TEST

START_TEST(test_double_dash_ends_options)
{
	ck_assert_int_eq(PARSE("-q", "--", "-c", "x", "--timeout"), CLI_RUN);
	ck_assert(opts.quiet);
	ck_assert_int_eq(opts.concurrency, 50);
	ck_assert_double_eq(opts.timeout, 30.0);
	ck_assert_uint_eq(opts.nfiles, 3);
	ck_assert_str_eq(opts.files[0], "-c");
	ck_assert_str_eq(opts.files[1], "x");
	ck_assert_str_eq(opts.files[2], "--timeout");

	ck_assert_int_eq(PARSE("a", "--", "-k"), CLI_RUN);
	ck_assert(!opts.insecure);
	ck_assert_uint_eq(opts.nfiles, 2);
	ck_assert_str_eq(opts.files[0], "a");
	ck_assert_str_eq(opts.files[1], "-k");
}
END_TEST

START_TEST(test_help_and_version)
{
	ck_assert_int_eq(PARSE("-h"), CLI_HELP);
	ck_assert_int_eq(PARSE("--help"), CLI_HELP);
	ck_assert_int_eq(PARSE("-c", "5", "urls", "--help"), CLI_HELP);
	ck_assert_int_eq(PARSE("-V"), CLI_VERSION);
	ck_assert_int_eq(PARSE("--version"), CLI_VERSION);
	ck_assert_int_eq(PARSE("urls", "-V"), CLI_VERSION);
}
END_TEST

START_TEST(test_range_boundaries_accepted)
{
	ck_assert_int_eq(PARSE("-c", "1"), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 1);
	ck_assert_int_eq(PARSE("-c", "100000"), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 100000);
	ck_assert_int_eq(PARSE("-r", "0"), CLI_RUN);
	ck_assert_int_eq(opts.retries, 0);
	ck_assert_int_eq(PARSE("-r", "100"), CLI_RUN);
	ck_assert_int_eq(opts.retries, 100);
	ck_assert_int_eq(PARSE("--max-redirs", "0"), CLI_RUN);
	ck_assert_int_eq(opts.max_redirs, 0);
	ck_assert_int_eq(PARSE("--max-redirs", "1000"), CLI_RUN);
	ck_assert_int_eq(opts.max_redirs, 1000);
	ck_assert_int_eq(PARSE("--max-size", "1"), CLI_RUN);
	ck_assert_uint_eq(opts.max_size, 1);
	ck_assert_int_eq(PARSE("--retry-delay", "0"), CLI_RUN);
	ck_assert_double_eq(opts.retry_delay, 0.0);
	ck_assert_int_eq(PARSE("--retry-max-delay", "0"), CLI_RUN);
	ck_assert_double_eq(opts.retry_max_delay, 0.0);
	ck_assert_int_eq(PARSE("-t", "0.001"), CLI_RUN);
	ck_assert_double_eq_tol(opts.timeout, 0.001, 1e-12);
	ck_assert_int_eq(PARSE("--connect-timeout", ".5"), CLI_RUN);
	ck_assert_double_eq(opts.connect_timeout, 0.5);
	ck_assert_int_eq(PARSE("--max-size", "10M"), CLI_RUN);
	ck_assert_uint_eq(opts.max_size, 10485760u);
	ck_assert_int_eq(PARSE("--max-size", "3G"), CLI_RUN);
	ck_assert_uint_eq(opts.max_size, UINT64_C(3) << 30);
}
END_TEST

/* Usage errors: the arguments (after "scrape") and what the message must
 * name. */
struct bad_case {
	const char *args[4];
	const char *names;
};

static const struct bad_case bad_cases[] = {
	{ { "-c", "0" }, "-c" },
	{ { "-c", "100001" }, "-c" },
	{ { "-c", "abc" }, "-c" },
	{ { "-c", "" }, "-c" },
	{ { "-c", "1.5" }, "-c" },
	{ { "-c", "-1" }, "-c" },
	{ { "-c", "5x" }, "-c" },
	{ { "-c", "99999999999999999999999" }, "-c" },
	{ { "--concurrency", "0" }, "--concurrency" },
	{ { "--concurrency=abc" }, "--concurrency" },
	{ { "-r", "-1" }, "-r" },
	{ { "-r", "101" }, "-r" },
	{ { "-r", "x" }, "-r" },
	{ { "--retries", "101" }, "--retries" },
	{ { "-t", "0" }, "-t" },
	{ { "-t", "-1" }, "-t" },
	{ { "-t", "abc" }, "-t" },
	{ { "-t", "nan" }, "-t" },
	{ { "-t", "inf" }, "-t" },
	{ { "-t", "1e3" }, "-t" },
	{ { "-t", "0x10" }, "-t" },
	{ { "-t", "" }, "-t" },
	{ { "-t", "." }, "-t" },
	{ { "--timeout", "0" }, "--timeout" },
	{ { "--connect-timeout", "0" }, "--connect-timeout" },
	{ { "--connect-timeout", "-1" }, "--connect-timeout" },
	{ { "--connect-timeout", "soon" }, "--connect-timeout" },
	{ { "--retry-delay", "-1" }, "--retry-delay" },
	{ { "--retry-delay", "abc" }, "--retry-delay" },
	{ { "--retry-max-delay", "-1" }, "--retry-max-delay" },
	{ { "--max-redirs", "1001" }, "--max-redirs" },
	{ { "--max-redirs", "-1" }, "--max-redirs" },
	{ { "--max-size", "0" }, "--max-size" },
	{ { "--max-size", "0k" }, "--max-size" },
	{ { "--max-size", "10X" }, "--max-size" },
	{ { "--max-size", "1kk" }, "--max-size" },
	{ { "--max-size", "" }, "--max-size" },
	{ { "--max-size", "-1" }, "--max-size" },
	{ { "--max-size", "1.5M" }, "--max-size" },
	{ { "--max-size", "18446744073709551616" }, "--max-size" },
	{ { "--max-size", "17179869184G" }, "--max-size" },
	{ { "--max-size", "99999999999999999999k" }, "--max-size" },
	{ { "-x" }, "-x" },
	{ { "-Z", "urls" }, "-Z" },
	{ { "--bogus" }, "--bogus" },
	{ { "--bogus=1" }, "--bogus" },
	{ { "urls", "--frobnicate" }, "--frobnicate" },
	{ { "--retry" }, "--retry" },          /* ambiguous prefix */
	{ { "-c" }, "-c" },                    /* missing values */
	{ { "-r" }, "-r" },
	{ { "-t" }, "-t" },
	{ { "-o" }, "-o" },
	{ { "-A" }, "-A" },
	{ { "-H" }, "-H" },
	{ { "--timeout" }, "--timeout" },
	{ { "--concurrency" }, "--concurrency" },
	{ { "--retry-delay" }, "--retry-delay" },
	{ { "--retry-max-delay" }, "--retry-max-delay" },
	{ { "--connect-timeout" }, "--connect-timeout" },
	{ { "--max-size" }, "--max-size" },
	{ { "--max-redirs" }, "--max-redirs" },
	{ { "--report" }, "--report" },
	{ { "--output" }, "--output" },
	{ { "-H", "NoColon" }, "-H" },
	{ { "--header", "NoColon" }, "--header" },
	{ { "-H", ": value" }, "-H" },
	{ { "-H", "Bad Name: x" }, "-H" },
	{ { "-H", "X-A: 1\r\nX-Evil: 2" }, "-H" },
	{ { "-H", "X-A: 1\nX-Evil: 2" }, "-H" },
	{ { "-H", "X-A: 1\r" }, "-H" },
	{ { "-A", "ua\nX-Evil: 1" }, "-A" },
	{ { "-A", "ua\r" }, "-A" },
	{ { "--user-agent", "a\r\nb" }, "--user-agent" },
	{ { "-X", "GE T" }, "-X" },            /* a method is an HTTP token */
	{ { "-X", "" }, "-X" },
	{ { "-X", "GET\r\nX-Evil: 1" }, "-X" },
	{ { "-X", "GET/1.1" }, "-X" },
	{ { "-X", "M\xc3\xa9THODE" }, "-X" },
	{ { "--method", "(GET)" }, "--method" },
	{ { "--method=" }, "--method" },
	{ { "-X" }, "-X" },
	{ { "--method" }, "--method" },
	{ { "-d" }, "-d" },
	{ { "--data" }, "--data" },
	{ { "-d", "@-" }, "-d" },              /* standard input holds URLs */
	{ { "--data", "@-" }, "--data" },
	{ { "-d", "@" }, "-d" },
};

#define NBAD ((int)(sizeof bad_cases / sizeof bad_cases[0]))

START_TEST(test_usage_errors)
{
	const struct bad_case *bc = &bad_cases[_i];
	const char *list[6] = { "scrape" };
	int n = 1;

	for (int i = 0; i < 4 && bc->args[i] != NULL; i++)
		list[n++] = bc->args[i];
	list[n] = NULL;
	assert_usage_error(run_args(list), bc->names);
}
END_TEST

/* A flag that takes no value, given one with '=': still a usage error,
 * and the message names the option the user typed. */
START_TEST(test_flag_given_a_value)
{
	assert_usage_error(PARSE("--body=yes"), "--body");
	assert_usage_error(PARSE("--quiet=1"), "--quiet");
	assert_usage_error(PARSE("--insecure=no"), "--insecure");
	assert_usage_error(PARSE("--progress=1"), "--progress");
	/* Found by fuzzing: inside "-zq" the previous argument is still
	 * argv[optind - 1]; the unknown -z must be named, not --report. */
	assert_usage_error(PARSE("--report=r.json", "-zq"), "-z");
	ck_assert_ptr_null(strstr(err, "takes no value"));
}
END_TEST

/* A value holding a newline must not break the one-line message. */
START_TEST(test_error_message_one_line_with_newline_in_value)
{
	assert_usage_error(PARSE("-c", "1\n2"), "-c");
	assert_usage_error(PARSE("--timeout", "1\n"), "--timeout");
	assert_usage_error(PARSE("--max-size", "1\nk"), "--max-size");
	assert_usage_error(PARSE("-H", "Bad\tName: x"), "-H");
	assert_usage_error(PARSE("--no-such\noption"), "--no-such");
}
END_TEST

START_TEST(test_parse_size)
{
	uint64_t v;

	ck_assert(cli_parse_size("0", &v));
	ck_assert_uint_eq(v, 0);
	ck_assert(cli_parse_size("1", &v));
	ck_assert_uint_eq(v, 1);
	ck_assert(cli_parse_size("1k", &v));
	ck_assert_uint_eq(v, 1024);
	ck_assert(cli_parse_size("1K", &v));
	ck_assert_uint_eq(v, 1024);
	ck_assert(cli_parse_size("3M", &v));
	ck_assert_uint_eq(v, 3u * 1048576u);
	ck_assert(cli_parse_size("10M", &v));
	ck_assert_uint_eq(v, 10485760u);
	ck_assert(cli_parse_size("5G", &v));
	ck_assert_uint_eq(v, UINT64_C(5368709120));
	ck_assert(cli_parse_size("1000", &v));
	ck_assert_uint_eq(v, 1000);
	ck_assert(cli_parse_size("18446744073709551615", &v));
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert(cli_parse_size("17179869183G", &v));
	ck_assert_uint_eq(v, UINT64_MAX - ((UINT64_C(1) << 30) - 1));
	ck_assert(cli_parse_size("17592186044415M", &v));
	ck_assert_uint_eq(v, UINT64_MAX - ((UINT64_C(1) << 20) - 1));

	ck_assert(!cli_parse_size("18446744073709551616", &v));
	ck_assert(!cli_parse_size("99999999999999999999999", &v));
	ck_assert(!cli_parse_size("17179869184G", &v));
	ck_assert(!cli_parse_size("17592186044416M", &v));
	ck_assert(!cli_parse_size("18014398509481984k", &v));
	ck_assert(!cli_parse_size("", &v));
	ck_assert(!cli_parse_size("k", &v));
	ck_assert(!cli_parse_size("1kk", &v));
	ck_assert(!cli_parse_size("1KB", &v));
	ck_assert(!cli_parse_size("10X", &v));
	ck_assert(!cli_parse_size("-1", &v));
	ck_assert(!cli_parse_size("+1", &v));
	ck_assert(!cli_parse_size(" 1", &v));
	ck_assert(!cli_parse_size("1 ", &v));
	ck_assert(!cli_parse_size("1.5M", &v));
	ck_assert(!cli_parse_size("0x10", &v));
	ck_assert(!cli_parse_size(NULL, &v));
}
END_TEST

START_TEST(test_parse_long)
{
	long v;

	ck_assert(cli_parse_long("42", &v));
	ck_assert_int_eq(v, 42);
	ck_assert(cli_parse_long("-7", &v));
	ck_assert_int_eq(v, -7);
	ck_assert(cli_parse_long("0", &v));
	ck_assert_int_eq(v, 0);
	ck_assert(!cli_parse_long("", &v));
	ck_assert(!cli_parse_long("abc", &v));
	ck_assert(!cli_parse_long("1.5", &v));
	ck_assert(!cli_parse_long("12x", &v));
	ck_assert(!cli_parse_long(" 12", &v));
	ck_assert(!cli_parse_long("12 ", &v));
	ck_assert(!cli_parse_long("-", &v));
	ck_assert(!cli_parse_long("9223372036854775808", &v));
	ck_assert(!cli_parse_long(NULL, &v));
}
END_TEST

START_TEST(test_parse_seconds)
{
	double v;

	ck_assert(cli_parse_seconds("1", &v));
	ck_assert_double_eq(v, 1.0);
	ck_assert(cli_parse_seconds("0.5", &v));
	ck_assert_double_eq(v, 0.5);
	ck_assert(cli_parse_seconds(".25", &v));
	ck_assert_double_eq(v, 0.25);
	ck_assert(cli_parse_seconds("30", &v));
	ck_assert_double_eq(v, 30.0);
	ck_assert(cli_parse_seconds("0", &v));
	ck_assert_double_eq(v, 0.0);

	ck_assert(!cli_parse_seconds("", &v));
	ck_assert(!cli_parse_seconds(".", &v));
	ck_assert(!cli_parse_seconds("-", &v));
	ck_assert(!cli_parse_seconds("nan", &v));
	ck_assert(!cli_parse_seconds("NAN", &v));
	ck_assert(!cli_parse_seconds("inf", &v));
	ck_assert(!cli_parse_seconds("infinity", &v));
	ck_assert(!cli_parse_seconds("1e3", &v));
	ck_assert(!cli_parse_seconds("0x1p3", &v));
	ck_assert(!cli_parse_seconds("1s", &v));
	ck_assert(!cli_parse_seconds(" 1", &v));
	ck_assert(!cli_parse_seconds("1 ", &v));
	ck_assert(!cli_parse_seconds("1.2.3", &v));
	ck_assert(!cli_parse_seconds(NULL, &v));
}
END_TEST

/* The long options SPEC.md requires, all of which must be in the table. */
static const char *const required_long[] = {
	"concurrency", "retries", "retry-delay", "retry-max-delay", "timeout",
	"connect-timeout", "output", "report", "quiet", "user-agent",
	"header", "max-redirs", "max-size", "body", "insecure", "help",
	"version", NULL
};

START_TEST(test_option_names)
{
	const char *const *names = cli_option_names();
	size_t n = 0;

	ck_assert_ptr_nonnull(names);
	while (names[n] != NULL) {
		ck_assert_msg(names[n][0] != '\0' && names[n][0] != '-',
		    "bad name \"%s\"", names[n]);
		for (size_t j = 0; j < n; j++)
			ck_assert_msg(strcmp(names[j], names[n]) != 0,
			    "\"%s\" listed twice", names[n]);
		n++;
		ck_assert_uint_lt(n, 100);
	}
	for (size_t i = 0; required_long[i] != NULL; i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			if (strcmp(names[j], required_long[i]) == 0)
				found = true;
		ck_assert_msg(found, "--%s missing from cli_option_names",
		    required_long[i]);
	}
	/* every listed name is accepted by the parser */
	for (size_t j = 0; j < n; j++) {
		char opt[64];
		const char *list[4] = { "scrape", opt, "1", NULL };
		enum cli_result r;

		snprintf(opt, sizeof opt, "--%s", names[j]);
		r = run_args(list);
		ck_assert_msg(r != CLI_ERROR || strstr(err, "unknown") == NULL,
		    "--%s listed but not known: %s", names[j], err);
	}
	/* the second call gives the same answer */
	ck_assert_ptr_eq(cli_option_names()[0], names[0]);
}
END_TEST

/* What the table tells the shell completions is what the parser does:
 * a short letter is an option, taking a value exactly when the long one
 * does, and every word offered is accepted. */
START_TEST(test_table_matches_parser)
{
	for (const struct cli_option *o = cli_options; o->name != NULL; o++) {
		char opt[64], words[256], *w, *save;

		snprintf(opt, sizeof opt, "--%s", o->name);
		if (o->val <= 255 && o->arg == CLI_ARG_NONE) {
			snprintf(opt, sizeof opt, "-%c", o->val);
			ck_assert_int_ne(PARSE(opt), CLI_ERROR);
		} else if (o->val <= 255) {
			snprintf(opt, sizeof opt, "-%c", o->val);
			assert_usage_error(PARSE(opt), "missing value");
		}
		ck_assert_msg((o->arg == CLI_ARG_WORD) == (o->words != NULL),
		    "--%s: words given for no word, or none", o->name);
		if (o->arg != CLI_ARG_WORD)
			continue;
		snprintf(words, sizeof words, "%s", o->words);
		for (w = strtok_r(words, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save))
			ck_assert_msg(PARSE(opt, w) == CLI_RUN,
			    "%s %s: %s", opt, w, err);
	}
}
END_TEST

static char *
capture(void (*fn)(FILE *), size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	ck_assert_ptr_nonnull(f);
	fn(f);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

/* "--name" as a whole word: not the tail of a longer option. */
static bool
mentions_option(const char *text, const char *name)
{
	char opt[64];
	size_t n;

	snprintf(opt, sizeof opt, "--%s", name);
	n = strlen(opt);
	for (const char *p = text; (p = strstr(p, opt)) != NULL; p++) {
		char next = p[n];
		bool word_start = p == text ||
		    !(isalnum((unsigned char)p[-1]) || p[-1] == '-');

		if (word_start && !(isalnum((unsigned char)next) ||
		    next == '-'))
			return true;
	}
	return false;
}

START_TEST(test_usage_fits_one_screen)
{
	size_t len, lines = 0, col = 0;
	char *text = capture(cli_usage, &len);
	const char *const *names = cli_option_names();

	ck_assert_uint_gt(len, 0);
	ck_assert_msg(strncmp(text, "Usage: scrape", 13) == 0,
	    "usage starts \"%.20s\"", text);
	ck_assert_msg(text[len - 1] == '\n', "usage does not end in newline");
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			lines++;
			col = 0;
			continue;
		}
		ck_assert_msg(text[i] != '\t', "tab in usage line %zu",
		    lines + 1);
		col++;
		ck_assert_msg(col <= 80, "usage line %zu is over 80 columns",
		    lines + 1);
	}
	ck_assert_uint_le(lines, 40);
	for (size_t i = 0; names[i] != NULL; i++)
		ck_assert_msg(mentions_option(text, names[i]),
		    "usage does not mention --%s", names[i]);
	ck_assert_ptr_nonnull(strstr(text, "-c, --concurrency"));
	ck_assert_ptr_nonnull(strstr(text, "scrape/1.0.0"));
	free(text);
}
END_TEST

START_TEST(test_version)
{
	size_t len;
	char *text = capture(cli_version, &len);

	ck_assert_msg(strncmp(text, "scrape 1.0.0", 12) == 0,
	    "version line is \"%s\"", text);
	ck_assert_uint_gt(len, 0);
	ck_assert(text[len - 1] == '\n');
	ck_assert_ptr_eq(strchr(text, '\n'), text + len - 1);
	free(text);
}
END_TEST

START_TEST(test_repeated_parse_starts_fresh)
{
	ck_assert_int_eq(PARSE("-c", "5", "-H", "A: b", "-q", "f1", "f2"),
	    CLI_RUN);
	ck_assert_int_eq(PARSE0(), CLI_RUN);
	ck_assert_int_eq(opts.concurrency, 50);
	ck_assert_uint_eq(opts.nheaders, 0);
	ck_assert(!opts.quiet);
	ck_assert_uint_eq(opts.nfiles, 0);

	assert_usage_error(PARSE("-c", "0"), "-c");
	ck_assert_int_eq(PARSE("-r", "2", "u"), CLI_RUN);
	ck_assert_int_eq(opts.retries, 2);
	ck_assert_int_eq(opts.concurrency, 50);
	ck_assert_uint_eq(opts.nfiles, 1);
	ck_assert_str_eq(opts.files[0], "u");
}
END_TEST

/* cli_parse returning in the middle of a cluster ("-hk", "-xq") must not
 * leave getopt's place in that cluster for the next call.  Both argvs
 * stay alive, so a leftover is read, not undefined. */
START_TEST(test_repeated_parse_after_early_return_in_cluster)
{
	/* static: whatever getopt keeps pointing at outlives this test */
	static char a0[] = "scrape", a1[] = "-hk";
	static char *av[] = { a0, a1, NULL };
	static char b0[] = "scrape", b1[] = "u";
	static char *bv[] = { b0, b1, NULL };
	static char c0[] = "scrape", c1[] = "-xq";
	static char *cv[] = { c0, c1, NULL };
	static char d0[] = "scrape", d1[] = "-c", d2[] = "5", d3[] = "f";
	static char *dv[] = { d0, d1, d2, d3, NULL };
	struct options o;
	char e[256];

	ck_assert_int_eq(cli_parse(2, av, &o, e, sizeof e), CLI_HELP);
	cli_free(&o);
	ck_assert_int_eq(cli_parse(2, bv, &o, e, sizeof e), CLI_RUN);
	ck_assert_msg(!o.insecure, "-k of the previous call's \"-hk\" "
	    "leaked into this call");
	ck_assert_uint_eq(o.nfiles, 1);
	ck_assert_str_eq(o.files[0], "u");
	cli_free(&o);

	ck_assert_int_eq(cli_parse(2, cv, &o, e, sizeof e), CLI_ERROR);
	cli_free(&o);
	ck_assert_int_eq(cli_parse(4, dv, &o, e, sizeof e), CLI_RUN);
	ck_assert_msg(!o.quiet, "-q of the previous call's \"-xq\" "
	    "leaked into this call");
	ck_assert_int_eq(o.concurrency, 5);
	ck_assert_uint_eq(o.nfiles, 1);
	ck_assert_str_eq(o.files[0], "f");
	cli_free(&o);
}
END_TEST

/* -X takes any HTTP token as is (case kept: methods are case-sensitive),
 * and -d keeps its argument for cli_load_data. */
START_TEST(test_method_and_data)
{
	ck_assert_int_eq(PARSE("-X", "HEAD"), CLI_RUN);
	ck_assert_str_eq(opts.method, "HEAD");
	ck_assert_ptr_null(opts.data_arg);
	ck_assert_int_eq(PARSE("--method", "PROPFIND"), CLI_RUN);
	ck_assert_str_eq(opts.method, "PROPFIND");
	ck_assert_int_eq(PARSE("--method=get"), CLI_RUN);
	ck_assert_str_eq(opts.method, "get");
	ck_assert_int_eq(PARSE("-X", "!#$%&'*+-.^_`|~09az"), CLI_RUN);
	ck_assert_str_eq(opts.method, "!#$%&'*+-.^_`|~09az");
	ck_assert_int_eq(PARSE("-d", "a=1&b=2"), CLI_RUN);
	ck_assert_ptr_null(opts.method);
	ck_assert_str_eq(opts.data_arg, "a=1&b=2");
	ck_assert_int_eq(PARSE("--data", "@body.bin", "-XPUT"), CLI_RUN);
	ck_assert_str_eq(opts.data_arg, "@body.bin");
	ck_assert_str_eq(opts.method, "PUT");
	/* only "@-" and a bare "@" are refused: "@@x" names the file "@x" */
	ck_assert_int_eq(PARSE("-d", "@@x"), CLI_RUN);
	ck_assert_int_eq(PARSE("-d", ""), CLI_RUN);
	ck_assert_str_eq(opts.data_arg, "");
	ck_assert_int_eq(PARSE("-d", "-"), CLI_RUN);
	ck_assert_str_eq(opts.data_arg, "-");
}
END_TEST

/* Which requests a retry may send again (SPEC.md, "Input and requests"):
 * GET, HEAD, OPTIONS, PUT and DELETE; anything else, POST (-d without -X)
 * included, only when the request was never sent. */
START_TEST(test_idempotent_methods)
{
	static const struct {
		const char *args[5];
		bool idempotent;
	} cases[] = {
		{ { NULL }, true },                     /* GET by default */
		{ { "-X", "GET" }, true },
		{ { "-X", "HEAD" }, true },
		{ { "-X", "OPTIONS" }, true },
		{ { "-X", "PUT" }, true },
		{ { "-X", "DELETE" }, true },
		{ { "-X", "PUT", "-d", "x" }, true },
		{ { "-d", "x", "-X", "DELETE" }, true },
		{ { "-X", "GET", "-d", "x" }, true },
		{ { "-d", "x" }, false },               /* POST */
		{ { "-d", "@file" }, false },
		{ { "-X", "POST" }, false },
		{ { "-X", "PATCH" }, false },
		{ { "-X", "TRACE" }, false },
		{ { "-X", "CONNECT" }, false },
		{ { "-X", "PROPFIND" }, false },
		{ { "-X", "get" }, false },     /* not GET: case counts */
		{ { "-X", "Put" }, false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *list[7] = { "scrape" };
		int n = 1;

		for (int k = 0; k < 5 && cases[i].args[k] != NULL; k++)
			list[n++] = cases[i].args[k];
		list[n] = NULL;
		ck_assert_int_eq(run_args(list), CLI_RUN);
		ck_assert_msg(opts.idempotent == cases[i].idempotent,
		    "case %zu (%s %s %s %s): idempotent %d", i,
		    list[1] ? list[1] : "", n > 2 ? list[2] : "",
		    n > 3 ? list[3] : "", n > 4 ? list[4] : "",
		    opts.idempotent);
	}
}
END_TEST

/* A file of n bytes, in /tmp; the path is malloc'd. */
static char *
data_file(const void *data, size_t n)
{
	char *path = strdup("/tmp/scrape-cli-test-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

/* cli_load_data: a STRING as is; @FILE read once, exactly, NUL bytes and
 * all; a file over one read's worth too. */
START_TEST(test_load_data)
{
	static const char bin[] = "a\0b\xff\r\n\0";
	char *path = data_file(bin, sizeof bin - 1), *big, *bigpath;
	char arg[256];
	size_t bign = 100000;

	ck_assert_int_eq(PARSE0(), CLI_RUN);
	ck_assert(cli_load_data(&opts, err, sizeof err));
	ck_assert_ptr_null(opts.data);

	ck_assert_int_eq(PARSE("-d", "a=1&b=2"), CLI_RUN);
	ck_assert(cli_load_data(&opts, err, sizeof err));
	ck_assert_uint_eq(opts.data_len, 7);
	ck_assert_mem_eq(opts.data, "a=1&b=2", 7);

	ck_assert_int_eq(PARSE("-d", ""), CLI_RUN);
	ck_assert(cli_load_data(&opts, err, sizeof err));
	ck_assert_ptr_nonnull(opts.data);
	ck_assert_uint_eq(opts.data_len, 0);

	snprintf(arg, sizeof arg, "@%s", path);
	ck_assert_int_eq(PARSE("-d", arg), CLI_RUN);
	ck_assert(cli_load_data(&opts, err, sizeof err));
	ck_assert_uint_eq(opts.data_len, sizeof bin - 1);
	ck_assert_mem_eq(opts.data, bin, sizeof bin - 1);

	big = malloc(bign);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < bign; i++)
		big[i] = (char)(i * 7);
	bigpath = data_file(big, bign);
	snprintf(arg, sizeof arg, "@%s", bigpath);
	ck_assert_int_eq(PARSE("--data", arg), CLI_RUN);
	ck_assert(cli_load_data(&opts, err, sizeof err));
	ck_assert_uint_eq(opts.data_len, bign);
	ck_assert_mem_eq(opts.data, big, bign);

	unlink(bigpath);
	free(bigpath);
	free(big);
	unlink(path);
	free(path);
}
END_TEST

/* A FILE that cannot be read: false, one line naming the option and the
 * file, and nothing loaded. */
START_TEST(test_load_data_missing_file)
{
	ck_assert_int_eq(PARSE("-d", "@/nonexistent-scrape-test/body"),
	    CLI_RUN);
	ck_assert(!cli_load_data(&opts, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-scrape-test/body"));
	ck_assert_ptr_nonnull(strstr(err, "-d"));
	ck_assert_ptr_null(strchr(err, '\n'));

	/* a directory opens but does not read */
	ck_assert_int_eq(PARSE("-d", "@/tmp"), CLI_RUN);
	ck_assert(!cli_load_data(&opts, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "'/tmp'"));
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");
	TCase *te = tcase_create("errors");
	TCase *tv = tcase_create("values");
	TCase *tu = tcase_create("usage");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_short_options);
	tcase_add_test(tc, test_long_options);
	tcase_add_test(tc, test_long_options_with_equals);
	tcase_add_test(tc, test_attached_and_clustered_short_options);
	tcase_add_test(tc, test_progress_switches);
	tcase_add_test(tc, test_last_value_wins);
	tcase_add_test(tc, test_repeated_headers_keep_order);
	tcase_add_test(tc, test_operands);
	tcase_add_test(tc, test_options_after_operands);
	tcase_add_test(tc, test_double_dash_ends_options);
	tcase_add_test(tc, test_help_and_version);
	tcase_add_test(tc, test_range_boundaries_accepted);
	tcase_add_test(tc, test_repeated_parse_starts_fresh);
	tcase_add_test(tc, test_repeated_parse_after_early_return_in_cluster);
	tcase_add_test(tc, test_method_and_data);
	tcase_add_test(tc, test_idempotent_methods);
	tcase_add_test(tc, test_load_data);
	tcase_add_test(tc, test_load_data_missing_file);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(te, NULL, teardown);
	tcase_add_loop_test(te, test_usage_errors, 0, NBAD);
	tcase_add_test(te, test_flag_given_a_value);
	tcase_add_test(te, test_error_message_one_line_with_newline_in_value);
	suite_add_tcase(s, te);

	tcase_add_test(tv, test_parse_size);
	tcase_add_test(tv, test_parse_long);
	tcase_add_test(tv, test_parse_seconds);
	suite_add_tcase(s, tv);

	tcase_add_checked_fixture(tu, NULL, teardown);
	tcase_add_test(tu, test_option_names);
	tcase_add_test(tu, test_table_matches_parser);
	tcase_add_test(tu, test_usage_fits_one_screen);
	tcase_add_test(tu, test_version);
	suite_add_tcase(s, tu);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cli_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	cli_free(&opts);
	arena_free();
	return failures ? 1 : 0;
}
