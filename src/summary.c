#include "summary.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "utf8.h"
#include "xmalloc.h"

/* One host the host policy acted on. */
struct host_note {
	char *host;
	long times_opened;
	long circuit_urls;
	long lowest_limit;
};

struct summary {
	struct summary_counts counts;
	bool track_hosts;
	struct host_note *notes;   /* in the order first noted */
	size_t nnotes, notes_cap;
	size_t *index;             /* open addressing into notes, +1; 0 free */
	size_t index_cap;          /* a power of two, over twice nnotes */
	FILE *spill;          /* failure records, created on the first */
	char *spill_mem;      /* the spill's memory when /tmp was unusable */
	size_t spill_memlen;
	struct buf scratch;   /* reused while printing */
};

/* One failure as stored in the spill file: this header, then the URL and
 * the message bytes. */
struct spill_record {
	uint64_t finished;    /* CLOCK_MONOTONIC, ns: summary_merge's order */
	int kind;
	long status;
	long attempts;
	size_t url_len;
	size_t msg_len;
};

struct summary *
summary_new(void)
{
	return xcalloc(1, sizeof(struct summary));
}

void
summary_free(struct summary *s)
{
	if (s == NULL)
		return;
	if (s->spill != NULL)
		fclose(s->spill);
	free(s->spill_mem);
	buf_free(&s->scratch);
	for (size_t i = 0; i < s->nnotes; i++)
		free(s->notes[i].host);
	free(s->notes);
	free(s->index);
	free(s);
}

void
summary_track_hosts(struct summary *s)
{
	s->track_hosts = true;
}

static size_t
note_hash(const char *k)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *k != '\0'; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return (size_t)h;
}

/* Rebuild the index at twice the size: it stays under half full. */
static void
notes_reindex(struct summary *s)
{
	s->index_cap = s->index_cap ? s->index_cap * 2 : 16;
	free(s->index);
	s->index = xcalloc(s->index_cap, sizeof *s->index);
	for (size_t i = 0; i < s->nnotes; i++) {
		size_t j = note_hash(s->notes[i].host) & (s->index_cap - 1);

		while (s->index[j] != 0)
			j = (j + 1) & (s->index_cap - 1);
		s->index[j] = i + 1;
	}
}

static struct host_note *
note_find(struct summary *s, const char *host)
{
	size_t j;

	if (2 * (s->nnotes + 1) > s->index_cap)
		notes_reindex(s);
	j = note_hash(host) & (s->index_cap - 1);
	for (; s->index[j] != 0; j = (j + 1) & (s->index_cap - 1))
		if (strcmp(s->notes[s->index[j] - 1].host, host) == 0)
			return &s->notes[s->index[j] - 1];
	if (s->nnotes == s->notes_cap) {
		s->notes_cap = s->notes_cap ? s->notes_cap * 2 : 8;
		s->notes = xrealloc(s->notes, s->notes_cap * sizeof *s->notes);
	}
	s->notes[s->nnotes] = (struct host_note){ xstrdup(host), 0, 0, 0 };
	s->index[j] = ++s->nnotes;
	return &s->notes[s->nnotes - 1];
}

void
summary_note_host(struct summary *s, const char *host, long times_opened,
    long circuit_urls, long lowest_limit)
{
	struct host_note *n = note_find(s, host);

	n->times_opened += times_opened;
	n->circuit_urls += circuit_urls;
	if (lowest_limit > 0 &&
	    (n->lowest_limit == 0 || lowest_limit < n->lowest_limit))
		n->lowest_limit = lowest_limit;
}

const struct summary_counts *
summary_counts(const struct summary *s)
{
	return &s->counts;
}

/* tmpfile() is unlinked already, so nothing is left behind on a crash;
 * where /tmp is unusable the list is kept in memory instead. */
static FILE *
spill_open(struct summary *s)
{
	FILE *f = tmpfile();

	if (f == NULL)
		f = open_memstream(&s->spill_mem, &s->spill_memlen);
	return f;
}

static void
spill_write(struct summary *s, const struct spill_record *rec,
    const char *url, const char *msg)
{
	if (s->spill == NULL && (s->spill = spill_open(s)) == NULL)
		return;
	fwrite(rec, sizeof *rec, 1, s->spill);
	fwrite(url, 1, rec->url_len, s->spill);
	fwrite(msg, 1, rec->msg_len, s->spill);
}

static void
spill_failure(struct summary *s, const struct result *r)
{
	const char *msg = r->message ? r->message : "";
	struct spill_record rec;

	/* Zeroed padding and all: the record is written out as bytes. */
	struct timespec now;

	memset(&rec, 0, sizeof rec);
	clock_gettime(CLOCK_MONOTONIC, &now);
	rec.finished = (uint64_t)now.tv_sec * 1000000000u +
	    (uint64_t)now.tv_nsec;
	rec.kind = r->kind;
	rec.status = r->status;
	rec.attempts = r->attempts;
	rec.url_len = r->url_len;
	rec.msg_len = strlen(msg);
	spill_write(s, &rec, r->url, msg);
}

void
summary_add(struct summary *s, const struct result *r)
{
	s->counts.total++;
	if (r->attempts > 1)
		s->counts.retries += (uint64_t)(r->attempts - 1);
	if (r->kind == ERR_NONE) {
		s->counts.ok++;
		return;
	}
	s->counts.failed++;
	s->counts.by_kind[r->kind]++;
	spill_failure(s, r);
}

/* Read len bytes of f into b, which ends up NUL-terminated. */
static bool
spill_read(FILE *f, struct buf *b, size_t len)
{
	char chunk[4096];

	buf_reset(b);
	buf_append(b, "", 0);
	while (len > 0) {
		size_t want = len < sizeof chunk ? len : sizeof chunk;

		if (fread(chunk, 1, want, f) != want)
			return false;
		buf_append(b, chunk, want);
		len -= want;
	}
	return true;
}

/* Read the next spilled failure into rec, url and msg. */
static bool
spill_next(FILE *f, struct spill_record *rec, struct buf *url,
    struct buf *msg)
{
	return fread(rec, sizeof *rec, 1, f) == 1 &&
	    spill_read(f, url, rec->url_len) &&
	    spill_read(f, msg, rec->msg_len);
}

/* One source's failures, read a record ahead. */
struct merge_source {
	FILE *spill;
	bool has;
	struct spill_record rec;
	struct buf url, msg;
};

static void
merge_advance(struct merge_source *m)
{
	m->has = m->spill != NULL &&
	    spill_next(m->spill, &m->rec, &m->url, &m->msg);
}

/* The failures of every source, in the order they finished across all
 * of them: each spill is in that order already, so a merge of the heads
 * (few sources: a linear pick is enough). */
static void
merge_failures(struct summary *dst, struct summary **srcs, size_t n)
{
	struct merge_source *m = xcalloc(n, sizeof *m);

	for (size_t i = 0; i < n; i++) {
		m[i].spill = srcs[i]->spill;
		if (m[i].spill != NULL)
			rewind(m[i].spill);
		merge_advance(&m[i]);
	}
	for (;;) {
		struct merge_source *first = NULL;

		for (size_t i = 0; i < n; i++)
			if (m[i].has && (first == NULL ||
			    m[i].rec.finished < first->rec.finished))
				first = &m[i];
		if (first == NULL)
			break;
		spill_write(dst, &first->rec, first->url.data, first->msg.data);
		merge_advance(first);
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].spill != NULL)
			fseek(m[i].spill, 0, SEEK_END);
		buf_free(&m[i].url);
		buf_free(&m[i].msg);
	}
	free(m);
}

void
summary_merge(struct summary *dst, struct summary **srcs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct summary *src = srcs[i];

		dst->counts.total += src->counts.total;
		dst->counts.ok += src->counts.ok;
		dst->counts.failed += src->counts.failed;
		dst->counts.retries += src->counts.retries;
		for (int k = 0; k < ERR_KIND_COUNT; k++)
			dst->counts.by_kind[k] += src->counts.by_kind[k];
		dst->track_hosts = dst->track_hosts || src->track_hosts;
		for (size_t j = 0; j < src->nnotes; j++)
			summary_note_host(dst, src->notes[j].host,
			    src->notes[j].times_opened,
			    src->notes[j].circuit_urls,
			    src->notes[j].lowest_limit);
	}
	merge_failures(dst, srcs, n);
}

/* A terminal would act on control characters in a hostile URL or server
 * message, so they and bytes that are not UTF-8 are shown as \xNN. */
static void
put_escaped(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	while (p < end) {
		uint32_t cp;
		size_t n = utf8_decode(p, (size_t)(end - p), &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0)) {
			for (size_t i = 0; i < (n ? n : 1); i++)
				buf_printf(b, "\\x%02x", p[i]);
			p += n ? n : 1;
			continue;
		}
		buf_append(b, p, n);
		p += n;
	}
}

void
summary_totals_line(const struct summary *s, double elapsed_s, char *line,
    size_t len)
{
	const struct summary_counts *c = &s->counts;
	struct buf b = BUF_INIT;
	const char *sep = " (";

	buf_printf(&b, "scraped %llu URL%s in %.2f s (%llu/s): %llu ok, "
	    "%llu failed", (unsigned long long)c->total,
	    c->total == 1 ? "" : "s", elapsed_s,
	    elapsed_s > 0 ? (unsigned long long)((double)c->total / elapsed_s) :
	    0ULL,
	    (unsigned long long)c->ok, (unsigned long long)c->failed);
	for (int k = ERR_NONE + 1; k < ERR_KIND_COUNT; k++) {
		if (c->by_kind[k] == 0)
			continue;
		buf_printf(&b, "%s%s %llu", sep, errkind_name(k),
		    (unsigned long long)c->by_kind[k]);
		sep = ", ";
	}
	if (c->failed > 0)
		buf_putc(&b, ')');
	buf_printf(&b, ", %llu retr%s", (unsigned long long)c->retries,
	    c->retries == 1 ? "y" : "ies");
	snprintf(line, len, "%s", b.data);
	buf_free(&b);
}

void
summary_print(struct summary *s, FILE *out, double elapsed_s)
{
	struct buf url = BUF_INIT, msg = BUF_INIT;
	struct spill_record rec;
	char totals[512];

	if (s->spill != NULL) {
		rewind(s->spill);
		while (spill_next(s->spill, &rec, &url, &msg)) {
			buf_reset(&s->scratch);
			buf_printf(&s->scratch, "%-11s ", errkind_name(rec.kind));
			put_escaped(&s->scratch, url.data, url.len);
			buf_puts(&s->scratch, "  ");
			put_escaped(&s->scratch, msg.data, msg.len);
			if (rec.attempts > 1)
				buf_printf(&s->scratch, " (%ld attempts)",
				    rec.attempts);
			buf_putc(&s->scratch, '\n');
			fwrite(s->scratch.data, 1, s->scratch.len, out);
		}
		fseek(s->spill, 0, SEEK_END);
	}
	for (size_t i = 0; i < s->nnotes; i++) {
		const struct host_note *n = &s->notes[i];

		buf_reset(&s->scratch);
		buf_puts(&s->scratch, "host ");
		put_escaped(&s->scratch, n->host, strlen(n->host));
		if (n->times_opened > 0)
			buf_printf(&s->scratch, ": circuit opened %ld time%s, "
			    "%ld URL%s circuit_open", n->times_opened,
			    n->times_opened == 1 ? "" : "s", n->circuit_urls,
			    n->circuit_urls == 1 ? "" : "s");
		if (n->lowest_limit > 0)
			buf_printf(&s->scratch, "%s--adaptive lowered its "
			    "limit to %ld", n->times_opened > 0 ? "; " : ": ",
			    n->lowest_limit);
		buf_putc(&s->scratch, '\n');
		fwrite(s->scratch.data, 1, s->scratch.len, out);
	}
	summary_totals_line(s, elapsed_s, totals, sizeof totals);
	fprintf(out, "%s\n", totals);
	fflush(out);
	buf_free(&url);
	buf_free(&msg);
}

static void
report_failure(struct buf *b, const struct spill_record *rec,
    const struct buf *url, const struct buf *msg)
{
	buf_puts(b, "{\"url\":");
	json_string(b, url->data, url->len);
	buf_printf(b, ",\"kind\":\"%s\",\"message\":", errkind_name(rec->kind));
	json_string(b, msg->data, msg->len);
	buf_puts(b, ",\"status\":");
	if (rec->status > 0)
		buf_printf(b, "%ld", rec->status);
	else
		buf_puts(b, "null");
	buf_printf(b, ",\"attempts\":%ld}", rec->attempts);
}

bool
summary_write_report(struct summary *s, FILE *out, double elapsed_s)
{
	const struct summary_counts *c = &s->counts;
	struct buf url = BUF_INIT, msg = BUF_INIT;
	struct spill_record rec;
	const char *sep = "";

	fprintf(out, "{\"total\":%llu,\"ok\":%llu,\"failed\":%llu,"
	    "\"retries\":%llu,\"elapsed_s\":%.3f,\"errors\":{",
	    (unsigned long long)c->total, (unsigned long long)c->ok,
	    (unsigned long long)c->failed, (unsigned long long)c->retries,
	    elapsed_s);
	for (int k = ERR_NONE + 1; k < ERR_KIND_COUNT; k++) {
		if (c->by_kind[k] == 0)
			continue;
		fprintf(out, "%s\"%s\":%llu", sep, errkind_name(k),
		    (unsigned long long)c->by_kind[k]);
		sep = ",";
	}
	fputs("},\"failures\":[", out);
	sep = "";
	if (s->spill != NULL) {
		rewind(s->spill);
		while (spill_next(s->spill, &rec, &url, &msg)) {
			buf_reset(&s->scratch);
			buf_puts(&s->scratch, sep);
			report_failure(&s->scratch, &rec, &url, &msg);
			fwrite(s->scratch.data, 1, s->scratch.len, out);
			sep = ",";
		}
		fseek(s->spill, 0, SEEK_END);
	}
	fputs("]", out);
	if (s->track_hosts) {
		fputs(",\"hosts\":[", out);
		for (size_t i = 0; i < s->nnotes; i++) {
			const struct host_note *n = &s->notes[i];

			buf_reset(&s->scratch);
			buf_puts(&s->scratch, i > 0 ? ",{\"host\":" :
			    "{\"host\":");
			json_string(&s->scratch, n->host, strlen(n->host));
			buf_printf(&s->scratch, ",\"circuit_opened\":%ld,"
			    "\"circuit_open_urls\":%ld,\"lowest_limit\":",
			    n->times_opened, n->circuit_urls);
			if (n->lowest_limit > 0)
				buf_printf(&s->scratch, "%ld}", n->lowest_limit);
			else
				buf_puts(&s->scratch, "null}");
			fwrite(s->scratch.data, 1, s->scratch.len, out);
		}
		fputs("]", out);
	}
	fputs("}\n", out);
	buf_free(&url);
	buf_free(&msg);
	return fflush(out) == 0 && !ferror(out);
}
