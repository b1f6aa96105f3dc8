/*
 * Helpers the integration suites share; see harness.h. Children are
 * started with fork+execve, fed and drained through non-blocking pipes in
 * a poll loop, and always waited for within a deadline.
 */
#define _GNU_SOURCE

#include "harness.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

extern char **environ;

#define SERVER_START_TIMEOUT	10.0	/* s, for the port line */
#define SERVER_STOP_TIMEOUT	5.0	/* s, after SIGTERM */
#define CLIENT_TIMEOUT		10.0	/* s, for server_get() */
#define KILL_TIMEOUT		5.0	/* s, to collect a SIGKILLed child */
#define POLL_TICK_MS		50	/* to notice an exit with pipes open */
#define REAP_TICK_MS		5	/* waiting for an exit, nothing else */
#define ORPHAN_GRACE		0.5	/* s: pipes open after the child exited */
#define SHOW_MAX		400	/* bytes of a bad line shown */

/* A running tests/testserver. */
struct server {
	pid_t	pid;
	int	http_port;
	int	raw_port;
	int	tls_port;	/* -1: a server without one */
	int	ctl_fd;		/* its standard input: EOF stops it */
};

/* A growable byte buffer, always NUL-terminated once allocated. */
struct obuf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

/* A running scrape and the pipes to it. */
struct proc {
	pid_t		pid;
	bool		reaped;
	double		reaped_at;	/* mono() when it was reaped */
	int		status;		/* from waitpid(), once reaped */
	bool		timed_out;
	int		in_fd;		/* -1 once closed (or never a pipe) */
	int		out_fd;		/* -1 at end of file */
	int		err_fd;
	struct obuf	in;		/* queued input, in.data + in_off on */
	size_t		in_off;
	bool		close_in;	/* close in_fd once the queue drains */
	bool		term_sent;	/* proc_kill() sent a terminating signal */
	struct obuf	out;
	struct obuf	err;
	size_t		out_lines;	/* '\n's in out */
};

/* malloc that fails the test rather than return NULL. */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		ck_abort_msg("out of memory");
	return p;
}

/* calloc that fails the test rather than return NULL. */
static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		ck_abort_msg("out of memory");
	return p;
}

/* realloc that fails the test rather than return NULL. */
static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		ck_abort_msg("out of memory");
	return p;
}

/* strdup that fails the test rather than return NULL. */
static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		ck_abort_msg("out of memory");
	return s;
}

/* Append n bytes to b, keeping it NUL-terminated. */
static void
obuf_append(struct obuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		if (b->cap == 0)
			b->cap = 4096;
		while (b->len + n + 1 > b->cap)
			b->cap *= 2;
		b->data = xrealloc(b->data, b->cap);
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Make sure b holds a (possibly empty) NUL-terminated string. */
static void
obuf_terminate(struct obuf *b)
{
	if (b->data == NULL)
		obuf_append(b, "", 0);
}

double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
cat(char **s, char *more)
{
	size_t a = *s != NULL ? strlen(*s) : 0, b = strlen(more);

	*s = realloc(*s, a + b + 1);
	ck_assert_ptr_nonnull(*s);
	memcpy(*s + a, more, b + 1);
	free(more);
}

/* Milliseconds from now until deadline, at least 0, at most cap. */
static int
ms_until(double deadline, int cap)
{
	double ms = (deadline - mono()) * 1000.0;

	if (ms <= 0)
		return 0;
	return ms > cap ? cap : (int)ms + 1;
}

/* Wait ms milliseconds (for ticks of bounded polling loops only). */
static void
tick(int ms)
{
	poll(NULL, 0, ms);
}

/* Make fd non-blocking. */
static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		ck_abort_msg("fcntl: %s", strerror(errno));
}

/* A pipe whose ends are not inherited by other children. */
static void
xpipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1)
		ck_abort_msg("pipe: %s", strerror(errno));
}

/* Close *fd if open and mark it closed. */
static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The exit status as a shell shows it: code, or 128+signal. */
static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Make src the child's descriptor dst (clearing close-on-exec). */
static void
child_fd(int src, int dst)
{
	if (src == dst)
		fcntl(dst, F_SETFD, 0);
	else
		dup2(src, dst);
}

/* Write a string to standard error from a forked child. */
static void
child_say(const char *s)
{
	ssize_t n = write(2, s, strlen(s));

	(void)n;
}

/*
 * In the forked child: default signal handling, die with the parent,
 * wire up standard descriptors (-1: /dev/null for input, inherited for
 * errors), exec. Only async-signal-safe calls here.
 */
static void __attribute__((noreturn))
child_exec(const char *path, char *const argv[], char *const envp[],
    int in, int out, int err, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	/* An ignored SIGPIPE or SIGINT would survive exec: undo it. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (in < 0)
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	child_fd(in, 0);
	child_fd(out, 1);
	if (err >= 0)
		child_fd(err, 2);
	execve(path, argv, envp);
	child_say("harness: cannot execute ");
	child_say(path);
	child_say(": ");
	child_say(strerror(errno));
	child_say("\n");
	_exit(127);
}

/* fork and exec path with the given descriptors; returns the PID. */
static pid_t
spawn(const char *path, char *const argv[], char *const envp[], int in,
    int out, int err)
{
	pid_t parent = getpid();
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == -1)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0)
		child_exec(path, argv, envp, in, out, err, parent);
	return pid;
}

/* Whether environment entry e is variable name. */
static bool
env_is(const char *e, const char *name)
{
	size_t n = strlen(name);

	return strncmp(e, name, n) == 0 && e[n] == '=';
}

/* The environment for scrape: ours, minus proxies, plus NO_PROXY=*. */
static char **
scrape_env(void)
{
	static const char *const drop[] = {
		"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
		"ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
	};
	size_t n = 0, i, k, j = 0;
	char **env;
	bool skip;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 3, sizeof(*env));
	for (i = 0; i < n; i++) {
		skip = false;
		for (k = 0; k < sizeof(drop) / sizeof(drop[0]); k++)
			skip = skip || env_is(environ[i], drop[k]);
		if (!skip)
			env[j++] = environ[i];
	}
	env[j++] = (char *)"NO_PROXY=*";
	env[j++] = (char *)"no_proxy=*";
	env[j] = NULL;
	return env;
}

/* The binary named by environment variable var, or fallback. */
static const char *
bin_path(const char *var, const char *fallback)
{
	const char *p = getenv(var);

	return p != NULL && *p != '\0' ? p : fallback;
}

/* Reap pid within timeout_s; returns whether it exited (*status set). */
static bool
reap_within(pid_t pid, int *status, double timeout_s)
{
	double deadline = mono() + timeout_s;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r == -1 && errno != EINTR) {
			*status = 0;
			return true;	/* not our child (any more) */
		}
		if (mono() >= deadline)
			return false;
		tick(REAP_TICK_MS);
	}
}

/* Kill pid with SIGKILL and reap it; returns its status. */
static int
kill_and_reap(pid_t pid)
{
	int status = 0;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		continue;
	return status;
}

/*
 * Read the server's "HTTP_PORT RAW_PORT TLS_PORT" line; false if none in
 * time.
 */
static bool
read_port_line(int fd, char *line, size_t size)
{
	double deadline = mono() + SERVER_START_TIMEOUT;
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		if (poll(&pfd, 1, ms_until(deadline, 1000)) < 0 &&
		    errno != EINTR)
			return false;
		if (mono() >= deadline && !(pfd.revents & (POLLIN | POLLHUP)))
			return false;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fd, line + len, 1);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return false;
		if (n < 0)
			continue;
		if (line[len] == '\n') {
			line[len] = '\0';
			return true;
		}
		len++;
	}
	return false;
}

struct server *
server_start(void)
{
	const char *bin = bin_path("TESTSERVER_BIN", "./tests/testserver");
	const char *srcdir = bin_path("SCRAPE_SRCDIR", ".");
	char fixtures[PATH_MAX];
	char *argv[] = { (char *)bin, (char *)"--max-seconds", (char *)"120",
	    (char *)"--exit-on-stdin-eof", (char *)"--fixtures", fixtures,
	    NULL };
	struct server *s = xcalloc(1, sizeof(*s));
	int ctl[2], out[2];
	char line[64];
	bool ok;

	/* The pages of /fixture (tests/check_fields.c). */
	snprintf(fixtures, sizeof(fixtures), "%s/tests/fixtures/html", srcdir);

	signal(SIGPIPE, SIG_IGN);
	xpipe(ctl);
	xpipe(out);
	s->pid = spawn(bin, argv, environ, ctl[0], out[1], -1);
	close(ctl[0]);
	close(out[1]);
	s->ctl_fd = ctl[1];
	/* A server without the TLS port (two ports only) still serves. */
	s->tls_port = -1;
	ok = read_port_line(out[0], line, sizeof(line)) &&
	    sscanf(line, "%d %d %d", &s->http_port, &s->raw_port,
	    &s->tls_port) >= 2 && s->http_port > 0 && s->raw_port > 0 &&
	    (s->tls_port > 0 || s->tls_port == -1);
	close(out[0]);
	if (!ok) {
		kill_and_reap(s->pid);
		close(s->ctl_fd);
		free(s);
		ck_abort_msg("test server %s did not start (set TESTSERVER_BIN"
		    " to its path)", bin);
	}
	return s;
}

int
server_stop(struct server *s)
{
	int status = 0;

	if (s == NULL)
		return 0;
	kill(s->pid, SIGTERM);
	if (!reap_within(s->pid, &status, SERVER_STOP_TIMEOUT))
		status = kill_and_reap(s->pid);
	close(s->ctl_fd);
	free(s);
	return exit_code(status);
}

int
server_port(const struct server *s)
{
	return s->http_port;
}

int
server_raw_port(const struct server *s)
{
	return s->raw_port;
}

int
server_tls_port(const struct server *s)
{
	if (s->tls_port <= 0)
		ck_abort_msg("the test server has no TLS port (an old"
		    " tests/testserver?)");
	return s->tls_port;
}

pid_t
server_pid(const struct server *s)
{
	return s->pid;
}

/* "http://127.0.0.1:port/path", the leading '/' of path optional. */
static char *
url_on(int port, const char *path)
{
	if (*path == '/')
		path++;
	return xasprintf("http://127.0.0.1:%d/%s", port, path);
}

char *
server_url(const struct server *s, const char *path)
{
	return url_on(s->http_port, path);
}

char *
server_raw_url(const struct server *s, const char *path)
{
	return url_on(s->raw_port, path);
}

char *
server_tls_url(const struct server *s, const char *path)
{
	int port = server_tls_port(s);

	if (*path == '/')
		path++;
	return xasprintf("https://127.0.0.1:%d/%s", port, path);
}

/* Connect to 127.0.0.1:port by the deadline; -1 on failure. */
static int
connect_loopback(int port, double deadline)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, ms_until(deadline, INT_MAX)) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Send all of s on fd by the deadline. */
static bool
send_all(int fd, const char *s, size_t n, double deadline)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t w;

	while (n > 0) {
		if (poll(&pfd, 1, ms_until(deadline, INT_MAX)) != 1)
			return false;
		w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno != EINTR && errno != EAGAIN)
			return false;
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		}
	}
	return true;
}

/* Read fd to end of file by the deadline into b. */
static bool
recv_all(int fd, struct obuf *b, double deadline)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char chunk[16384];
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, ms_until(deadline, INT_MAX)) != 1)
			return false;
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			return true;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return false;
		if (n > 0)
			obuf_append(b, chunk, (size_t)n);
	}
}

char *
server_get(const struct server *s, const char *path, int *status,
    size_t *len)
{
	double deadline = mono() + CLIENT_TIMEOUT;
	struct obuf b = { NULL, 0, 0 };
	char *req, *body, *head_end;
	int fd, code = 0;
	bool ok;

	if ((fd = connect_loopback(s->http_port, deadline)) == -1)
		ck_abort_msg("cannot connect to the test server: %s",
		    strerror(errno));
	req = xasprintf("GET %s%s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
	    *path == '/' ? "" : "/", path);
	ok = send_all(fd, req, strlen(req), deadline) &&
	    recv_all(fd, &b, deadline);
	close(fd);
	free(req);
	obuf_terminate(&b);
	if (!ok || sscanf(b.data, "HTTP/1.%*d %d", &code) != 1 ||
	    (head_end = strstr(b.data, "\r\n\r\n")) == NULL) {
		free(b.data);
		ck_abort_msg("no answer from the test server for %s", path);
	}
	head_end += 4;
	if (status != NULL)
		*status = code;
	if (len != NULL)
		*len = b.len - (size_t)(head_end - b.data);
	body = xmalloc(b.len - (size_t)(head_end - b.data) + 1);
	memcpy(body, head_end, b.len - (size_t)(head_end - b.data) + 1);
	free(b.data);
	return body;
}

long
server_stat(const struct server *s, const char *name)
{
	char *body = server_get(s, "/stats", NULL, NULL);
	cJSON *json = cJSON_Parse(body);
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
	long v;

	if (!cJSON_IsNumber(item)) {
		cJSON_Delete(json);
		free(body);
		ck_abort_msg("no counter \"%s\" in /stats", name);
	}
	v = (long)item->valuedouble;
	cJSON_Delete(json);
	free(body);
	return v;
}

char *
server_host_url(const struct server *s, const char *host, const char *path)
{
	if (*path == '/')
		path++;
	return xasprintf("http://%s:%d/%s", host, s->http_port, path);
}

char *
server_host_url_list(const struct server *s, const char *host, size_t n,
    const char *path_pattern)
{
	char *pattern = server_host_url(s, host, path_pattern);
	char *list = url_list(n, pattern);

	free(pattern);
	return list;
}

/* GET /stats/VIEW/NAME as parsed JSON (the caller deletes it). */
static cJSON *
host_stats(const struct server *s, const char *view, const char *name)
{
	char *path = xasprintf("/stats/%s/%s", view, name);
	char *body = server_get(s, path, NULL, NULL);
	cJSON *json = cJSON_Parse(body);

	if (!cJSON_IsObject(json))
		ck_abort_msg("%s: not a JSON object: %.200s", path, body);
	free(body);
	free(path);
	return json;
}

/* One counter of /stats/VIEW/NAME. */
static long
host_counter(const struct server *s, const char *view, const char *name,
    const char *counter)
{
	cJSON *json = host_stats(s, view, name);
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, counter);
	long v;

	if (!cJSON_IsNumber(item)) {
		cJSON_Delete(json);
		ck_abort_msg("no counter \"%s\" in /stats/%s", counter, view);
	}
	v = (long)item->valuedouble;
	cJSON_Delete(json);
	return v;
}

/* The "arrivals" of /stats/VIEW/NAME, malloc'd. */
static double *
host_arrivals(const struct server *s, const char *view, const char *name,
    size_t *n)
{
	cJSON *json = host_stats(s, view, name);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(json, "arrivals");
	const cJSON *item;
	double *v = NULL;
	size_t i = 0;

	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(json);
		ck_abort_msg("no \"arrivals\" in /stats/%s/%s", view, name);
	}
	*n = (size_t)cJSON_GetArraySize(arr);
	if (*n > 0)
		v = xmalloc(*n * sizeof(*v));
	cJSON_ArrayForEach(item, arr)
		v[i++] = item->valuedouble;
	cJSON_Delete(json);
	return v;
}

long
server_host_stat(const struct server *s, const char *host, const char *name)
{
	return host_counter(s, "host", host, name);
}

long
server_domain_stat(const struct server *s, const char *name,
    const char *counter)
{
	return host_counter(s, "domain", name, counter);
}

double *
server_host_arrivals(const struct server *s, const char *host, size_t *n)
{
	return host_arrivals(s, "host", host, n);
}

double *
server_domain_arrivals(const struct server *s, const char *name, size_t *n)
{
	return host_arrivals(s, "domain", name, n);
}

void
server_control(const struct server *s, const char *what, const char *host)
{
	char *path = xasprintf("/control/%s/%s", what, host);
	int status;

	free(server_get(s, path, &status, NULL));
	if (status != 200)
		ck_abort_msg("%s: status %d", path, status);
	free(path);
}

void
server_stats_reset(const struct server *s)
{
	free(server_get(s, "/stats/reset", NULL, NULL));
}

bool
server_wait_idle(const struct server *s, double timeout_s)
{
	double deadline = mono() + timeout_s;

	for (;;) {
		if (server_stat(s, "inflight") == 0)
			return true;
		if (mono() >= deadline)
			return false;
		tick(10);
	}
}

/* argv for scrape: the binary, then args; malloc'd array only.  With
 * SCRAPE_TEST_JOBS=N in the environment (make check-jobs) every run gets
 * "-j N" first, so that the whole suite runs at that many loops; an -j
 * the test gives itself comes later and wins. */
static char **
scrape_argv(const char *const args[])
{
	static char jobs_arg[16];
	const char *jobs = getenv("SCRAPE_TEST_JOBS");
	size_t n = 0, k = 1;
	char **av;

	while (args != NULL && args[n] != NULL)
		n++;
	av = xcalloc(n + 4, sizeof(*av));
	av[0] = (char *)bin_path("SCRAPE_BIN", "./src/scrape");
	if (jobs != NULL && *jobs != '\0') {
		snprintf(jobs_arg, sizeof jobs_arg, "%s", jobs);
		av[k++] = (char *)"-j";
		av[k++] = jobs_arg;
	}
	memcpy(av + k, args, n * sizeof(*av));
	av[n + k] = NULL;
	return av;
}

/* proc_start() with the environment envp, as is. */
static struct proc *
proc_start_env(const char *const argv[], bool stdin_pipe, char *const envp[])
{
	struct proc *p = xcalloc(1, sizeof(*p));
	int in[2] = { -1, -1 }, out[2], err[2];
	char **av = scrape_argv(argv);

	signal(SIGPIPE, SIG_IGN);
	if (stdin_pipe)
		xpipe(in);
	xpipe(out);
	xpipe(err);
	p->pid = spawn(av[0], av, envp, in[0], out[1], err[1]);
	free(av);
	close_fd(&in[0]);
	close(out[1]);
	close(err[1]);
	p->in_fd = in[1];
	p->out_fd = out[0];
	p->err_fd = err[0];
	if (p->in_fd >= 0)
		set_nonblock(p->in_fd);
	set_nonblock(p->out_fd);
	set_nonblock(p->err_fd);
	return p;
}

struct proc *
proc_start(const char *const argv[], bool stdin_pipe)
{
	char **env = scrape_env();
	struct proc *p = proc_start_env(argv, stdin_pipe, env);

	free(env);
	return p;
}

pid_t
proc_pid(const struct proc *p)
{
	return p->pid;
}

/* Write queued input while the pipe takes it; close when asked and done. */
static void
proc_feed(struct proc *p)
{
	ssize_t n;

	while (p->in_fd >= 0 && p->in_off < p->in.len) {
		n = write(p->in_fd, p->in.data + p->in_off,
		    p->in.len - p->in_off);
		if (n > 0)
			p->in_off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			return;
		else {
			/* The child stopped reading for good (EPIPE). */
			p->in_off = p->in.len;
			close_fd(&p->in_fd);
		}
	}
	p->in.len = p->in_off = 0;
	if (p->close_in)
		close_fd(&p->in_fd);
}

/* Read what fd has into b; close it at end of file. */
static void
proc_drain(struct proc *p, int *fd, struct obuf *b)
{
	char chunk[65536];
	ssize_t n;
	size_t i;

	while (*fd >= 0) {
		n = read(*fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(fd);
			return;
		}
		obuf_append(b, chunk, (size_t)n);
		if (b == &p->out)
			for (i = 0; i < (size_t)n; i++)
				p->out_lines += chunk[i] == '\n';
	}
}

/* Reap the child if it exited. */
static void
proc_reap(struct proc *p)
{
	pid_t r;

	if (p->reaped)
		return;
	r = waitpid(p->pid, &p->status, WNOHANG);
	if (r == p->pid || (r == -1 && errno == ECHILD)) {
		p->reaped = true;
		p->reaped_at = mono();
	}
}

/* A condition proc_pump() waits for. */
typedef bool (*proc_cond)(const struct proc *, long);

/*
 * Move data between the test and the child (input out, output and
 * errors in) until cond holds or the deadline passes; returns cond.
 */
static bool
proc_pump(struct proc *p, double deadline, proc_cond cond, long arg)
{
	struct pollfd pfd[3];
	nfds_t n;

	for (;;) {
		proc_feed(p);
		proc_reap(p);
		if (cond(p, arg))
			return true;
		if (mono() >= deadline)
			return false;
		n = 0;
		if (p->out_fd >= 0)
			pfd[n++] = (struct pollfd){ p->out_fd, POLLIN, 0 };
		if (p->err_fd >= 0)
			pfd[n++] = (struct pollfd){ p->err_fd, POLLIN, 0 };
		if (p->in_fd >= 0 && p->in_off < p->in.len)
			pfd[n++] = (struct pollfd){ p->in_fd, POLLOUT, 0 };
		if (n == 0) {
			tick(ms_until(deadline, REAP_TICK_MS));
			continue;
		}
		/* A tick even so: the child may exit with its pipes open. */
		if (poll(pfd, n, ms_until(deadline, POLL_TICK_MS)) < 0 &&
		    errno != EINTR)
			ck_abort_msg("poll: %s", strerror(errno));
		proc_drain(p, &p->out_fd, &p->out);
		proc_drain(p, &p->err_fd, &p->err);
	}
}

/*
 * proc_pump() condition: the child reaped and all its output read; or
 * reaped a while ago, the pipes being held open by some orphan of its.
 */
static bool
cond_finished(const struct proc *p, long arg)
{
	if (!p->reaped)
		return false;
	return (p->out_fd < 0 && p->err_fd < 0) ||
	    mono() - p->reaped_at > ORPHAN_GRACE;
}

/* proc_pump() condition: arg lines of output, or no more to come. */
static bool
cond_lines(const struct proc *p, long arg)
{
	return p->out_lines >= (size_t)arg || p->out_fd < 0;
}

/* proc_pump() condition: never (pump once, without waiting). */
static bool
cond_never(const struct proc *p, long arg)
{
	return false;
}

void
proc_write_stdin(struct proc *p, const char *data, size_t len)
{
	if (p->in_fd < 0 || p->close_in)
		ck_abort_msg("proc_write_stdin: standard input is not a pipe"
		    " or is closed");
	obuf_append(&p->in, data, len);
	proc_pump(p, mono(), cond_never, 0);
}

size_t
proc_stdin_pending(const struct proc *p)
{
	return p->in.len - p->in_off;
}

void
proc_close_stdin(struct proc *p)
{
	p->close_in = true;
	proc_feed(p);
}

bool
proc_wait_stdout_lines(struct proc *p, int nlines, double timeout_s)
{
	proc_pump(p, mono() + timeout_s, cond_lines, nlines);
	return p->out_lines >= (size_t)nlines;
}

const char *
proc_stdout(const struct proc *p, size_t *len)
{
	if (len != NULL)
		*len = p->out.len;
	return p->out.data != NULL ? p->out.data : "";
}

const char *
proc_stderr(const struct proc *p, size_t *len)
{
	if (len != NULL)
		*len = p->err.len;
	return p->err.data != NULL ? p->err.data : "";
}

void
proc_kill(struct proc *p, int sig)
{
	proc_reap(p);
	if (p->reaped)
		return;
	kill(p->pid, sig);
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP ||
	    sig == SIGQUIT || sig == SIGKILL)
		p->term_sent = true;
}

struct run *
proc_finish(struct proc *p, double timeout_s)
{
	struct run *r = xcalloc(1, sizeof(*r));

	/*
	 * A signalled child must stop by itself: an end of input right
	 * behind the signal would race it (and could win, so the signal
	 * would not be tested at all).
	 */
	if (!p->term_sent)
		p->close_in = true;
	if (!proc_pump(p, mono() + timeout_s, cond_finished, 0)) {
		proc_reap(p);
		if (!p->reaped) {
			kill(p->pid, SIGKILL);
			p->timed_out = true;
		}
		proc_pump(p, mono() + KILL_TIMEOUT, cond_finished, 0);
	}
	/* Whoever still holds the pipes, the child itself is gone. */
	proc_drain(p, &p->out_fd, &p->out);
	proc_drain(p, &p->err_fd, &p->err);
	close_fd(&p->in_fd);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	if (!p->reaped)
		p->status = kill_and_reap(p->pid);
	obuf_terminate(&p->out);
	obuf_terminate(&p->err);
	r->exit_status = exit_code(p->status);
	r->timed_out = p->timed_out;
	r->out = p->out.data;
	r->out_len = p->out.len;
	r->err = p->err.data;
	r->err_len = p->err.len;
	free(p->in.data);
	free(p);
	return r;
}

struct run *
run_scrape(const char *stdin_data, size_t stdin_len, double timeout_s,
    const char *const argv[])
{
	struct proc *p = proc_start(argv, stdin_data != NULL);

	if (stdin_data != NULL)
		obuf_append(&p->in, stdin_data, stdin_len);
	return proc_finish(p, timeout_s);
}

/* envp (NULL: none) plus the variables a wrapper that SCRAPE_BIN names
 * reads (tests/soak/valgrind-scrape under make check-valgrind), which
 * are set only then: without them the wrapper cannot find scrape. */
static char **
wrapper_env(char *const envp[])
{
	static const char *const keep[] = { "SCRAPE_REAL_BIN",
	    "VALGRIND_WRAP_REAL", "VALGRIND_LOG_DIR", "VALGRIND",
	    "VALGRIND_SUPP", "VALGRIND_FLAGS", "VALGRIND_NATIVE_NOFILE" };
	size_t n = 0, j = 0, k;
	char **env;

	while (envp != NULL && envp[n] != NULL)
		n++;
	env = xcalloc(n + sizeof(keep) / sizeof(keep[0]) + 1, sizeof(*env));
	for (k = 0; k < n; k++)
		env[j++] = envp[k];
	for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
		for (char **e = environ; *e != NULL; e++)
			if (env_is(*e, keep[k]))
				env[j++] = *e;
	env[j] = NULL;
	return env;
}

struct run *
run_scrape_env(const char *stdin_data, size_t stdin_len, double timeout_s,
    const char *const argv[], char *const envp[])
{
	char **env = wrapper_env(envp);
	struct proc *p = proc_start_env(argv, stdin_data != NULL, env);

	free(env);
	if (stdin_data != NULL)
		obuf_append(&p->in, stdin_data, stdin_len);
	return proc_finish(p, timeout_s);
}

struct run *
run_scrapef(const char *stdin_data, double timeout_s, ...)
{
	const char **argv;
	struct run *r;
	va_list ap, aq;
	size_t n = 0;

	va_start(ap, timeout_s);
	va_copy(aq, ap);
	while (va_arg(aq, const char *) != NULL)
		n++;
	va_end(aq);
	argv = xcalloc(n + 1, sizeof(*argv));
	for (n = 0; (argv[n] = va_arg(ap, const char *)) != NULL; n++)
		continue;
	va_end(ap);
	r = run_scrape(stdin_data, stdin_data ? strlen(stdin_data) : 0,
	    timeout_s, argv);
	free(argv);
	return r;
}

void
run_free(struct run *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->err);
	free(r);
}

/* Is s[0..n) strict UTF-8 (no overlongs, surrogates or > U+10FFFF)? */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			len = 2, cp = s[i] & 0x1f, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3, cp = s[i] & 0x0f, min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 4, cp = s[i] & 0x07, min = 0x10000;
		} else
			return false;
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* Is c an ASCII digit? */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skip the digits at s (up to end). */
static const char *
skip_digits(const char *s, const char *end)
{
	while (s < end && is_digit(*s))
		s++;
	return s;
}

/* The end of the JSON number at s, or NULL if it breaks the grammar. */
static const char *
json_number_end(const char *s, const char *end)
{
	if (s < end && *s == '-')
		s++;
	if (s >= end || !is_digit(*s))
		return NULL;
	s = *s == '0' ? s + 1 : skip_digits(s, end);
	if (s < end && *s == '.') {
		if (++s >= end || !is_digit(*s))
			return NULL;
		s = skip_digits(s, end);
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		if (++s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end || !is_digit(*s))
			return NULL;
		s = skip_digits(s, end);
	}
	if (s < end && strchr(",]} \t\r", *s) == NULL)
		return NULL;		/* "01", "1x", "1.2.3" */
	return s;
}

/*
 * What cJSON lets pass but JSON forbids: raw control characters (in
 * strings or between tokens) and numbers like 01, +1, .5 or 1. — NULL
 * if none of that is found.
 */
static const char *
json_lexical_problem(const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		if (*s == '"') {
			for (s++; s < end && *s != '"'; s++) {
				if ((unsigned char)*s < 0x20)
					return "raw control character in a string";
				if (*s == '\\')
					s++;	/* cJSON checks the escape */
			}
			if (s >= end)
				return "unterminated string";
			s++;
		} else if (*s == '-' || is_digit(*s)) {
			if ((s = json_number_end(s, end)) == NULL)
				return "malformed number";
		} else if (*s == '+' || *s == '.')
			return "malformed number";
		else if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\r')
			return "raw control character";
		else
			s++;
	}
	return NULL;
}

/* Parse one result line; NULL with *why set if it is not a JSON object. */
static cJSON *
parse_line(const char *line, size_t n, const char **why)
{
	const char *end = NULL;
	cJSON *json;
	char *copy;

	if (memchr(line, '\0', n) != NULL) {
		*why = "NUL byte";
		return NULL;
	}
	if (!utf8_valid((const unsigned char *)line, n)) {
		*why = "not UTF-8";
		return NULL;
	}
	if ((*why = json_lexical_problem(line, n)) != NULL)
		return NULL;
	copy = xmalloc(n + 1);
	memcpy(copy, line, n);
	copy[n] = '\0';
	/* The length counts the NUL, which must directly follow the value. */
	json = cJSON_ParseWithLengthOpts(copy, n + 1, &end, 1);
	free(copy);
	if (json == NULL)
		*why = "not JSON";
	else if (!cJSON_IsObject(json)) {
		*why = "not a JSON object";
		cJSON_Delete(json);
		json = NULL;
	}
	return json;
}

/* s[0..n) with non-printable bytes escaped, cut at SHOW_MAX; malloc'd. */
static char *
escape_for_message(const char *s, size_t n)
{
	struct obuf b = { NULL, 0, 0 };
	char hex[8];
	size_t i;

	for (i = 0; i < n && i < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			obuf_append(&b, "\\\\", 2);
		else if (c >= 0x20 && c < 0x7f)
			obuf_append(&b, &s[i], 1);
		else {
			snprintf(hex, sizeof(hex), "\\x%02x", c);
			obuf_append(&b, hex, 4);
		}
	}
	if (n > SHOW_MAX)
		obuf_append(&b, "...", 3);
	obuf_terminate(&b);
	return b.data;
}

/* Fail the test over result line number lineno. */
static void __attribute__((noreturn))
line_failed(struct lines *l, size_t lineno, const char *line, size_t n,
    const char *why)
{
	char *shown = escape_for_message(line, n);
	char msg[SHOW_MAX * 4 + 128];

	snprintf(msg, sizeof(msg), "output line %zu: %s: \"%s\"", lineno,
	    why, shown);
	free(shown);
	lines_free(l);
	ck_abort_msg("%s", msg);
	abort();	/* not reached: ck_abort_msg does not return */
}

struct lines *
lines_parse(const char *out, size_t len)
{
	struct lines *l = xcalloc(1, sizeof(*l));
	const char *p = out, *end = out + len, *nl, *why;
	size_t cap = 0;
	cJSON *json;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			line_failed(l, l->n + 1, p, (size_t)(end - p),
			    "no newline at the end of the output");
		if ((json = parse_line(p, (size_t)(nl - p), &why)) == NULL)
			line_failed(l, l->n + 1, p, (size_t)(nl - p), why);
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			l->items = xrealloc(l->items, cap * sizeof(*l->items));
		}
		l->items[l->n++] = json;
		p = nl + 1;
	}
	return l;
}

cJSON *
lines_find(const struct lines *l, const char *url)
{
	const char *u;
	size_t i;

	for (i = 0; i < l->n; i++)
		if ((u = jstr(l->items[i], "url")) != NULL &&
		    strcmp(u, url) == 0)
			return l->items[i];
	return NULL;
}

size_t
lines_count_url(const struct lines *l, const char *url)
{
	const char *u;
	size_t i, count = 0;

	for (i = 0; i < l->n; i++)
		if ((u = jstr(l->items[i], "url")) != NULL &&
		    strcmp(u, url) == 0)
			count++;
	return count;
}

void
lines_free(struct lines *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		cJSON_Delete(l->items[i]);
	free(l->items);
	free(l);
}

/* obj.field, or NULL (obj may be NULL). */
static const cJSON *
jget(const cJSON *obj, const char *field)
{
	if (obj == NULL)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, field);
}

const char *
jstr(const cJSON *obj, const char *field)
{
	const cJSON *v = jget(obj, field);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long
jint(const cJSON *obj, const char *field)
{
	const cJSON *v = jget(obj, field);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

double
jnum(const cJSON *obj, const char *field)
{
	const cJSON *v = jget(obj, field);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

bool
jbool(const cJSON *obj, const char *field)
{
	return cJSON_IsTrue(jget(obj, field));
}

bool
jnull(const cJSON *obj, const char *field)
{
	return cJSON_IsNull(jget(obj, field));
}

const char *
jkind(const cJSON *obj)
{
	return jstr(jget(obj, "error"), "kind");
}

const char *
jmessage(const cJSON *obj)
{
	return jstr(jget(obj, "error"), "message");
}

char *
tmpfile_write(const void *data, size_t len)
{
	char *path = xstrdup("/tmp/scrape-test-XXXXXX");
	const char *p = data;
	ssize_t n;
	int fd;

	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		ck_abort_msg("mkstemp: %s", strerror(errno));
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ck_abort_msg("write %s: %s", path, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) == -1)
		ck_abort_msg("close %s: %s", path, strerror(errno));
	return path;
}

char *
file_read(const char *path, size_t *len)
{
	struct obuf b = { NULL, 0, 0 };
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			free(b.data);
			return NULL;
		}
		obuf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	obuf_terminate(&b);
	if (len != NULL)
		*len = b.len;
	return b.data;
}

/* Whether pattern holds exactly one printf conversion, of a size_t. */
static bool
pattern_ok(const char *s)
{
	int conversions = 0;

	for (; *s != '\0'; s++) {
		if (*s != '%')
			continue;
		if (*++s == '%')
			continue;
		s += strspn(s, "-+ #0");
		s += strspn(s, "0123456789");
		if (*s == '.') {
			s++;
			s += strspn(s, "0123456789");
		}
		if (s[0] != 'z' || s[1] == '\0' || strchr("udxXo", s[1]) == NULL)
			return false;
		s++;
		conversions++;
	}
	return conversions == 1;
}

char *
url_list(size_t n, const char *pattern)
{
	struct obuf b = { NULL, 0, 0 };
	char line[16384];
	size_t i;
	int len;

	if (!pattern_ok(pattern))
		ck_abort_msg("url_list: \"%s\" must hold exactly one %%zu-like"
		    " conversion", pattern);
	for (i = 0; i < n; i++) {
		/* Checked above: one conversion, and it takes a size_t. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		len = snprintf(line, sizeof(line) - 1, pattern, i);
#pragma GCC diagnostic pop
		if (len < 0 || (size_t)len >= sizeof(line) - 1)
			ck_abort_msg("url_list: line too long");
		line[len++] = '\n';
		obuf_append(&b, line, (size_t)len);
	}
	obuf_terminate(&b);
	return b.data;
}

char *
server_url_list(const struct server *s, size_t n, const char *path_pattern)
{
	char *pattern = server_url(s, path_pattern);
	char *list = url_list(n, pattern);

	free(pattern);
	return list;
}

/* ---- Fixtures ---- */

struct server *srv;

void
server_fixture_setup(void)
{
	srv = server_start();
}

void
server_fixture_teardown(void)
{
	int status = server_stop(srv);

	srv = NULL;
	ck_assert_msg(status == 0, "test server exit status %d", status);
}

struct run *
scrape_args(const char *list, struct lines **lines, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;

	va_start(ap, lines);
	while ((args[n] = va_arg(ap, const char *)) != NULL)
		ck_assert(++n < 63);
	va_end(ap);
	return scrape_list(list, lines, args);
}

struct run *
scrape_list(const char *list, struct lines **lines, const char *const *args)
{
	const char *argv[64];
	size_t n = 0;
	struct run *run;

	for (; args != NULL && *args != NULL; args++) {
		ck_assert_msg(n < 63, "too many arguments");
		argv[n++] = *args;
	}
	argv[n] = NULL;
	run = run_scrape(list, strlen(list), 30, argv);
	ck_assert_msg(!run->timed_out, "scrape did not finish: %s", run->err);
	*lines = lines_parse(run->out, run->out_len);
	return run;
}

cJSON *
scrape_one(const char *url, struct lines **lines, struct run **runp,
    const char *const *args)
{
	char *list = NULL;

	if (asprintf(&list, "%s\n", url) < 0)
		ck_abort_msg("out of memory");
	*runp = scrape_list(list, lines, args);
	free(list);
	ck_assert_uint_eq((*lines)->n, 1);
	ck_assert_str_eq(jstr((*lines)->items[0], "url"), url);
	return (*lines)->items[0];
}
