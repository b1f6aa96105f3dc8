#include "loop.h"

#include <stdio.h>
#include <stdlib.h>

#include "xmalloc.h"

struct loop {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	loop_done_fn done;
	void *arg;
	char fatal[256];
	bool failed;
};

/* The libevent event of one socket that libcurl asked us to watch. */
struct sock {
	struct loop *loop;
	struct event *ev;
};

static void
loop_fail(struct loop *loop, const char *what, CURLMcode rc)
{
	if (!loop->failed) {
		snprintf(loop->fatal, sizeof loop->fatal, "%s: %s", what,
		    curl_multi_strerror(rc));
		loop->failed = true;
	}
	event_base_loopbreak(loop->base);
}

/* Report every finished transfer.  The message's fields are copied before
 * curl_multi_remove_handle, which invalidates the message. */
static void
loop_drain(struct loop *loop)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(loop->multi, &left)) != NULL) {
		CURL *easy;
		CURLcode result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		result = msg->data.result;
		curl_multi_remove_handle(loop->multi, easy);
		loop->done(easy, result, loop->arg);
	}
}

/* The socket's context may be freed inside curl_multi_socket_action (a
 * CURL_POLL_REMOVE), so nothing here touches it after the call. */
static void
loop_action(struct loop *loop, curl_socket_t fd, int ev_bitmask)
{
	int running;
	CURLMcode rc;

	rc = curl_multi_socket_action(loop->multi, fd, ev_bitmask, &running);
	if (rc != CURLM_OK) {
		loop_fail(loop, "curl_multi_socket_action", rc);
		return;
	}
	loop_drain(loop);
}

static void
loop_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sock *s = arg;
	int bits = 0;

	if (what & EV_READ)
		bits |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		bits |= CURL_CSELECT_OUT;
	loop_action(s->loop, fd, bits);
}

static void
loop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	loop_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms or deletes our one timer; calling
 * back into libcurl from here is not allowed. */
static int
loop_timer_update_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct loop *loop = arg;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(loop->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(loop->timer, &tv);
	return 0;
}

static void
sock_free(struct sock *s)
{
	event_free(s->ev);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION.  The event is re-assigned for each change of
 * interest, so it is deleted first: event_assign on a pending event would
 * corrupt libevent's lists. */
static int
loop_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct loop *loop = arg;
	struct sock *s = sockp;
	short kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			curl_multi_assign(loop->multi, fd, NULL);
			sock_free(s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xmalloc(sizeof *s);
		s->loop = loop;
		s->ev = event_new(loop->base, fd, kind, loop_event_cb, s);
		if (s->ev == NULL) {
			free(s);
			return -1;
		}
		curl_multi_assign(loop->multi, fd, s);
	} else {
		event_del(s->ev);
		event_assign(s->ev, loop->base, fd, kind, loop_event_cb, s);
	}
	return event_add(s->ev, NULL) == 0 ? 0 : -1;
}

struct loop *
loop_new(struct event_base *base, long max_connects, loop_done_fn done,
    void *arg)
{
	struct loop *loop = xcalloc(1, sizeof *loop);

	loop->base = base;
	loop->done = done;
	loop->arg = arg;
	loop->multi = curl_multi_init();
	loop->timer = evtimer_new(base, loop_timer_cb, loop);
	if (loop->multi == NULL || loop->timer == NULL) {
		fputs("scrape: cannot set up libcurl or libevent\n", stderr);
		abort();
	}
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETFUNCTION, loop_socket_cb);
	curl_multi_setopt(loop->multi, CURLMOPT_SOCKETDATA, loop);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION,
	    loop_timer_update_cb);
	curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop);
	curl_multi_setopt(loop->multi, CURLMOPT_MAXCONNECTS, max_connects);
	return loop;
}

/* The caller has removed every easy handle.  curl_multi_cleanup may still
 * call the socket callback to close cached connections, so the timer and
 * the event base outlive it. */
void
loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	curl_multi_cleanup(loop->multi);
	event_free(loop->timer);
	free(loop);
}

bool
loop_add(struct loop *loop, CURL *easy, char *err, size_t errlen)
{
	CURLMcode rc = curl_multi_add_handle(loop->multi, easy);

	if (rc != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle: %s",
		    curl_multi_strerror(rc));
		return false;
	}
	return true;
}

void
loop_remove(struct loop *loop, CURL *easy)
{
	curl_multi_remove_handle(loop->multi, easy);
}

const char *
loop_fatal(const struct loop *loop)
{
	return loop->failed ? loop->fatal : NULL;
}
