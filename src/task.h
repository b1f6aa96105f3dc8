/* One URL's state across its attempts: the easy handle's set-up, the
 * attempt count, what the last attempt got, and its own retry timer. */
#ifndef SCRAPE_TASK_H
#define SCRAPE_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "cli.h"
#include "result.h"
#include "retry.h"

struct task;
struct gate_host;
struct origin;
struct resolve_query;

/* Tasks live on one list at a time (queued, in flight or waiting). */
struct task_list {
	struct task *head;
	struct task *tail;
	size_t count;
};

void task_list_push_back(struct task_list *l, struct task *t);
struct task *task_list_pop(struct task_list *l);
void task_list_remove(struct task_list *l, struct task *t);

/* The request headers every transfer sends: -H, User-Agent and
 * Accept-Encoding.  Free with curl_slist_free_all. */
struct curl_slist *task_headers_new(const struct options *opts);

/* A new easy handle with every option that is the same for all URLs.
 * headers, from task_headers_new (owned by the caller), must outlive
 * it.  use_proxy_env false spares libcurl looking the proxy variables up
 * for every transfer.  NULL on failure. */
CURL *task_easy_new(const struct options *opts, struct curl_slist *headers,
    bool use_proxy_env);

/* Make an idle handle from task_easy_new fit for the next URL: as new,
 * without giving back its buffers. */
void task_easy_recycle(CURL *easy, const struct options *opts,
    struct curl_slist *headers, bool use_proxy_env);

/* Clean up a handle from task_easy_new (NULL: nothing). */
void task_easy_free(CURL *easy);
/* The task whose attempt a handle from task_easy_new runs. */
struct task *task_of_easy(CURL *easy);

/* Whether any proxy variable libcurl honours is set. */
bool task_proxy_env_set(void);

/* A task for the trimmed input line (copied; it may hold any bytes).
 * parsed, libcurl's parse of a valid URL, becomes the task's; NULL for a
 * line that will not be fetched. */
struct task *task_new(const char *url, size_t len, CURLU *parsed,
    const struct options *opts);
void task_free(struct task *t);

/* Mark a line that will never be fetched: kind invalid_url, 0 attempts. */
void task_set_invalid(struct task *t, const char *message);

/* Point easy at this task for one more attempt.  False (reason in err)
 * when libcurl refuses the URL. */
bool task_attach(struct task *t, CURL *easy, char *err, size_t errlen);
/* scrape's own DNS lookup (resolve.c) for the next attempt: it began
 * now, as q; the attempt counts its time from here.  task_end_lookup
 * hands over its answer (entry, NULL for none: libcurl looks the host up
 * itself), which the task owns until the attempt using it is over. */
void task_begin_lookup(struct task *t, struct resolve_query *q);
struct resolve_query *task_lookup(const struct task *t);
void task_end_lookup(struct task *t, struct curl_slist *entry);
/* The easy handle of the attempt in flight, or NULL. */
CURL *task_easy(const struct task *t);
/* The attempt ended with code: record what it got, give back the easy
 * handle (now idle) and judge the outcome.  *worn says the handle may
 * carry state from this attempt into the next: task_easy_recycle it. */
struct verdict task_finish_attempt(struct task *t, CURLcode code,
    CURL **easy, bool *worn);
/* Stop the task for good with the given kind and message; an attempt in
 * flight has already been removed from libcurl, its handle is returned
 * in *easy (NULL if none), to be recycled before reuse. */
void task_abandon(struct task *t, enum errkind kind, const char *message,
    CURL **easy);

long task_attempts(const struct task *t);
/* Whether the last attempt got as far as sending a request (after DNS,
 * connecting and the TLS handshake). */
bool task_request_sent(const struct task *t);
/* When the last attempt started, on task_clock's clock. */
double task_started(const struct task *t);
/* The last attempt's HTTP status, 0 for none. */
long task_status(const struct task *t);
/* Seconds on the monotonic clock the host policy runs on. */
double task_clock(void);
/* The URL as read. */
const char *task_url(const struct task *t);
/* libcurl's parse of the URL; NULL for a line never fetched. */
CURLU *task_parsed(const struct task *t);

/* With host options on: the host the task counts against. */
void task_set_host(struct task *t, struct gate_host *h);
struct gate_host *task_host(const struct task *t);
/* For the fields made of the body: with body, keep it (up to
 * --max-size); with hash, its SHA-256 as it arrives. */
void task_keep_body(struct task *t, bool body, bool hash);
/* The hex SHA-256 of the last attempt's body ("" without hash). */
void task_sha256(struct task *t, char hex[65]);
/* --ordered: the task's place in the input. */
void task_set_seq(struct task *t, uint64_t seq);
uint64_t task_seq(const struct task *t);
/* The task fetches origin g's robots.txt rather than a URL of the list:
 * its body is kept (at most ROBOTS_MAX_BYTES: a longer one ends there,
 * not as a failure) and it makes no result line. */
void task_set_robots(struct task *t, struct origin *g);
struct origin *task_robots_of(const struct task *t);
/* The body kept (--body, or robots.txt). */
const char *task_body(const struct task *t, size_t *len);
/* Retry-After of the last response (a 429 or 503) in seconds from now,
 * or -1. */
double task_retry_after(const struct task *t, time_t now);

/* Wait secs on the task's own timer, then call cb(t, arg). */
bool task_wait(struct task *t, struct event_base *base, double secs,
    void (*cb)(struct task *t, void *arg), void *arg);
void task_cancel_wait(struct task *t);

/* The task's final result; it points into the task, valid until
 * task_free. */
void task_result(const struct task *t, struct result *r);

#endif
