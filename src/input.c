#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmalloc.h"

#define INPUT_CHUNK 65536

struct source {
	int fd;
	char *name;
	bool pollable;    /* pipe, socket or terminal: wait for readiness */
};

struct input {
	struct source *sources;
	size_t nsources;
	size_t current;
	struct event_base *base;
	struct event *ev;          /* readiness of the current source */
	int ev_fd;                 /* the descriptor ev was made for */
	input_ready_fn ready;
	void *arg;
	bool may_read;             /* a read now will not block */
	bool stopped;              /* input_stop_reading was called */
	char *chunk;
	size_t pos, end;           /* unread bytes are chunk[pos..end) */
	struct line *line;
	char error[512];
};

/* Regular files are always "ready" and epoll refuses them, so only
 * descriptors that can really make us wait are watched. */
static bool
is_pollable(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(fd);
}

static bool
source_open(struct source *src, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		src->fd = STDIN_FILENO;
		src->name = xstrdup("standard input");
	} else {
		src->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (src->fd == -1) {
			snprintf(err, errlen, "cannot open '%s': %s", path,
			    strerror(errno));
			return false;
		}
		src->name = xstrdup(path);
	}
	if (fstat(src->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot read '%s': Is a directory", path);
		return false;
	}
	src->pollable = is_pollable(src->fd);
	return true;
}

static void
source_close(struct source *src)
{
	if (src->fd > STDIN_FILENO)
		close(src->fd);
	src->fd = -1;
	free(src->name);
	src->name = NULL;
}

static void
input_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct input *in = arg;

	in->may_read = true;
	in->ready(in->arg);
}

struct input *
input_open(struct event_base *base, char *const *paths, size_t npaths,
    char *err, size_t errlen)
{
	static char *const standard_input[] = { "-" };
	struct input *in = xcalloc(1, sizeof *in);

	if (npaths == 0) {
		paths = standard_input;
		npaths = 1;
	}
	in->sources = xcalloc(npaths, sizeof *in->sources);
	for (size_t i = 0; i < npaths; i++)
		in->sources[i].fd = -1;
	in->nsources = npaths;
	for (size_t i = 0; i < npaths; i++) {
		if (!source_open(&in->sources[i], paths[i], err, errlen)) {
			input_free(in);
			return NULL;
		}
	}
	in->base = base;
	in->chunk = xmalloc(INPUT_CHUNK);
	in->line = line_new();
	return in;
}

void
input_set_ready(struct input *in, input_ready_fn ready, void *arg)
{
	in->ready = ready;
	in->arg = arg;
}

void
input_free(struct input *in)
{
	if (in == NULL)
		return;
	for (size_t i = 0; i < in->nsources; i++)
		source_close(&in->sources[i]);
	free(in->sources);
	if (in->ev != NULL)
		event_free(in->ev);
	free(in->chunk);
	line_free(in->line);
	free(in);
}

const char *
input_error(const struct input *in)
{
	return in->error;
}

void
input_stop_reading(struct input *in)
{
	in->stopped = true;
	if (in->ev != NULL)
		event_del(in->ev);
}

/* Arm a one-shot readiness event on the current source. */
static bool
input_wait(struct input *in, struct source *src)
{
	if (in->ev != NULL && in->ev_fd != src->fd) {
		event_free(in->ev);
		in->ev = NULL;
	}
	if (in->ev == NULL) {
		in->ev = event_new(in->base, src->fd, EV_READ, input_ready_cb,
		    in);
		in->ev_fd = src->fd;
	}
	if (in->ev == NULL || event_add(in->ev, NULL) != 0) {
		/* Not watchable after all: read it as if it were a file. */
		src->pollable = false;
		return false;
	}
	return true;
}

/* The current source is done: the next one takes over. */
static void
input_advance(struct input *in)
{
	source_close(&in->sources[in->current]);
	in->current++;
	in->may_read = false;
}

/* Read one chunk from the current source.  On return either bytes are
 * buffered, or the status says why not. */
static enum input_status
input_fill(struct input *in, bool *eof)
{
	struct source *src = &in->sources[in->current];
	ssize_t n;

	*eof = false;
	if (src->pollable && !in->may_read && input_wait(in, src))
		return INPUT_AGAIN;
	/* One read per readiness event: a second could block on a pipe. */
	in->may_read = false;
	do
		n = read(src->fd, in->chunk, INPUT_CHUNK);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
	    input_wait(in, src))
		return INPUT_AGAIN;
	if (n == -1) {
		snprintf(in->error, sizeof in->error, "cannot read '%s': %s",
		    src->name, strerror(errno));
		*eof = true;
		return INPUT_ERROR;
	}
	in->pos = 0;
	in->end = (size_t)n;
	*eof = n == 0;
	return INPUT_LINE;
}

/* Cut the next line out of the buffer; false when it has no newline
 * (the partial line is kept in in->line). */
static bool
input_take_line(struct input *in, struct input_line *out)
{
	char *start = in->chunk + in->pos;
	size_t avail = in->end - in->pos;
	char *nl = memchr(start, '\n', avail);

	if (nl == NULL) {
		line_append(in->line, start, avail);
		in->pos = in->end;
		return false;
	}
	line_append(in->line, start, (size_t)(nl - start));
	in->pos += (size_t)(nl - start) + 1;
	out->verdict = line_finish(in->line, &out->text, &out->len,
	    &out->total);
	return true;
}

enum input_status
input_next(struct input *in, struct input_line *out)
{
	for (;;) {
		enum input_status st;
		bool eof;

		while (in->pos < in->end) {
			if (input_take_line(in, out) &&
			    out->verdict != LINE_SKIP)
				return INPUT_LINE;
		}
		if (in->stopped || in->current >= in->nsources)
			return INPUT_EOF;
		st = input_fill(in, &eof);
		if (st == INPUT_AGAIN)
			return st;
		if (!eof)
			continue;
		/* A last line without a newline is still a line; but after a
		 * read error it is cut short, so it is dropped. */
		if (st != INPUT_ERROR && line_pending(in->line)) {
			out->verdict = line_finish(in->line, &out->text,
			    &out->len, &out->total);
			input_advance(in);
			if (out->verdict != LINE_SKIP)
				return INPUT_LINE;
			continue;
		}
		if (line_pending(in->line))
			line_finish(in->line, &out->text, &out->len,
			    &out->total);
		input_advance(in);
		if (st == INPUT_ERROR)
			return st;
	}
}
