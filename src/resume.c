#include "resume.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "utf8.h"
#include "xmalloc.h"

/* An open-addressing set of 64-bit URL hashes: 16 bytes or so per URL
 * done, whatever the URLs' length.  0 marks an empty slot. */
struct resume {
	uint64_t *slots;
	size_t cap;          /* a power of two */
	size_t count;
};

struct resume *
resume_new(void)
{
	struct resume *r = xcalloc(1, sizeof *r);

	r->cap = 1024;
	r->slots = xcalloc(r->cap, sizeof *r->slots);
	return r;
}

void
resume_free(struct resume *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

size_t
resume_count(const struct resume *r)
{
	return r->count;
}

static uint64_t
hash_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

/* The URL's key: FNV-1a over the bytes the output line shows for it —
 * bad UTF-8 as U+FFFD, and nothing past a NUL, which a JSON reader cannot
 * hand back in a C string — then a final mix to spread the bits. */
static uint64_t
url_key(const char *url, size_t len)
{
	const unsigned char *p = (const unsigned char *)url;
	const unsigned char *end = p + len;
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t cp;

	while (p < end && *p != '\0') {
		size_t n = utf8_decode(p, (size_t)(end - p), &cp);

		if (n == 0) {
			h = hash_byte(hash_byte(hash_byte(h, 0xef), 0xbf), 0xbd);
			p++;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			h = hash_byte(h, p[i]);
		p += n;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h != 0 ? h : 1;
}

static size_t
set_find(const struct resume *r, uint64_t key)
{
	size_t i = (size_t)key & (r->cap - 1);

	while (r->slots[i] != 0 && r->slots[i] != key)
		i = (i + 1) & (r->cap - 1);
	return i;
}

static void
set_insert(struct resume *r, uint64_t key)
{
	size_t i;

	/* Kept under half full, so that probes stay short. */
	if ((r->count + 1) * 2 > r->cap) {
		uint64_t *old = r->slots;
		size_t oldcap = r->cap;

		r->cap *= 2;
		r->slots = xcalloc(r->cap, sizeof *r->slots);
		for (size_t j = 0; j < oldcap; j++)
			if (old[j] != 0)
				r->slots[set_find(r, old[j])] = old[j];
		free(old);
	}
	i = set_find(r, key);
	if (r->slots[i] == 0) {
		r->slots[i] = key;
		r->count++;
	}
}

bool
resume_done(const struct resume *r, const char *url, size_t len)
{
	return r->slots[set_find(r, url_key(url, len))] != 0;
}

bool
resume_add_line(struct resume *r, const char *line, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(line, len);
	const cJSON *url, *error, *kind;
	bool final;

	if (doc == NULL)
		return false;
	url = cJSON_GetObjectItemCaseSensitive(doc, "url");
	error = cJSON_GetObjectItemCaseSensitive(doc, "error");
	kind = cJSON_GetObjectItemCaseSensitive(error, "kind");
	if (!cJSON_IsString(url) || (!cJSON_IsNull(error) &&
	    !cJSON_IsString(kind))) {
		cJSON_Delete(doc);
		return false;
	}
	/* A URL cancelled by a signal or stopped by an open circuit was
	 * never judged: it is fetched again. */
	final = cJSON_IsNull(error) ||
	    (strcmp(kind->valuestring, "cancelled") != 0 &&
	    strcmp(kind->valuestring, "circuit_open") != 0);
	if (final)
		set_insert(r, url_key(url->valuestring, strlen(url->valuestring)));
	cJSON_Delete(doc);
	return true;
}

/* Feed every complete line of fd; *kept is the length of the file up to
 * and including its last newline. */
static bool
resume_read(struct resume *r, int fd, off_t *kept, char *err, size_t errlen,
    const char *path)
{
	struct buf line = BUF_INIT;
	char chunk[65536];
	off_t offset = 0;
	ssize_t n;

	*kept = 0;
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		const char *p = chunk, *end;

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "cannot read '%s': %s", path,
			    strerror(errno));
			buf_free(&line);
			return false;
		}
		end = chunk + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (nl == NULL) {
				buf_append(&line, p, (size_t)(end - p));
				break;
			}
			buf_append(&line, p, (size_t)(nl - p));
			resume_add_line(r, line.data, line.len);
			buf_reset(&line);
			*kept = offset + (nl - chunk) + 1;
			p = nl + 1;
		}
		offset += n;
	}
	buf_free(&line);
	return true;
}

bool
resume_load(struct resume *r, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	off_t kept, size;
	bool ok;

	if (fd == -1 && errno == ENOENT)
		return true;
	if (fd == -1) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return false;
	}
	ok = resume_read(r, fd, &kept, err, errlen, path);
	size = lseek(fd, 0, SEEK_END);
	/* What follows the last newline is a line cut short by a kill: new
	 * lines must not be appended to it. */
	if (ok && size > kept && ftruncate(fd, kept) == -1) {
		snprintf(err, errlen, "cannot cut the torn last line of '%s': %s",
		    path, strerror(errno));
		ok = false;
	}
	close(fd);
	return ok;
}
