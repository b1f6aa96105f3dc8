/* scrape's own DNS lookups: a URL's host is looked up in the event loop
 * with libevent's evdns and the answer handed to libcurl as a
 * CURLOPT_RESOLVE entry.  libcurl's threaded resolver starts a thread
 * for every lookup, and over a list of many hosts that thread (its
 * stack, the allocator's heap for it, getaddrinfo reading its files
 * anew) cost more than the lookup.  Here one UDP socket per loop asks
 * the nameservers of /etc/resolv.conf for A (and AAAA, where this machine
 * has a global IPv6 address), with no thread.
 *
 * It is only ever a short cut: whatever it does not answer in time
 * (no answer, an error, NXDOMAIN) libcurl looks up itself, as it did
 * before, and so reports the failure in its own words.  Names libcurl
 * or the system resolve otherwise are left to libcurl: IP literals,
 * "localhost" and its subdomains, every name in /etc/hosts, and names
 * the C library would try its search list on first.  A resolver whose
 * nameservers give no reply at all, four lookups in a row, stands aside
 * for 30 seconds.
 * --no-private still judges the address each connection uses. */
#ifndef SCRAPE_RESOLVE_H
#define SCRAPE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <netinet/in.h>

struct resolver;
struct resolve_query;

/* A lookup ended: entry is the CURLOPT_RESOLVE list for item's next
 * attempt, the caller's to free (curl_slist_free_all) once the transfer
 * using it is over; NULL when libcurl is to look the host up itself. */
typedef void (*resolve_done_fn)(void *arg, void *item,
    struct curl_slist *entry);

/* A resolver on base, waiting at most wait seconds for an answer before
 * leaving the host to libcurl.  NULL when /etc/resolv.conf names no
 * nameserver or evdns cannot start: then libcurl resolves every host. */
struct resolver *resolver_new(struct event_base *base, double wait,
    resolve_done_fn done, void *arg);
/* Lookups still in flight are dropped, their done never called. */
void resolver_free(struct resolver *r);

/* Look up the host of url (parsed: its parse) for item's next attempt.
 * NULL when the attempt should start at once: the host was looked up
 * lately (libcurl keeps the answer a minute), or is libcurl's to
 * resolve.  Else done is called later, never before this returns. */
struct resolve_query *resolve_start(struct resolver *r, const char *url,
    CURLU *parsed, void *item);
/* item no longer wants the answer: done will not be called for it. */
void resolve_forget(struct resolve_query *q);

/* The parts a test can check without a nameserver. */

/* The names one line of /etc/hosts gives (the fields after the address,
 * up to a '#'), at most max of them, pointing into line, which is cut
 * up.  Returns how many. */
size_t resolve_hosts_line(char *line, const char **names, size_t max);

/* A hash of url's scheme and authority: the same for every URL of one
 * origin written the same way. */
uint64_t resolve_url_key(const char *url);
/* Write the CURLOPT_RESOLVE entry "+host:port:addr,..." for the
 * addresses found, IPv6 ones bracketed, the preferred family first
 * (libcurl tries it first, the other after 200 ms, Happy Eyeballs).
 * The '+' makes libcurl forget it after its DNS cache timeout, as it
 * does its own lookups.  False when nothing was found or it does not
 * fit in len. */
bool resolve_entry(char *out, size_t len, const char *host, long port,
    const struct in_addr *v4, size_t n4, const struct in6_addr *v6,
    size_t n6, bool v6_first);

#endif
