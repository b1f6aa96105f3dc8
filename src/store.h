/* The body store of --store DIR: content-addressed and atomic.  A body
 * whose SHA-256 is abcd... lives in DIR/ab/cd/abcd...; identical bodies
 * share one file.  Every file is made relative to one descriptor of DIR
 * opened at the start, never following a symbolic link inside DIR (DIR
 * itself may be one: that is the user's choice).  A body is written to a
 * temporary file in DIR (.tmp-PID-N) and renamed into place only when
 * complete, so DIR never holds a partial body, and a failure never
 * leaves the temporary file behind.
 *
 * Not synced to disk: the promise holds when scrape dies or a write
 * fails, not when the machine loses power, which would cost an fsync per
 * body on the event loop.  A file found under its name with the wrong
 * size (what a crash of the machine may leave) is written again.
 *
 * Several scrape processes may share DIR: each writes its own temporary
 * files, and a rename over a file another one just put in place replaces
 * identical bytes with identical bytes. */
#ifndef SCRAPE_STORE_H
#define SCRAPE_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* "ab/cd/" and 64 hex digits and a NUL. */
#define STORE_PATH_MAX 71

struct store;

/* Open DIR, creating it if missing (like mkdir: mode 0777 less the
 * umask, parents not created), and check that a file can be made in it
 * by creating and removing one.  NULL with a one-line reason naming DIR
 * in err when DIR cannot be created, opened or written. */
struct store *store_open(const char *dir, char *err, size_t errlen);
void store_close(struct store *s);

/* Store len bytes whose SHA-256 is hex (64 lowercase hex digits) unless
 * a file of that name and size is there already; relpath (at least
 * STORE_PATH_MAX bytes) gets "ab/cd/<hex>", the name relative to DIR.
 * False with a one-line reason naming DIR in err on any failure (disk
 * full, a symbolic link planted where ab or cd should be...).  An empty
 * body is stored like any other, though SPEC's "no body arrived" means
 * the caller has none to store. */
bool store_put(struct store *s, const void *body, size_t len,
    const char *hex, char *relpath, char *err, size_t errlen);

#endif
