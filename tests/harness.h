/*
 * Helpers the integration suites share: start the test server, run scrape
 * (or keep it running, for signal tests), parse its JSON lines.
 *
 * Every wait here is bounded; children are stopped by PID. Failures of
 * the plumbing itself (cannot fork, server does not start, a result line
 * that is not JSON) fail the running test through ck_abort_msg().
 *
 * The harness ignores SIGPIPE in the test process (writing to a child that
 * stopped reading must not kill the test); children get every signal
 * back at its default and an empty signal mask. A child that outlives the
 * test process is killed by the kernel (PR_SET_PDEATHSIG), and Check's
 * fork mode kills the test's process group after each test anyway.
 */
#ifndef SCRAPE_HARNESS_H
#define SCRAPE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/* ---- Small helpers the suites share ---- */

/* Seconds on the monotonic clock. */
double		 mono(void);

/* A malloc'd printf; running out of memory fails the test. */
char		*xasprintf(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/* Append more (malloc'd, then freed) to the malloc'd string *s (NULL
 * for empty). */
void		 cat(char **s, char *more);

/* ---- The test server (tests/testserver) ---- */

/*
 * A running tests/testserver. Its counters are server-wide: start one per
 * test (a checked fixture) or call server_stats_reset() between uses.
 */
struct server;

/*
 * Start the binary named by $TESTSERVER_BIN (default ./tests/testserver)
 * with --max-seconds 120 --exit-on-stdin-eof and --fixtures
 * $SCRAPE_SRCDIR/tests/fixtures/html (SCRAPE_SRCDIR default "."), and
 * wait (10 s at most) for its port line. Aborts the test if it does not
 * come up.
 */
struct server	*server_start(void);

/*
 * SIGTERM the server, wait up to 5 s for it, then SIGKILL; free it.
 * Returns its exit status (0: clean exit; 128+N: killed by signal N).
 * NULL is a no-op returning 0.
 */
int		 server_stop(struct server *);

/*
 * The evhttp port, the raw TCP port and the TLS port (the evhttp
 * endpoints over HTTPS, with a fresh self-signed certificate for
 * 127.0.0.1 that nothing trusts), all on 127.0.0.1. server_tls_port()
 * aborts the test if the server printed no TLS port.
 */
int		 server_port(const struct server *);
int		 server_raw_port(const struct server *);
int		 server_tls_port(const struct server *);
pid_t		 server_pid(const struct server *);

/*
 * "http://127.0.0.1:PORT/path" on the HTTP port (server_url) or the raw
 * port (server_raw_url), "https://127.0.0.1:PORT/path" on the TLS port
 * (server_tls_url); malloc'd, caller frees. The leading '/' of path is
 * optional. path is copied as is ('%' included), so the result can serve
 * as a url_list() pattern.
 */
char		*server_url(const struct server *, const char *path);
char		*server_raw_url(const struct server *, const char *path);
char		*server_tls_url(const struct server *, const char *path);

/*
 * GET path from the HTTP port with a tiny blocking client (HTTP/1.0,
 * 10 s limit). Returns the malloc'd, NUL-terminated body; *status gets
 * the status code and *len the body length, each if not NULL. Aborts the
 * test on any failure to get an answer.
 */
char		*server_get(const struct server *, const char *path,
		    int *status, size_t *len);

/*
 * One counter from GET /stats: "requests", "inflight", "max_inflight",
 * "raw_requests", "raw_inflight", "tls_requests", "tls_connections" or
 * "tls_handshakes". /stats itself is never counted. Raw-port requests
 * are counted in "requests" and "inflight" too (in flight until their
 * connection closes), and so is a TLS ClientHello on the raw port (which
 * gets a plain HTTP 400). TLS-port requests are counted in "requests"
 * and "inflight" too; "tls_connections" counts the connections accepted
 * on the TLS port, "tls_handshakes" the handshakes completed on them (a
 * client that rejects the certificate completes none). Aborts on an
 * unknown name.
 */
long		 server_stat(const struct server *, const char *name);

/*
 * GET /stats/reset: "requests", "raw_requests" and the "tls_" counters
 * become 0, and "max_inflight" restarts from what is in flight now (0
 * when idle).
 */
void		 server_stats_reset(const struct server *);

/*
 * Hosts without DNS: libcurl resolves every *.localhost name to loopback
 * itself, so "h1.localhost" and "h2.localhost" are two hosts for scrape
 * and one server here, which counts each Host on its own (see the top of
 * tests/testserver.c). server_host_url() is "http://HOST:PORT/path" on
 * the HTTP port (the leading '/' of path optional; malloc'd);
 * server_host_url_list() is url_list() of it.
 */
char		*server_host_url(const struct server *, const char *host,
		    const char *path);
char		*server_host_url_list(const struct server *, const char *host,
		    size_t n, const char *path_pattern);

/*
 * One counter of host (lower-case, no port) from /stats/host/HOST:
 * "requests", "inflight", "max_inflight", "rejected" (429s of /cap and
 * /cap-ra) or "robots" (requests for /robots.txt). A host never seen
 * has zeros. Aborts on an unknown name. server_domain_stat() is the same
 * from /stats/domain/NAME: over NAME and every host name under it.
 */
long		 server_host_stat(const struct server *, const char *host,
		    const char *name);
long		 server_domain_stat(const struct server *, const char *name,
		    const char *counter);

/*
 * The arrival times of host's requests (the first 10000 since the last
 * reset), in milliseconds since the server started, in arrival order:
 * malloc'd (NULL when none), *n gets how many. server_domain_arrivals()
 * merges those of NAME and every name under it, still in order.
 */
double		*server_host_arrivals(const struct server *, const char *host,
		    size_t *n);
double		*server_domain_arrivals(const struct server *, const char *name,
		    size_t *n);

/*
 * GET /control/WHAT/HOST ("down" or "up"): while a host is down, every
 * request for it gets 503. Aborts unless the server says 200.
 */
void		 server_control(const struct server *, const char *what,
		    const char *host);

/*
 * Wait (up to timeout_s) until the server counts no request in flight,
 * e.g. for the server to notice a killed client's connections closing.
 * Returns whether it got there.
 */
bool		 server_wait_idle(const struct server *, double timeout_s);

/*
 * The server of the test running now, for suites whose every test gets a
 * fresh one: tcase_add_checked_fixture(tc, server_fixture_setup,
 * server_fixture_teardown). Check runs each test in a process of its own,
 * so the variable is never shared. The teardown fails the test unless
 * the server exits cleanly (status 0).
 */
extern struct server *srv;
void		 server_fixture_setup(void);
void		 server_fixture_teardown(void);

/* ---- Running scrape ---- */

/* A finished run of scrape. */
struct run {
	int	 exit_status;	/* exit code, or 128+signal if killed */
	bool	 timed_out;	/* killed by the harness with SIGKILL */
	char	*out;		/* standard output, NUL-terminated */
	size_t	 out_len;	/* (without the NUL) */
	char	*err;		/* standard error, NUL-terminated */
	size_t	 err_len;
};

/*
 * Run $SCRAPE_BIN (default ./src/scrape) with argv (NULL-terminated,
 * argv[0] not included: the harness supplies it). stdin_data, if not
 * NULL, is fed through a pipe (then closed); NULL gives /dev/null. Output
 * and errors are collected concurrently (no deadlock however big). Past
 * timeout_s seconds the child is killed with SIGKILL and timed_out set.
 * The child's environment has no http_proxy, https_proxy, HTTP_PROXY,
 * HTTPS_PROXY, ALL_PROXY or all_proxy, and NO_PROXY=no_proxy=*.
 * Aborts the test only if the child cannot be started at all; a binary
 * that cannot be executed exits 127 with a message on its stderr.
 */
struct run	*run_scrape(const char *stdin_data, size_t stdin_len,
		    double timeout_s, const char *const argv[]);

/*
 * run_scrape() with exactly the environment envp (NULL: an empty one, as
 * under env -i): no variable of the test's is passed on and none is
 * added, not even the NO_PROXY of run_scrape() (an empty environment
 * names no proxy anyway) -- except, under make check-valgrind, the
 * SCRAPE_REAL_BIN and VALGRIND* variables its wrapper needs. For what
 * depends on the environment, such as the locale.
 */
struct run	*run_scrape_env(const char *stdin_data, size_t stdin_len,
		    double timeout_s, const char *const argv[],
		    char *const envp[]);

/*
 * run_scrape() with the arguments listed inline, NULL-terminated, and
 * strlen(stdin_data) bytes of input (stdin_data NULL: /dev/null).
 */
struct run	*run_scrapef(const char *stdin_data, double timeout_s, ...)
		    __attribute__((sentinel));

void		 run_free(struct run *);

struct lines;

/*
 * Run scrape on the URL list with the NULL-terminated args (NULL: none),
 * 30 s at most (the test fails past that), and parse its output into
 * *lines. The run and the lines are the caller's to free.
 */
struct run	*scrape_list(const char *list, struct lines **lines,
		    const char *const *args);

/* scrape_list() with the args given inline, NULL-terminated (63 at
 * most). */
struct run	*scrape_args(const char *list, struct lines **lines, ...)
		    __attribute__((sentinel));

/*
 * scrape_list() of the one URL; the test fails unless exactly one line,
 * for that URL, comes out. Returns that line (inside *lines).
 */
cJSON		*scrape_one(const char *url, struct lines **lines,
		    struct run **runp, const char *const *args);

/* ---- A scrape kept running, for signal and streaming tests ---- */

struct proc;

/*
 * Start scrape as run_scrape() does, with standard output and error
 * captured; standard input is a pipe kept open if stdin_pipe, else
 * /dev/null.
 */
struct proc	*proc_start(const char *const argv[], bool stdin_pipe);

pid_t		 proc_pid(const struct proc *);

/*
 * Queue len bytes for the child's standard input and write what the pipe
 * takes now, without blocking; the rest goes out during later proc_*
 * waits (so a child that stops reading cannot hang the test).
 */
void		 proc_write_stdin(struct proc *, const char *data, size_t len);

/*
 * Bytes queued by proc_write_stdin() that the pipe has not taken yet:
 * what the child has not read, less what the pipe itself holds (64 KiB
 * on Linux). Input is fed only during proc_* calls.
 */
size_t		 proc_stdin_pending(const struct proc *);

/*
 * Close the child's standard input once everything queued is written
 * (at once if nothing is).
 */
void		 proc_close_stdin(struct proc *);

/*
 * Collect output (and stderr, and feed queued input) until standard
 * output holds at least nlines complete ('\n'-terminated) lines, standard
 * output is closed, or timeout_s passes. Returns whether nlines arrived.
 */
bool		 proc_wait_stdout_lines(struct proc *, int nlines,
		    double timeout_s);

/* Standard output collected so far (NUL-terminated); *len if not NULL. */
const char	*proc_stdout(const struct proc *, size_t *len);

/* Standard error collected so far (NUL-terminated); *len if not NULL. */
const char	*proc_stderr(const struct proc *, size_t *len);

/*
 * Send signal sig to the child, by PID (nothing if already reaped).
 * After SIGINT, SIGTERM, SIGHUP, SIGQUIT or SIGKILL, proc_finish() no
 * longer closes standard input (see there).
 */
void		 proc_kill(struct proc *, int sig);

/*
 * Collect the rest of the output and wait for the child up to timeout_s;
 * past that it is killed with SIGKILL and timed_out set. Frees the proc.
 * Standard input is closed first (once queued input is written), unless
 * proc_kill() sent a terminating signal: then it stays as it is until the
 * child exits, so the child must stop because of the signal, not because
 * its input ended (call proc_close_stdin() to close it anyway).
 */
struct run	*proc_finish(struct proc *, double timeout_s);

/* ---- Result lines ---- */

/* The JSON objects of scrape's output, one per line, in output order. */
struct lines {
	cJSON	**items;
	size_t	  n;
};

/*
 * Parse every '\n'-terminated line of out. The test fails (ck_abort_msg,
 * the line shown escaped) if a line is not exactly one JSON object, holds
 * bytes that are not UTF-8 or a raw control character in a string, or if
 * out ends with an unterminated line.
 */
struct lines	*lines_parse(const char *out, size_t len);

/* The first line whose "url" is url; NULL if none. */
cJSON		*lines_find(const struct lines *, const char *url);

/* How many lines have "url" equal to url. */
size_t		 lines_count_url(const struct lines *, const char *url);

void		 lines_free(struct lines *);

/* obj.field as a string; NULL if absent, null or not a string. */
const char	*jstr(const cJSON *obj, const char *field);

/* obj.field as an integer; -1 if absent, null or not a number. */
long		 jint(const cJSON *obj, const char *field);

/* obj.field as a number; -1 if absent, null or not a number. */
double		 jnum(const cJSON *obj, const char *field);

/* Whether obj.field is true (false if absent or anything else). */
bool		 jbool(const cJSON *obj, const char *field);

/* Whether obj has field and it is null (absent is not null). */
bool		 jnull(const cJSON *obj, const char *field);

/* obj.error.kind; NULL if error is null or absent. */
const char	*jkind(const cJSON *obj);

/* obj.error.message; NULL if error is null or absent. */
const char	*jmessage(const cJSON *obj);

/* ---- Files and input ---- */

/*
 * Write len bytes to a new file /tmp/scrape-test-XXXXXX; return its
 * malloc'd path. The caller unlinks it and frees the path.
 */
char		*tmpfile_write(const void *data, size_t len);

/* Read a whole file, NUL-terminated, malloc'd; NULL if it cannot be read. */
char		*file_read(const char *path, size_t *len);

/*
 * n lines, each the printf pattern formatted with the line's index
 * (0 .. n-1) and a '\n' added: the pattern must hold exactly one
 * conversion, of a size_t ("%zu", "%05zu", "%zx", ...); "%%" is allowed.
 * E.g. url_list(100, "http://127.0.0.1:8080/p/%zu"). Malloc'd.
 */
char		*url_list(size_t n, const char *pattern);

/* url_list() of server_url(srv, path_pattern). */
char		*server_url_list(const struct server *, size_t n,
		    const char *path_pattern);

#endif
