/* The progress line as a person sees it: scrape runs with its standard
 * error on a pseudo-terminal, and what it writes there is played on a
 * small model of a terminal screen (printable text, CR, LF and the one
 * control sequence scrape may use, erase to end of line; anything else
 * fails the test).  Off a terminal, --progress writes plain lines. */
#define _GNU_SOURCE	/* posix_openpt, grantpt, ptsname */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define COLS 80
#define ROWS 200

/* The terminal: rows from the first line written on, never scrolled. */
struct screen {
	char cell[ROWS][COLS + 1];
	int row, col;
	int esc;            /* inside an escape sequence: bytes seen */
	char seq[16];
};

static void
screen_put(struct screen *s, unsigned char c)
{
	if (s->esc > 0) {
		ck_assert_msg(s->esc < (int)sizeof s->seq - 1,
		    "escape sequence too long");
		s->seq[s->esc++] = (char)c;
		if (s->esc == 2) {
			ck_assert_msg(c == '[', "ESC %c is not CSI", c);
			return;
		}
		if (c < 0x40 || c > 0x7e)
			return;
		s->seq[s->esc] = '\0';
		ck_assert_msg(strcmp(s->seq, "\033[K") == 0 ||
		    strcmp(s->seq, "\033[0K") == 0,
		    "unexpected control sequence ESC%s", s->seq + 1);
		memset(&s->cell[s->row][s->col], ' ', (size_t)(COLS - s->col));
		s->esc = 0;
		return;
	}
	switch (c) {
	case '\033':
		s->seq[0] = (char)c;
		s->esc = 1;
		return;
	case '\r':
		s->col = 0;
		return;
	case '\n':
		s->row++;
		ck_assert_int_lt(s->row, ROWS);
		return;
	}
	ck_assert_msg(c >= 0x20 && c != 0x7f, "control byte 0x%02x", c);
	/* A terminal wraps a character that does not fit. */
	if (s->col == COLS) {
		s->col = 0;
		s->row++;
		ck_assert_int_lt(s->row, ROWS);
	}
	s->cell[s->row][s->col++] = (char)c;
}

/* Row r as shown, trailing blanks dropped. */
static const char *
screen_row(struct screen *s, int r)
{
	static char line[COLS + 1];
	size_t n;

	memcpy(line, s->cell[r], COLS + 1);
	for (n = COLS; n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\0');
	    n--)
		;
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\0')
			line[i] = ' ';
	line[n] = '\0';
	return line;
}

static void
screen_dump(struct screen *s, const char *title)
{
	fprintf(stderr, "---- %s (%d columns) ----\n", title, COLS);
	for (int r = 0; r <= s->row; r++)
		fprintf(stderr, "%s\n", screen_row(s, r));
	fprintf(stderr, "----\n");
}

/* scrape, running with its standard error on a terminal of COLS
 * columns (its controlling terminal) and its output thrown away. */
struct tty_run {
	pid_t pid;
	int master;
	struct timespec start;
	struct screen screen;
};

static void
tty_start(struct tty_run *t, int stdin_fd, const char *const *args)
{
	struct winsize ws = { .ws_row = 24, .ws_col = COLS };
	const char *bin = getenv("SCRAPE_BIN");
	const char *argv[32] = { "scrape" };
	size_t argc = 1;
	char *slave;

	memset(t, 0, sizeof *t);
	for (int r = 0; r < ROWS; r++)
		memset(t->screen.cell[r], ' ', COLS);
	for (; *args != NULL; args++)
		argv[argc++] = *args;
	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_int_ne(t->master, -1);
	ck_assert_int_eq(grantpt(t->master), 0);
	ck_assert_int_eq(unlockpt(t->master), 0);
	ck_assert_int_eq(ioctl(t->master, TIOCSWINSZ, &ws), 0);
	slave = ptsname(t->master);
	ck_assert_ptr_nonnull(slave);
	clock_gettime(CLOCK_MONOTONIC, &t->start);
	t->pid = fork();
	ck_assert_int_ne(t->pid, -1);
	if (t->pid == 0) {
		int fd, null = open("/dev/null", O_RDWR);

		setsid();
		if ((fd = open(slave, O_RDWR)) == -1 || null == -1)
			_exit(126);
		dup2(stdin_fd >= 0 ? stdin_fd : null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		unsetenv("http_proxy");
		unsetenv("https_proxy");
		unsetenv("HTTP_PROXY");
		unsetenv("HTTPS_PROXY");
		unsetenv("ALL_PROXY");
		unsetenv("all_proxy");
		setenv("NO_PROXY", "*", 1);
		execv(bin != NULL ? bin : "src/scrape", (char *const *)argv);
		_exit(127);
	}
	if (stdin_fd >= 0)
		close(stdin_fd);
}

static double
tty_elapsed(const struct tty_run *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->start.tv_sec) +
	    (double)(now.tv_nsec - t->start.tv_nsec) / 1e9;
}

/* Play what scrape writes for up to secs; false once it has closed the
 * terminal (exited). */
static bool
tty_play(struct tty_run *t, double secs)
{
	double until = tty_elapsed(t) + secs;
	unsigned char buf[4096];

	for (double left; (left = until - tty_elapsed(t)) > 0;) {
		struct pollfd pfd = { .fd = t->master, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(t->master, buf, sizeof buf);
		/* EIO: the last holder of the terminal's other side is gone. */
		if (n <= 0 && !(n == -1 && errno == EINTR))
			return false;
		for (ssize_t i = 0; i < n; i++)
			screen_put(&t->screen, buf[i]);
	}
	return true;
}

/* Wait for scrape to exit (30 s at most); its exit status. */
static int
tty_finish(struct tty_run *t)
{
	int status;

	while (tty_play(t, 30) && tty_elapsed(t) < 30)
		;
	ck_assert_int_eq(waitpid(t->pid, &status, 0), t->pid);
	close(t->master);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status);
}

/* 200 URLs of 100 ms each, every twentieth a 404: 2 s at -c 10. */
static char *
slow_list(void)
{
	size_t cap = 200 * 128, len = 0;
	char *list = malloc(cap);
	char *u;

	ck_assert_ptr_nonnull(list);
	for (int i = 0; i < 200; i++) {
		char path[64];

		if (i % 20 == 19)
			snprintf(path, sizeof path, "/status/404?i=%d", i);
		else
			snprintf(path, sizeof path, "/delay/100?i=%d", i);
		u = server_url(srv, path);
		len += (size_t)snprintf(list + len, cap - len, "%s\n", u);
		free(u);
	}
	return list;
}

/* The progress line, once it counts 40 URLs done and holds needle (15 s
 * at most: under valgrind a run starts slowly). */
static const char *
progress_line_with(struct tty_run *t, const char *needle)
{
	const char *line = "", *done;
	long n = 0;

	while (n < 40 || strstr(line, needle) == NULL) {
		ck_assert_msg(tty_elapsed(t) < 15, "no progress line with "
		    "'%s' and 40 done: '%s'", needle, line);
		ck_assert_msg(tty_play(t, 0.1), "scrape ended too soon");
		ck_assert_msg(t->screen.row == 0,
		    "the progress line took more than one row");
		line = screen_row(&t->screen, 0);
		if ((done = strstr(line, " done, ")) == NULL)
			continue;
		while (done > line && done[-1] >= '0' && done[-1] <= '9')
			done--;
		n = strtol(done, NULL, 10);
	}
	return line;
}

/* The run is over: the line is gone and the summary is all there is. */
static void
assert_summary_only(struct tty_run *t)
{
	int last = t->screen.row;

	/* The summary's last line ends with a newline: an empty row. */
	ck_assert_str_eq(screen_row(&t->screen, last), "");
	ck_assert_int_eq(last, 11);
	for (int r = 0; r < last - 1; r++)
		ck_assert_msg(strncmp(screen_row(&t->screen, r), "http ",
		    5) == 0, "row %d: '%s'", r, screen_row(&t->screen, r));
	ck_assert_msg(strncmp(screen_row(&t->screen, last - 1),
	    "scraped 200 URLs in ", 20) == 0, "last: '%s'",
	    screen_row(&t->screen, last - 1));
}

START_TEST(test_terminal_files)
{
	char *list = slow_list();
	char *path = tmpfile_write(list, strlen(list));
	const char *const args[] = { "-c", "10", path, NULL };
	struct tty_run t;
	const char *line;

	tty_start(&t, -1, args);
	line = progress_line_with(&t, ", eta 0:");
	screen_dump(&t.screen, "a regular file, 40 URLs in");
	ck_assert_msg(strncmp(line, "[===", 4) == 0, "no bar: '%s'", line);
	ck_assert_msg(strstr(line, "% read, ") != NULL, "no share: %s", line);
	ck_assert_msg(strstr(line, " done, ") != NULL, "%s", line);
	ck_assert_msg(strstr(line, ", 10 in flight, 0 to retry, ") != NULL,
	    "%s", line);
	/* The failures run past 80 columns and are cut, so that the line
	 * never wraps. */
	ck_assert_int_eq(strlen(line), COLS - 1);
	ck_assert_int_eq(tty_finish(&t), 1);
	screen_dump(&t.screen, "the end");
	assert_summary_only(&t);
	unlink(path);
	free(path);
	free(list);
}
END_TEST

START_TEST(test_terminal_pipe)
{
	char *list = slow_list();
	const char *const args[] = { "-c", "10", NULL };
	struct tty_run t;
	const char *line;
	int fds[2];

	/* 200 short lines fit in the pipe's buffer. */
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], list, strlen(list)),
	    (ssize_t)strlen(list));
	close(fds[1]);
	tty_start(&t, fds[0], args);
	line = progress_line_with(&t, " failed (http ");
	screen_dump(&t.screen, "a pipe, 40 URLs in");
	ck_assert_msg(strstr(line, "read") == NULL, "%s", line);
	ck_assert_msg(strstr(line, "eta") == NULL, "%s", line);
	ck_assert_msg(strstr(line, " done, ") != NULL, "%s", line);
	ck_assert_msg(strstr(line, "/s, 10 in flight, 0 to retry, ") != NULL,
	    "%s", line);
	ck_assert_msg(strstr(line, " failed (http ") != NULL, "%s", line);
	ck_assert_int_eq(tty_finish(&t), 1);
	assert_summary_only(&t);
	free(list);
}
END_TEST

START_TEST(test_quiet_terminal)
{
	const char *const args[] = { "-q", "-c", "10", NULL };
	char *list = slow_list();
	struct tty_run t;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], list, strlen(list)),
	    (ssize_t)strlen(list));
	close(fds[1]);
	tty_start(&t, fds[0], args);
	ck_assert_int_eq(tty_finish(&t), 1);
	ck_assert_int_eq(t.screen.row, 0);
	ck_assert_str_eq(screen_row(&t.screen, 0), "");
	free(list);
}
END_TEST

/* Off a terminal --progress gives plain lines, one a second; without it,
 * none. */
START_TEST(test_forced_lines)
{
	char *list = slow_list();
	char *path = tmpfile_write(list, strlen(list));
	const char *const forced[] = { "--progress", "-c", "10", path, NULL };
	const char *const plain[] = { "-c", "10", path, NULL };
	struct run *run = run_scrape(NULL, 0, 30, forced);
	int lines = 0;

	ck_assert_int_eq(run->exit_status, 1);
	for (const char *p = run->err; *p != '\0'; p++)
		ck_assert_msg(*p == '\n' || (*p >= 0x20 && *p != 0x7f),
		    "control byte 0x%02x on standard error", *p);
	for (const char *p = run->err; *p != '\0'; p = strchr(p, '\n') + 1)
		if (strstr(p, "% read, ") != NULL &&
		    strstr(p, "% read, ") < strchr(p, '\n'))
			lines++;
	ck_assert_msg(lines >= 1, "no progress line:\n%s", run->err);
	ck_assert_msg(strstr(run->err, ", eta ") != NULL, "%s", run->err);
	run_free(run);
	run = run_scrape(NULL, 0, 30, plain);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_msg(strstr(run->err, "in flight") == NULL, "%s", run->err);
	run_free(run);
	unlink(path);
	free(path);
	free(list);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("progress");
	TCase *tc = tcase_create("progress");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_add_test(tc, test_terminal_files);
	tcase_add_test(tc, test_terminal_pipe);
	tcase_add_test(tc, test_quiet_terminal);
	tcase_add_test(tc, test_forced_lines);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
