/* The bash completion the build made from the option table, loaded into
 * a real bash: every long option completes, word values are offered, and
 * paths complete as files. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* Sources the script, finds the function `complete -p scrape` names,
 * and calls it as readline would for the words given ($2...), the last
 * one being completed.  COMPREPLY comes out one per line. */
static const char driver[] =
"source \"$1\" || exit 97\n"
"spec=$(complete -p scrape) || exit 98\n"
"fn=${spec##*-F }; fn=${fn%% *}\n"
"shift\n"
"COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1))\n"
"COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}\n"
"\"$fn\" scrape \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
"((${#COMPREPLY[@]} == 0)) || printf '%s\\n' \"${COMPREPLY[@]}\"\n";

static char dir[] = "/tmp/scrape-completion-XXXXXX";

/* The completions bash offers for words (NULL-terminated, starting with
 * "scrape"), run in dir, as one string of lines. */
static char *
complete_words(const char *const *words)
{
	const char *script = getenv("SCRAPE_BASH_COMPLETION");
	const char *argv[32] = { "bash", "--norc", "--noprofile", "-c",
	    driver, "bash", script != NULL ? script : "completion/scrape" };
	size_t argc = 7, len = 0;
	static char out[65536];
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	for (; *words != NULL; words++)
		argv[argc++] = *words;
	argv[argc] = NULL;
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (chdir(dir) == -1)
			_exit(126);
		execvp("bash", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, sizeof out - 1 - len)) > 0 ||
	    (n == -1 && errno == EINTR))
		if (n > 0)
			len += (size_t)n;
	close(fds[0]);
	out[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "bash failed (status %d): is the completion script there?",
	    status);
	return out;
}

/* Whether line is one of the lines of list. */
static int
has_line(const char *list, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = list; *p != '\0'; p = strchr(p, '\n') + 1)
		if (strncmp(p, line, len) == 0 && p[len] == '\n')
			return 1;
	return 0;
}

static void
make_file(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ne(fd, -1);
	close(fd);
}

static void
setup(void)
{
	char path[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_file("urls.txt");
	make_file("urls two.txt");
	make_file("results.jsonl");
	snprintf(path, sizeof path, "%s/lists", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void
teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_every_long_option_completes)
{
	char word[128], want[128];
	const char *const words[] = { "scrape", word, NULL };

	for (const struct cli_option *o = cli_options; o->name != NULL; o++) {
		/* A prefix one letter short, so there is something to do. */
		snprintf(want, sizeof want, "--%s", o->name);
		snprintf(word, sizeof word, "%.*s", (int)strlen(want) - 1,
		    want);
		ck_assert_msg(has_line(complete_words(words), want),
		    "'%s' does not complete to %s", word, want);
	}
}
END_TEST

START_TEST(test_dashes_offer_every_option)
{
	const char *const words[] = { "scrape", "-c", "5", "--", "url",
	    NULL };
	const char *const dash[] = { "scrape", "--", NULL };
	const char *got = complete_words(dash);
	size_t n = 0;

	for (const struct cli_option *o = cli_options; o->name != NULL; o++)
		n++;
	for (const char *p = got; *p != '\0'; p = strchr(p, '\n') + 1)
		n--;
	ck_assert_msg(n == 0, "'--' offers other than the long options:\n%s",
	    got);
	/* After a "--" word, everything is a FILE. */
	ck_assert(has_line(complete_words(words), "urls.txt"));
}
END_TEST

START_TEST(test_host_key_offers_host_domain)
{
	const char *const words[] = { "scrape", "--host-key", "", NULL };
	const char *const prefix[] = { "scrape", "--host-key", "d", NULL };
	const char *const eq[] = { "scrape", "--host-key", "=", "h", NULL };

	ck_assert_str_eq(complete_words(words), "host\ndomain\n");
	ck_assert_str_eq(complete_words(prefix), "domain\n");
	ck_assert_str_eq(complete_words(eq), "host\n");
}
END_TEST

START_TEST(test_files_complete_as_files)
{
	const char *const operand[] = { "scrape", "-c", "10", "url", NULL };
	const char *const output[] = { "scrape", "-o", "res", NULL };
	const char *const resume[] = { "scrape", "--resume", "", NULL };
	const char *const dirs[] = { "scrape", "li", NULL };
	const char *got = complete_words(operand);

	ck_assert(has_line(got, "urls.txt"));
	ck_assert(has_line(got, "urls two.txt"));
	ck_assert_str_eq(complete_words(output), "results.jsonl\n");
	got = complete_words(resume);
	ck_assert(has_line(got, "urls.txt") && has_line(got, "lists"));
	ck_assert_str_eq(complete_words(dirs), "lists\n");
}
END_TEST

START_TEST(test_typed_values_offer_nothing)
{
	const char *const count[] = { "scrape", "-c", "", NULL };
	const char *const header[] = { "scrape", "--header", "", NULL };

	ck_assert_str_eq(complete_words(count), "");
	ck_assert_str_eq(complete_words(header), "");
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("completion");
	TCase *tc = tcase_create("bash");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_long_option_completes);
	tcase_add_test(tc, test_dashes_offer_every_option);
	tcase_add_test(tc, test_host_key_offers_host_domain);
	tcase_add_test(tc, test_files_complete_as_files);
	tcase_add_test(tc, test_typed_values_offer_nothing);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
