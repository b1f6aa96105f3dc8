#include "feed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bell.h"
#include "xmalloc.h"

/* A line in the queue; text is its own copy. */
struct feed_item {
	enum line_verdict verdict;
	char *text;
	size_t len;
	size_t total;
	CURLU *parsed;
};

struct feed {
	pthread_mutex_t lock;
	struct feed_item *ring;     /* grows past capacity only when forced */
	size_t ring_size;           /* slots in ring, a power of two */
	size_t head, count;
	size_t capacity;
	size_t bytes, max_bytes;    /* text queued, and its bound */
	bool closed;
	bool consumer_waiting;      /* found it empty: ring when a line comes */
	bool producer_waiting;      /* found it full: ring at half full */
	int consumer_bell, producer_bell;
	char *current;              /* the text the consumer was last given */
};

struct feed *
feed_new(size_t capacity, size_t max_bytes, int consumer_bell,
    int producer_bell)
{
	struct feed *f = xcalloc(1, sizeof *f);

	pthread_mutex_init(&f->lock, NULL);
	f->capacity = capacity > 0 ? capacity : 1;
	f->ring_size = 1;
	while (f->ring_size < f->capacity)
		f->ring_size *= 2;
	f->ring = xcalloc(f->ring_size, sizeof *f->ring);
	f->max_bytes = max_bytes;
	f->consumer_bell = consumer_bell;
	f->producer_bell = producer_bell;
	return f;
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->count; i++) {
		struct feed_item *it = &f->ring[(f->head + i) & (f->ring_size - 1)];

		free(it->text);
		curl_url_cleanup(it->parsed);
	}
	free(f->ring);
	free(f->current);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* Double the ring, keeping the queue's order; only a forced put gets
 * here. */
static void
feed_grow(struct feed *f)
{
	struct feed_item *ring = xcalloc(f->ring_size * 2, sizeof *ring);

	for (size_t i = 0; i < f->count; i++)
		ring[i] = f->ring[(f->head + i) & (f->ring_size - 1)];
	free(f->ring);
	f->ring = ring;
	f->ring_size *= 2;
	f->head = 0;
}

bool
feed_put(struct feed *f, const struct input_line *line, CURLU *parsed,
    bool force)
{
	struct feed_item it = { line->verdict, NULL, line->len, line->total,
	    parsed };
	bool wake;

	/* Copied before the lock: the consumer never waits on a malloc. */
	it.text = xmalloc(line->len + 1);
	memcpy(it.text, line->text, line->len);
	it.text[line->len] = '\0';
	pthread_mutex_lock(&f->lock);
	if (!force && f->count > 0 && (f->count >= f->capacity ||
	    f->bytes + line->len > f->max_bytes)) {
		f->producer_waiting = true;
		pthread_mutex_unlock(&f->lock);
		free(it.text);
		return false;
	}
	if (f->count == f->ring_size)
		feed_grow(f);
	f->ring[(f->head + f->count) & (f->ring_size - 1)] = it;
	f->count++;
	f->bytes += line->len;
	wake = f->consumer_waiting;
	f->consumer_waiting = false;
	pthread_mutex_unlock(&f->lock);
	if (wake)
		bell_ring(f->consumer_bell);
	return true;
}

void
feed_close(struct feed *f)
{
	bool wake;

	pthread_mutex_lock(&f->lock);
	f->closed = true;
	wake = f->consumer_waiting;
	f->consumer_waiting = false;
	pthread_mutex_unlock(&f->lock);
	if (wake)
		bell_ring(f->consumer_bell);
}

size_t
feed_bytes(struct feed *f)
{
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = f->bytes;
	pthread_mutex_unlock(&f->lock);
	return n;
}

enum input_status
feed_next(struct feed *f, struct input_line *line, CURLU **parsed)
{
	struct feed_item it;
	bool wake;

	free(f->current);
	f->current = NULL;
	*parsed = NULL;
	pthread_mutex_lock(&f->lock);
	if (f->count == 0) {
		enum input_status st = f->closed ? INPUT_EOF : INPUT_AGAIN;

		f->consumer_waiting = !f->closed;
		pthread_mutex_unlock(&f->lock);
		return st;
	}
	it = f->ring[f->head];
	f->head = (f->head + 1) & (f->ring_size - 1);
	f->count--;
	f->bytes -= it.len;
	wake = f->producer_waiting && f->count <= f->capacity / 2 &&
	    f->bytes <= f->max_bytes / 2;
	if (wake)
		f->producer_waiting = false;
	pthread_mutex_unlock(&f->lock);
	if (wake)
		bell_ring(f->producer_bell);
	f->current = it.text;
	line->verdict = it.verdict;
	line->text = it.text;
	line->len = it.len;
	line->total = it.total;
	*parsed = it.parsed;
	return INPUT_LINE;
}
