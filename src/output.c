#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "xmalloc.h"

/* Past this much queued, write at once rather than at the turn's end. */
#define OUTPUT_HIGH_WATER (256 * 1024)

struct output {
	int fd;
	bool owned;       /* opened by us: close it */
	int error;        /* errno of the failure, 0 while none */
	char *name;
	char message[512];
	struct buf pending;
	struct event *flush;        /* end-of-turn write, with output_defer */
	bool flush_due;             /* flush is active for this turn */
	output_failed_fn failed;
	void *arg;
	/* With --jobs, one output a loop, all on one descriptor: a write
	 * holds the lock of the output they share, so that lines of two
	 * loops never mix (a pipe keeps only writes up to PIPE_BUF whole). */
	struct output *parent;
	pthread_mutex_t *lock;      /* the parent's own, made at its first share */
};

struct output *
output_open(const char *path, bool append, char *err, size_t errlen)
{
	struct output *out;
	int fd = STDOUT_FILENO;

	if (path != NULL && strcmp(path, "-") != 0) {
		/* O_APPEND keeps every write whole at the end of the file even
		 * if something else appends to it too. */
		fd = open(path, O_WRONLY | O_CREAT | (append ? 0 : O_TRUNC) |
		    O_APPEND | O_CLOEXEC, 0666);
		if (fd == -1) {
			snprintf(err, errlen, "cannot write '%s': %s", path,
			    strerror(errno));
			return NULL;
		}
	}
	out = xcalloc(1, sizeof *out);
	out->fd = fd;
	out->owned = fd != STDOUT_FILENO;
	out->name = xstrdup(path != NULL && out->owned ? path :
	    "standard output");
	return out;
}

struct output *
output_share(struct output *parent)
{
	struct output *out = xcalloc(1, sizeof *out);

	if (parent->lock == NULL) {
		parent->lock = xmalloc(sizeof *parent->lock);
		pthread_mutex_init(parent->lock, NULL);
	}
	out->fd = parent->fd;
	out->name = xstrdup(parent->name);
	out->parent = parent;
	out->lock = parent->lock;
	return out;
}

static void
output_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct output *out = arg;
	enum output_status st;

	out->flush_due = false;
	st = output_flush(out);
	if (st != OUTPUT_OK && out->failed != NULL)
		out->failed(out->arg, st);
}

void
output_defer(struct output *out, struct event_base *base,
    output_failed_fn failed, void *arg)
{
	out->flush = event_new(base, -1, 0, output_flush_cb, out);
	if (out->flush != NULL)
		event_priority_set(out->flush, 2);
	out->failed = failed;
	out->arg = arg;
}

void
output_add(struct output *out, const char *data, size_t len)
{
	buf_append(&out->pending, data, len);
	if (out->flush == NULL || out->pending.len >= OUTPUT_HIGH_WATER) {
		output_flush_cb(-1, 0, out);
		return;
	}
	if (!out->flush_due) {
		out->flush_due = true;
		event_active(out->flush, EV_TIMEOUT, 0);
	}
}

/* An output that somebody made non-blocking may say EAGAIN: wait for it
 * rather than lose the lines. */
static void
output_wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	poll(&pfd, 1, -1);
}

enum output_status
output_flush(struct output *out)
{
	const char *data = out->pending.data;
	size_t len = out->pending.len;

	if (len == 0)
		return out->error == 0 ? OUTPUT_OK : out->error == EPIPE ?
		    OUTPUT_CLOSED : OUTPUT_FAILED;
	if (out->lock != NULL)
		pthread_mutex_lock(out->lock);
	while (out->error == 0 && len > 0) {
		ssize_t n = write(out->fd, data, len);

		if (n >= 0) {
			data += n;
			len -= (size_t)n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			output_wait_writable(out->fd);
		} else if (errno != EINTR) {
			out->error = errno;
			snprintf(out->message, sizeof out->message,
			    "cannot write %s: %s", out->name, strerror(errno));
		}
	}
	if (out->lock != NULL)
		pthread_mutex_unlock(out->lock);
	buf_reset(&out->pending);
	if (out->error == 0)
		return OUTPUT_OK;
	return out->error == EPIPE ? OUTPUT_CLOSED : OUTPUT_FAILED;
}

const char *
output_error(const struct output *out)
{
	return out->message;
}

void
output_close(struct output *out)
{
	if (out == NULL)
		return;
	if (out->flush != NULL)
		event_free(out->flush);
	buf_free(&out->pending);
	if (out->owned)
		close(out->fd);
	if (out->parent == NULL && out->lock != NULL) {
		pthread_mutex_destroy(out->lock);
		free(out->lock);
	}
	free(out->name);
	free(out);
}
