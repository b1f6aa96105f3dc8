/* Which of libcurl's sockets libevent watches, kept by descriptor.
 *
 * A finished transfer's connection is mostly taken up by the next transfer
 * within the same turn of the event loop: libcurl says "stop watching" and
 * then "watch for reading" again.  Passed straight to libevent that is an
 * epoll_ctl per URL.  Here a connection's socket stays registered until the
 * turn ends (watch_settle), and is only really dropped if no transfer took
 * it up meanwhile.  That is safe only while the descriptor still names the
 * same socket, so it is done only for TCP sockets, whose every close
 * libcurl announces through CURLOPT_CLOSESOCKETFUNCTION (watch_closing);
 * any other socket (the threaded resolver's socketpair, closed without
 * that callback) is dropped at once. */
#ifndef SCRAPE_WATCH_H
#define SCRAPE_WATCH_H

#include <event2/event.h>

struct watch;

/* cb(fd, what, ctx) runs when a watched socket is ready; ctx is the one
 * given to watch_set. */
typedef void (*watch_ready_fn)(evutil_socket_t fd, short what, void *ctx);

struct watch *watch_new(struct event_base *base, watch_ready_fn cb);
/* Every registration goes; the event base outlives the watch. */
void watch_free(struct watch *w);

/* Watch fd for kind (EV_READ and/or EV_WRITE).  -1 if libevent refuses;
 * 1 the first time a TCP socket is watched (its owner is then ctx, until
 * its close is announced); 0 otherwise. */
int watch_set(struct watch *w, evutil_socket_t fd, short kind, void *ctx);
/* libcurl no longer needs fd watched (CURL_POLL_REMOVE). */
void watch_unset(struct watch *w, evutil_socket_t fd);
/* fd is about to be closed: drop its registration now.  Its owner, or
 * NULL if it was never watched as a TCP socket. */
void *watch_closing(struct watch *w, evutil_socket_t fd);
/* The end of a turn: drop what was unset and not set again since. */
void watch_settle(struct watch *w);

#endif
