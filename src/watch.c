#include "watch.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "xmalloc.h"

/* One descriptor's registration with libevent. */
struct sock {
	struct watch *watch;
	struct event *ev;
	void *ctx;
	short kind;                /* EV_READ|EV_WRITE registered; 0: none */
	bool inet;                 /* its close is announced (watch_closing) */
	bool unset;                /* let go of this turn, still registered */
	void *owner;               /* inet: ctx when first watched, till closed */
};

struct watch {
	struct event_base *base;
	watch_ready_fn ready;
	struct sock **byfd;
	size_t nbyfd;
	evutil_socket_t *unset;    /* descriptors let go of this turn */
	size_t nunset;
	size_t unset_cap;
};

static void
watch_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sock *s = arg;

	s->watch->ready(fd, what, s->ctx);
}

struct watch *
watch_new(struct event_base *base, watch_ready_fn ready)
{
	struct watch *w = xcalloc(1, sizeof *w);

	w->base = base;
	w->ready = ready;
	return w;
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->nbyfd; i++) {
		if (w->byfd[i] != NULL) {
			event_free(w->byfd[i]->ev);
			free(w->byfd[i]);
		}
	}
	free(w->byfd);
	free(w->unset);
	free(w);
}

static struct sock *
sock_find(const struct watch *w, evutil_socket_t fd)
{
	return fd >= 0 && (size_t)fd < w->nbyfd ? w->byfd[fd] : NULL;
}

/* Descriptors are small and reused, so they index an array that grows
 * to the highest one seen: a few more than -c. */
static struct sock *
sock_at(struct watch *w, evutil_socket_t fd)
{
	size_t i = (size_t)fd;
	struct sock *s;

	if (i >= w->nbyfd) {
		size_t n = w->nbyfd > 0 ? w->nbyfd : 64;

		while (n <= i)
			n *= 2;
		w->byfd = xrealloc(w->byfd, n * sizeof *w->byfd);
		memset(w->byfd + w->nbyfd, 0, (n - w->nbyfd) * sizeof *w->byfd);
		w->nbyfd = n;
	}
	if (w->byfd[i] != NULL)
		return w->byfd[i];
	s = xcalloc(1, sizeof *s);
	s->watch = w;
	s->ev = xcheck(event_new(w->base, fd, 0, watch_event_cb, s));
	w->byfd[i] = s;
	return s;
}

/* libcurl's connections are IPv4 or IPv6 sockets, all closed through
 * CURLOPT_CLOSESOCKETFUNCTION; its resolver's socketpair is not. */
static bool
is_inet(evutil_socket_t fd)
{
	int domain;
	socklen_t len = sizeof domain;

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    (domain == AF_INET || domain == AF_INET6);
}

static void
sock_drop(struct sock *s)
{
	event_del(s->ev);
	s->kind = 0;
	s->unset = false;
}

int
watch_set(struct watch *w, evutil_socket_t fd, short kind, void *ctx)
{
	struct sock *s = sock_at(w, fd);

	int first = 0;

	s->ctx = ctx;
	s->unset = false;
	if (s->kind == kind)
		return 0;
	if (s->kind == 0) {
		s->inet = is_inet(fd);
		if (s->inet && s->owner == NULL) {
			s->owner = ctx;
			first = 1;
		}
	} else {
		event_del(s->ev);
	}
	/* event_assign on a pending event would corrupt libevent's lists,
	 * hence the event_del above. */
	event_assign(s->ev, w->base, fd, kind | EV_PERSIST, watch_event_cb, s);
	if (event_add(s->ev, NULL) != 0) {
		s->kind = 0;
		return -1;
	}
	s->kind = kind;
	return first;
}

void
watch_unset(struct watch *w, evutil_socket_t fd)
{
	struct sock *s = sock_find(w, fd);

	if (s == NULL || s->kind == 0 || s->unset)
		return;
	if (!s->inet) {
		sock_drop(s);
		return;
	}
	if (w->nunset == w->unset_cap) {
		w->unset_cap = w->unset_cap > 0 ? 2 * w->unset_cap : 64;
		w->unset = xrealloc(w->unset, w->unset_cap * sizeof *w->unset);
	}
	w->unset[w->nunset++] = fd;
	s->unset = true;
}

void *
watch_closing(struct watch *w, evutil_socket_t fd)
{
	struct sock *s = sock_find(w, fd);
	void *owner;

	if (s == NULL)
		return NULL;
	if (s->kind != 0)
		sock_drop(s);
	owner = s->owner;
	s->owner = NULL;
	return owner;
}

void
watch_settle(struct watch *w)
{
	for (size_t i = 0; i < w->nunset; i++) {
		struct sock *s = sock_find(w, w->unset[i]);

		if (s != NULL && s->unset)
			sock_drop(s);
	}
	w->nunset = 0;
}
