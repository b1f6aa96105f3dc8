/* A growable byte buffer, the one string builder everything shares. */
#ifndef SCRAPE_BUF_H
#define SCRAPE_BUF_H

#include <stddef.h>

struct buf {
	char *data;     /* NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_append(struct buf *b, const void *p, size_t n);
/* Append a copy of the n bytes the buffer holds at offset off. */
void buf_append_own(struct buf *b, size_t off, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Decimal digits of v, without printf's cost on the hot path. */
void buf_put_u64(struct buf *b, unsigned long long v);
/* Forget the contents, keep the memory for reuse. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
