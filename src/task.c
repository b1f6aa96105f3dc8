#include "task.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "castore.h"
#include "hash.h"
#include "netguard.h"
#include "robots.h"
#include "xmalloc.h"

struct task {
	struct task *prev, *next;       /* on one task_list at a time */
	char *url;
	size_t url_len;
	CURLU *parsed;                  /* handed to libcurl as CURLOPT_CURLU */
	const struct options *opts;
	long attempts;
	struct timespec first_start;
	struct timespec end;
	CURL *easy;                     /* attempt in flight */
	struct handle *handle;          /* easy's, see below */
	long requests;                  /* sent in this attempt, see prereq */
	double started;                 /* the attempt's start, seconds */
	struct gate_host *host;         /* with host options on */
	struct origin *robots_of;       /* fetching this origin's robots.txt */
	uint64_t seq;                   /* --ordered: its place in the input */
	bool keep_body;                 /* --body, or a field reads it */
	struct hash *hash;              /* --hash, --store: fed as it comes */
	bool capped;                    /* robots.txt cut at its 500 KiB */
	/* scrape's own DNS lookup (resolve.c) for the next attempt. */
	struct resolve_query *lookup;   /* in flight */
	bool looked_up;                 /* one began at lookup_began */
	struct timespec lookup_began;
	struct curl_slist *resolve;     /* its answer, CURLOPT_RESOLVE */

	/* What the last attempt got. */
	long status;
	uint64_t bytes;
	bool too_large;
	struct buf body;                /* with --body only */
	char *final_url;                /* where redirects led; NULL: none */
	char *content_type;
	char retry_after[64];           /* of a 429 or 503, "" if none */
	char blocked[64];               /* address --no-private refused */
	enum errkind kind;
	char errbuf[CURL_ERROR_SIZE];   /* libcurl's message, once collected */
	char message[CURL_ERROR_SIZE + 64];

	struct event *timer;            /* retry wait, made on first use */
	void (*wake)(struct task *t, void *arg);
	void *wake_arg;
};

/* What an easy handle from task_easy_new carries for its whole life:
 * CURLOPT_PRIVATE, every callback's data and CURLOPT_ERRORBUFFER point
 * here, set once per handle (and again after a reset), so that an
 * attempt only stores its task instead of setting five options. */
struct handle {
	struct task *task;              /* whose attempt it runs */
	char errbuf[CURL_ERROR_SIZE];   /* libcurl writes here mid-transfer */
	long pipewait;                  /* CURLOPT_PIPEWAIT as last set */
	bool cut;                       /* timeouts shortened by a lookup */
};

static struct handle *
handle_of(CURL *easy)
{
	struct handle *h = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&h);
	return h;
}

void
task_list_push_back(struct task_list *l, struct task *t)
{
	t->prev = l->tail;
	t->next = NULL;
	if (l->tail != NULL)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
	l->count++;
}

void
task_list_remove(struct task_list *l, struct task *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->prev = t->next = NULL;
	l->count--;
}

struct task *
task_list_pop(struct task_list *l)
{
	struct task *t = l->head;

	if (t != NULL)
		task_list_remove(l, t);
	return t;
}

static size_t
task_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct task *t = ((struct handle *)arg)->task;
	size_t len = size * nmemb;

	/* RFC 9309 asks for at least 500 KiB of a robots.txt to be read, and
	 * no more is needed: stop there, with what came kept. */
	if (t->robots_of != NULL) {
		if (t->body.len + len > ROBOTS_MAX_BYTES) {
			buf_append(&t->body, data,
			    ROBOTS_MAX_BYTES - t->body.len);
			t->capped = true;
			return 0;
		}
		buf_append(&t->body, data, len);
		t->bytes += len;
		return len;
	}
	/* Counted on the decoded body, as --max-size promises; returning
	 * short makes libcurl stop with CURLE_WRITE_ERROR. */
	if (t->bytes + len > t->opts->max_size) {
		t->too_large = true;
		return 0;
	}
	t->bytes += len;
	if (t->keep_body)
		buf_append(&t->body, data, len);
	if (t->hash != NULL)
		hash_update(t->hash, data, len);
	return len;
}

/* --no-private: every connection, redirects included, is judged on the
 * address it is about to use, after DNS. */
static curl_socket_t
task_opensocket_cb(void *arg, curlsocktype purpose,
    struct curl_sockaddr *address)
{
	struct task *t = ((struct handle *)arg)->task;

	if (purpose == CURLSOCKTYPE_IPCXN &&
	    netguard_is_private(&address->addr)) {
		netguard_format(&address->addr, t->blocked, sizeof t->blocked);
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

/* Called before every request an attempt sends: the first, each
 * redirect's, and each of libcurl's own re-sends on a fresh connection
 * (task_easy_worn counts on seeing those). */
static int
task_prereq_cb(void *arg, char *conn_primary_ip, char *conn_local_ip,
    int conn_primary_port, int conn_local_port)
{
	struct task *t = ((struct handle *)arg)->task;

	t->requests++;
	return CURL_PREREQFUNC_OK;
}

/* libcurl takes timeouts in whole milliseconds, and 0 means "none":
 * round up so that -t 0.0001 still limits. */
static long
to_ms(double secs)
{
	double ms = secs * 1000.0;

	if (ms >= (double)LONG_MAX)
		return LONG_MAX;
	if (ms < 1)
		return 1;
	return (long)(ms + 0.999);
}

bool
task_proxy_env_set(void)
{
	/* libcurl reads these (not HTTP_PROXY, which CGI lets a client set). */
	static const char *const names[] = { "http_proxy", "https_proxy",
	    "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *v = getenv(names[i]);

		if (v != NULL && v[0] != '\0')
			return true;
	}
	return false;
}

/* Whether one of the -H headers ("Name: value") is named name. */
static bool
headers_name(const struct options *opts, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < opts->nheaders; i++) {
		const char *h = opts->headers[i];

		if (strncasecmp(h, name, len) == 0 && h[len] == ':')
			return true;
	}
	return false;
}

/* What CURLOPT_ACCEPT_ENCODING "" offers: every decoder this libcurl
 * has, named and ordered as libcurl itself lists them. */
static void
accept_encoding_header(char *buf, size_t len)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	size_t n;

	n = (size_t)snprintf(buf, len, "Accept-Encoding:");
	if (v->features & CURL_VERSION_LIBZ)
		n += (size_t)snprintf(buf + n, len - n, " deflate, gzip,");
	if (v->features & CURL_VERSION_BROTLI)
		n += (size_t)snprintf(buf + n, len - n, " br,");
	if (v->features & CURL_VERSION_ZSTD)
		n += (size_t)snprintf(buf + n, len - n, " zstd,");
	if (buf[n - 1] == ',')
		buf[n - 1] = '\0';
	else
		snprintf(buf + n, len - n, " identity");
}

/* The -H headers, then User-Agent and Accept-Encoding unless -H names
 * them.  Sent as custom headers rather than through CURLOPT_USERAGENT
 * and CURLOPT_ACCEPT_ENCODING because libcurl 7.88 formats those twice
 * per request, a byte at a time: this way a request costs about 5 %
 * fewer instructions.  CURLOPT_ACCEPT_ENCODING stays set, so libcurl
 * still decodes what the header asks for. */
struct curl_slist *
task_headers_new(const struct options *opts)
{
	struct curl_slist *list = NULL;
	char line[256];

	for (size_t i = 0; i < opts->nheaders; i++)
		list = xcheck(curl_slist_append(list, opts->headers[i]));
	if (opts->user_agent[0] != '\0' &&
	    !headers_name(opts, "User-Agent")) {
		size_t size = sizeof "User-Agent: " + strlen(opts->user_agent);
		char *ua = xmalloc(size);

		snprintf(ua, size, "User-Agent: %s", opts->user_agent);
		list = xcheck(curl_slist_append(list, ua));
		free(ua);
	}
	if (!headers_name(opts, "Accept-Encoding")) {
		accept_encoding_header(line, sizeof line);
		list = xcheck(curl_slist_append(list, line));
	}
	return list;
}

/* -X and -d.  HEAD must go through CURLOPT_NOBODY: as a custom method
 * libcurl would wait for a body that never comes.  POST with a body is
 * libcurl's own, so that a 301, 302 or 303 turns it into a GET as
 * browsers do; any other method is sent as named, redirects included. */
static void
task_easy_method(CURL *easy, const struct options *opts)
{
	const char *m = opts->method;

	if (m != NULL && strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
		return;
	}
	if (opts->data != NULL || (m != NULL && strcmp(m, "POST") == 0)) {
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)opts->data_len);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS,
		    opts->data != NULL ? opts->data : "");
	}
	if (m != NULL && strcmp(m, "POST") != 0)
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m);
}

/* Every option that is the same for all URLs, and the handle's own. */
static void
task_easy_setup(CURL *easy, struct handle *h, const struct options *opts,
    struct curl_slist *headers, bool use_proxy_env)
{
	curl_easy_setopt(easy, CURLOPT_PRIVATE, h);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, h);
	curl_easy_setopt(easy, CURLOPT_PREREQDATA, h);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, h->errbuf);
	h->pipewait = 0;                /* libcurl's default */
	h->cut = false;
	if (!use_proxy_env) {
		curl_easy_setopt(easy, CURLOPT_PROXY, "");
		curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
	}
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, opts->max_redirs);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, to_ms(opts->timeout));
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    to_ms(opts->connect_timeout));
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	/* Decode every encoding libcurl knows; the header asking for them
	 * is among task_headers_new's. */
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, opts->insecure ? 0L : 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, opts->insecure ? 0L : 2L);
	if (!opts->insecure)
		castore_setup(easy);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, task_write_cb);
	curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, task_prereq_cb);
	task_easy_method(easy, opts);
	if (opts->no_private)
		curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION,
		    task_opensocket_cb);
}

CURL *
task_easy_new(const struct options *opts, struct curl_slist *headers,
    bool use_proxy_env)
{
	CURL *easy = curl_easy_init();

	if (easy != NULL)
		task_easy_setup(easy, xcalloc(1, sizeof(struct handle)), opts,
		    headers, use_proxy_env);
	return easy;
}

/* A reset handle keeps its buffers; only its options are set anew. */
void
task_easy_recycle(CURL *easy, const struct options *opts,
    struct curl_slist *headers, bool use_proxy_env)
{
	struct handle *h = handle_of(easy);

	curl_easy_reset(easy);
	task_easy_setup(easy, h, opts, headers, use_proxy_env);
}

void
task_easy_free(CURL *easy)
{
	if (easy != NULL) {
		free(handle_of(easy));
		curl_easy_cleanup(easy);
	}
}

struct task *
task_of_easy(CURL *easy)
{
	return handle_of(easy)->task;
}

struct task *
task_new(const char *url, size_t len, CURLU *parsed,
    const struct options *opts)
{
	struct task *t = xcalloc(1, sizeof *t);

	t->parsed = parsed;
	t->url = xmemdup0(url, len);
	t->url_len = len;
	t->opts = opts;
	t->keep_body = opts->body;
	return t;
}

void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	if (t->timer != NULL)
		event_free(t->timer);
	buf_free(&t->body);
	hash_free(t->hash);
	curl_slist_free_all(t->resolve);
	free(t->final_url);
	free(t->content_type);
	curl_url_cleanup(t->parsed);
	free(t->url);
	free(t);
}

static void
now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static double
timespec_secs(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

double
task_clock(void)
{
	struct timespec ts;

	now(&ts);
	return timespec_secs(&ts);
}

void
task_set_invalid(struct task *t, const char *message)
{
	t->kind = ERR_INVALID_URL;
	snprintf(t->message, sizeof t->message, "%s", message);
	now(&t->first_start);
	t->end = t->first_start;
}

CURL *
task_easy(const struct task *t)
{
	return t->easy;
}

long
task_attempts(const struct task *t)
{
	return t->attempts;
}

bool
task_request_sent(const struct task *t)
{
	return t->requests > 0;
}

double
task_started(const struct task *t)
{
	return t->started;
}

long
task_status(const struct task *t)
{
	return t->status;
}

void
task_set_host(struct task *t, struct gate_host *h)
{
	t->host = h;
}

struct gate_host *
task_host(const struct task *t)
{
	return t->host;
}

void
task_keep_body(struct task *t, bool body, bool hash)
{
	if (body)
		t->keep_body = true;
	if (hash && t->hash == NULL)
		t->hash = hash_new();
}

void
task_sha256(struct task *t, char hex[65])
{
	if (t->hash != NULL)
		hash_hex(t->hash, hex);
	else
		hex[0] = '\0';
}

void
task_set_seq(struct task *t, uint64_t seq)
{
	t->seq = seq;
}

uint64_t
task_seq(const struct task *t)
{
	return t->seq;
}

void
task_set_robots(struct task *t, struct origin *g)
{
	t->robots_of = g;
}

struct origin *
task_robots_of(const struct task *t)
{
	return t->robots_of;
}

const char *
task_body(const struct task *t, size_t *len)
{
	*len = t->body.len;
	return t->body.data != NULL ? t->body.data : "";
}

const char *
task_url(const struct task *t)
{
	return t->url;
}

CURLU *
task_parsed(const struct task *t)
{
	return t->parsed;
}

/* Whether libcurl makes the URL string anew from CURLOPT_CURLU at the
 * start of every transfer, replacing whatever CURLOPT_URL gave it: 8.x
 * does (Curl_pretransfer in 8.14.1), 7.88 uses the string it was given.
 * Decided by the libcurl scrape runs with, not the one it was built on. */
static bool
curl_rebuilds_url(void)
{
	static int rebuilds = -1;

	if (rebuilds < 0)
		rebuilds = curl_version_info(CURLVERSION_NOW)->version_num >=
		    0x080000;
	return rebuilds;
}

static void
task_reset_attempt(struct task *t)
{
	t->status = 0;
	t->bytes = 0;
	t->too_large = false;
	t->capped = false;
	buf_reset(&t->body);
	if (t->hash != NULL)
		hash_reset(t->hash);
	t->retry_after[0] = '\0';
	t->blocked[0] = '\0';
	t->errbuf[0] = '\0';
	t->kind = ERR_NONE;
	t->message[0] = '\0';
}

static void
task_full_timeouts(struct task *t, CURL *easy)
{
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, to_ms(t->opts->timeout));
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    to_ms(t->opts->connect_timeout));
	t->handle->cut = false;
}

/* The attempt began with scrape's own lookup: -t and --connect-timeout
 * count from then, so libcurl gets what is left of them, and the
 * answer if one came. */
static void
task_after_lookup(struct task *t, CURL *easy, const struct timespec *at)
{
	double spent = timespec_secs(at) - timespec_secs(&t->lookup_began);

	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
	    to_ms(t->opts->timeout - spent));
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    to_ms(t->opts->connect_timeout - spent));
	t->handle->cut = true;
	if (t->resolve != NULL)
		curl_easy_setopt(easy, CURLOPT_RESOLVE, t->resolve);
}

bool
task_attach(struct task *t, CURL *easy, char *err, size_t errlen)
{
	struct timespec began;
	CURLcode rc;
	long pipewait;

	task_reset_attempt(t);
	/* libcurl fetches the parse (CURLOPT_CURLU) and takes the URL string
	 * only as the transfer's name.  Without the string, libcurl 7.88
	 * rebuilds it from the parse for every transfer, a tenth of all the
	 * instructions a request costs; and a handle given only a new parse
	 * would keep its previous transfer's string.  libcurl 8 rebuilds it
	 * whatever it was given, so there the copy is not made. */
	t->handle = handle_of(easy);
	t->handle->task = t;
	t->handle->errbuf[0] = '\0';
	rc = curl_easy_setopt(easy, CURLOPT_CURLU, t->parsed);
	if (rc == CURLE_OK && !curl_rebuilds_url())
		rc = curl_easy_setopt(easy, CURLOPT_URL, t->url);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return false;
	}
	t->requests = 0;
	/* Waiting for a connection that may multiplex pays off only where
	 * HTTP/2 can be offered, in the TLS handshake; on http:// it would
	 * hold each transfer back until the previous response is in.  Set
	 * only when it changes from the handle's last transfer. */
	pipewait = strncasecmp(t->url, "https:", 6) == 0 ? 1L : 0L;
	if (t->handle->pipewait != pipewait) {
		curl_easy_setopt(easy, CURLOPT_PIPEWAIT, pipewait);
		t->handle->pipewait = pipewait;
	}
	/* robots.txt is a GET whatever -X and -d say, and RFC 9309 asks
	 * for five redirects to be followed.  The handle is recycled after
	 * (task_finish_attempt), so these do not stick. */
	if (t->robots_of != NULL) {
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
	}
	/* The attempt begins now, or began with its lookup: one clock
	 * reading serves both. */
	now(&began);
	if (t->looked_up) {
		task_after_lookup(t, easy, &began);
		began = t->lookup_began;
		t->looked_up = false;
	} else if (t->handle->cut) {
		task_full_timeouts(t, easy);
	}
	if (t->attempts == 0)
		t->first_start = began;
	t->started = timespec_secs(&began);
	t->attempts++;
	t->easy = easy;
	return true;
}

void
task_begin_lookup(struct task *t, struct resolve_query *q)
{
	t->lookup = q;
	t->looked_up = true;
	now(&t->lookup_began);
}

struct resolve_query *
task_lookup(const struct task *t)
{
	return t->lookup;
}

void
task_end_lookup(struct task *t, struct curl_slist *entry)
{
	t->lookup = NULL;
	curl_slist_free_all(t->resolve);
	t->resolve = entry;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Retry-After is only honoured where it says "come back later", so it is
 * only looked up then, in the final response's headers. */
static void
task_keep_retry_after(struct task *t, CURL *easy)
{
	struct curl_header *h;

	t->retry_after[0] = '\0';
	if ((t->status == 429 || t->status == 503) &&
	    curl_easy_header(easy, "Retry-After", 0, CURLH_HEADER, -1,
	    &h) == CURLHE_OK)
		snprintf(t->retry_after, sizeof t->retry_after, "%s", h->value);
}

/* Copy what the attempt got out of the easy handle and let it go. */
static CURL *
task_collect(struct task *t)
{
	CURL *easy = t->easy;
	char *s = NULL;
	long status = 0, redirects = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	t->status = status;
	/* Not redirected, the final URL is the URL as written. */
	free(t->final_url);
	t->final_url = NULL;
	curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
	if (redirects > 0) {
		curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &s);
		t->final_url = dup_or_null(s);
	}
	free(t->content_type);
	s = NULL;
	curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &s);
	t->content_type = dup_or_null(s);
	task_keep_retry_after(t, easy);
	memcpy(t->errbuf, t->handle->errbuf, sizeof t->errbuf);
	/* The handle keeps pointing at this task and its CURLU until its
	 * next attempt sets its own: libcurl reads CURLOPT_CURLU only when
	 * a transfer starts, and calls back only during one. */
	t->easy = NULL;
	t->handle = NULL;
	/* libcurl copied the lookup's answer into its DNS cache when the
	 * transfer began; the handle must not keep pointing at it. */
	if (t->resolve != NULL) {
		curl_easy_setopt(easy, CURLOPT_RESOLVE, NULL);
		curl_slist_free_all(t->resolve);
		t->resolve = NULL;
	}
	now(&t->end);
	return easy;
}

static void
task_describe(struct task *t, CURLcode code)
{
	switch (t->kind) {
	case ERR_NONE:
		t->message[0] = '\0';
		break;
	case ERR_HTTP:
		snprintf(t->message, sizeof t->message, "HTTP status %ld",
		    t->status);
		break;
	case ERR_TOO_LARGE:
		snprintf(t->message, sizeof t->message,
		    "body is larger than --max-size (%llu bytes)",
		    (unsigned long long)t->opts->max_size);
		break;
	case ERR_BLOCKED:
		snprintf(t->message, sizeof t->message,
		    "refused to connect to %s (--no-private)", t->blocked);
		break;
	case ERR_PROTOCOL:
		/* libcurl 7.88 calls it running out of memory. */
		if (code == CURLE_OUT_OF_MEMORY)
			snprintf(t->message, sizeof t->message, "response "
			    "headers are larger than libcurl accepts");
		else
			snprintf(t->message, sizeof t->message, "%s",
			    t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
		break;
	case ERR_REDIRECT:
		if (code == CURLE_URL_MALFORMAT)
			snprintf(t->message, sizeof t->message, "redirect to "
			    "a URL that cannot be fetched: %s",
			    t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
		else
			snprintf(t->message, sizeof t->message, "%s",
			    t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
		break;
	default:
		/* libcurl's own message says only that castore's callback
		 * refused the connection. */
		if (code == CURLE_SSL_CACERT_BADFILE &&
		    castore_error(t->message, sizeof t->message))
			break;
		snprintf(t->message, sizeof t->message, "%s",
		    t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
		break;
	}
}

/*
 * libcurl keeps per-handle state that outlives a transfer and that only
 * curl_easy_reset clears.  The one that bites: its count of "connection
 * died, re-sending on a fresh connection" (a reused connection the server
 * had closed: idle timeouts, load balancers).  libcurl never sets it back
 * to 0, so on a reused handle every sixth such event fails whatever URL
 * it happens to with "Connection died, tried 5 times before giving up".
 * The count can only have moved in an attempt that failed or that sent a
 * request more than once per redirect followed; resetting only those
 * handles keeps the cost of a reset off every other transfer.
 */
static bool
task_easy_worn(const struct task *t, CURL *easy, CURLcode code)
{
	long redirects = 0;

	if (code != CURLE_OK)
		return true;
	curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
	return t->requests != redirects + 1;
}

struct verdict
task_finish_attempt(struct task *t, CURLcode code, CURL **easy,
    bool *worn)
{
	struct verdict v;

	*worn = t->robots_of != NULL || task_easy_worn(t, t->easy, code);
	if (t->capped && code == CURLE_WRITE_ERROR)
		code = CURLE_OK;
	*easy = task_collect(t);
	v = retry_classify(code, t->status, t->too_large ? STOP_TOO_LARGE :
	    t->blocked[0] != '\0' ? STOP_BLOCKED : STOP_NONE, t->errbuf);
	t->kind = v.kind;
	task_describe(t, code);
	return v;
}

void
task_abandon(struct task *t, enum errkind kind, const char *message,
    CURL **easy)
{
	*easy = t->easy != NULL ? task_collect(t) : NULL;
	now(&t->end);
	/* Stopped while its first lookup ran, it began with the lookup. */
	if (t->attempts == 0)
		t->first_start = t->looked_up ? t->lookup_began : t->end;
	t->kind = kind;
	snprintf(t->message, sizeof t->message, "%s", message);
}

double
task_retry_after(const struct task *t, time_t when)
{
	double secs;

	if (t->retry_after[0] == '\0' ||
	    !retry_after_parse(t->retry_after, when, &secs))
		return -1;
	return secs;
}

static void
task_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct task *t = arg;

	t->wake(t, t->wake_arg);
}

bool
task_wait(struct task *t, struct event_base *base, double secs,
    void (*cb)(struct task *t, void *arg), void *arg)
{
	struct timeval tv;

	if (t->timer == NULL)
		t->timer = evtimer_new(base, task_timer_cb, t);
	if (t->timer == NULL)
		return false;
	t->wake = cb;
	t->wake_arg = arg;
	/* libevent measures from the time it cached at the start of this
	 * loop iteration; refresh it, or the wait would end early by however
	 * long this iteration has run. */
	event_base_update_cache_time(base);
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	return evtimer_add(t->timer, &tv) == 0;
}

void
task_cancel_wait(struct task *t)
{
	if (t->timer != NULL)
		evtimer_del(t->timer);
}

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

void
task_result(const struct task *t, struct result *r)
{
	memset(r, 0, sizeof *r);
	r->url = t->url;
	r->url_len = t->url_len;
	r->status = t->status;
	r->attempts = t->attempts;
	r->elapsed_ms = t->attempts > 0 ?
	    ms_between(&t->first_start, &t->end) : 0;
	r->bytes = t->bytes;
	if (t->final_url != NULL)
		r->final_url = t->final_url;
	else if (t->attempts > 0)
		r->final_url = t->url;
	r->content_type = t->content_type;
	r->kind = t->kind;
	r->message = t->message;
	r->with_body = t->opts->body;
	r->body = t->body.data != NULL ? t->body.data : "";
	r->body_len = t->body.len;
}
