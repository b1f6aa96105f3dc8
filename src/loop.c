#include "loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "watch.h"
#include "xmalloc.h"

/* Transfers per multi handle.  libcurl 7.88 walks every connection to a
 * host when it looks for one to reuse, so one multi handle with C
 * connections costs O(C) per transfer: at -c 256 that was a tenth of all
 * instructions, at -c 10000 most of them.  Shards of this many transfers,
 * each with its own multi handle and connection cache, keep the walk
 * short whatever -c is. */
#define SHARD_TRANSFERS 64

struct loop;

/* One multi handle, its timer, and how many transfers it holds. */
struct shard {
	struct loop *loop;
	CURLM *multi;              /* NULL until the shard is first used */
	struct event *timer;
	size_t running;
	bool added;                /* on the loop's list of shards to start */
};

struct loop {
	struct event_base *base;
	struct shard *shards;
	size_t nshards;
	long per_shard;            /* transfers (and connections) a shard holds */
	long spare_idle;           /* loop_share_connections: idle kept; 0 off */
	size_t next;               /* where loop_add looks for room first */
	struct shard **added;      /* shards given transfers while draining */
	size_t nadded;
	bool draining;
	struct watch *watch;       /* the sockets libcurl asked us to watch */
	loop_done_fn done;
	void *arg;
	char fatal[256];
	bool failed;
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

/* With loop_share_connections, the connections a shard keeps after a
 * transfer (CURLMOPT_MAXCONNECTS counts those in use too) follow its
 * transfers in flight, plus its share of idle ones: as a transfer ends,
 * libcurl closes the oldest idle connection while there are more. */
static void
shard_trim_idle(struct shard *shard)
{
	if (shard->loop->spare_idle > 0)
		curl_multi_setopt(shard->multi, CURLMOPT_MAXCONNECTS,
		    (long)shard->running + shard->loop->spare_idle);
}

/* Report every finished transfer.  The message's fields are copied before
 * curl_multi_remove_handle, which invalidates the message. */
static void
loop_drain(struct shard *shard)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(shard->multi, &left)) != NULL) {
		CURL *easy;
		CURLcode result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		result = msg->data.result;
		curl_multi_remove_handle(shard->multi, easy);
		shard->running--;
		shard_trim_idle(shard);
		shard->loop->done(easy, result, shard->loop->arg);
	}
}

static bool
loop_socket_action(struct shard *shard, curl_socket_t fd, int ev_bitmask)
{
	int running;
	CURLMcode rc;

	rc = curl_multi_socket_action(shard->multi, fd, ev_bitmask, &running);
	if (rc != CURLM_OK) {
		loop_fail(shard->loop, "curl_multi_socket_action", rc);
		return false;
	}
	return true;
}

/* Transfers added while finished ones were drained start here, in the
 * same turn of the event loop, instead of on their shard's timer in the
 * next.  A new transfer mostly takes the connection a finished one just
 * left; started now, it takes the socket up before the watch settles,
 * so the socket stays registered with epoll throughout (watch.h), and
 * its request goes out a turn earlier.
 * Transfers added by this round (ones that fail at once) wait for the
 * timer, so one event cannot run the whole input list without the
 * output being flushed. */
static void
loop_start_added(struct loop *loop)
{
	size_t n = loop->nadded;

	loop->nadded = 0;
	for (size_t i = 0; i < n; i++) {
		struct shard *shard = loop->added[i];

		shard->added = false;
		if (loop_socket_action(shard, CURL_SOCKET_TIMEOUT, 0))
			loop_drain(shard);
	}
}

/* One socket event or shard timer: libcurl acts, finished transfers are
 * reported, the ones that made room for start, and the watch settles
 * before the event loop polls again. */
static void
loop_action(struct shard *shard, curl_socket_t fd, int ev_bitmask)
{
	struct loop *loop = shard->loop;

	if (loop_socket_action(shard, fd, ev_bitmask)) {
		loop->draining = true;
		loop_drain(shard);
		loop->draining = false;
		loop_start_added(loop);
	}
	watch_settle(loop->watch);
}

static void
loop_ready_cb(evutil_socket_t fd, short what, void *shard)
{
	int bits = 0;

	if (what & EV_READ)
		bits |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		bits |= CURL_CSELECT_OUT;
	loop_action(shard, fd, bits);
}

static void
loop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	loop_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms or deletes the shard's timer;
 * calling back into libcurl from here is not allowed. */
static int
loop_timer_update_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct shard *shard = arg;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(shard->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(shard->timer, &tv);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: the socket is watched on behalf of its shard. */
static int
loop_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct shard *shard = arg;
	short kind = 0;

	if (what == CURL_POLL_REMOVE) {
		watch_unset(shard->loop->watch, fd);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	return watch_set(shard->loop->watch, fd, kind, shard);
}

/* CURLOPT_CLOSESOCKETFUNCTION, for every connection libcurl opens: the
 * watch must hear of a close before the descriptor can be reused. */
static int
loop_close_cb(void *arg, curl_socket_t fd)
{
	struct loop *loop = arg;

	watch_closing(loop->watch, fd);
	return close(fd);
}

static void
shard_init(struct shard *shard, struct loop *loop)
{
	long max_connects = loop->per_shard;

	shard->loop = loop;
	shard->multi = curl_multi_init();
	shard->timer = evtimer_new(loop->base, loop_timer_cb, shard);
	if (shard->multi == NULL || shard->timer == NULL) {
		fputs("scrape: cannot set up libcurl or libevent\n", stderr);
		abort();
	}
	curl_multi_setopt(shard->multi, CURLMOPT_SOCKETFUNCTION,
	    loop_socket_cb);
	curl_multi_setopt(shard->multi, CURLMOPT_SOCKETDATA, shard);
	curl_multi_setopt(shard->multi, CURLMOPT_TIMERFUNCTION,
	    loop_timer_update_cb);
	curl_multi_setopt(shard->multi, CURLMOPT_TIMERDATA, shard);
	curl_multi_setopt(shard->multi, CURLMOPT_MAXCONNECTS, max_connects);
	/* libcurl 7.88 closes at most one idle connection as a transfer
	 * ends, so over many hosts, connections that will never be reused
	 * piled up to twice the shard's transfers, past the descriptors
	 * main.c keeps for -c.  A cap on all of them makes it close idle
	 * ones before it opens more. */
	curl_multi_setopt(shard->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    max_connects);
}

struct loop *
loop_new(struct event_base *base, long max_transfers, loop_done_fn done,
    void *arg)
{
	struct loop *loop = xcalloc(1, sizeof *loop);

	loop->base = base;
	loop->done = done;
	loop->arg = arg;
	loop->nshards = ((size_t)max_transfers + SHARD_TRANSFERS - 1) /
	    SHARD_TRANSFERS;
	if (loop->nshards == 0)
		loop->nshards = 1;
	loop->shards = xcalloc(loop->nshards, sizeof *loop->shards);
	loop->added = xcalloc(loop->nshards, sizeof *loop->added);
	loop->watch = watch_new(base, loop_ready_cb);
	loop->per_shard = max_transfers < SHARD_TRANSFERS ? max_transfers :
	    SHARD_TRANSFERS;
	return loop;
}

void
loop_share_connections(struct loop *loop, unsigned nloops)
{
	loop->spare_idle = loop->per_shard / (long)nloops;
	if (loop->spare_idle < 1)
		loop->spare_idle = 1;
}

/* The caller has removed every easy handle.  curl_multi_cleanup may still
 * call the socket callback to close cached connections, so the timers and
 * the event base outlive it. */
void
loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	for (size_t i = 0; i < loop->nshards; i++) {
		if (loop->shards[i].multi == NULL)
			continue;
		curl_multi_cleanup(loop->shards[i].multi);
		event_free(loop->shards[i].timer);
	}
	watch_free(loop->watch);
	free(loop->added);
	free(loop->shards);
	free(loop);
}

/* A shard with room, looking on from the last one used: the scheduler
 * never has more transfers than all shards hold together.  A shard's
 * multi handle (and its descriptors) is made when it is first needed:
 * a loop of --jobs whose hosts never take much of -c makes only a few. */
static struct shard *
loop_pick_shard(struct loop *loop)
{
	struct shard *shard = NULL;

	for (size_t n = 0; n < loop->nshards; n++) {
		shard = &loop->shards[loop->next];
		if (shard->running < SHARD_TRANSFERS)
			break;
		loop->next = (loop->next + 1) % loop->nshards;
	}
	if (shard->multi == NULL)
		shard_init(shard, loop);
	return shard;
}

/* Connections take these from the transfer that opens them. */
void
loop_easy_setup(struct loop *loop, CURL *easy)
{
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, loop_close_cb);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, loop);
}

bool
loop_add(struct loop *loop, CURL *easy, char *err, size_t errlen)
{
	struct shard *shard = loop_pick_shard(loop);
	CURLMcode rc;

	rc = curl_multi_add_handle(shard->multi, easy);
	if (rc != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle: %s",
		    curl_multi_strerror(rc));
		return false;
	}
	shard->running++;
	shard_trim_idle(shard);
	if (loop->draining && !shard->added) {
		shard->added = true;
		loop->added[loop->nadded++] = shard;
	}
	return true;
}

/* Only transfers in flight are removed, so the one multi handle that
 * holds easy says CURLM_OK and the others refuse it. */
void
loop_remove(struct loop *loop, CURL *easy)
{
	for (size_t i = 0; i < loop->nshards; i++) {
		if (loop->shards[i].multi != NULL &&
		    curl_multi_remove_handle(loop->shards[i].multi, easy) ==
		    CURLM_OK) {
			loop->shards[i].running--;
			shard_trim_idle(&loop->shards[i]);
			break;
		}
	}
	watch_settle(loop->watch);
}

/* libevent's default clock on Linux is CLOCK_MONOTONIC_COARSE, a tick
 * of several milliseconds: a retry wait of exactly Retry-After would end
 * a few milliseconds early by the clock elapsed_ms is measured with. */
struct event_base *
loop_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base != NULL && event_base_priority_init(base, 3) != 0) {
		event_base_free(base);
		return NULL;
	}
	return base;
}

const char *
loop_fatal(const struct loop *loop)
{
	return loop->failed ? loop->fatal : NULL;
}
