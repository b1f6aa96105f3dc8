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
	off_t size;       /* a regular file's; -1 for others */
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
	uint64_t taken;            /* bytes cut into lines so far */
	uint64_t size;             /* of all sources, when sized */
	bool sized;                /* every source is a regular file */
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

/* A regular file's size, counted from where its offset is now (standard
 * input may have been read into already); -1 for anything else. */
static off_t
source_size(int fd, const struct stat *st)
{
	off_t at;

	if (!S_ISREG(st->st_mode))
		return -1;
	at = lseek(fd, 0, SEEK_CUR);
	return at > 0 && at <= st->st_size ? st->st_size - at : st->st_size;
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
	if (fstat(src->fd, &st) == -1)
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot read '%s': Is a directory", path);
		return false;
	}
	src->size = source_size(src->fd, &st);
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
	in->sized = true;
	for (size_t i = 0; i < npaths; i++) {
		in->sized = in->sized && in->sources[i].size >= 0;
		in->size += in->sized ? (uint64_t)in->sources[i].size : 0;
	}
	in->base = base;
	in->chunk = xmalloc(INPUT_CHUNK);
	in->line = line_new();
	line_new_source(in->line);
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

bool
input_progress(const struct input *in, uint64_t *taken, uint64_t *total)
{
	*taken = in->taken;
	*total = in->size;
	return in->sized;
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
	line_new_source(in->line);
}

/* What one read of the current source gave. */
enum fill {
	FILL_DATA,     /* bytes are buffered */
	FILL_AGAIN,    /* not readable yet: the ready callback will say */
	FILL_EOF,
	FILL_ERROR     /* in->error says what */
};

static enum fill
input_fill(struct input *in)
{
	struct source *src = &in->sources[in->current];
	ssize_t n;

	if (src->pollable && !in->may_read && input_wait(in, src))
		return FILL_AGAIN;
	/* One read per readiness event: a second could block on a pipe. */
	in->may_read = false;
	do
		n = read(src->fd, in->chunk, INPUT_CHUNK);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
	    input_wait(in, src))
		return FILL_AGAIN;
	if (n == -1) {
		snprintf(in->error, sizeof in->error, "cannot read '%s': %s",
		    src->name, strerror(errno));
		return FILL_ERROR;
	}
	in->pos = 0;
	in->end = (size_t)n;
	return n == 0 ? FILL_EOF : FILL_DATA;
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
		in->taken += avail;
		return false;
	}
	line_append(in->line, start, (size_t)(nl - start));
	in->pos += (size_t)(nl - start) + 1;
	in->taken += (size_t)(nl - start) + 1;
	out->verdict = line_finish(in->line, &out->text, &out->len,
	    &out->total);
	return true;
}

/* The current source ended.  A last line without a newline is still a
 * line, unless a read error cut it short; true when it is one to hand
 * out. */
static bool
input_end_source(struct input *in, bool failed, struct input_line *out)
{
	bool got = false;

	if (line_pending(in->line)) {
		out->verdict = line_finish(in->line, &out->text, &out->len,
		    &out->total);
		got = !failed && out->verdict != LINE_SKIP;
	}
	input_advance(in);
	return got;
}

enum input_status
input_next(struct input *in, struct input_line *out)
{
	for (;;) {
		while (in->pos < in->end)
			if (input_take_line(in, out) &&
			    out->verdict != LINE_SKIP)
				return INPUT_LINE;
		if (in->stopped || in->current >= in->nsources)
			return INPUT_EOF;
		switch (input_fill(in)) {
		case FILL_DATA:
			break;
		case FILL_AGAIN:
			return INPUT_AGAIN;
		case FILL_EOF:
			if (input_end_source(in, false, out))
				return INPUT_LINE;
			break;
		case FILL_ERROR:
			input_end_source(in, true, out);
			return INPUT_ERROR;
		}
	}
}
