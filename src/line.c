#include "line.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

struct line {
	char text[LINE_MAX_BYTES + 1];
	size_t len;          /* bytes kept in text, leading blanks dropped */
	size_t total;        /* trimmed length so far, kept or not */
	size_t blank_run;    /* blanks seen past the cap, not yet counted */
	bool started;        /* a non-blank byte was seen */
	bool pending;        /* bytes were appended since the last finish */
	bool at_source_start; /* a byte-order mark may still come */
	size_t bom_seen;     /* bytes of it matched so far */
};

/* UTF-8's byte-order mark, as Windows tools write at a file's start. */
static const char bom[3] = { '\xef', '\xbb', '\xbf' };

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

struct line *
line_new(void)
{
	return xcalloc(1, sizeof(struct line));
}

void
line_free(struct line *l)
{
	free(l);
}

bool
line_pending(const struct line *l)
{
	return l->pending;
}

/* Beyond the cap nothing is kept, only counted: a run of blanks counts
 * toward the length only when something non-blank follows it, since
 * trailing blanks are trimmed away. */
static void
line_count_overflow(struct line *l, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (is_blank(p[i])) {
			l->blank_run++;
		} else {
			l->total += l->blank_run + 1;
			l->blank_run = 0;
		}
	}
}

static void line_add(struct line *l, const char *p, size_t n);

void
line_new_source(struct line *l)
{
	l->at_source_start = true;
	l->bom_seen = 0;
}

/* The bytes of a mark that began but did not finish are text after all. */
static void
line_bom_give_up(struct line *l)
{
	l->at_source_start = false;
	if (l->bom_seen > 0)
		line_add(l, bom, l->bom_seen);
	l->bom_seen = 0;
}

void
line_append(struct line *l, const char *p, size_t n)
{
	/* The mark may arrive a byte at a time from a pipe. */
	while (l->at_source_start && n > 0) {
		if (*p != bom[l->bom_seen]) {
			line_bom_give_up(l);
			break;
		}
		p++;
		n--;
		if (++l->bom_seen == sizeof bom) {
			l->at_source_start = false;
			l->bom_seen = 0;
		}
	}
	line_add(l, p, n);
}

static void
line_add(struct line *l, const char *p, size_t n)
{
	if (n > 0)
		l->pending = true;
	if (!l->started) {
		while (n > 0 && is_blank(*p)) {
			p++;
			n--;
		}
		if (n == 0)
			return;
		l->started = true;
	}
	if (l->len < LINE_MAX_BYTES) {
		size_t room = LINE_MAX_BYTES - l->len;

		if (room > n)
			room = n;
		memcpy(l->text + l->len, p, room);
		l->len += room;
		p += room;
		n -= room;
		l->total = l->len;
		if (l->len == LINE_MAX_BYTES) {
			/* Full: trailing blanks count only if text follows. */
			while (l->total > 0 && is_blank(l->text[l->total - 1]))
				l->total--;
			l->blank_run = l->len - l->total;
		}
	}
	if (n > 0)
		line_count_overflow(l, p, n);
}

static bool
has_control_byte(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

enum line_verdict
line_finish(struct line *l, const char **text, size_t *len, size_t *total)
{
	enum line_verdict v;

	if (l->at_source_start)
		line_bom_give_up(l);
	if (l->total <= LINE_MAX_BYTES) {
		while (l->len > 0 && is_blank(l->text[l->len - 1]))
			l->len--;
		l->total = l->len;
	}
	l->text[l->len] = '\0';
	*text = l->text;
	*len = l->len;
	*total = l->total;

	if (l->len == 0 || l->text[0] == '#')
		v = LINE_SKIP;
	else if (l->total > LINE_MAX_BYTES)
		v = LINE_TOO_LONG;
	else if (has_control_byte(l->text, l->len))
		v = LINE_CONTROL;
	else if (!utf8_valid(l->text, l->len))
		v = LINE_BAD_UTF8;
	else
		v = LINE_URL;

	l->len = l->total = l->blank_run = 0;
	l->started = l->pending = false;
	return v;
}

const char *
line_verdict_message(enum line_verdict v)
{
	switch (v) {
	case LINE_TOO_LONG:
		return "line is longer than 8192 bytes";
	case LINE_CONTROL:
		return "line holds a control character";
	case LINE_BAD_UTF8:
		return "line holds bytes that are not UTF-8";
	default:
		return "";
	}
}
