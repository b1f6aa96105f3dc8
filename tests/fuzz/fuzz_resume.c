/* libFuzzer target: --resume, reading a previous run's JSON Lines output
 * (src/resume.c).
 *
 * The input is the file's contents.  It is fed line by line to
 * resume_add_line (exact-size copies, no NUL after them), and each
 * line's text is asked about with resume_done, against a model set built
 * with cJSON; each line, taken as an input URL, is also formatted as a
 * result line (src/result.c) and fed back, which must mark it done unless
 * its kind is "cancelled" or "circuit_open" (never judged, fetched again).  Then the contents go into a file (a memfd) for
 * resume_load, which must cut a torn last line and nothing else, and
 * find what the complete lines hold.  Inputs whose length is 3 mod 4 get
 * a filler line first, so that their lines straddle resume_load's 64 KiB
 * read boundary. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "errkind.h"
#include "result.h"
#include "resume.h"

#include "fuzz_util.h"

#define READ_CHUNK 65536

/* A plain list of key texts (see key_text): the model of the set. */
struct model {
	char **s;
	size_t n, cap;
};

static bool
model_has(const struct model *m, const char *s)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->s[i], s) == 0)
			return true;
	return false;
}

static void
model_add(struct model *m, const char *s)
{
	if (model_has(m, s))
		return;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->s = realloc(m->s, m->cap * sizeof *m->s);
		CHECK(m->s != NULL);
	}
	m->s[m->n] = strdup(s);
	CHECK(m->s[m->n] != NULL);
	m->n++;
}

static void
model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->s[i]);
	free(m->s);
	memset(m, 0, sizeof *m);
}

/* The key text of an input line: U+FFFD for bytes that are not UTF-8,
 * and nothing from a NUL on (what the output line gives back). */
static char *
key_text(const void *p, size_t n)
{
	size_t len;

	return ref_fffd(p, n, &len);
}

/* What resume_add_line should make of one line, by cJSON directly:
 * returns whether it is a result line; *url its url when it is final. */
static bool
judge_line(const char *line, size_t len, char **final_url, char **any_url)
{
	cJSON *doc = cJSON_ParseWithLength(line, len);
	const cJSON *url, *error, *kind;
	bool result = false;

	*final_url = *any_url = NULL;
	if (doc == NULL)
		return false;
	url = cJSON_GetObjectItemCaseSensitive(doc, "url");
	error = cJSON_GetObjectItemCaseSensitive(doc, "error");
	kind = cJSON_GetObjectItemCaseSensitive(error, "kind");
	if (cJSON_IsString(url)) {
		*any_url = strdup(url->valuestring);
		CHECK(*any_url != NULL);
		if (cJSON_IsNull(error)) {
			result = true;
		} else if (cJSON_IsString(kind)) {
			result = true;
			if (strcmp(kind->valuestring, "cancelled") == 0 ||
			    strcmp(kind->valuestring, "circuit_open") == 0)
				goto out;
		} else {
			goto out;
		}
		*final_url = strdup(url->valuestring);
		CHECK(*final_url != NULL);
	}
out:
	cJSON_Delete(doc);
	return result;
}

struct lines {
	const uint8_t **p;
	size_t *len;
	size_t n;          /* lines, the torn one included */
	size_t complete;   /* lines ended by '\n' */
};

static void
split(const uint8_t *data, size_t size, struct lines *L)
{
	size_t cap = 1;

	for (size_t i = 0; i < size; i++)
		cap += data[i] == '\n';
	L->p = malloc(cap * sizeof *L->p);
	L->len = malloc(cap * sizeof *L->len);
	CHECK(L->p != NULL && L->len != NULL);
	L->n = L->complete = 0;
	while (size > 0) {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t len = nl ? (size_t)(nl - data) : size;

		L->p[L->n] = data;
		L->len[L->n++] = len;
		if (nl == NULL)
			break;
		L->complete++;
		data = nl + 1;
		size -= len + 1;
	}
}

/* Feed lines [0, upto) to a new set; the model gets the final URLs. */
static struct resume *
feed(const struct lines *L, size_t upto, struct model *m)
{
	struct resume *r = resume_new();

	for (size_t i = 0; i < upto; i++) {
		char *copy = fz_dup(L->p[i], L->len[i]);
		char *final_url, *any_url;
		bool want = judge_line(copy, L->len[i], &final_url, &any_url);

		CHECK(resume_add_line(r, copy, L->len[i]) == want);
		if (final_url != NULL) {
			char *key = key_text(final_url, strlen(final_url));

			model_add(m, key);
			free(key);
		}
		free(final_url);
		free(any_url);
		free(copy);
	}
	CHECK(resume_count(r) == m->n);
	for (size_t i = 0; i < m->n; i++)
		CHECK(resume_done(r, m->s[i], strlen(m->s[i])));
	return r;
}

/* Every line's url, and every line taken as an input URL, is done
 * exactly when the model says so. */
static void
query(const struct resume *r, const struct lines *L, const struct model *m)
{
	for (size_t i = 0; i < L->n; i++) {
		char *copy = fz_dup(L->p[i], L->len[i]);
		char *final_url, *any_url, *key;

		judge_line(copy, L->len[i], &final_url, &any_url);
		if (any_url != NULL) {
			key = key_text(any_url, strlen(any_url));
			CHECK(resume_done(r, any_url, strlen(any_url)) ==
			    model_has(m, key));
			free(key);
		}
		key = key_text(copy, L->len[i]);
		CHECK(resume_done(r, copy, L->len[i]) == model_has(m, key));
		free(key);
		free(final_url);
		free(any_url);
		free(copy);
	}
}

/* Each line as the URL of a result scrape writes: reading that result
 * line back marks the URL done, unless it was cancelled or its circuit
 * was open. */
static void
round_trip(const struct lines *L)
{
	struct resume *r = resume_new();
	struct model m = { 0 };
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < L->n; i++) {
		char *url = fz_dup(L->p[i], L->len[i]);
		uint8_t first = L->len[i] ? L->p[i][0] : 0;
		struct result res = {
			.url = url,
			.url_len = L->len[i],
			.status = (i & 1) ? 503 : 0,
			.attempts = 1,
			.elapsed_ms = 1.5,
			.kind = (enum errkind)((i + first) % ERR_KIND_COUNT),
			.message = "some reason",
			.with_body = (i & 2) != 0,
			.body = url,
			.body_len = L->len[i],
		};
		char *key = key_text(url, L->len[i]);

		buf_reset(&b);
		result_format(&b, &res);
		CHECK(b.len > 0 && b.data[b.len - 1] == '\n');
		CHECK(resume_add_line(r, b.data, b.len - 1));
		if (res.kind != ERR_CANCELLED && res.kind != ERR_CIRCUIT_OPEN)
			model_add(&m, key);
		CHECK(resume_done(r, url, L->len[i]) == model_has(&m, key));
		free(key);
		free(url);
	}
	CHECK(resume_count(r) == m.n);
	buf_free(&b);
	model_free(&m);
	resume_free(r);
}

static int memfd = -1;
static char path[64];
static char *filebuf;

static void
setup(void)
{
	struct resume *r = resume_new();
	char err[256];

	memfd = memfd_create("fuzz_resume", MFD_CLOEXEC);
	CHECK(memfd != -1);
	snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	filebuf = malloc(2 * READ_CHUNK + (1 << 20));
	CHECK(filebuf != NULL);
	/* A file that is not there is an empty one. */
	CHECK(resume_load(r, "/nonexistent/fuzz_resume/none", err, sizeof err));
	CHECK(resume_count(r) == 0);
	resume_free(r);
}

static void
load(const uint8_t *data, size_t size, const struct lines *L,
    const struct model *complete)
{
	struct resume *r = resume_new();
	char err[256] = "";
	size_t pad = 0, total, kept = 0;
	struct stat st;
	const uint8_t *nl;

	if (size % 4 == 3 && size <= (1 << 20)) {
		/* A filler line that ends just before the read boundary. */
		pad = READ_CHUNK - 1 - (size / 4) % 64;
		memset(filebuf, 'x', pad - 1);
		filebuf[pad - 1] = '\n';
	}
	if (size > (1 << 20))
		size = 0;
	memcpy(filebuf + pad, data, size);
	total = pad + size;
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(pwrite(memfd, filebuf, total, 0) == (ssize_t)total);

	CHECK(resume_load(r, path, err, sizeof err));
	CHECK(fstat(memfd, &st) == 0);
	/* Cut just after the last newline: the torn line goes, all else
	 * stays as it was. */
	for (nl = (const uint8_t *)filebuf + total;
	    nl > (const uint8_t *)filebuf; nl--)
		if (nl[-1] == '\n') {
			kept = (size_t)(nl - (const uint8_t *)filebuf);
			break;
		}
	CHECK((size_t)st.st_size == kept);
	CHECK(kept <= total);
	CHECK(kept == 0 || filebuf[kept - 1] == '\n');
	if (kept > 0) {
		char *back = malloc(kept);

		CHECK(back != NULL);
		CHECK(pread(memfd, back, kept, 0) == (ssize_t)kept);
		CHECK(memcmp(back, filebuf, kept) == 0);
		free(back);
	}
	/* Without the filler: the size equals the offset after the input's
	 * last '\n'. */
	if (pad == 0) {
		const uint8_t *last = NULL;

		for (size_t i = 0; i < size; i++)
			if (data[i] == '\n')
				last = data + i;
		CHECK(kept == (last ? (size_t)(last - data) + 1 : 0));
		CHECK(kept <= size);
	}
	/* What the complete lines hold, and not the torn one. */
	CHECK(resume_count(r) == complete->n);
	for (size_t i = 0; i < complete->n; i++)
		CHECK(resume_done(r, complete->s[i], strlen(complete->s[i])));
	query(r, L, complete);
	resume_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lines L;
	struct model all = { 0 }, complete = { 0 };
	struct resume *r;

	if (memfd == -1)
		setup();
	split(data, size, &L);

	/* Every line, the torn one too. */
	r = feed(&L, L.n, &all);
	query(r, &L, &all);
	resume_free(r);

	round_trip(&L);

	/* The complete lines only, as resume_load must read them. */
	r = feed(&L, L.complete, &complete);
	resume_free(r);
	load(data, size, &L, &complete);

	model_free(&all);
	model_free(&complete);
	free(L.p);
	free(L.len);
	return 0;
}
