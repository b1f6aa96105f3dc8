/* The event loop's side of libcurl: multi handles driven by libevent
 * through curl_multi_socket_action.  The only file that knows CURL_POLL_*. */
#ifndef SCRAPE_LOOP_H
#define SCRAPE_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <event2/event.h>

struct loop;

/* Called once for each transfer that finished, after its easy handle
 * was removed from the multi handle; it may add new transfers. */
typedef void (*loop_done_fn)(CURL *easy, CURLcode result, void *arg);

/* Room for max_transfers in flight at once. */
struct loop *loop_new(struct event_base *base, long max_transfers,
    loop_done_fn done, void *arg);
void loop_free(struct loop *loop);

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
