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

/* Connections a multi handle opens before it is retired.  libcurl 7.88
 * keeps a DNS cache entry per host name for a minute and walks them all
 * after every transfer, and when its connection cache is full it walks
 * every host's bundle, never freeing one once empty: over a list of
 * many hosts each transfer costs more than the last (10,000 URLs over
 * 10,000 hosts: 368,000 instructions per URL against 129,000 over
 * 1,000).  A retired handle takes no new transfer and is cleaned up,
 * caches and all, once its last one ends; a new one takes its place in
 * the shard at once.  A list of few hosts reuses its connections and
 * never gets here. */
#define RETIRE_OPENS 512

/* The descriptors that handles being retired may hold at once beyond
 * the shards' budget of SHARD_TRANSFERS connections each, which is -c
 * in all: a handle's idle connections, its wakeup socketpair (libcurl
 * makes one per multi handle) and one more (a transfer holds a second
 * socket for a moment when its first address fails).  main.c keeps few
 * descriptors spare, so a handle is retired only when what it holds
 * fits; a full shard has nothing idle, so two can always retire at
 * once. */
#define RETIRE_SPARE 6

struct loop;
struct shard;

/* One multi handle, its timer, the transfers it holds and the sockets
 * its connections have open. */
struct multi {
	struct shard *shard;
	CURLM *handle;
	struct event *timer;
	size_t running;
	long opened;               /* sockets opened since it was made */
	long open;                 /* sockets open now (watch_set says) */
	long idle;                 /* retired: connections idle then */
	long spare;                /* its share of the loop's RETIRE_SPARE */
};

/* SHARD_TRANSFERS transfers between a multi handle and the retired one
 * that drains beside it, if any. */
struct shard {
	struct loop *loop;
	struct multi *multi;       /* takes new transfers */
	struct multi *retired;     /* takes none; cleaned up once empty */
	size_t running;            /* in both */
	long max_connects;
	bool added;                /* on the loop's list of shards to start */
	bool reap;                 /* on the loop's list of shards to reap */
};

struct loop {
	struct event_base *base;
	struct shard *shards;
	size_t nshards;
	size_t next;               /* where loop_add looks for room first */
	struct shard **added;      /* shards given transfers while draining */
	size_t nadded;
	struct shard **reap;       /* shards whose retired handle is empty */
	size_t nreap;
	long spare;                /* descriptors held by retired handles */
	long spare_idle;           /* loop_share_connections; 0: off */
	bool draining;
	bool busy;                 /* in loop_action: no multi cleaned up */
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

/* A transfer has left m: the shard has room, and a retired handle that
 * is now empty is cleaned up (loop_reap) once no libcurl call on it is
 * under way. */
/* With loop_share_connections, the connections the shard's handle keeps
 * after a transfer (CURLMOPT_MAXCONNECTS counts those in use too) follow
 * its transfers in flight, plus its share of idle ones: as a transfer
 * ends, libcurl closes the oldest idle connection while there are more.
 * MAX_TOTAL_CONNECTIONS (shard_room) still bounds them all. */
static void
shard_trim_idle(struct shard *shard)
{
	long spare = shard->loop->spare_idle;

	if (spare > 0)
		curl_multi_setopt(shard->multi->handle, CURLMOPT_MAXCONNECTS,
		    (long)shard->multi->running + spare);
}

static void
multi_left(struct multi *m)
{
	struct shard *shard = m->shard;
	struct loop *loop = shard->loop;

	m->running--;
	shard->running--;
	if (m == shard->multi)
		shard_trim_idle(shard);
	if (m == shard->retired && m->running == 0 && !shard->reap) {
		shard->reap = true;
		loop->reap[loop->nreap++] = shard;
	}
}

/* Report every finished transfer.  The message's fields are copied before
 * curl_multi_remove_handle, which invalidates the message. */
static void
loop_drain(struct multi *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->handle, &left)) != NULL) {
		struct loop *loop = m->shard->loop;
		CURL *easy;
		CURLcode result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		result = msg->data.result;
		curl_multi_remove_handle(m->handle, easy);
		multi_left(m);
		loop->done(easy, result, loop->arg);
	}
}

static bool
loop_socket_action(struct multi *m, curl_socket_t fd, int ev_bitmask)
{
	int running;
	CURLMcode rc;

	rc = curl_multi_socket_action(m->handle, fd, ev_bitmask, &running);
	if (rc != CURLM_OK) {
		loop_fail(m->shard->loop, "curl_multi_socket_action", rc);
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
		if (loop_socket_action(shard->multi, CURL_SOCKET_TIMEOUT, 0))
			loop_drain(shard->multi);
	}
}

static struct multi *multi_new(struct shard *shard);
static void multi_free(struct multi *m);
static void shard_room(struct shard *shard, long room);

/* The handles retired and now empty go, and with them their idle
 * connections: the shard's handle may keep as many as it has room for. */
static void
loop_reap(struct loop *loop)
{
	for (size_t i = 0; i < loop->nreap; i++) {
		struct shard *shard = loop->reap[i];

		loop->spare -= shard->retired->spare;
		multi_free(shard->retired);
		shard->retired = NULL;
		shard->reap = false;
		shard_room(shard, shard->max_connects);
	}
	loop->nreap = 0;
}

/* The connections the shard's handle may have, MAXCONNECTS (how many
 * it keeps once their transfers end) and MAX_TOTAL_CONNECTIONS (how
 * many at all: past it, an idle one is closed or the transfer waits). */
static void
shard_room(struct shard *shard, long room)
{
	curl_multi_setopt(shard->multi->handle, CURLMOPT_MAXCONNECTS, room);
	curl_multi_setopt(shard->multi->handle,
	    CURLMOPT_MAX_TOTAL_CONNECTIONS, room);
}

/* While a retired handle drains, the shard's handle has no more
 * connections than the shard's budget leaves it beside the retired
 * one's transfers (each may yet open a socket).  Never less: the shard
 * may give the new handle as many transfers as that, and one past its
 * room would wait inside libcurl for a connection to end, timing out
 * behind slow ones.  The idle connections the retired one still has
 * open are the excess shard_retire set aside RETIRE_SPARE for. */
static void
shard_lend(struct shard *shard)
{
	long held = (long)shard->retired->running;

	shard_room(shard, held < shard->max_connects ?
	    shard->max_connects - held : 1L);
}

/* Once m has opened RETIRE_OPENS connections, a new handle takes its
 * place.  The retired one keeps its transfers, closes each connection
 * they leave (CURLMOPT_MAXCONNECTS 1: its caches are of no more use)
 * and lends the new one room in the connection budget as they go.  Only
 * one handle per shard retires at a time, and only while the
 * descriptors of all that retire fit in RETIRE_SPARE. */
static void
shard_retire(struct shard *shard)
{
	struct loop *loop = shard->loop;
	struct multi *m = shard->multi;
	long idle = m->open - (long)m->running;

	if (m->opened < RETIRE_OPENS || shard->retired != NULL)
		return;
	m->idle = idle > 0 ? idle : 0;
	if (loop->spare + m->idle + 3 > RETIRE_SPARE)
		return;
	m->spare = m->idle + 3;
	loop->spare += m->spare;
	curl_multi_setopt(m->handle, CURLMOPT_MAXCONNECTS, 1L);
	shard->retired = m;
	shard->multi = multi_new(shard);
	shard_lend(shard);
	if (m->running == 0) {
		shard->reap = true;
		loop->reap[loop->nreap++] = shard;
	}
}

/* One socket event or timer of m: libcurl acts, finished transfers are
 * reported, the ones that made room for start, handles are retired and
 * reaped, and the watch settles before the event loop polls again. */
static void
loop_action(struct multi *m, curl_socket_t fd, int ev_bitmask)
{
	struct shard *shard = m->shard;
	struct loop *loop = shard->loop;

	loop->busy = true;
	if (loop_socket_action(m, fd, ev_bitmask)) {
		loop->draining = true;
		loop_drain(m);
		loop->draining = false;
		loop_start_added(loop);
	}
	loop->busy = false;
	if (m == shard->multi)
		shard_retire(shard);
	else if (m == shard->retired)
		shard_lend(shard);
	loop_reap(loop);
	watch_settle(loop->watch);
}

static void
loop_ready_cb(evutil_socket_t fd, short what, void *m)
{
	int bits = 0;

	if (what & EV_READ)
		bits |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		bits |= CURL_CSELECT_OUT;
	loop_action(m, fd, bits);
}

static void
loop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	loop_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms or deletes the handle's timer;
 * calling back into libcurl from here is not allowed. */
static int
loop_timer_update_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct multi *m = arg;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(m->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(m->timer, &tv);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: the socket is watched on behalf of its multi
 * handle, which its events go to. */
static int
loop_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct multi *m = arg;
	short kind = 0;

	if (what == CURL_POLL_REMOVE) {
		watch_unset(m->shard->loop->watch, fd);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	switch (watch_set(m->shard->loop->watch, fd, kind, m)) {
	case -1:
		return -1;
	case 1:                    /* a new connection's socket: m owns it */
		m->opened++;
		m->open++;
		break;
	}
	return 0;
}

/* CURLOPT_CLOSESOCKETFUNCTION, for every connection libcurl opens: the
 * watch must hear of a close before the descriptor can be reused, and
 * the multi handle that owns the socket counts it closed. */
static int
loop_close_cb(void *arg, curl_socket_t fd)
{
	struct loop *loop = arg;
	struct multi *m = watch_closing(loop->watch, fd);

	if (m != NULL)
		m->open--;
	return close(fd);
}

/* A multi handle for shard, with room for all of its connections. */
static struct multi *
multi_new(struct shard *shard)
{
	struct multi *m = xcalloc(1, sizeof *m);

	m->shard = shard;
	m->handle = curl_multi_init();
	m->timer = evtimer_new(shard->loop->base, loop_timer_cb, m);
	if (m->handle == NULL || m->timer == NULL) {
		fputs("scrape: cannot set up libcurl or libevent\n", stderr);
		abort();
	}
	curl_multi_setopt(m->handle, CURLMOPT_SOCKETFUNCTION, loop_socket_cb);
	curl_multi_setopt(m->handle, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m->handle, CURLMOPT_TIMERFUNCTION,
	    loop_timer_update_cb);
	curl_multi_setopt(m->handle, CURLMOPT_TIMERDATA, m);
	curl_multi_setopt(m->handle, CURLMOPT_MAXCONNECTS,
	    shard->max_connects);
	/* libcurl 7.88 closes at most one idle connection as a transfer
	 * ends, so over many hosts, connections that will never be reused
	 * piled up to twice the shard's transfers, past the descriptors
	 * main.c keeps for -c.  A cap on all of them makes it close idle
	 * ones before it opens more. */
	curl_multi_setopt(m->handle, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    shard->max_connects);
	return m;
}

/* m holds no transfer.  curl_multi_cleanup may still call the socket
 * and timer callbacks to close cached connections, so the timer and the
 * event base outlive it. */
static void
multi_free(struct multi *m)
{
	if (m == NULL)
		return;
	curl_multi_cleanup(m->handle);
	event_free(m->timer);
	free(m);
}

static void
shard_init(struct shard *shard, struct loop *loop, long max_connects)
{
	shard->loop = loop;
	shard->max_connects = max_connects;
	shard->multi = multi_new(shard);
}

struct loop *
loop_new(struct event_base *base, long max_transfers, loop_done_fn done,
    void *arg)
{
	struct loop *loop = xcalloc(1, sizeof *loop);
	long per_shard = max_transfers < SHARD_TRANSFERS ? max_transfers :
	    SHARD_TRANSFERS;

	loop->base = base;
	loop->done = done;
	loop->arg = arg;
	loop->nshards = ((size_t)max_transfers + SHARD_TRANSFERS - 1) /
	    SHARD_TRANSFERS;
	if (loop->nshards == 0)
		loop->nshards = 1;
	loop->shards = xcalloc(loop->nshards, sizeof *loop->shards);
	loop->added = xcalloc(loop->nshards, sizeof *loop->added);
	loop->reap = xcalloc(loop->nshards, sizeof *loop->reap);
	loop->watch = watch_new(base, loop_ready_cb);
	for (size_t i = 0; i < loop->nshards; i++)
		shard_init(&loop->shards[i], loop, per_shard);
	return loop;
}

/* The caller has removed every easy handle. */
void
loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	for (size_t i = 0; i < loop->nshards; i++) {
		multi_free(loop->shards[i].retired);
		multi_free(loop->shards[i].multi);
	}
	watch_free(loop->watch);
	free(loop->reap);
	free(loop->added);
	free(loop->shards);
	free(loop);
}

/* A shard with room, looking on from the last one used: the scheduler
 * never has more transfers than all shards hold together. */
static struct shard *
loop_pick_shard(struct loop *loop)
{
	for (size_t n = 0; n < loop->nshards; n++) {
		struct shard *shard = &loop->shards[loop->next];

		if (shard->running < SHARD_TRANSFERS)
			return shard;
		loop->next = (loop->next + 1) % loop->nshards;
	}
	return &loop->shards[loop->next];
}

/* Connections take these from the transfer that opens them. */
void
loop_easy_setup(struct loop *loop, CURL *easy)
{
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, loop_close_cb);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, loop);
}

void
loop_share_connections(struct loop *loop, unsigned nloops)
{
	long per_shard = loop->shards[0].max_connects;

	loop->spare_idle = per_shard / (long)nloops;
	if (loop->spare_idle < 1)
		loop->spare_idle = 1;
}

bool
loop_add(struct loop *loop, CURL *easy, char *err, size_t errlen)
{
	struct shard *shard = loop_pick_shard(loop);
	CURLMcode rc;

	rc = curl_multi_add_handle(shard->multi->handle, easy);
	if (rc != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle: %s",
		    curl_multi_strerror(rc));
		return false;
	}
	shard->multi->running++;
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
	for (size_t i = 0; i < 2 * loop->nshards; i++) {
		struct shard *shard = &loop->shards[i / 2];
		struct multi *m = i % 2 ? shard->retired : shard->multi;

		if (m != NULL &&
		    curl_multi_remove_handle(m->handle, easy) == CURLM_OK) {
			multi_left(m);
			break;
		}
	}
	if (!loop->busy)
		loop_reap(loop);
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
