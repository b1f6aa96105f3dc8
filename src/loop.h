/* The event loop's side of libcurl: multi handles driven by libevent
 * through curl_multi_socket_action.  The only file that knows CURL_POLL_*. */
#ifndef SCRAPE_LOOP_H
#define SCRAPE_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <event2/event.h>

struct loop;

/* An event base as every loop of scrape wants it: precise timers, and
 * three priorities, the default (1) for sockets and timers and the
 * lowest (2) for writing results once a turn's work is done.  NULL when
 * libevent cannot make one. */
struct event_base *loop_base_new(void);

/* Called once for each transfer that finished, after its easy handle
 * was removed from the multi handle; it may add new transfers. */
typedef void (*loop_done_fn)(CURL *easy, CURLcode result, void *arg);

/* Room for max_transfers in flight at once. */
struct loop *loop_new(struct event_base *base, long max_transfers,
    loop_done_fn done, void *arg);
void loop_free(struct loop *loop);
/* This loop is one of nloops sharing -c (--jobs), and no loop can close
 * another's idle connections: each of its multi handles keeps only
 * 1/nloops of its connections idle beyond those in use, so that all
 * loops together hold about -c (1 + 1/nloops) connections over many
 * hosts, not nloops times -c.  (One loop alone keeps up to -c, idle
 * and in use together.) */
void loop_share_connections(struct loop *loop, unsigned nloops);

/* Make an easy handle fit for loop_add: once when it is made, and again
 * after every curl_easy_reset. */
void loop_easy_setup(struct loop *loop, CURL *easy);
/* Start a transfer.  False (reason in err) when libcurl refuses it. */
bool loop_add(struct loop *loop, CURL *easy, char *err, size_t errlen);
/* Abandon a transfer in flight; its done callback is not called. */
void loop_remove(struct loop *loop, CURL *easy);

/* A libcurl multi error is fatal: the loop breaks the event loop and
 * keeps the reason here; NULL while all is well. */
const char *loop_fatal(const struct loop *loop);

#endif
