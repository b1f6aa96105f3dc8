/*
 * The HTTP server the integration tests run scrape against.
 *
 * It listens on 127.0.0.1 only (or, with --bind, on the address of a test
 * host in a network namespace a test made), on three kernel-chosen ports:
 * an evhttp port with well-behaved (if sometimes slow or flaky)
 * endpoints, a "raw" port that speaks bytes over plain TCP, for the
 * faults evhttp cannot produce (resets, truncated bodies, garbage, endless headers), and a TLS
 * port serving the evhttp endpoints over HTTPS. Once all three listen it
 * prints "HTTP_PORT RAW_PORT TLS_PORT\n" on standard output.
 *
 * The TLS port's certificate is made at startup, in memory: a fresh
 * self-signed EC P-256 key and X.509 certificate for CN=127.0.0.1 with
 * subjectAltName IP:127.0.0.1, valid from now for one day. No client
 * trusts it, so a verifying client must fail; one that does not verify
 * gets every endpoint as on the HTTP port. ALPN picks "http/1.1" when
 * offered (never h2: evhttp speaks HTTP/1.x only). --tls-cert-out FILE
 * writes the certificate as PEM, for a client told to trust it. A TLS
 * ClientHello on the raw port gets a plain-text HTTP 400 and a close, as
 * from any plain HTTP server: a broken handshake that is no certificate
 * problem.
 *
 * It runs until SIGTERM or SIGINT (exit 0, everything freed), or until
 * --max-seconds pass (a safety net for hung tests), or, with
 * --exit-on-stdin-eof, until its standard input reaches end of file (so it
 * dies with the test process that holds the other end of the pipe).
 *
 * Counters, reported by /stats: "requests" received, requests "inflight"
 * (received, not yet fully answered, delayed ones included) and the
 * highest "inflight" ever seen. /stats and /stats/reset themselves are
 * never counted. Raw-port requests count too, from the moment their
 * request head (or TLS ClientHello) is read until their connection is
 * closed; they are also reported on their own as "raw_requests" and
 * "raw_inflight". TLS-port requests count in "requests" and "inflight"
 * and on their own in "tls_requests"; "tls_connections" counts the TLS
 * port's accepted connections and "tls_handshakes" the TLS handshakes
 * completed on them.
 *
 * Hosts. Every *.localhost name reaches 127.0.0.1 without DNS (libcurl
 * resolves them itself), so http://h1.localhost:PORT/ and
 * http://h2.localhost:PORT/ are two hosts for scrape, one server here,
 * which tells them apart by the Host header: without its port, without
 * one trailing dot, lower-cased (what scrape's host key is). On the
 * evhttp and TLS ports (not the raw one), each host has counters:
 * "requests", "inflight", "max_inflight", "rejected" (429s of /cap and
 * /cap-ra), "robots" (requests for /robots.txt, each redirect hop
 * included) and "arrivals", the arrival times of its first 10000
 * requests in milliseconds (with fractions, monotonic clock) since the
 * server started, in arrival order. /stats/host/NAME gives them as JSON
 * (a name never seen: zeros and []); /stats/domain/NAME the same over
 * NAME and every name under it ("h1.localhost" counts a.h1.localhost,
 * b.h1.localhost, ...: one view of a registrable domain, or with NAME
 * "localhost" of every *.localhost host, arrivals merged in order);
 * /stats/hosts lists the names seen since the last reset. /stats/reset
 * clears them all; /stats* are never counted. robots.txt fetches are
 * requests like any other.
 *
 * Per-host endpoints:
 * /cap/K/MS/...	a host that serves K at a time: when more than K
 *			requests for this Host are in flight (this one
 *			included), 429 at once ("rejected"); else 200
 *			after MS ms. (A rejected request is in flight for
 *			an instant, so max_inflight may exceed K.)
 * /cap-ra/K/SECS/MS/...	the same, with Retry-After: SECS on its 429s.
 * /control/down/NAME	from now on every request for host NAME (any path
 *			but /stats* and /control*, robots.txt included)
 *			gets 503 without Retry-After, until
 * /control/up/NAME	Neither is counted; /stats/reset keeps the state.
 * /private, /public, /early, /secret, /doc (and below): 200 pages for
 *			robots.txt rules to allow or deny.
 * /robots.txt		depends on the first label of the host:
 *   rob-*		200: group "scrape": Disallow /private, Allow
 *			/private/ok, Disallow any "*.pdf$"; group "*":
 *			Disallow / (so -A Other/1.0 is denied everything)
 *   rredir-*		302 to /robots.txt?hop=N+1 five times, then the
 *			rob-* rules (a client following 5 redirects gets it)
 *   rloop-*		302 to /robots.txt?loop=N+1, forever
 *   rNNN-*		status NNN (r404-, r403-, r500-, r503-, ...)
 *   rbig-*		2 MiB: "User-agent: *", "Disallow: /early", then
 *			comment lines, "Disallow: /secret" only at byte
 *			614431 (past 600 KiB: beyond a 500 KiB cap)
 *   rbin-*		64 KiB of pseudo-random bytes (the same each run)
 *   rdelay-*		"User-agent: *", "Crawl-delay: 0.3"
 *   rslow-*		after 500 ms: "User-agent: *", "Disallow: /private"
 *   rendless-*		"User-agent: *", "Disallow: /early", then letters
 *			(no newline) chunked until the client leaves
 *   anything else	404
 *
 * Pages for the extraction tests (tests/check_fields.c):
 * /fixture/NAME	the file NAME of the --fixtures DIR, as it is on
 *			disk, with the Content-Type its line in DIR/MANIFEST
 *			gives; ?status=N answers with status N instead of
 *			200 (a 404 page with a title).  404 for a NAME the
 *			MANIFEST does not list.
 * /fixture-gz/NAME	the same page gzip-encoded (Content-Encoding: gzip)
 *			when the client accepts gzip, else as is.
 * /json		a small application/json body.
 * /sized/N		an HTML page of exactly N bytes (N >= SIZED_MIN):
 *			<title>sized</title>, then padding, for the edge of
 *			--max-size.
 */
#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <zlib.h>

#define LISTEN_BACKLOG		4096
#define DEFAULT_MAX_SECONDS	300
#define HTTP_IDLE_TIMEOUT	300		/* s; longer than any /delay */
#define MAX_DELAY_MS		3600000L
#define MAX_BIG			(1024L * 1024 * 1024)
#define STREAM_PIECE		(256 * 1024)	/* /big and /chunked pieces */
#define RAW_HEAD_MAX		(64 * 1024)
#define RAW_PIECE		(64 * 1024)
#define HUGE_HEADER_LEN		(1024 * 1024)
#define ENDLESS_TICK_MS		10
#define LINGER_CLOSE_MS		20	/* /linger-close */
#define PAD_VALUE_LEN		100
#define GZIP_LINE		"hello gzip\n"
#define GZIP_REPEAT		1000
#define TLS_CERT_DAYS		1
#define TLS_RECORD_HANDSHAKE	0x16	/* first byte of a ClientHello */
#define TLS_RECORD_HEAD		5	/* type, version, length */
#define HOST_NAME_LEN		256	/* longest Host kept, NUL included */
#define HOST_ARRIVALS_MAX	10000	/* arrival times kept per host */
#define HOST_BUCKETS		4096
#define REQ_BUCKETS		4096
#define ROBOTS_REDIRECTS	5	/* rredir-*: hops before the rules */
#define ROBOTS_BIG_LEN		(2 * 1024 * 1024)
#define ROBOTS_BIG_SECRET_AT	(600 * 1024)
#define ROBOTS_BIN_LEN		(64 * 1024)
#define ROBOTS_SLOW_MS		500
#define ROBOTS_FILLER_LEN	64	/* rbig-*: one comment line */
#define FIXTURES_MAX		64	/* lines of a fixtures MANIFEST */
#define FIXTURE_MAX_LEN		(1024 * 1024)
#define SIZED_MIN		64	/* /sized/N: the shortest page */

/* A delayed or streamed HTTP answer that outlives its request callback. */
struct job {
	struct evhttp_request		*req;
	struct evhttp_connection	*evcon;
	struct event			*timer;		/* /delay */
	struct event			*watch;		/* /delay: client gone? */
	const char			*body;		/* /delay: "delayed\n" */
	size_t				 total;		/* /big, /chunked */
	size_t				 sent;
	size_t				 piece;
	LIST_ENTRY(job)			 link;		/* on S.jobs */
};

enum raw_mode {
	RAW_READING,		/* waiting for the request head */
	RAW_SILENT,		/* never answer */
	RAW_FLUSH_CLOSE,	/* close (FIN) once the output is written */
	RAW_FLUSH_RST,		/* reset once the output is written */
	RAW_FLUSH_LINGER,	/* close (FIN) LINGER_CLOSE_MS after it is */
	RAW_HUGE,		/* still writing the 1 MiB header */
	RAW_ENDLESS		/* writing headers until the client leaves */
};

/* One connection on the raw port. */
struct rawconn {
	struct bufferevent	*bev;
	enum raw_mode		 mode;
	size_t			 left;		/* RAW_HUGE: 'a's still to write */
	unsigned long		 pad;		/* RAW_ENDLESS: next header number */
	struct event		*tick;		/* RAW_ENDLESS pacing; linger */
	bool			 counted;	/* holds one of the in-flight */
	LIST_ENTRY(rawconn)	 link;		/* on S.raws */
};

/* A per-key request counter, for /flaky and /retry-after*. */
struct keyent {
	char		*key;
	long		 count;
	struct keyent	*next;
};

/* Per-Host counters: of one name, or of a name and every name under it. */
struct hcount {
	long		 requests;
	long		 inflight;
	long		 max_inflight;
	long		 rejected;	/* 429s of /cap and /cap-ra */
	long		 robots;	/* requests for /robots.txt */
	double		*arrivals;	/* ms since startup, the first ones */
	size_t		 narrivals;
	size_t		 arrivals_cap;
};

/* A host name seen in a Host header, or a name above one. */
struct hostrec {
	char		*name;
	struct hcount	 own;		/* requests whose Host is name */
	struct hcount	 tree;		/* ... name or any name under it */
	bool		 down;		/* /control/down: all get 503 */
	struct hostrec	*parent;	/* name without its first label */
	struct hostrec	*next;		/* hash chain */
};

/* A counted HTTP (or TLS) request in flight, and the host it is for. */
struct reqent {
	struct evhttp_request	*req;
	struct hostrec		*host;
	struct reqent		*next;	/* hash chain */
};

/* A page of the --fixtures DIR: its file name and its Content-Type. */
struct fixture {
	char		*name;
	char		*ctype;
};

/* An endpoint on one of the ports: its path prefix and its handler. */
struct route {
	const char	*prefix;
	void		(*fn)(struct evhttp_request *, const char *);
};

struct raw_route {
	const char	*prefix;
	void		(*fn)(struct rawconn *);
};

static struct {
	struct event_base	*base;
	struct evhttp		*http;
	struct evhttp		*https;		/* the TLS port */
	struct evconnlistener	*raw_listener;
	int			 http_port;
	int			 raw_port;
	int			 tls_port;
	long			 max_seconds;
	struct in_addr		 bind_addr;	/* --bind; 127.0.0.1 */
	const char		*tls_cert_out;
	bool			 exit_on_stdin_eof;
	bool			 verbose;
	const char		*fixtures_dir;	/* --fixtures */
	struct fixture		 fixtures[FIXTURES_MAX];
	size_t			 nfixtures;

	long			 requests;
	long			 inflight;
	long			 max_inflight;
	long			 raw_requests;
	long			 raw_inflight;
	long			 tls_requests;
	long			 tls_connections;
	long			 tls_handshakes;

	SSL_CTX			*ssl_ctx;
	X509			*tls_cert;
	EVP_PKEY		*tls_key;
	int			 tls_ex_index;	/* SSL ex_data: handshake seen */

	LIST_HEAD(, job)	 jobs;
	LIST_HEAD(, rawconn)	 raws;
	struct keyent		*keys;

	struct timespec		 start;		/* arrival times count from */
	struct hostrec		*hosts[HOST_BUCKETS];
	size_t			 nhosts;
	struct reqent		*reqs[REQ_BUCKETS];
	char			*robots_big;	/* rbig-* */
	unsigned char		*robots_bin;	/* rbin-* */

	unsigned char		*gz;
	size_t			 gz_len;
	char			*plain;
	size_t			 plain_len;
	/* 'a'..'z' repeated, read at an offset to serve any slice of it. */
	char			 pattern[STREAM_PIECE + 26];
	char			 a_run[RAW_PIECE];	/* /huge-header */
} S;

static void	raw_free(struct rawconn *);
static long	query_long(struct evhttp_request *, const char *);

/* Print a message on standard error, prefixed with the program name. */
static void __attribute__((format(printf, 1, 2)))
warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "testserver: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print a message and exit with status 1: only used while starting up. */
static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "testserver: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* malloc that cannot fail. */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* calloc that cannot fail. */
static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* Note one more request in flight. */
static void
inflight_add(void)
{
	S.requests++;
	S.inflight++;
	if (S.inflight > S.max_inflight)
		S.max_inflight = S.inflight;
}

/* Milliseconds (with fractions) on the monotonic clock since startup. */
static double
ms_since_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - S.start.tv_sec) * 1e3 +
	    (double)(ts.tv_nsec - S.start.tv_nsec) / 1e6;
}

/* A hash of a string or a pointer, for the tables' buckets. */
static size_t
hash_str(const char *s)
{
	size_t h = 5381;

	for (; *s != '\0'; s++)
		h = h * 33 ^ (unsigned char)*s;
	return h;
}

static size_t
hash_ptr(const void *p)
{
	uintptr_t v = (uintptr_t)p;

	return (size_t)(v >> 4 ^ v >> 12);
}

/* Is name an IP literal ("[...]" or digits and dots)? Those have no
 * names above them. */
static bool
host_is_ip(const char *name)
{
	if (*name == '[')
		return true;
	return name[strspn(name, "0123456789.")] == '\0';
}

/*
 * The entry of a host name, made on first use (with the entries of the
 * names above it: "a.h1.localhost" makes "h1.localhost" and "localhost").
 */
static struct hostrec *
host_get(const char *name)
{
	size_t b = hash_str(name) % HOST_BUCKETS;
	const char *dot;
	struct hostrec *h;

	for (h = S.hosts[b]; h != NULL; h = h->next)
		if (strcmp(h->name, name) == 0)
			return h;
	h = xcalloc(1, sizeof(*h));
	h->name = xmalloc(strlen(name) + 1);
	strcpy(h->name, name);
	h->next = S.hosts[b];
	S.hosts[b] = h;
	S.nhosts++;
	if (!host_is_ip(name) && (dot = strchr(name, '.')) != NULL &&
	    dot[1] != '\0')
		h->parent = host_get(dot + 1);
	return h;
}

/* The entry of name if it was ever made; NULL if not. */
static struct hostrec *
host_find(const char *name)
{
	struct hostrec *h;

	for (h = S.hosts[hash_str(name) % HOST_BUCKETS]; h != NULL;
	    h = h->next)
		if (strcmp(h->name, name) == 0)
			return h;
	return NULL;
}

/*
 * The host a request is for, as scrape's host key sees it: the Host
 * header without its port (an IPv6 literal keeps its brackets) and
 * without one trailing dot, lower-cased, into out. "" without a Host.
 */
static void
host_of_request(struct evhttp_request *req, char *out, size_t outlen)
{
	const char *v = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Host");
	size_t n, i;

	if (v == NULL)
		v = "";
	if (*v == '[')
		n = strchr(v, ']') != NULL ? (size_t)(strchr(v, ']') - v) + 1 :
		    strlen(v);
	else
		n = strcspn(v, ":");
	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	out[n] = '\0';
}

/* One request arrives at counters c, at t ms. */
static void
hcount_arrive(struct hcount *c, double t)
{
	c->requests++;
	c->inflight++;
	if (c->inflight > c->max_inflight)
		c->max_inflight = c->inflight;
	if (c->narrivals == HOST_ARRIVALS_MAX)
		return;
	if (c->narrivals == c->arrivals_cap) {
		c->arrivals_cap = c->arrivals_cap ? c->arrivals_cap * 2 : 16;
		c->arrivals = realloc(c->arrivals,
		    c->arrivals_cap * sizeof(*c->arrivals));
		if (c->arrivals == NULL)
			die("out of memory");
	}
	c->arrivals[c->narrivals++] = t;
}

/* Count a request for h: in its own counters and in the "domain"
 * counters of h and of every name above it. */
static void
host_arrive(struct hostrec *h, double t)
{
	struct hostrec *p;

	hcount_arrive(&h->own, t);
	for (p = h; p != NULL; p = p->parent)
		hcount_arrive(&p->tree, t);
}

/* A request for h is answered (or abandoned). */
static void
host_leave(struct hostrec *h)
{
	struct hostrec *p;

	if (h->own.inflight > 0)
		h->own.inflight--;
	for (p = h; p != NULL; p = p->parent)
		if (p->tree.inflight > 0)
			p->tree.inflight--;
}

/* Count a 429 of /cap* (rejected) or a robots.txt request for h. */
static void
host_tally(struct hostrec *h, bool rejected)
{
	struct hostrec *p;

	if (rejected)
		h->own.rejected++;
	else
		h->own.robots++;
	for (p = h; p != NULL; p = p->parent) {
		if (rejected)
			p->tree.rejected++;
		else
			p->tree.robots++;
	}
}

/* Zero counters c, but for what is in flight now. */
static void
hcount_reset(struct hcount *c)
{
	c->requests = 0;
	c->rejected = 0;
	c->robots = 0;
	c->narrivals = 0;
	c->max_inflight = c->inflight;
}

/* Remember which host a counted request is for, until it is answered. */
static void
req_track(struct evhttp_request *req, struct hostrec *h)
{
	size_t b = hash_ptr(req) % REQ_BUCKETS;
	struct reqent *r = xcalloc(1, sizeof(*r));

	r->req = req;
	r->host = h;
	r->next = S.reqs[b];
	S.reqs[b] = r;
}

/* The host of a counted request in flight; NULL if none. */
static struct hostrec *
req_host(struct evhttp_request *req)
{
	struct reqent *r;

	for (r = S.reqs[hash_ptr(req) % REQ_BUCKETS]; r != NULL; r = r->next)
		if (r->req == req)
			return r->host;
	return NULL;
}

/*
 * Forget a counted request (it was answered or abandoned) and return its
 * host. Only its address is compared, so it may already be freed.
 */
static struct hostrec *
req_untrack(struct evhttp_request *req)
{
	struct reqent **rp, *r;
	struct hostrec *h;

	for (rp = &S.reqs[hash_ptr(req) % REQ_BUCKETS]; (r = *rp) != NULL;
	    rp = &r->next) {
		if (r->req == req) {
			*rp = r->next;
			h = r->host;
			free(r);
			return h;
		}
	}
	return NULL;
}

/*
 * Note that a request in flight is answered (or abandoned): req for an
 * HTTP or TLS port request (its host's counters too), NULL for a raw one.
 */
static void
inflight_done(struct evhttp_request *req)
{
	struct hostrec *h;

	if (S.inflight > 0)
		S.inflight--;
	if (req != NULL && (h = req_untrack(req)) != NULL)
		host_leave(h);
}

/*
 * Does path name the endpoint prefix? Either exactly or followed by '/',
 * so "/ok/123" is "/ok" but "/okay" is not. *rest gets what follows the
 * '/' ("" when nothing does).
 */
static bool
path_match(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return false;
	if (path[n] == '\0')
		*rest = path + n;
	else if (path[n] == '/')
		*rest = path + n + 1;
	else
		return false;
	return true;
}

/* Take one path segment from *p as a number in [min, max]. */
static bool
seg_long(const char **p, long min, long max, long *out)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (*s != '\0' && *s != '/')
		return false;
	if (v < min || v > max)
		return false;
	*p = *s == '/' ? s + 1 : s;
	*out = v;
	return true;
}

/* Take one non-empty path segment from *p as a malloc'd string. */
static char *
seg_str(const char **p)
{
	const char *s = *p;
	size_t n = strcspn(s, "/");
	char *out;

	if (n == 0)
		return NULL;
	out = xmalloc(n + 1);
	memcpy(out, s, n);
	out[n] = '\0';
	*p = s[n] == '/' ? s + n + 1 : s + n;
	return out;
}

/* Bump and return the counter of ns:key (1 on the first request). */
static long
key_bump(const char *ns, const char *key)
{
	struct keyent *k;
	size_t n = strlen(ns) + strlen(key) + 2;
	char *full = xmalloc(n);

	snprintf(full, n, "%s:%s", ns, key);
	for (k = S.keys; k != NULL; k = k->next) {
		if (strcmp(k->key, full) == 0) {
			free(full);
			return ++k->count;
		}
	}
	k = xcalloc(1, sizeof(*k));
	k->key = full;
	k->count = 1;
	k->next = S.keys;
	S.keys = k;
	return 1;
}

/* The reason phrase for a status code. */
static const char *
reason(int code)
{
	static const struct {
		int		 code;
		const char	*text;
	} t[] = {
		{ 100, "Continue" }, { 200, "OK" }, { 201, "Created" },
		{ 202, "Accepted" }, { 204, "No Content" },
		{ 206, "Partial Content" }, { 301, "Moved Permanently" },
		{ 302, "Found" }, { 303, "See Other" },
		{ 304, "Not Modified" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 408, "Request Timeout" }, { 410, "Gone" },
		{ 418, "I'm a teapot" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return t[i].text;
	return "Status";
}

/* Send a complete answer; no accounting (see reply()). */
static void
send_simple(struct evhttp_request *req, int code, const char *ctype,
    const void *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	if (ctype != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", ctype);
	evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason(code), b);
	evbuffer_free(b);
}

/* Send a complete answer to a counted request. */
static void
reply(struct evhttp_request *req, int code, const char *ctype,
    const void *body, size_t len)
{
	send_simple(req, code, ctype, body, len);
	inflight_done(req);
}

/* Send a short text/plain answer to a counted request. */
static void
reply_text(struct evhttp_request *req, int code, const char *text)
{
	reply(req, code, "text/plain", text, strlen(text));
}

/* Send a redirect with the given Location to a counted request. */
static void
reply_redirect(struct evhttp_request *req, const char *location)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    location);
	reply_text(req, 302, "redirecting\n");
}

/* Link a job into the list of live ones. */
static struct job *
job_new(struct evhttp_request *req)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->req = req;
	j->evcon = evhttp_request_get_connection(req);
	LIST_INSERT_HEAD(&S.jobs, j, link);
	return j;
}

/* Unlink and free a job; its request is not touched. */
static void
job_free(struct job *j)
{
	if (j->evcon != NULL)
		evhttp_connection_set_closecb(j->evcon, NULL, NULL);
	if (j->timer != NULL)
		event_free(j->timer);
	if (j->watch != NULL)
		event_free(j->watch);
	LIST_REMOVE(j, link);
	free(j);
}

/*
 * The client's connection went away while a job was pending. If libevent
 * detached the request from the connection (it does when the client
 * fails before the answer is complete), nothing else will free it; if
 * not, the connection frees it right after this callback.
 */
static void
job_closed(struct evhttp_connection *evcon, void *arg)
{
	struct job *j = arg;

	if (S.verbose)
		warnx_("client left before the answer was complete");
	inflight_done(j->req);
	if (evhttp_request_get_connection(j->req) == NULL)
		evhttp_request_free(j->req);
	j->evcon = NULL;		/* being freed: do not touch */
	job_free(j);
}

/* Watch for the client leaving while job j is pending. */
static void
job_watch(struct job *j)
{
	if (j->evcon != NULL)
		evhttp_connection_set_closecb(j->evcon, job_closed, j);
}

/*
 * The connection of a delayed request became readable. evhttp does not
 * read while a reply is pending, so this is how a client that left is
 * noticed: then the connection is closed at once (job_closed runs).
 * Data instead means a pipelined request: stop watching, lest a level
 * triggered event spin.
 */
static void
delay_peek(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n > 0) {
		event_free(j->watch);
		j->watch = NULL;
		return;
	}
	evhttp_connection_free(j->evcon);
}

/*
 * Notice the client leaving during a delay: nothing else is registered
 * on the fd meanwhile (evhttp has disabled its bufferevent), and the
 * watch is gone before evhttp uses the fd again (job_free).
 */
static void
delay_watch(struct job *j)
{
	struct bufferevent *bev;
	evutil_socket_t fd;

	if (j->evcon == NULL)
		return;
	bev = evhttp_connection_get_bufferevent(j->evcon);
	if (bev == NULL || (fd = bufferevent_getfd(bev)) < 0)
		return;
	j->watch = event_new(S.base, fd, EV_READ | EV_PERSIST, delay_peek, j);
	if (event_add(j->watch, NULL) == -1) {
		event_free(j->watch);
		j->watch = NULL;
	}
}

/* /ok: the simplest success. */
static void
h_ok(struct evhttp_request *req, const char *rest)
{
	reply_text(req, 200, "ok\n");
}

/* /p/<anything>: a 1 KiB page, for many-URL runs. */
static void
h_page(struct evhttp_request *req, const char *rest)
{
	char body[1024];

	memset(body, 'x', sizeof(body));
	reply(req, 200, "text/plain", body, sizeof(body));
}

/* /status/<CODE>: answer with that status. */
static void
h_status(struct evhttp_request *req, const char *rest)
{
	char body[64];
	long code;

	if (!seg_long(&rest, 100, 999, &code)) {
		reply_text(req, 400, "bad status code\n");
		return;
	}
	snprintf(body, sizeof(body), "status %ld\n", code);
	reply_text(req, (int)code, body);
}

/* /close: answer, then close the connection (Connection: close), so a
 * client must open a new one for its next request. */
static void
h_close(struct evhttp_request *req, const char *rest)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	reply_text(req, 200, "closing\n");
}

/* A /delay job's time is up: answer. */
static void
delay_fire(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	struct evhttp_request *req = j->req;
	const char *body = j->body;

	job_free(j);
	/* Safe even when the client left unnoticed: libevent then frees req. */
	reply_text(req, 200, body);
}

/* Answer 200 with body (a static string) ms from now, without blocking
 * anything; a client that leaves meanwhile is noticed. */
static void
delay_start(struct evhttp_request *req, long ms, const char *body)
{
	struct timeval tv;
	struct job *j;

	j = job_new(req);
	j->body = body;
	j->timer = evtimer_new(S.base, delay_fire, j);
	/* Measure from now, not from the time libevent cached when this loop
	 * turn began: a busy turn would make the delay short. */
	event_base_update_cache_time(S.base);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(j->timer, &tv);
	job_watch(j);
	delay_watch(j);
}

/* /delay/<MS>: answer after MS milliseconds, without blocking anything. */
static void
h_delay(struct evhttp_request *req, const char *rest)
{
	long ms;

	if (!seg_long(&rest, 0, MAX_DELAY_MS, &ms)) {
		reply_text(req, 400, "bad delay\n");
		return;
	}
	delay_start(req, ms, "delayed\n");
}

/*
 * /cap/<K>/<MS>/...: a host that serves K requests at a time. When more
 * than K requests for this request's Host are in flight, this one
 * included, answer 429 at once (counted in the host's "rejected");
 * else answer 200 after MS milliseconds. /cap-ra/<K>/<SECS>/<MS>/...
 * is the same with "Retry-After: SECS" on its 429s.
 */
static void
cap_common(struct evhttp_request *req, const char *rest, bool ra)
{
	struct hostrec *h = req_host(req);
	long k, secs = 0, ms;
	char value[32];

	if (!seg_long(&rest, 0, LONG_MAX, &k) ||
	    (ra && !seg_long(&rest, 0, 86400L * 365, &secs)) ||
	    !seg_long(&rest, 0, MAX_DELAY_MS, &ms)) {
		reply_text(req, 400, ra ? "usage: /cap-ra/K/SECS/MS\n" :
		    "usage: /cap/K/MS\n");
		return;
	}
	if (h != NULL && h->own.inflight > k) {
		host_tally(h, true);
		if (ra) {
			snprintf(value, sizeof(value), "%ld", secs);
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Retry-After", value);
		}
		reply_text(req, 429, "over capacity\n");
		return;
	}
	delay_start(req, ms, "served\n");
}

static void
h_cap(struct evhttp_request *req, const char *rest)
{
	cap_common(req, rest, false);
}

static void
h_cap_ra(struct evhttp_request *req, const char *rest)
{
	cap_common(req, rest, true);
}

/* /flaky/<KEY>/<N>: 503 for the first N requests of KEY, then 200. */
static void
h_flaky(struct evhttp_request *req, const char *rest)
{
	char *key = seg_str(&rest);
	long n;

	if (key == NULL || !seg_long(&rest, 0, LONG_MAX - 1, &n)) {
		free(key);
		reply_text(req, 400, "usage: /flaky/KEY/N\n");
		return;
	}
	if (key_bump("flaky", key) <= n)
		reply_text(req, 503, "flaky\n");
	else
		reply_text(req, 200, "ok\n");
	free(key);
}

/* Parse "<KEY>/<SECS>"; on failure answer 400 and return NULL. */
static char *
parse_key_secs(struct evhttp_request *req, const char *rest, long *secs)
{
	char *key = seg_str(&rest);

	if (key == NULL || !seg_long(&rest, 0, 86400L * 365, secs)) {
		free(key);
		reply_text(req, 400, "usage: /retry-after[-date]/KEY/SECS\n");
		return NULL;
	}
	return key;
}

/* /retry-after/<KEY>/<SECS>: a first 429 with Retry-After: SECS. */
static void
h_retry_after(struct evhttp_request *req, const char *rest)
{
	char value[32];
	char *key;
	long secs;

	if ((key = parse_key_secs(req, rest, &secs)) == NULL)
		return;
	if (key_bump("retry-after", key) == 1) {
		snprintf(value, sizeof(value), "%ld", secs);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", value);
		reply_text(req, 429, "slow down\n");
	} else
		reply_text(req, 200, "ok\n");
	free(key);
}

/*
 * /retry-after-date/<KEY>/<SECS>: a first 503 whose Retry-After is an HTTP
 * date. A date has whole seconds, so it is rounded up: the wait it asks
 * for is at least SECS and less than SECS + 1 seconds from now.
 */
static void
h_retry_after_date(struct evhttp_request *req, const char *rest)
{
	char value[64];
	struct timeval now;
	struct tm tm;
	time_t when;
	char *key;
	long secs;

	if ((key = parse_key_secs(req, rest, &secs)) == NULL)
		return;
	if (key_bump("retry-after-date", key) == 1) {
		gettimeofday(&now, NULL);
		when = now.tv_sec + secs + (now.tv_usec > 0 ? 1 : 0);
		gmtime_r(&when, &tm);
		strftime(value, sizeof(value), "%a, %d %b %Y %H:%M:%S GMT",
		    &tm);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", value);
		reply_text(req, 503, "come back later\n");
	} else
		reply_text(req, 200, "ok\n");
	free(key);
}

/* /redirect/<N>: a chain of N redirects ending in 200 "done". */
static void
h_redirect(struct evhttp_request *req, const char *rest)
{
	char location[64];
	long n;

	if (!seg_long(&rest, 0, 100000, &n)) {
		reply_text(req, 400, "bad redirect count\n");
		return;
	}
	if (n == 0) {
		reply_text(req, 200, "done\n");
		return;
	}
	snprintf(location, sizeof(location), "/redirect/%ld", n - 1);
	reply_redirect(req, location);
}

/* /loop: redirects to itself forever. */
static void
h_loop(struct evhttp_request *req, const char *rest)
{
	reply_redirect(req, "/loop");
}

/* /to-file: a redirect to a scheme that must not be followed. */
static void
h_to_file(struct evhttp_request *req, const char *rest)
{
	reply_redirect(req, "file:///etc/passwd");
}

/* /to-raw/<path>: a redirect to <path> on the raw port. */
static void
h_to_raw(struct evhttp_request *req, const char *rest)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	size_t n = strlen(rest) + (query ? strlen(query) : 0) + 64;
	char *location = xmalloc(n);

	snprintf(location, n, "http://127.0.0.1:%d/%s%s%s", S.raw_port, rest,
	    query ? "?" : "", query ? query : "");
	reply_redirect(req, location);
	free(location);
}

/* /to-tls/<path>: a redirect to <path> on the TLS port (https). */
static void
h_to_tls(struct evhttp_request *req, const char *rest)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	size_t n = strlen(rest) + (query ? strlen(query) : 0) + 64;
	char *location = xmalloc(n);

	snprintf(location, n, "https://127.0.0.1:%d/%s%s%s", S.tls_port, rest,
	    query ? "?" : "", query ? query : "");
	reply_redirect(req, location);
	free(location);
}

/* Queue the next piece of a streamed body, or end it. */
static void
stream_more(struct evhttp_connection *evcon, void *arg)
{
	struct job *j = arg;
	struct evhttp_request *req = j->req;
	struct evbuffer *b;
	size_t n;

	if (j->sent == j->total) {
		job_free(j);
		evhttp_send_reply_end(req);
		inflight_done(req);
		return;
	}
	n = j->total - j->sent;
	if (n > j->piece)
		n = j->piece;
	/* The pattern is static: reference it rather than copy it. */
	b = evbuffer_new();
	evbuffer_add_reference(b, S.pattern + j->sent % 26, n, NULL, NULL);
	j->sent += n;
	/* stream_more runs again once this piece is written out. */
	evhttp_send_reply_chunk_with_cb(req, b, stream_more, j);
	evbuffer_free(b);
}

/*
 * Answer 200 with total bytes of the 'a'..'z' pattern, written a piece at
 * a time as the previous one drains, so memory stays small however big.
 * With a Content-Length, evhttp sends it as is; without, chunked. head,
 * if not NULL, is text sent before the pattern (and the type text/plain).
 */
static void
stream_start(struct evhttp_request *req, size_t total, size_t piece,
    bool chunked, const char *head)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;
	char len[32];
	struct job *j;

	evhttp_add_header(h, "Content-Type", head != NULL ? "text/plain" :
	    "application/octet-stream");
	if (!chunked) {
		snprintf(len, sizeof(len), "%zu", total +
		    (head != NULL ? strlen(head) : 0));
		evhttp_add_header(h, "Content-Length", len);
	}
	evhttp_send_reply_start(req, 200, "OK");
	if (head != NULL &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		b = evbuffer_new();
		evbuffer_add(b, head, strlen(head));
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
	}
	if (total == 0 ||
	    evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* No body to send: chunks would be dropped, cb never run. */
		evhttp_send_reply_end(req);
		inflight_done(req);
		return;
	}
	j = job_new(req);
	j->total = total;
	j->piece = piece;
	job_watch(j);
	stream_more(j->evcon, j);
}

/* /big/<N>: N pattern bytes with a Content-Length. */
static void
h_big(struct evhttp_request *req, const char *rest)
{
	long n;

	if (!seg_long(&rest, 0, MAX_BIG, &n)) {
		reply_text(req, 400, "bad size\n");
		return;
	}
	stream_start(req, (size_t)n, STREAM_PIECE, false, NULL);
}

/* /chunked/<N>: N pattern bytes, chunked, in at least 3 chunks if N >= 3. */
static void
h_chunked(struct evhttp_request *req, const char *rest)
{
	size_t piece;
	long n;

	if (!seg_long(&rest, 0, MAX_BIG, &n)) {
		reply_text(req, 400, "bad size\n");
		return;
	}
	piece = (size_t)n / 3;
	if (piece == 0)
		piece = 1;
	if (piece > STREAM_PIECE)
		piece = STREAM_PIECE;
	stream_start(req, (size_t)n, piece, true, NULL);
}

/* /gzip: a gzip-encoded body if the client accepts one. */
static void
h_gzip(struct evhttp_request *req, const char *rest)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *ae = evhttp_find_header(in, "Accept-Encoding");

	evhttp_add_header(out, "Vary", "Accept-Encoding");
	if (ae != NULL && strcasestr(ae, "gzip") != NULL) {
		evhttp_add_header(out, "Content-Encoding", "gzip");
		reply(req, 200, "text/plain", S.gz, S.gz_len);
	} else
		reply(req, 200, "text/plain", S.plain, S.plain_len);
}

/* /binary: the 256 byte values in order. */
static void
h_binary(struct evhttp_request *req, const char *rest)
{
	unsigned char body[256];
	int i;

	for (i = 0; i < 256; i++)
		body[i] = (unsigned char)i;
	reply(req, 200, "application/octet-stream", body, sizeof(body));
}

/* /utf8: text beyond ASCII, up to a 4-byte sequence. */
static void
h_utf8(struct evhttp_request *req, const char *rest)
{
	static const char body[] = "h\xc3\xa9" "llo w\xc3\xb6" "rld "
	    "\xe2\x9c\x93 \xf0\x9d\x84\x9e\n";

	reply(req, 200, "text/plain; charset=utf-8", body, sizeof(body) - 1);
}

/* /html: a small HTML page. */
static void
h_html(struct evhttp_request *req, const char *rest)
{
	static const char body[] =
	    "<!DOCTYPE html>\n"
	    "<html><head><meta charset=\"utf-8\"><title>test page</title>"
	    "</head>\n<body><h1>Hello</h1><p>A <a href=\"/ok\">link</a>."
	    "</p></body></html>\n";

	reply(req, 200, "text/html; charset=utf-8", body, sizeof(body) - 1);
}

/* The fixture named name, or NULL: only names the MANIFEST lists are
 * served, so no path can reach outside DIR. */
static const struct fixture *
fixture_find(const char *name)
{
	size_t i;

	for (i = 0; i < S.nfixtures; i++)
		if (strcmp(S.fixtures[i].name, name) == 0)
			return &S.fixtures[i];
	return NULL;
}

/* Read a fixture file whole; NULL if it cannot be read. */
static char *
fixture_read(const struct fixture *f, size_t *len)
{
	char path[PATH_MAX];
	char *body;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", S.fixtures_dir, f->name);
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	body = xmalloc(FIXTURE_MAX_LEN);
	*len = fread(body, 1, FIXTURE_MAX_LEN, fp);
	if (ferror(fp) || !feof(fp)) {
		fclose(fp);
		free(body);
		return NULL;
	}
	fclose(fp);
	return body;
}

/* len bytes gzip-compressed (a gzip wrapper, as Content-Encoding wants),
 * malloc'd, its length in *outlen. */
static unsigned char *
gzip_bytes(const void *p, size_t len, size_t *outlen)
{
	unsigned char *out;
	uLong bound;
	z_stream z;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper rather than zlib's. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed");
	bound = deflateBound(&z, len) + 32;
	out = xmalloc(bound);
	z.next_in = (Bytef *)p;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate failed");
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* /fixture/NAME and /fixture-gz/NAME. */
static void
fixture_reply(struct evhttp_request *req, const char *rest, bool gz)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *ae = evhttp_find_header(in, "Accept-Encoding");
	const struct fixture *f = fixture_find(rest);
	long status = query_long(req, "status");
	unsigned char *z;
	size_t len, zlen;
	char *body;

	if (f == NULL || (body = fixture_read(f, &len)) == NULL) {
		reply_text(req, 404, "no such fixture\n");
		return;
	}
	if (status < 100 || status > 999)
		status = 200;
	if (gz) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Vary", "Accept-Encoding");
	}
	if (gz && ae != NULL && strcasestr(ae, "gzip") != NULL) {
		z = gzip_bytes(body, len, &zlen);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Encoding", "gzip");
		reply(req, (int)status, f->ctype, z, zlen);
		free(z);
	} else
		reply(req, (int)status, f->ctype, body, len);
	free(body);
}

static void
h_fixture(struct evhttp_request *req, const char *rest)
{
	fixture_reply(req, rest, false);
}

static void
h_fixture_gz(struct evhttp_request *req, const char *rest)
{
	fixture_reply(req, rest, true);
}

/* /json: a body that is not HTML, with text a --regex can find. */
static void
h_json(struct evhttp_request *req, const char *rest)
{
	static const char body[] =
	    "{\"title\":\"<title>not a title</title>\","
	    "\"contact\":\"sales@example.com\","
	    "\"link\":\"<a href=/no>no</a>\"}\n";

	reply(req, 200, "application/json", body, sizeof(body) - 1);
}

/* /sized/N: an HTML page of exactly N bytes. */
static void
h_sized(struct evhttp_request *req, const char *rest)
{
	static const char head[] =
	    "<html><head><title>sized</title></head><body><p>";
	static const char tail[] = "</p></body></html>\n";
	size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
	char *body;
	long n;

	if (!seg_long(&rest, SIZED_MIN, 64L * 1024 * 1024, &n)) {
		reply_text(req, 400, "bad size\n");
		return;
	}
	body = xmalloc((size_t)n);
	memcpy(body, head, hl);
	memset(body + hl, 'x', (size_t)n - hl - tl);
	memcpy(body + n - tl, tail, tl);
	reply(req, 200, "text/html", body, (size_t)n);
	free(body);
}

/* /headers: echo the request headers, in the order received. */
static void
h_headers(struct evhttp_request *req, const char *rest)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *b = evbuffer_new();
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, in, next)
		evbuffer_add_printf(b, "%s: %s\n", kv->key, kv->value);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	inflight_done(req);
}

/* The method's name, as evhttp parsed it. */
static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

/* /echo: "METHOD\n", the request's Content-Type line ("-" if none), then
 * the request body as received.  A HEAD gets the headers only, with the
 * Content-Length the body would have. */
static void
h_echo(struct evhttp_request *req, const char *rest)
{
	struct evbuffer *b = evbuffer_new();
	const char *ct = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Type");

	evbuffer_add_printf(b, "%s\n%s\n",
	    method_name(evhttp_request_get_command(req)), ct ? ct : "-");
	evbuffer_add_buffer(b, evhttp_request_get_input_buffer(req));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	inflight_done(req);
}

/* /private, /public, /early, /secret, /doc (and anything under them):
 * plain pages for the robots.txt rules to allow or deny. */
static void
h_page_ok(struct evhttp_request *req, const char *rest)
{
	reply_text(req, 200, "page\n");
}

/* The rob-* and rredir-* robots.txt: scrape's own group allows all but
 * /private (and PDFs), every other agent is denied everything. */
static const char robots_rob[] =
    "# robots.txt of a rob-* host\n"
    "User-agent: scrape\n"
    "Disallow: /private\n"
    "Allow: /private/ok\n"
    "Disallow: /*.pdf$\n"
    "\n"
    "User-agent: *\n"
    "Disallow: /\n";
static const char robots_delay[] = "User-agent: *\nCrawl-delay: 0.3\n";
static const char robots_slow[] = "User-agent: *\nDisallow: /private\n";
static const char robots_head[] = "User-agent: *\nDisallow: /early\n";

/* The number in the query "NAME=N" of req's URI; 0 if none. */
static long
query_long(struct evhttp_request *req, const char *name)
{
	const char *q = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	size_t n = strlen(name);

	if (q == NULL || strncmp(q, name, n) != 0 || q[n] != '=')
		return 0;
	return strtol(q + n + 1, NULL, 10);
}

/* Does the first label of host start with prefix? */
static bool
label_is(const char *host, const char *prefix)
{
	return strncmp(host, prefix, strlen(prefix)) == 0;
}

/*
 * /robots.txt: what it holds depends on the first label of the Host (see
 * the top of this file). h is the request's host entry.
 */
static void
h_robots(struct evhttp_request *req, struct hostrec *h)
{
	const char *host = h->name;
	char location[64];
	long hop, code;

	if (label_is(host, "rob-"))
		reply(req, 200, "text/plain", robots_rob, strlen(robots_rob));
	else if (label_is(host, "rredir-")) {
		if ((hop = query_long(req, "hop")) < ROBOTS_REDIRECTS) {
			snprintf(location, sizeof(location),
			    "/robots.txt?hop=%ld", hop + 1);
			reply_redirect(req, location);
		} else
			reply(req, 200, "text/plain", robots_rob,
			    strlen(robots_rob));
	} else if (label_is(host, "rloop-")) {
		snprintf(location, sizeof(location), "/robots.txt?loop=%ld",
		    query_long(req, "loop") + 1);
		reply_redirect(req, location);
	} else if (label_is(host, "rbig-")) {
		struct evbuffer *b = evbuffer_new();

		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "text/plain");
		evbuffer_add_reference(b, S.robots_big, ROBOTS_BIG_LEN, NULL,
		    NULL);
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
		inflight_done(req);
	} else if (label_is(host, "rdelay-"))
		reply(req, 200, "text/plain", robots_delay,
		    strlen(robots_delay));
	else if (label_is(host, "rbin-"))
		reply(req, 200, "text/plain", S.robots_bin, ROBOTS_BIN_LEN);
	else if (label_is(host, "rslow-"))
		delay_start(req, ROBOTS_SLOW_MS, robots_slow);
	else if (label_is(host, "rendless-"))
		stream_start(req, SIZE_MAX / 2, STREAM_PIECE, true,
		    robots_head);
	else if (host[0] == 'r' && isdigit((unsigned char)host[1]) &&
	    isdigit((unsigned char)host[2]) &&
	    isdigit((unsigned char)host[3]) && host[4] == '-') {
		code = strtol(host + 1, NULL, 10);
		reply_text(req, code < 100 ? 400 : (int)code, "robots status\n");
	} else
		reply_text(req, 404, "no robots.txt here\n");
}

/* Fill the big and the binary robots.txt bodies. */
static void
robots_setup(void)
{
	static const char secret[] = "Disallow: /secret\n";
	uint32_t x = 2463534242U;	/* xorshift32: the same bytes each run */
	size_t at, i, n = strlen(robots_head);
	char *p;

	p = S.robots_big = xmalloc(ROBOTS_BIG_LEN);
	memcpy(p, robots_head, n);
	/* Comment lines, as long as the file, with the "Disallow: /secret"
	 * of the same group on the first line past ROBOTS_BIG_SECRET_AT. */
	for (at = n; at + ROBOTS_FILLER_LEN <= ROBOTS_BIG_LEN;
	    at += ROBOTS_FILLER_LEN) {
		i = 0;
		if (at >= ROBOTS_BIG_SECRET_AT &&
		    at < ROBOTS_BIG_SECRET_AT + ROBOTS_FILLER_LEN) {
			memcpy(p + at, secret, strlen(secret));
			i = strlen(secret);
		}
		p[at + i] = '#';
		memset(p + at + i + 1, 'f', ROBOTS_FILLER_LEN - i - 2);
		p[at + ROBOTS_FILLER_LEN - 1] = '\n';
	}
	/* A line of blanks to the end. */
	memset(p + at, ' ', ROBOTS_BIG_LEN - at);
	p[ROBOTS_BIG_LEN - 1] = '\n';
	S.robots_bin = xmalloc(ROBOTS_BIN_LEN);
	for (i = 0; i < ROBOTS_BIN_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		S.robots_bin[i] = (unsigned char)x;
	}
}

/* /control/down/<NAME>, /control/up/<NAME>: every request for host NAME
 * (but /stats* and /control*) gets 503 while it is down. Not counted. */
static void
control_set(struct evhttp_request *req, const char *rest, bool down)
{
	char name[HOST_NAME_LEN];
	size_t i, n = strcspn(rest, "/");

	if (n == 0 || n >= sizeof(name)) {
		send_simple(req, 400, "text/plain", "usage: /control/down/HOST\n",
		    26);
		return;
	}
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)rest[i]);
	name[n] = '\0';
	host_get(name)->down = down;
	send_simple(req, 200, "text/plain", "ok\n", 3);
}

static void
h_control_down(struct evhttp_request *req, const char *rest)
{
	control_set(req, rest, true);
}

static void
h_control_up(struct evhttp_request *req, const char *rest)
{
	control_set(req, rest, false);
}

/* Answer counters c as JSON (not counted); c NULL: a name never seen. */
static void
send_hcount(struct evhttp_request *req, const struct hcount *c, bool down)
{
	static const struct hcount zero;
	struct evbuffer *b = evbuffer_new();
	size_t i;

	if (c == NULL)
		c = &zero;
	evbuffer_add_printf(b, "{\"requests\":%ld,\"inflight\":%ld,"
	    "\"max_inflight\":%ld,\"rejected\":%ld,\"robots\":%ld,"
	    "\"down\":%s,\"arrivals\":[", c->requests, c->inflight,
	    c->max_inflight, c->rejected, c->robots, down ? "true" : "false");
	for (i = 0; i < c->narrivals; i++)
		evbuffer_add_printf(b, "%s%.3f", i ? "," : "", c->arrivals[i]);
	evbuffer_add_printf(b, "]}\n");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* The entry of the lower-cased name in rest; NULL if never seen. */
static struct hostrec *
stats_host(const char *rest)
{
	char name[HOST_NAME_LEN];
	size_t i, n = strlen(rest);

	if (n >= sizeof(name))
		return NULL;
	for (i = 0; i <= n; i++)
		name[i] = (char)tolower((unsigned char)rest[i]);
	return host_find(name);
}

/* /stats/host/<NAME>: the counters of the requests whose Host is NAME. */
static void
h_stats_host(struct evhttp_request *req, const char *rest)
{
	struct hostrec *h = stats_host(rest);

	send_hcount(req, h != NULL ? &h->own : NULL, h != NULL && h->down);
}

/* /stats/domain/<NAME>: the same over NAME and every name under it. */
static void
h_stats_domain(struct evhttp_request *req, const char *rest)
{
	struct hostrec *h = stats_host(rest);

	send_hcount(req, h != NULL ? &h->tree : NULL, h != NULL && h->down);
}

/* /stats/hosts: the names seen in Host headers since the last reset. */
static void
h_stats_hosts(struct evhttp_request *req, const char *rest)
{
	struct evbuffer *b = evbuffer_new();
	struct hostrec *h;
	bool first = true;
	size_t i;

	evbuffer_add_printf(b, "[");
	for (i = 0; i < HOST_BUCKETS; i++) {
		for (h = S.hosts[i]; h != NULL; h = h->next) {
			if (h->own.requests == 0)
				continue;
			evbuffer_add_printf(b, "%s\"%s\"", first ? "" : ",",
			    h->name);
			first = false;
		}
	}
	evbuffer_add_printf(b, "]\n");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* /stats: the counters as JSON (this request not counted). */
static void
h_stats(struct evhttp_request *req, const char *rest)
{
	char body[512];
	int n;

	n = snprintf(body, sizeof(body), "{\"requests\":%ld,\"inflight\":%ld,"
	    "\"max_inflight\":%ld,\"raw_requests\":%ld,\"raw_inflight\":%ld,"
	    "\"tls_requests\":%ld,\"tls_connections\":%ld,"
	    "\"tls_handshakes\":%ld}\n",
	    S.requests, S.inflight, S.max_inflight, S.raw_requests,
	    S.raw_inflight, S.tls_requests, S.tls_connections,
	    S.tls_handshakes);
	send_simple(req, 200, "application/json", body, (size_t)n);
}

/*
 * /stats/reset: zero the request and connection counts and restart the
 * maximum from what is in flight now (zero when the server is idle); the
 * same for every host's counters, whose arrival times are forgotten. A
 * host that is down stays down.
 */
static void
h_stats_reset(struct evhttp_request *req, const char *rest)
{
	struct hostrec *h;
	size_t i;

	S.requests = 0;
	S.raw_requests = 0;
	S.tls_requests = 0;
	S.tls_connections = 0;
	S.tls_handshakes = 0;
	S.max_inflight = S.inflight;
	for (i = 0; i < HOST_BUCKETS; i++) {
		for (h = S.hosts[i]; h != NULL; h = h->next) {
			hcount_reset(&h->own);
			hcount_reset(&h->tree);
		}
	}
	send_simple(req, 200, "application/json", "{}\n", 3);
}

/* Never counted, never refused (a host that is down included). */
static const struct route stats_routes[] = {
	{ "/stats/reset", h_stats_reset },
	{ "/stats/hosts", h_stats_hosts },
	{ "/stats/host", h_stats_host },
	{ "/stats/domain", h_stats_domain },
	{ "/stats", h_stats },
	{ "/control/down", h_control_down },
	{ "/control/up", h_control_up },
};

static const struct route http_routes[] = {
	{ "/ok", h_ok },
	{ "/p", h_page },
	{ "/status", h_status },
	{ "/close", h_close },
	{ "/delay", h_delay },
	{ "/flaky", h_flaky },
	{ "/retry-after", h_retry_after },
	{ "/retry-after-date", h_retry_after_date },
	{ "/redirect", h_redirect },
	{ "/loop", h_loop },
	{ "/to-file", h_to_file },
	{ "/to-raw", h_to_raw },
	{ "/to-tls", h_to_tls },
	{ "/big", h_big },
	{ "/chunked", h_chunked },
	{ "/gzip", h_gzip },
	{ "/binary", h_binary },
	{ "/utf8", h_utf8 },
	{ "/html", h_html },
	{ "/fixture", h_fixture },
	{ "/fixture-gz", h_fixture_gz },
	{ "/json", h_json },
	{ "/sized", h_sized },
	{ "/headers", h_headers },
	{ "/echo", h_echo },
	{ "/cap", h_cap },
	{ "/cap-ra", h_cap_ra },
	{ "/private", h_page_ok },
	{ "/public", h_page_ok },
	{ "/early", h_page_ok },
	{ "/secret", h_page_ok },
	{ "/doc", h_page_ok },
};

/* Find the handler for path in a table; NULL if none. */
static const struct route *
route_find(const struct route *t, size_t n, const char *path,
    const char **rest)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (path_match(path, t[i].prefix, rest))
			return &t[i];
	return NULL;
}

/*
 * Every HTTP request, on the HTTP port (arg NULL) or the TLS port (arg
 * non-NULL): count it and route it by path.
 */
static void
http_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const struct route *r;
	const char *path = NULL, *rest;
	char name[HOST_NAME_LEN];
	struct hostrec *h;
	bool tls = arg != NULL;

	if (evhttp_request_get_uri(req) == NULL || uri == NULL) {
		/* libevent asks us to answer a request it could not parse. */
		evhttp_send_error(req, 400, NULL);
		return;
	}
	path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	if (S.verbose)
		warnx_("%s: %s", tls ? "https" : "http",
		    evhttp_request_get_uri(req));
	r = route_find(stats_routes, sizeof(stats_routes) /
	    sizeof(stats_routes[0]), path, &rest);
	if (r != NULL) {
		r->fn(req, rest);
		return;
	}
	inflight_add();
	if (tls)
		S.tls_requests++;
	host_of_request(req, name, sizeof(name));
	h = host_get(name);
	host_arrive(h, ms_since_start());
	req_track(req, h);
	if (strcmp(path, "/robots.txt") == 0)
		host_tally(h, false);
	if (h->down) {
		reply_text(req, 503, "host down\n");
		return;
	}
	if (strcmp(path, "/robots.txt") == 0) {
		h_robots(req, h);
		return;
	}
	r = route_find(http_routes, sizeof(http_routes) /
	    sizeof(http_routes[0]), path, &rest);
	if (r != NULL)
		r->fn(req, rest);
	else
		reply_text(req, 404, "not found\n");
}

/* Write bytes to a raw connection. */
static void
raw_write(struct rawconn *c, const void *p, size_t n)
{
	bufferevent_write(c->bev, p, n);
}

/* Write a string to a raw connection. */
static void
raw_puts(struct rawconn *c, const char *s)
{
	raw_write(c, s, strlen(s));
}

/* Abort a raw connection with a TCP reset (RST, not FIN). */
static void
raw_rst(struct rawconn *c)
{
	struct linger lg = { 1, 0 };
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (fd >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == -1)
		warnx_("SO_LINGER: %s", strerror(errno));
	/* Freeing removes the fd from the loop, then closes it: RST. */
	raw_free(c);
}

/* /silent: never answer; the client has to give up. */
static void
r_silent(struct rawconn *c)
{
	c->mode = RAW_SILENT;
}

/* /reset: reset the connection at once. */
static void
r_reset(struct rawconn *c)
{
	raw_rst(c);
}

/* /close: close the connection (FIN) without a byte of answer. */
static void
r_close(struct rawconn *c)
{
	raw_free(c);
}

/* /truncated: a body 900 bytes shorter than its Content-Length. */
static void
r_truncated(struct rawconn *c)
{
	char body[100];

	memset(body, 't', sizeof(body));
	raw_puts(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 1000\r\n\r\n");
	raw_write(c, body, sizeof(body));
	c->mode = RAW_FLUSH_CLOSE;
}

/* /reset-mid-body: 5000 of 100000 body bytes, then a reset. */
static void
r_reset_mid_body(struct rawconn *c)
{
	char body[5000];

	memset(body, 'r', sizeof(body));
	raw_puts(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 100000\r\n\r\n");
	raw_write(c, body, sizeof(body));
	c->mode = RAW_FLUSH_RST;
}

/* /bad-chunked: a chunk size that is not hexadecimal. */
static void
r_bad_chunked(struct rawconn *c)
{
	raw_puts(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\nhello\r\n0\r\n\r\n");
	c->mode = RAW_FLUSH_CLOSE;
}

/* The answer of /quiet-close and /linger-close: complete, kept alive as
 * far as its headers say, though the server is about to close. */
static void
raw_bye(struct rawconn *c)
{
	raw_puts(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 3\r\n\r\nbye");
}

/* /quiet-close: a whole answer, then a close at once without
 * "Connection: close" (what servers with short idle timeouts do). */
static void
r_quiet_close(struct rawconn *c)
{
	raw_bye(c);
	c->mode = RAW_FLUSH_CLOSE;
}

/* /linger-close: the same, but the close comes LINGER_CLOSE_MS later,
 * when a client may already have sent its next request on the
 * connection (a load balancer's idle timeout). */
static void
r_linger_close(struct rawconn *c)
{
	raw_bye(c);
	c->mode = RAW_FLUSH_LINGER;
}

static void
linger_done(evutil_socket_t fd, short what, void *arg)
{
	raw_free(arg);
}

/* /bad-location: a redirect to a host that is not UTF-8. */
static void
r_bad_location(struct rawconn *c)
{
	raw_puts(c, "HTTP/1.1 302 Found\r\nLocation: http://b\xfc\xfcr.localhost/"
	    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	c->mode = RAW_FLUSH_CLOSE;
}

/* /idn-location: a redirect to an IDN host, written in UTF-8, that
 * resolves to loopback (*.localhost) and reaches this server's /ok. */
static void
r_idn_location(struct rawconn *c)
{
	char head[256];

	snprintf(head, sizeof(head), "HTTP/1.1 302 Found\r\n"
	    "Location: http://b\xc3\xbc" "cher.localhost:%d/ok\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", S.raw_port);
	raw_puts(c, head);
	c->mode = RAW_FLUSH_CLOSE;
}

/* /garbage: not HTTP at all. */
static void
r_garbage(struct rawconn *c)
{
	raw_puts(c, "THIS IS NOT HTTP\r\n\r\n");
	c->mode = RAW_FLUSH_CLOSE;
}

/* Queue more of the huge header, or its end, into the drained output. */
static void
huge_fill(struct rawconn *c)
{
	size_t n = c->left < RAW_PIECE ? c->left : RAW_PIECE;

	if (n == 0) {
		raw_puts(c, "\r\n\r\n");
		c->mode = RAW_FLUSH_CLOSE;
		return;
	}
	evbuffer_add_reference(bufferevent_get_output(c->bev), S.a_run, n,
	    NULL, NULL);
	c->left -= n;
}

/* /huge-header: one 1 MiB header line. */
static void
r_huge_header(struct rawconn *c)
{
	raw_puts(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Huge: ");
	c->left = HUGE_HEADER_LEN;
	c->mode = RAW_HUGE;
	huge_fill(c);
}

/* An /endless-headers tick: more header lines once the last drained. */
static void
endless_tick(evutil_socket_t fd, short what, void *arg)
{
	struct rawconn *c = arg;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char value[PAD_VALUE_LEN + 1];

	if (evbuffer_get_length(out) > 0)
		return;
	memset(value, 'p', PAD_VALUE_LEN);
	value[PAD_VALUE_LEN] = '\0';
	while (evbuffer_get_length(out) < RAW_PIECE)
		evbuffer_add_printf(out, "X-Pad-%lu: %s\r\n", c->pad++, value);
}

/* /endless-headers: header lines forever, until the client leaves. */
static void
r_endless_headers(struct rawconn *c)
{
	struct timeval tv = { 0, ENDLESS_TICK_MS * 1000 };

	raw_puts(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
	c->mode = RAW_ENDLESS;
	c->tick = event_new(S.base, -1, EV_PERSIST, endless_tick, c);
	evtimer_add(c->tick, &tv);
}

/* /ok on the raw port: a well-formed answer, then close. */
static void
r_ok(struct rawconn *c)
{
	raw_puts(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\nok\n");
	c->mode = RAW_FLUSH_CLOSE;
}

/* Anything else on the raw port: a well-formed 404, then close. */
static void
r_not_found(struct rawconn *c)
{
	raw_puts(c, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 10\r\nConnection: close\r\n\r\nnot found\n");
	c->mode = RAW_FLUSH_CLOSE;
}

static const struct raw_route raw_routes[] = {
	{ "/silent", r_silent },
	{ "/reset-mid-body", r_reset_mid_body },
	{ "/reset", r_reset },
	{ "/close", r_close },
	{ "/truncated", r_truncated },
	{ "/bad-chunked", r_bad_chunked },
	{ "/quiet-close", r_quiet_close },
	{ "/linger-close", r_linger_close },
	{ "/bad-location", r_bad_location },
	{ "/idn-location", r_idn_location },
	{ "/garbage", r_garbage },
	{ "/huge-header", r_huge_header },
	{ "/endless-headers", r_endless_headers },
	{ "/ok", r_ok },
};

/*
 * Take the path out of a request line "GET <path> HTTP/1.1" (in place;
 * the query string cut off). NULL if the line is not of that shape.
 */
static char *
raw_path(char *line)
{
	char *path = strchr(line, ' '), *end;

	if (path == NULL)
		return NULL;
	path++;
	if ((end = strchr(path, ' ')) != NULL)
		*end = '\0';
	path[strcspn(path, "?#")] = '\0';
	/* An absolute-form target: keep only its path. */
	if (strncmp(path, "http://", 7) == 0) {
		char *slash = strchr(path + 7, '/');

		path = slash != NULL ? slash : (char *)"/";
	}
	return path;
}

/* Count a raw request: in flight until its connection is freed. */
static void
raw_count(struct rawconn *c)
{
	c->counted = true;
	S.raw_requests++;
	S.raw_inflight++;
	inflight_add();
}

/* A raw request head arrived: count it, then act on its path. */
static void
raw_dispatch(struct rawconn *c, char *line)
{
	const char *path = raw_path(line), *rest;
	size_t i;

	raw_count(c);
	if (S.verbose)
		warnx_("raw: %s", line);
	if (path == NULL) {
		r_not_found(c);
		return;
	}
	for (i = 0; i < sizeof(raw_routes) / sizeof(raw_routes[0]); i++) {
		if (path_match(path, raw_routes[i].prefix, &rest)) {
			raw_routes[i].fn(c);
			return;
		}
	}
	r_not_found(c);
}

/*
 * A client speaking TLS to the raw port: once its whole first record (the
 * ClientHello) is in, answer as a plain HTTP server would, a 400 in clear
 * text, and close. Waiting for the whole record means nothing unread is
 * left at the close, which would turn the FIN into a reset. Counted as a
 * raw request. Returns false while the record is incomplete.
 */
static bool
raw_tls_hello(struct rawconn *c, struct evbuffer *in)
{
	unsigned char head[TLS_RECORD_HEAD];
	size_t need;

	if (evbuffer_copyout(in, head, sizeof(head)) < (ev_ssize_t)sizeof(head))
		return false;
	need = sizeof(head) + ((size_t)head[3] << 8 | head[4]);
	if (evbuffer_get_length(in) < need)
		return false;
	evbuffer_drain(in, evbuffer_get_length(in));
	raw_count(c);
	if (S.verbose)
		warnx_("raw: TLS ClientHello, answering in plain HTTP");
	raw_puts(c, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 35\r\nConnection: close\r\n\r\n"
	    "this is a plain HTTP port, not TLS\n");
	c->mode = RAW_FLUSH_CLOSE;
	return true;
}

/* Bytes from a raw client: gather the request head, ignore the rest. */
static void
raw_read(struct bufferevent *bev, void *arg)
{
	struct rawconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end;
	unsigned char first;
	char *line;

	if (c->mode != RAW_READING) {
		/* One request per connection: anything more is dropped. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (evbuffer_copyout(in, &first, 1) == 1 &&
	    first == TLS_RECORD_HANDSHAKE) {
		raw_tls_hello(c, in);
		return;
	}
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0) {
		if (evbuffer_get_length(in) > RAW_HEAD_MAX)
			raw_free(c);
		return;
	}
	line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF);
	evbuffer_drain(in, evbuffer_get_length(in));
	/* The handler may free c: nothing after this may touch it. */
	raw_dispatch(c, line != NULL ? line : (char *)"");
	free(line);
}

/* The output of a raw connection drained: go on with what its mode says. */
static void
raw_written(struct bufferevent *bev, void *arg)
{
	struct rawconn *c = arg;

	switch (c->mode) {
	case RAW_FLUSH_CLOSE:
		raw_free(c);
		break;
	case RAW_FLUSH_RST:
		raw_rst(c);
		break;
	case RAW_FLUSH_LINGER: {
		struct timeval tv = { 0, LINGER_CLOSE_MS * 1000 };

		if (c->tick == NULL) {
			c->tick = evtimer_new(S.base, linger_done, c);
			evtimer_add(c->tick, &tv);
		}
		break;
	}
	case RAW_HUGE:
		huge_fill(c);
		break;
	default:
		break;
	}
}

/*
 * End of file or an error on a raw connection. A client that only shut
 * down its sending side still gets the answer being written (a write
 * error ends that if it left altogether); any other end frees the
 * connection.
 */
static void
raw_event(struct bufferevent *bev, short what, void *arg)
{
	struct rawconn *c = arg;

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    c->mode != RAW_READING && c->mode != RAW_SILENT) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	raw_free(c);
}

/* Free a raw connection (closing it: FIN unless SO_LINGER says RST). */
static void
raw_free(struct rawconn *c)
{
	if (c->counted) {
		S.raw_inflight--;
		inflight_done(NULL);
	}
	if (c->tick != NULL)
		event_free(c->tick);
	bufferevent_free(c->bev);
	LIST_REMOVE(c, link);
	free(c);
}

/* A new raw connection. */
static void
raw_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct rawconn *c = xcalloc(1, sizeof(*c));

	c->bev = bufferevent_socket_new(S.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->mode = RAW_READING;
	LIST_INSERT_HEAD(&S.raws, c, link);
	bufferevent_setcb(c->bev, raw_read, raw_written, raw_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* accept() failed (e.g. out of descriptors): say so, keep going. */
static void
listener_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	warnx_("accept: %s", evutil_socket_error_to_string(err));
}

/* Listen on 127.0.0.1 (or --bind's address), a kernel-chosen port;
 * return the listener. */
static struct evconnlistener *
listen_loopback(evconnlistener_cb cb, int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct evconnlistener *l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = S.bind_addr;
	sin.sin_port = 0;
	l = evconnlistener_new_bind(S.base, cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    LISTEN_BACKLOG, (struct sockaddr *)&sin, sizeof(sin));
	if (l == NULL)
		die("cannot listen on %s: %s", inet_ntoa(S.bind_addr),
		    strerror(errno));
	evconnlistener_set_error_cb(l, listener_error);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	    &len) == -1)
		die("getsockname: %s", strerror(errno));
	*port = ntohs(sin.sin_port);
	return l;
}

/*
 * An evhttp server with the endpoints, on a listener of its own (evhttp's
 * own bind would use a backlog of 128); gencb_arg tells http_request
 * which port it serves. *port gets the port.
 */
static struct evhttp *
http_new(void *gencb_arg, int *port)
{
	struct evconnlistener *l;
	struct evhttp *http;

	if ((http = evhttp_new(S.base)) == NULL)
		die("evhttp_new failed");
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_timeout(http, HTTP_IDLE_TIMEOUT);
	evhttp_set_gencb(http, http_request, gencb_arg);
	l = listen_loopback(NULL, port);
	if (evhttp_bind_listener(http, l) == NULL)
		die("evhttp_bind_listener failed");
	return http;
}

/* Set up the evhttp server of the HTTP port. */
static void
http_setup(void)
{
	S.http = http_new(NULL, &S.http_port);
}

/* Die over a failed OpenSSL call, with OpenSSL's own reasons. */
static void __attribute__((noreturn))
tls_die(const char *what)
{
	unsigned long e;
	char buf[256];

	fprintf(stderr, "testserver: %s failed\n", what);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		fprintf(stderr, "testserver:   %s\n", buf);
	}
	exit(1);
}

/* Add the extension nid = value (openssl.cnf syntax) to self-signed x. */
static void
tls_add_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION *ext;
	X509V3_CTX ctx;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		tls_die(OBJ_nid2sn(nid));
	if (!X509_add_ext(x, ext, -1))
		tls_die("X509_add_ext");
	X509_EXTENSION_free(ext);
}

/* A random positive 64-bit serial number for x. */
static void
tls_set_serial(X509 *x)
{
	unsigned char raw[8];
	BIGNUM *bn;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		tls_die("RAND_bytes");
	raw[0] = (raw[0] & 0x7f) | 0x40;	/* positive, 8 bytes long */
	if ((bn = BN_bin2bn(raw, sizeof(raw), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		tls_die("serial number");
	BN_free(bn);
}

/*
 * A fresh EC P-256 key and a self-signed certificate for 127.0.0.1,
 * valid from now for TLS_CERT_DAYS, into S.tls_key and S.tls_cert.
 */
static void
tls_make_cert(void)
{
	X509_NAME *name;
	X509 *x;

	if ((S.tls_key = EVP_EC_gen("P-256")) == NULL)
		tls_die("EC P-256 key generation");
	if ((x = X509_new()) == NULL || !X509_set_version(x, X509_VERSION_3))
		tls_die("X509_new");
	S.tls_cert = x;
	tls_set_serial(x);
	if (X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    86400L * TLS_CERT_DAYS) == NULL)
		tls_die("certificate validity");
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"scrape testserver", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"127.0.0.1", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		tls_die("certificate name");
	if (!X509_set_pubkey(x, S.tls_key))
		tls_die("X509_set_pubkey");
	tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE");
	tls_add_ext(x, NID_key_usage, "critical,digitalSignature");
	tls_add_ext(x, NID_ext_key_usage, "serverAuth");
	tls_add_ext(x, NID_subject_key_identifier, "hash");
	tls_add_ext(x, NID_subject_alt_name, "IP:127.0.0.1");
	if (X509_sign(x, S.tls_key, EVP_sha256()) <= 0)
		tls_die("X509_sign");
}

/* ALPN: "http/1.1" if the client offers it; never h2 (evhttp is 1.x). */
static int
tls_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char h11[] = "\x08http/1.1";
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, h11, sizeof(h11) - 1, in,
	    inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;	/* go on without ALPN */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* Count completed handshakes, once per connection. */
static void
tls_info(const SSL *ssl, int where, int ret)
{
	if (!(where & SSL_CB_HANDSHAKE_DONE) ||
	    SSL_get_ex_data(ssl, S.tls_ex_index) != NULL)
		return;
	/* TLS 1.3 may report "done" again after each session ticket. */
	SSL_set_ex_data((SSL *)ssl, S.tls_ex_index, &S.tls_handshakes);
	S.tls_handshakes++;
	if (S.verbose) {
		const unsigned char *alpn = NULL;
		unsigned int len = 0;

		SSL_get0_alpn_selected(ssl, &alpn, &len);
		warnx_("https: handshake done, %s, ALPN %.*s",
		    SSL_get_version(ssl), len ? (int)len : 4,
		    len ? (const char *)alpn : "none");
	}
}

/* The TLS server context, with the fresh certificate. */
static void
tls_make_ctx(void)
{
	if ((S.ssl_ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		tls_die("SSL_CTX_new");
	if (!SSL_CTX_set_min_proto_version(S.ssl_ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(S.ssl_ctx, S.tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey(S.ssl_ctx, S.tls_key) != 1 ||
	    SSL_CTX_check_private_key(S.ssl_ctx) != 1)
		tls_die("TLS server context");
	SSL_CTX_set_alpn_select_cb(S.ssl_ctx, tls_alpn, NULL);
	SSL_CTX_set_info_callback(S.ssl_ctx, tls_info);
	S.tls_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (S.tls_ex_index < 0)
		tls_die("SSL_get_ex_new_index");
}

/*
 * A connection accepted on the TLS port: evhttp asks for its bufferevent
 * (with no fd yet: evhttp sets it) and then serves it like any other.
 */
static struct bufferevent *
tls_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent *bev;
	SSL *ssl;

	/* A NULL return would make evhttp serve this connection in clear. */
	if ((ssl = SSL_new(S.ssl_ctx)) == NULL)
		tls_die("SSL_new");
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		die("bufferevent_openssl_socket_new failed");
	/* A client closing without close_notify is an end, not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	S.tls_connections++;
	return bev;
}

/* Write the certificate as PEM to path (--tls-cert-out). */
static void
tls_write_cert(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if (PEM_write_X509(f, S.tls_cert) != 1)
		tls_die("PEM_write_X509");
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

/* Set up the TLS port: certificate, context, evhttp with TLS connections. */
static void
tls_setup(void)
{
	tls_make_cert();
	tls_make_ctx();
	S.https = http_new(&S.https, &S.tls_port);
	evhttp_set_bevcb(S.https, tls_bevcb, NULL);
	if (S.tls_cert_out != NULL)
		tls_write_cert(S.tls_cert_out);
}

/* Precompute /gzip's plain and gzip-compressed bodies. */
static void
gzip_setup(void)
{
	size_t linelen = strlen(GZIP_LINE), i;

	S.plain_len = linelen * GZIP_REPEAT;
	S.plain = xmalloc(S.plain_len);
	for (i = 0; i < GZIP_REPEAT; i++)
		memcpy(S.plain + i * linelen, GZIP_LINE, linelen);
	S.gz = gzip_bytes(S.plain, S.plain_len, &S.gz_len);
}

/*
 * Read DIR/MANIFEST of --fixtures DIR: lines "file<TAB>Content-Type<TAB>
 * ...", '#' comments and blank lines skipped.  A DIR without one serves
 * no fixture (every /fixture is 404), so that suites that need none do
 * not depend on it.
 */
static void
fixtures_setup(void)
{
	char path[PATH_MAX], *line = NULL, *tab, *end;
	size_t cap = 0;
	FILE *fp;

	if (S.fixtures_dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/MANIFEST", S.fixtures_dir);
	if ((fp = fopen(path, "r")) == NULL) {
		warnx_("%s: %s; no fixtures served", path, strerror(errno));
		return;
	}
	while (getline(&line, &cap, fp) > 0 && S.nfixtures < FIXTURES_MAX) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#' ||
		    (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab++ = '\0';
		if ((end = strchr(tab, '\t')) != NULL)
			*end = '\0';
		if (strchr(line, '/') != NULL)
			continue;
		S.fixtures[S.nfixtures].name = strdup(line);
		S.fixtures[S.nfixtures].ctype = strdup(tab);
		if (S.fixtures[S.nfixtures].name == NULL ||
		    S.fixtures[S.nfixtures].ctype == NULL)
			die("out of memory");
		S.nfixtures++;
	}
	free(line);
	fclose(fp);
}

/* Fill the static runs of bytes the big bodies are cut from. */
static void
pattern_setup(void)
{
	size_t i;

	for (i = 0; i < sizeof(S.pattern); i++)
		S.pattern[i] = (char)('a' + i % 26);
	memset(S.a_run, 'a', sizeof(S.a_run));
}

/* SIGTERM or SIGINT: stop the loop for a clean exit. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	if (S.verbose)
		warnx_("signal %d, exiting", (int)sig);
	event_base_loopbreak(S.base);
}

/* --max-seconds passed: a test must have hung; stop anyway. */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	warnx_("ran for %ld seconds, exiting (--max-seconds)", S.max_seconds);
	event_base_loopbreak(S.base);
}

/* Standard input readable: stop at end of file (the test went away). */
static void
on_stdin(evutil_socket_t fd, short what, void *arg)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		if (S.verbose)
			warnx_("end of standard input, exiting");
		event_base_loopbreak(S.base);
	}
}

/* Raise the descriptor limit as far as allowed, for many connections. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Print usage and exit. */
static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: testserver "
	    "[--max-seconds N] [--exit-on-stdin-eof] [--tls-cert-out FILE]"
	    " [--verbose] [--bind IPV4] [--fixtures DIR]\n");
	exit(status);
}

/* Parse the command line into S. */
static void
parse_args(int argc, char **argv)
{
	char *end;
	int i;

	S.max_seconds = DEFAULT_MAX_SECONDS;
	S.bind_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--max-seconds") == 0 && i + 1 < argc) {
			errno = 0;
			S.max_seconds = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || S.max_seconds <= 0)
				usage(2);
		} else if (strcmp(argv[i], "--exit-on-stdin-eof") == 0)
			S.exit_on_stdin_eof = true;
		else if (strcmp(argv[i], "--tls-cert-out") == 0 && i + 1 < argc)
			S.tls_cert_out = argv[++i];
		else if (strcmp(argv[i], "--verbose") == 0)
			S.verbose = true;
		else if (strcmp(argv[i], "--fixtures") == 0 && i + 1 < argc)
			S.fixtures_dir = argv[++i];
		/* Only for a test host in a network namespace of the test's
		 * own: nothing else may be listened on or reached. */
		else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc) {
			if (inet_pton(AF_INET, argv[++i], &S.bind_addr) != 1)
				usage(2);
		}
		else if (strcmp(argv[i], "--help") == 0)
			usage(0);
		else
			usage(2);
	}
}

/* Free everything still open, for a leak-free exit. */
static void
teardown(void)
{
	struct keyent *k;
	struct reqent *r;
	struct hostrec *h;
	size_t i;

	while (!LIST_EMPTY(&S.raws))
		raw_free(LIST_FIRST(&S.raws));
	evconnlistener_free(S.raw_listener);
	/* Frees every connection; job_closed frees their jobs. */
	evhttp_free(S.http);
	evhttp_free(S.https);
	while (!LIST_EMPTY(&S.jobs)) {
		LIST_FIRST(&S.jobs)->evcon = NULL;
		job_free(LIST_FIRST(&S.jobs));
	}
	for (i = 0; i < REQ_BUCKETS; i++) {
		while ((r = S.reqs[i]) != NULL) {
			S.reqs[i] = r->next;
			free(r);
		}
	}
	for (i = 0; i < HOST_BUCKETS; i++) {
		while ((h = S.hosts[i]) != NULL) {
			S.hosts[i] = h->next;
			free(h->own.arrivals);
			free(h->tree.arrivals);
			free(h->name);
			free(h);
		}
	}
	free(S.robots_big);
	free(S.robots_bin);
	while ((k = S.keys) != NULL) {
		S.keys = k->next;
		free(k->key);
		free(k);
	}
	free(S.gz);
	free(S.plain);
	for (i = 0; i < S.nfixtures; i++) {
		free(S.fixtures[i].name);
		free(S.fixtures[i].ctype);
	}
	SSL_CTX_free(S.ssl_ctx);
	X509_free(S.tls_cert);
	EVP_PKEY_free(S.tls_key);
}

int
main(int argc, char **argv)
{
	struct event *sigterm, *sigint, *deadline, *input = NULL;
	struct timeval tv;

	parse_args(argc, argv);
	/* Writes to clients that left must fail with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	clock_gettime(CLOCK_MONOTONIC, &S.start);
	pattern_setup();
	gzip_setup();
	fixtures_setup();
	robots_setup();
	/* A precise clock, so that /delay/MS never answers early by the
	 * clients' clock (libevent's default on Linux ticks coarsely). */
	{
		struct event_config *cfg = event_config_new();

		if (cfg == NULL)
			die("event_config_new failed");
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
		S.base = event_base_new_with_config(cfg);
		event_config_free(cfg);
	}
	if (S.base == NULL)
		die("event_base_new failed");
	http_setup();
	S.raw_listener = listen_loopback(raw_accept, &S.raw_port);
	tls_setup();

	sigterm = evsignal_new(S.base, SIGTERM, on_signal, NULL);
	sigint = evsignal_new(S.base, SIGINT, on_signal, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	deadline = evtimer_new(S.base, on_deadline, NULL);
	tv.tv_sec = S.max_seconds;
	tv.tv_usec = 0;
	evtimer_add(deadline, &tv);
	if (S.exit_on_stdin_eof) {
		input = event_new(S.base, STDIN_FILENO, EV_READ | EV_PERSIST,
		    on_stdin, NULL);
		if (event_add(input, NULL) == -1)
			warnx_("cannot watch standard input; "
			    "--exit-on-stdin-eof ignored");
	}

	printf("%d %d %d\n", S.http_port, S.raw_port, S.tls_port);
	fflush(stdout);

	event_base_dispatch(S.base);

	teardown();
	if (input != NULL)
		event_free(input);
	event_free(deadline);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(S.base);
	libevent_global_shutdown();
	return 0;
}
