#include "resolve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/dns.h>

#include "hostkey.h"
#include "seen.h"
#include "xmalloc.h"

/* Addresses kept per family: libcurl tries them in turn, and a host
 * that fails on four is not saved by a fifth. */
#define RESOLVE_MAX_ADDRS 4

/* How long an answer spares the next lookup of its host: less than
 * libcurl's DNS cache timeout (60 s), so that libcurl still holds the
 * entry it was given. */
#define RESOLVE_KEEP 50.0

/* Once one family has answered, how long to wait for the other: RFC
 * 8305's Resolution Delay. */
#define RESOLVE_SKEW 0.05

/* Lookups in a row that ended with no reply from any nameserver, to
 * them or to any other lookup meanwhile, before the resolver stands
 * aside for RESOLVE_REST seconds: DNS that is down or filtered must not
 * make every URL wait before libcurl tries.  A name whose own servers
 * are lame fails alone while other lookups are answered, and counts
 * for nothing here. */
#define RESOLVE_MISSES 4
#define RESOLVE_REST 30.0

/* Origins remembered at once.  Forgetting one costs a lookup, no more. */
#define RESOLVE_SEEN 4096

/* Names in /etc/hosts, which libcurl (through the system's resolver)
 * must keep answering: their hashes, read once per process. */
#define HOSTS_MAX 1024

static struct {
	pthread_once_t once;
	uint64_t names[HOSTS_MAX];
	size_t count;
	bool too_many;              /* more than HOSTS_MAX: resolver off */
	bool has_v6;                /* a global IPv6 address is configured */
	int ndots;                  /* resolv.conf's, as the C library reads it */
	bool search;                /* a search list applies */
} sys = { .once = PTHREAD_ONCE_INIT, .ndots = 1 };

struct resolver {
	struct event_base *base;
	struct evdns_base *dns;
	struct timeval wait;
	resolve_done_fn done;
	void *arg;
	struct seen *seen;
	struct resolve_query *queries;     /* every lookup in flight */
	int misses;                 /* lookups in a row no server answered */
	double last_heard;          /* when a nameserver last replied */
	double off_until;           /* standing aside until then */
};

struct resolve_query {
	struct resolver *r;
	struct resolve_query *prev, *next;
	void *item;                 /* NULL once answered or forgotten */
	struct event *timer;
	int pending;                /* evdns requests not yet answered */
	bool heard;                 /* a nameserver replied, if only "no" */
	double began;               /* resolver_now at the start */
	uint64_t key;
	long port;
	size_t n4, n6;
	struct in_addr v4[RESOLVE_MAX_ADDRS];
	struct in6_addr v6[RESOLVE_MAX_ADDRS];
	char host[];
};

static uint64_t
name_hash(const char *name)
{
	char lower[256];
	size_t n = 0;

	for (; name[n] != '\0' && n < sizeof lower; n++)
		lower[n] = (char)tolower((unsigned char)name[n]);
	return hostkey_hash(lower, n);
}

static void
hosts_add(const char *name)
{
	if (sys.count == HOSTS_MAX) {
		sys.too_many = true;
		return;
	}
	sys.names[sys.count++] = name_hash(name);
}

size_t
resolve_hosts_line(char *line, const char **names, size_t max)
{
	char *save = NULL, *tok, *hash = strchr(line, '#');
	size_t n = 0;

	if (hash != NULL)
		*hash = '\0';
	/* The first field is the address; every other one names it. */
	if (strtok_r(line, " \t\r\n", &save) == NULL)
		return 0;
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL && n < max)
		names[n++] = tok;
	return n;
}

/* The names /etc/hosts gives, whatever the address family (the C
 * library's gethostent skips IPv6 lines). */
static void
sys_read_hosts(void)
{
	FILE *f = fopen("/etc/hosts", "r");
	const char *names[64];
	char *line = NULL;
	size_t cap = 0, n;

	if (f == NULL)
		return;
	while (getline(&line, &cap, f) != -1) {
		n = resolve_hosts_line(line, names, 64);
		for (size_t i = 0; i < n; i++)
			hosts_add(names[i]);
	}
	free(line);
	fclose(f);
}

/* What the system says once for every loop: the names /etc/hosts
 * gives; resolv.conf's ndots and whether a search list applies, read
 * by the C library's own reader; and whether this machine has a global
 * IPv6 address.  Without one no IPv6 address can be reached, so AAAA
 * is not asked for (getaddrinfo's AI_ADDRCONFIG); with one IPv6 comes
 * first, as getaddrinfo orders it (RFC 6724). */
static void
sys_read(void)
{
	struct __res_state res;
	FILE *f;
	char line[256], addr[64];
	unsigned scope;

	sys_read_hosts();
	memset(&res, 0, sizeof res);
	if (res_ninit(&res) == 0) {
		sys.ndots = (int)res.ndots;
		sys.search = res.dnsrch[0] != NULL;
		res_nclose(&res);
	}
	f = fopen("/proc/net/if_inet6", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%63s %*x %*x %x", addr, &scope) == 2 &&
		    scope == 0 &&
		    strcmp(addr, "00000000000000000000000000000001") != 0)
			sys.has_v6 = true;
	fclose(f);
}

static bool
in_hosts_file(const char *host)
{
	uint64_t h = name_hash(host);

	for (size_t i = 0; i < sys.count; i++)
		if (sys.names[i] == h)
			return true;
	return false;
}

/* On the path of every URL, so eight bytes at a time; ASCII case is
 * not folded: an origin written two ways costs one lookup more. */
uint64_t
resolve_url_key(const char *url)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, w;
	const char *p;
	size_t n;

	/* url_parse let through http:// and https:// only, though of any
	 * case; the scheme is hashed with the authority. */
	if (memcmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (memcmp(url, "https://", 8) == 0)
		p = url + 8;
	else if ((p = strstr(url, "://")) != NULL)
		p += 3;
	else
		p = url;
	n = (size_t)(p - url) + strcspn(p, "/?#");
	for (; n >= 8; n -= 8, url += 8) {
		memcpy(&w, url, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, url, n);
	h = (h ^ w ^ ((uint64_t)n << 56)) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static size_t
put_family(char *out, size_t len, size_t n, int af, const void *addrs,
    size_t count, size_t size)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < count && n < len; i++) {
		if (inet_ntop(af, (const char *)addrs + i * size, text,
		    sizeof text) == NULL)
			continue;
		n += (size_t)snprintf(out + n, len - n, af == AF_INET6 ?
		    "%s[%s]" : "%s%s", out[n - 1] == ':' ? "" : ",", text);
	}
	return n;
}

bool
resolve_entry(char *out, size_t len, const char *host, long port,
    const struct in_addr *v4, size_t n4, const struct in6_addr *v6,
    size_t n6, bool v6_first)
{
	size_t n;
	int w;

	if (n4 + n6 == 0)
		return false;
	w = snprintf(out, len, "+%s:%ld:", host, port);
	if (w < 0 || (size_t)w >= len)
		return false;
	n = (size_t)w;
	if (v6_first)
		n = put_family(out, len, n, AF_INET6, v6, n6, sizeof *v6);
	n = put_family(out, len, n, AF_INET, v4, n4, sizeof *v4);
	if (!v6_first)
		n = put_family(out, len, n, AF_INET6, v6, n6, sizeof *v6);
	return n < len && out[n - 1] != ':';
}

struct resolver *
resolver_new(struct event_base *base, double wait, resolve_done_fn done,
    void *arg)
{
	struct resolver *r;
	struct evdns_base *dns;

	pthread_once(&sys.once, sys_read);
	if (sys.too_many)
		return NULL;
	/* Without EVDNS_BASE_DISABLE_WHEN_INACTIVE the socket would keep
	 * the loop from ever running out of events.  Only resolv.conf's
	 * nameservers and options are read: names are asked without the
	 * search list, and /etc/hosts was read once, by sys_read. */
	dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (dns == NULL)
		return NULL;
	evdns_base_resolv_conf_parse(dns, DNS_OPTION_NAMESERVERS |
	    DNS_OPTION_MISC | DNS_OPTION_NAMESERVERS_NO_DEFAULT,
	    "/etc/resolv.conf");
	if (evdns_base_count_nameservers(dns) == 0) {
		evdns_base_free(dns, 0);
		return NULL;
	}
	/* evdns holds back requests beyond 64 in flight; a lookup here is
	 * one or two, and -c lookups may start at once. */
	evdns_base_set_option(dns, "max-inflight:", "1024");
	r = xcalloc(1, sizeof *r);
	r->base = base;
	r->dns = dns;
	r->wait.tv_sec = (time_t)wait;
	r->wait.tv_usec = (suseconds_t)((wait - floor(wait)) * 1e6);
	r->done = done;
	r->arg = arg;
	r->seen = seen_new(RESOLVE_SEEN);
	return r;
}

static void
query_free(struct resolve_query *q)
{
	struct resolver *r = q->r;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		r->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	event_free(q->timer);
	free(q);
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	/* Requests in flight are freed with their base, callbacks unsaid
	 * (fail_requests 0: failing them would schedule callbacks on a
	 * loop that no longer runs). */
	evdns_base_free(r->dns, 0);
	while (r->queries != NULL)
		query_free(r->queries);
	seen_free(r->seen);
	free(r);
}

/* The loop's cached time: no system call on the path of every URL.  It
 * is the wall clock, and a step of it only makes the memory of an
 * answer last longer or shorter, which costs a lookup or leaves one to
 * libcurl, never a wrong address. */
static double
resolver_now(const struct resolver *r)
{
	struct timeval tv;

	event_base_gettimeofday_cached(r->base, &tv);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Hand the answer, such as it is, to the item waiting for it. */
static void
query_answer(struct resolve_query *q)
{
	struct resolver *r = q->r;
	struct curl_slist *entry = NULL;
	void *item = q->item;
	char text[1024];

	event_del(q->timer);
	q->item = NULL;
	if (q->heard || r->last_heard >= q->began) {
		r->misses = 0;
	} else if (++r->misses >= RESOLVE_MISSES) {
		/* One miss more after the rest stands aside again. */
		r->off_until = resolver_now(r) + RESOLVE_REST;
		r->misses = RESOLVE_MISSES - 1;
	}
	if (resolve_entry(text, sizeof text, q->host, q->port, q->v4, q->n4,
	    q->v6, q->n6, sys.has_v6)) {
		entry = curl_slist_append(NULL, text);
		seen_put(r->seen, q->key, resolver_now(r) + RESOLVE_KEEP);
	}
	r->done(r->arg, item, entry);
}

static void
query_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct resolve_query *q = arg;

	(void)fd;
	(void)what;
	if (q->item != NULL)
		query_answer(q);
}

static void
query_reply_cb(int result, char type, int count, int ttl, void *addrs,
    void *arg)
{
	struct resolve_query *q = arg;

	(void)ttl;
	q->pending--;
	if (result != DNS_ERR_TIMEOUT && result != DNS_ERR_SHUTDOWN &&
	    result != DNS_ERR_CANCEL && result != DNS_ERR_UNKNOWN) {
		q->heard = true;
		q->r->last_heard = resolver_now(q->r);
	}
	if (result == DNS_ERR_NONE && count > 0) {
		size_t n = count < RESOLVE_MAX_ADDRS ? (size_t)count :
		    RESOLVE_MAX_ADDRS;

		if (type == DNS_IPv4_A) {
			memcpy(q->v4, addrs, n * sizeof *q->v4);
			q->n4 = n;
		} else if (type == DNS_IPv6_AAAA) {
			memcpy(q->v6, addrs, n * sizeof *q->v6);
			q->n6 = n;
		}
	}
	if (q->item != NULL) {
		if (q->pending == 0) {
			query_answer(q);
		} else if (q->n4 + q->n6 > 0) {
			struct timeval skew = { 0, (suseconds_t)(RESOLVE_SKEW *
			    1e6) };

			evtimer_add(q->timer, &skew);
		}
	}
	if (q->pending == 0)
		query_free(q);
}

/* Whether the host is one libcurl must resolve: an IP literal needs no
 * lookup, and localhost, /etc/hosts and names that are no DNS names are
 * the system resolver's. */
static bool
libcurls_own(const char *host)
{
	struct in_addr a;
	size_t len = strlen(host);
	int dots = 0;

	if (len == 0 || len > 253 || host[0] == '[' || host[len - 1] == '.' ||
	    inet_pton(AF_INET, host, &a) == 1)
		return true;
	if (strcasecmp(host, "localhost") == 0 || (len > 10 &&
	    strcasecmp(host + len - 10, ".localhost") == 0))
		return true;
	for (const char *c = host; *c != '\0'; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' &&
		    *c != '_')
			return true;
		dots += *c == '.';
	}
	/* With fewer dots than ndots the C library tries the search list
	 * first, and its answer may name another host; with more it asks
	 * for the name as it is first, as the lookup here does (and only
	 * that: no search list, so A and AAAA answer for one name). */
	if (sys.search && dots < sys.ndots)
		return true;
	return in_hosts_file(host);
}

/* The host and port libcurl will look up for the URL: false when they
 * cannot be had, or the host is libcurl's own to resolve. */
static bool
query_target(CURLU *parsed, char **host, long *port)
{
	char *p = NULL;
	bool ok;

	*host = NULL;
	if (curl_url_get(parsed, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_get(parsed, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		curl_free(*host);
		*host = NULL;
		return false;
	}
	*port = strtol(p, NULL, 10);
	curl_free(p);
	ok = !libcurls_own(*host);
	if (!ok) {
		curl_free(*host);
		*host = NULL;
	}
	return ok;
}

struct resolve_query *
resolve_start(struct resolver *r, const char *url, CURLU *parsed,
    void *item)
{
	uint64_t key = resolve_url_key(url);
	double until = seen_until(r->seen, key);
	struct resolve_query *q;
	char *host;
	long port;
	size_t len;

	/* An origin with nothing to look up is remembered for good, and
	 * needs no clock. */
	if (until == INFINITY ||
	    (until > -INFINITY && resolver_now(r) < until))
		return NULL;
	if (r->off_until > 0 && resolver_now(r) < r->off_until)
		return NULL;
	if (!query_target(parsed, &host, &port)) {
		/* Nothing to look up for this origin, now or later. */
		seen_put(r->seen, key, INFINITY);
		return NULL;
	}
	len = strlen(host);
	q = xcalloc(1, sizeof *q + len + 1);
	memcpy(q->host, host, len + 1);
	curl_free(host);
	q->r = r;
	q->key = key;
	q->began = resolver_now(r);
	q->port = port;
	q->item = item;
	q->timer = xcheck(evtimer_new(r->base, query_timeout_cb, q));
	if (evdns_base_resolve_ipv4(r->dns, q->host, DNS_QUERY_NO_SEARCH,
	    query_reply_cb, q))
		q->pending++;
	if (sys.has_v6 &&
	    evdns_base_resolve_ipv6(r->dns, q->host, DNS_QUERY_NO_SEARCH,
	    query_reply_cb, q))
		q->pending++;
	if (q->pending == 0) {
		event_free(q->timer);
		free(q);
		return NULL;
	}
	q->next = r->queries;
	if (q->next != NULL)
		q->next->prev = q;
	r->queries = q;
	evtimer_add(q->timer, &r->wait);
	return q;
}

void
resolve_forget(struct resolve_query *q)
{
	if (q == NULL)
		return;
	event_del(q->timer);
	q->item = NULL;
}
