/*
 * Extraction and storage end to end (SPEC.md, "Extraction" and "Storing
 * bodies"): --title, --links, --select, --xpath, --regex, --hash and
 * --store, run against the test server as a user would run them.
 *
 * The expected values are never scrape's own: titles, links, XPath and
 * CSS results come from lxml and cssselect (tests/extract_oracle.py, the
 * stack under Scrapy's selectors) over the fixture pages the server
 * serves from tests/fixtures/html (/fixture/NAME, and gzip-encoded as
 * /fixture-gz/NAME); hashes are sha256sum(1) of the body as curl(1)
 * fetches it, and of the fixture file on disk; stored files are read
 * back from DIR and hashed again.  Each of those checks is skipped, with
 * a message, when its tool is missing; the rest still run.
 *
 * Every line is checked for every field asked for, in the man page's
 * order, null where the SPEC says: no response, an empty body, a body
 * cut by --max-size, a HEAD, or (for the HTML fields) a body that is not
 * HTML.  Usage errors must reach no server: the test server counts the
 * requests it sees.
 *
 * The full-disk and read-only DIR tests mount a tmpfs in a mount
 * namespace of the test's own process (Check runs each test in a process
 * of its own): as root, which CI is, permission bits prove nothing.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

/* CLONE_NEWNS from the kernel's header: src/sched.h, on the include
 * path, hides the C library's <sched.h>. */
#include <linux/sched.h>

#include "harness.h"

/* The 1.0 line, and the order the man page gives the fields. */
#define KEYS_1_0 "url,ok,status,attempts,elapsed_ms,bytes,final_url," \
	"content_type,error"
#define KEYS_FIELDS "title,links,select,xpath,regex,sha256"

/* Selectors compared with cssselect: every form the fixtures exercise. */
static const char *const selectors[] = {
	"title",
	"li",
	"a::attr(href)",
	"p > a",
	"ul li:first-child",
	"td:nth-child(2)",
	"a[href$=html]",
	"li:not(:last-child)",
	"h1, th",
};
#define NSELECTORS (sizeof selectors / sizeof selectors[0])

/* Patterns compared with Python's re: plain ones, where it and PCRE2
 * agree. */
static const char *const patterns[] = {
	"([a-z]+)\\.html",
	"[A-Z][a-z]+",
};
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

/* ---- Helpers ---- */

/* "URL\n" of path on the test server. */
static char *
uline(const char *path)
{
	char *u = server_url(srv, path), *l = xasprintf("%s\n", u);

	free(u);
	return l;
}

static const char *
srcdir(void)
{
	const char *d = getenv("SCRAPE_SRCDIR");

	return d != NULL && *d != '\0' ? d : ".";
}

static char *
fixture_path(const char *name)
{
	return xasprintf("%s/tests/fixtures/html/%s", srcdir(), name);
}

/* The whole output of a shell command (NUL-terminated), its exit status
 * in *status. */
static char *
sh(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL, chunk[4096];
	size_t len = 0, n;
	int st;

	ck_assert_msg(p != NULL, "popen %s", cmd);
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) {
		out = realloc(out, len + n + 1);
		ck_assert_ptr_nonnull(out);
		memcpy(out + len, chunk, n);
		len += n;
	}
	if (out == NULL)
		out = strdup("");
	else
		out[len] = '\0';
	st = pclose(p);
	if (status != NULL)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return out;
}

static bool
have(const char *tool)
{
	char *cmd = xasprintf("command -v %s >/dev/null 2>&1", tool);
	int st;

	free(sh(cmd, &st));
	free(cmd);
	return st == 0;
}

/* The first 64 characters of sha256sum's output for a command's
 * standard output, malloc'd. */
static char *
sha256_of(const char *producer)
{
	char *cmd = xasprintf("%s | sha256sum", producer), *out;
	int st;

	out = sh(cmd, &st);
	ck_assert_msg(st == 0 && strlen(out) >= 64, "%s: %s", cmd, out);
	out[64] = '\0';
	free(cmd);
	return out;
}

static char *
sha256_file(const char *path)
{
	char *cmd = xasprintf("cat '%s'", path), *h = sha256_of(cmd);

	free(cmd);
	return h;
}

/* sha256sum of the body curl fetches: --compressed decodes it as scrape
 * does; without, asking for gzip, the bytes on the wire. */
static char *
sha256_curl(const char *url, bool decoded)
{
	char *cmd = xasprintf("curl -sL --max-time 10 --noproxy '*' %s '%s'",
	    decoded ? "--compressed" : "-H 'Accept-Encoding: gzip'", url);
	char *h = sha256_of(cmd);

	free(cmd);
	return h;
}

/* A python3 that has lxml ($PYTHON3, python3, /usr/bin/python3), or
 * NULL. */
static const char *
oracle_python(void)
{
	const char *cands[] = { getenv("PYTHON3"), "python3",
	    "/usr/bin/python3" };
	char *cmd;
	int st;

	for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		if (cands[i] == NULL || *cands[i] == '\0')
			continue;
		cmd = xasprintf("%s -c 'import lxml.html' >/dev/null 2>&1",
		    cands[i]);
		free(sh(cmd, &st));
		free(cmd);
		if (st == 0)
			return cands[i];
	}
	return NULL;
}

/* The names of obj's members, comma-separated, in order. */
static char *
keys_of(const cJSON *obj)
{
	const cJSON *e;
	char *s = strdup("");

	cJSON_ArrayForEach(e, obj)
		cat(&s, xasprintf("%s%s", *s != '\0' ? "," : "", e->string));
	return s;
}

/* obj has exactly the members want (comma-separated), in that order. */
static void
assert_keys(const cJSON *obj, const char *want)
{
	char *got = keys_of(obj);

	ck_assert_msg(strcmp(got, want) == 0, "%s: members\n got %s\nwant %s",
	    jstr(obj, "url"), got, want);
	free(got);
}

/* Each member named in names (comma-separated) is null. */
static void
assert_nulls(const cJSON *obj, const char *names)
{
	char *copy = strdup(names), *save = NULL;

	for (char *n = strtok_r(copy, ",", &save); n != NULL;
	    n = strtok_r(NULL, ",", &save))
		ck_assert_msg(jnull(obj, n), "%s: %s is not null",
		    jstr(obj, "url"), n);
	free(copy);
}

/* Two JSON values are equal, the difference shown when not. */
static void
assert_same(const char *where, const char *what, const cJSON *got,
    const cJSON *want)
{
	char *g = got ? cJSON_PrintUnformatted(got) : NULL;
	char *w = want ? cJSON_PrintUnformatted(want) : NULL;

	ck_assert_msg(got != NULL && want != NULL &&
	    cJSON_Compare(got, want, true), "%s, %s:\n got %s\nwant %s",
	    where, what, g ? g : "(missing)", w ? w : "(missing)");
	free(g);
	free(w);
}

/* obj.field.name */
static const cJSON *
member2(const cJSON *obj, const char *field, const char *name)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(obj, field), name);
}

/* A port on 127.0.0.1 nothing listens on: connecting is refused. */
static int
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* A new scratch directory, malloc'd. */
static char *
scratch(void)
{
	char *d = strdup("/tmp/scrape-fields-XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void
rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	free(sh(cmd, NULL));
	free(cmd);
}

/* What a walk of a store DIR found. */
static struct {
	int	 files;		/* regular files */
	int	 tmp;		/* names starting ".tmp-" */
	int	 other;		/* anything but files and directories */
} walked;

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	if (strncmp(path + f->base, ".tmp-", 5) == 0)
		walked.tmp++;
	if (type == FTW_F && S_ISREG(st->st_mode))
		walked.files++;
	else if (type != FTW_D && type != FTW_DP)
		walked.other++;
	return 0;
}

static void
walk(const char *dir)
{
	memset(&walked, 0, sizeof walked);
	ck_assert_int_eq(nftw(dir, walk_one, 16, FTW_PHYS), 0);
}

/* The number of '\n'-terminated lines in s. */
static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/*
 * The stored member of a line says where the body is: "ab/cd/<sha256>"
 * with ab and cd its first hex digits, the file under DIR holds bytes
 * whose sha256sum is that name and the line's sha256, and, when want is
 * not NULL, they are want's bytes exactly.
 */
static void
assert_stored(const char *dir, const cJSON *o, const char *want_path)
{
	const char *rel = jstr(o, "stored"), *hex = jstr(o, "sha256");
	char *path, *h, *got, *want;
	size_t glen, wlen;

	ck_assert_msg(rel != NULL && hex != NULL, "%s: stored %s sha256 %s",
	    jstr(o, "url"), rel ? rel : "null", hex ? hex : "null");
	ck_assert_uint_eq(strlen(rel), 70);
	ck_assert_msg(strncmp(rel, hex, 2) == 0 && rel[2] == '/' &&
	    strncmp(rel + 3, hex + 2, 2) == 0 && rel[5] == '/' &&
	    strcmp(rel + 6, hex) == 0, "stored %s for sha256 %s", rel, hex);
	path = xasprintf("%s/%s", dir, rel);
	h = sha256_file(path);
	ck_assert_str_eq(h, hex);
	if (want_path != NULL) {
		got = file_read(path, &glen);
		want = file_read(want_path, &wlen);
		ck_assert_ptr_nonnull(got);
		ck_assert_ptr_nonnull(want);
		ck_assert_msg(glen == wlen && memcmp(got, want, glen) == 0,
		    "%s does not hold %s", path, want_path);
		free(got);
		free(want);
	}
	free(h);
	free(path);
}

/*
 * A tmpfs at dir, in a mount namespace of this test process's own
 * (private, so nothing leaks to the host's mounts), with mount flags and
 * size; scrape, started from here, sees it.  False when that is not
 * possible here (not root, no CAP_SYS_ADMIN, or Check not forking, when
 * the namespace would outlive the test).
 */
static bool
private_tmpfs(const char *dir, unsigned long flags, const char *size)
{
	const char *fork_mode = getenv("CK_FORK");
	char opts[64];

	if (fork_mode != NULL && strcmp(fork_mode, "no") == 0)
		return false;
	if (syscall(SYS_unshare, CLONE_NEWNS) == -1)
		return false;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return false;
	snprintf(opts, sizeof opts, "size=%s", size);
	return mount("tmpfs", dir, "tmpfs", flags, opts) == 0;
}

/*
 * A usage error: exit 2, nothing on standard output, one line on
 * standard error naming each of the words, and no request at the
 * server.
 */
static void
assert_usage(struct run *run, const char *w1, const char *w2)
{
	ck_assert_msg(run->exit_status == 2, "exit %d, stderr %s",
	    run->exit_status, run->err);
	ck_assert_uint_eq(run->out_len, 0);
	ck_assert_msg(count_lines(run->err) == 1, "not one line: %s",
	    run->err);
	ck_assert_msg(strstr(run->err, w1) != NULL, "'%s' not in: %s", w1,
	    run->err);
	ck_assert_msg(w2 == NULL || strstr(run->err, w2) != NULL,
	    "'%s' not in: %s", w2, run->err);
	ck_assert_int_eq(server_stat(srv, "requests"), 0);
}

/* ---- The server's side ---- */

/* The fixtures the server serves are the files on disk, with their
 * MANIFEST Content-Type and, for /fixture-gz, gzip-encoded; so a
 * failure below is scrape's, not the server's. */
START_TEST(test_server_fixtures)
{
	char *path = fixture_path("soup.html"), *disk, *body, *url, *h, *raw;
	size_t dlen, blen;
	int status;

	disk = file_read(path, &dlen);
	ck_assert_ptr_nonnull(disk);
	body = server_get(srv, "/fixture/soup.html", &status, &blen);
	ck_assert_int_eq(status, 200);
	ck_assert(blen == dlen && memcmp(body, disk, dlen) == 0);
	free(body);
	body = server_get(srv, "/fixture/notfound.html?status=404", &status,
	    NULL);
	ck_assert_int_eq(status, 404);
	ck_assert_ptr_nonnull(strstr(body, "<title>404 Not Found</title>"));
	free(body);
	free(server_get(srv, "/fixture/..%2FMANIFEST", &status, NULL));
	ck_assert_int_eq(status, 404);
	free(server_get(srv, "/fixture/MANIFEST", &status, NULL));
	ck_assert_int_eq(status, 404);
	body = server_get(srv, "/sized/1000", &status, &blen);
	ck_assert_int_eq(status, 200);
	ck_assert_uint_eq(blen, 1000);
	ck_assert_ptr_nonnull(strstr(body, "<title>sized</title>"));
	free(body);

	if (have("curl")) {
		url = server_url(srv, "/fixture-gz/soup.html");
		h = sha256_file(path);
		raw = sha256_curl(url, false);
		/* gzip on the wire, the file once decoded. */
		ck_assert_str_ne(raw, h);
		free(raw);
		raw = sha256_curl(url, true);
		ck_assert_str_eq(raw, h);
		free(raw);
		free(h);
		free(url);
	}
	free(disk);
	free(path);
}
END_TEST

/* ---- Without field options, nothing changes ---- */

/* A run without any field option writes exactly the 1.0 line: no
 * title, no sha256, not even as null; --body adds body alone. */
START_TEST(test_no_fields_1_0_set)
{
	char *list = NULL;
	const char *body[] = { "--body", NULL };
	struct lines *lines;
	struct run *run;

	cat(&list, uline("/fixture/soup.html"));
	cat(&list, uline("/fixture/notfound.html?status=404"));
	cat(&list, uline("/json"));
	cat(&list, xasprintf("http://127.0.0.1:%d/refused\n", closed_port()));
	run = scrape_list(list, &lines, NULL);
	ck_assert_uint_eq(lines->n, 4);
	for (size_t i = 0; i < lines->n; i++)
		assert_keys(lines->items[i], KEYS_1_0);
	lines_free(lines);
	run_free(run);

	run = scrape_list(list, &lines, body);
	ck_assert_uint_eq(lines->n, 4);
	for (size_t i = 0; i < lines->n; i++)
		assert_keys(lines->items[i], KEYS_1_0 ",body");
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* ---- The oracle ---- */

/*
 * Every fixture, plain and gzip-encoded, with every field: title, links,
 * select and xpath as lxml and cssselect make them, regex as Python's re
 * finds it, sha256 as sha256sum of the file.
 */
START_TEST(test_fields_match_lxml)
{
	const char *py = oracle_python();
	const char *prefixes[] = { "/fixture/", "/fixture-gz/" };
	const char *argv[64];
	char *cmd, *out, *list = NULL, *save = NULL, *xnames[16];
	cJSON *want[64], *e;
	struct lines *lines;
	struct run *run;
	size_t nwant = 0, argc = 0, nx = 0;
	bool have_select = false;
	int st;

	if (py == NULL) {
		fprintf(stderr, "check_fields: test_fields_match_lxml skipped: "
		    "no python3 with lxml (python3-lxml; set PYTHON3)\n");
		return;
	}
	for (size_t p = 0; p < 2; p++) {
		char *prefix = server_url(srv, prefixes[p]);

		cmd = xasprintf("%s %s/tests/extract_oracle.py --url-prefix '%s'",
		    py, srcdir(), prefix);
		for (size_t i = 0; i < NSELECTORS; i++)
			cat(&cmd, xasprintf(" --select '%s'", selectors[i]));
		for (size_t i = 0; i < NPATTERNS; i++)
			cat(&cmd, xasprintf(" --regex '%s'", patterns[i]));
		cat(&cmd, xasprintf(" %s/tests/fixtures/html", srcdir()));
		out = sh(cmd, &st);
		ck_assert_msg(st == 0, "%s: exit %d", cmd, st);
		for (char *l = strtok_r(out, "\n", &save); l != NULL;
		    l = strtok_r(NULL, "\n", &save)) {
			ck_assert_uint_lt(nwant, 64);
			want[nwant] = cJSON_Parse(l);
			ck_assert_msg(want[nwant] != NULL, "oracle: %s", l);
			cat(&list, xasprintf("%s\n", jstr(want[nwant], "url")));
			nwant++;
		}
		free(out);
		free(cmd);
		free(prefix);
	}
	ck_assert_uint_ge(nwant, 18);
	have_select = cJSON_GetObjectItem(want[0], "select") != NULL;
	if (!have_select)
		fprintf(stderr, "check_fields: --select not compared: no "
		    "python3-cssselect\n");

	/* The options: selects s0.., xpaths x0.. (the oracle's
	 * expressions), patterns r0.. */
	argv[argc++] = "--title";
	argv[argc++] = "--links";
	for (size_t i = 0; i < NSELECTORS; i++) {
		argv[argc++] = "--select";
		argv[argc++] = xasprintf("s%zu=%s", i, selectors[i]);
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(want[0], "xpath")) {
		ck_assert_uint_lt(nx, 16);
		xnames[nx] = e->string;
		argv[argc++] = "--xpath";
		argv[argc++] = xasprintf("x%zu=%s", nx++, e->string);
	}
	for (size_t i = 0; i < NPATTERNS; i++) {
		argv[argc++] = "--regex";
		argv[argc++] = xasprintf("r%zu=%s", i, patterns[i]);
	}
	argv[argc++] = "--hash";
	argv[argc] = NULL;
	run = scrape_list(list, &lines, argv);
	ck_assert_msg(run->exit_status == 0, "exit %d: %s", run->exit_status,
	    run->err);
	ck_assert_uint_eq(lines->n, nwant);

	for (size_t i = 0; i < nwant; i++) {
		const char *url = jstr(want[i], "url");
		const cJSON *o = lines_find(lines, url);
		char *path, *h, name[16];

		ck_assert_msg(o != NULL, "no line for %s", url);
		assert_keys(o, KEYS_1_0 "," KEYS_FIELDS);
		ck_assert(jbool(o, "ok"));
		assert_same(url, "title", cJSON_GetObjectItem(o, "title"),
		    cJSON_GetObjectItem(want[i], "title"));
		assert_same(url, "links", cJSON_GetObjectItem(o, "links"),
		    cJSON_GetObjectItem(want[i], "links"));
		for (size_t k = 0; k < nx; k++) {
			snprintf(name, sizeof name, "x%zu", k);
			assert_same(url, xnames[k], member2(o, "xpath", name),
			    member2(want[i], "xpath", xnames[k]));
		}
		ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o,
		    "select")), (int)NSELECTORS);
		for (size_t k = 0; have_select && k < NSELECTORS; k++) {
			snprintf(name, sizeof name, "s%zu", k);
			assert_same(url, selectors[k], member2(o, "select",
			    name), member2(want[i], "select", selectors[k]));
		}
		for (size_t k = 0; k < NPATTERNS; k++) {
			snprintf(name, sizeof name, "r%zu", k);
			assert_same(url, patterns[k], member2(o, "regex", name),
			    member2(want[i], "regex", patterns[k]));
		}
		/* The hash of the page as the file holds it, gzip or not. */
		path = fixture_path(jstr(want[i], "file"));
		h = sha256_file(path);
		ck_assert_msg(jstr(o, "sha256") != NULL &&
		    strcmp(jstr(o, "sha256"), h) == 0, "%s: sha256 %s, file %s",
		    url, jstr(o, "sha256"), h);
		free(h);
		free(path);
	}
	for (size_t i = 0; i < argc; i++)
		if (strchr(argv[i], '=') != NULL)
			free((char *)argv[i]);
	for (size_t i = 0; i < nwant; i++)
		cJSON_Delete(want[i]);
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* ---- Every field on every line ---- */

static const char *const all_fields[] = {
	"--title", "--links", "--select", "h=h1", "--select",
	"href=a::attr(href)", "--xpath", "n=count(//a)", "--regex",
	"mail=[a-z]+@[a-z.]+", "--hash", "--store", NULL, "--max-size",
	"4000", "-r", "0", NULL
};
#define ALL_FIELDS_STORE 12	/* where DIR goes in all_fields */
#define ALL_KEYS KEYS_1_0 "," KEYS_FIELDS ",stored"

/*
 * Whatever becomes of a URL, its line has every field: null for a
 * refused connection, an invalid URL, an empty 204 and a body cut by
 * --max-size; a 404 page is still a page with a title; a JSON body has
 * no title, links, select or xpath, but a regex, a hash and a file.
 */
START_TEST(test_every_line_every_field)
{
	char *dir = scratch(), *store = xasprintf("%s/store", dir), *list = NULL;
	char *refused = xasprintf("http://127.0.0.1:%d/refused", closed_port());
	char *nf = server_url(srv, "/fixture/notfound.html?status=404");
	char *json = server_url(srv, "/json");
	char *cut = server_url(srv, "/sized/5000");
	char *empty = server_url(srv, "/status/204");
	char *nfpath = fixture_path("notfound.html"), *h;
	const char *argv[32];
	struct lines *lines;
	struct run *run;
	const cJSON *o;

	memcpy(argv, all_fields, sizeof all_fields);
	argv[ALL_FIELDS_STORE] = store;
	cat(&list, xasprintf("%s\nftp://example.com/\n%s\n%s\n%s\n%s\n", refused,
	    nf, json, cut, empty));
	run = scrape_list(list, &lines, argv);
	ck_assert_int_eq(run->exit_status, 1);
	ck_assert_uint_eq(lines->n, 6);
	for (size_t i = 0; i < lines->n; i++)
		assert_keys(lines->items[i], ALL_KEYS);

	o = lines_find(lines, refused);
	ck_assert_str_eq(jkind(o), "connect");
	assert_nulls(o, KEYS_FIELDS ",stored");
	o = lines_find(lines, "ftp://example.com/");
	ck_assert_str_eq(jkind(o), "invalid_url");
	assert_nulls(o, KEYS_FIELDS ",stored");
	o = lines_find(lines, cut);
	ck_assert_str_eq(jkind(o), "too_large");
	assert_nulls(o, KEYS_FIELDS ",stored");
	o = lines_find(lines, empty);
	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "status"), 204);
	assert_nulls(o, KEYS_FIELDS ",stored");

	/* The 404 page: every field, from the page. */
	o = lines_find(lines, nf);
	ck_assert_str_eq(jkind(o), "http");
	ck_assert_int_eq(jint(o, "status"), 404);
	ck_assert_str_eq(jstr(o, "title"), "404 Not Found");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "links")),
	    2);
	ck_assert_str_eq(cJSON_GetArrayItem(member2(o, "select", "h"),
	    0)->valuestring, "Not Found");
	ck_assert_int_eq(cJSON_GetArraySize(member2(o, "select", "href")), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(member2(o, "xpath", "n"),
	    0)->valuestring, "2");
	ck_assert(cJSON_IsArray(member2(o, "regex", "mail")));
	ck_assert_int_eq(cJSON_GetArraySize(member2(o, "regex", "mail")), 0);
	h = sha256_file(nfpath);
	ck_assert_str_eq(jstr(o, "sha256"), h);
	free(h);
	assert_stored(store, o, nfpath);

	/* Not HTML: the HTML fields null, though the body has a <title>
	 * and an <a href> in it; the rest from the body. */
	o = lines_find(lines, json);
	ck_assert(jbool(o, "ok"));
	assert_nulls(o, "title,links,select,xpath");
	ck_assert_str_eq(cJSON_GetArrayItem(member2(o, "regex", "mail"),
	    0)->valuestring, "sales@example.com");
	assert_stored(store, o, NULL);

	/* Two bodies arrived, two files; nothing else. */
	walk(store);
	ck_assert_int_eq(walked.files, 2);
	ck_assert_int_eq(walked.tmp, 0);
	ck_assert_int_eq(walked.other, 0);

	lines_free(lines);
	run_free(run);
	rm_rf(dir);
	free(dir);
	free(store);
	free(list);
	free(refused);
	free(nf);
	free(json);
	free(cut);
	free(empty);
	free(nfpath);
}
END_TEST

/* A HEAD has no body: every field null, nothing stored, though the
 * response is a 200 HTML page. */
START_TEST(test_head_fields_null)
{
	char *dir = scratch(), *store = xasprintf("%s/store", dir);
	char *url = server_url(srv, "/fixture/soup.html");
	const char *argv[32];
	struct lines *lines;
	struct run *run;
	cJSON *o;
	size_t n = sizeof all_fields / sizeof all_fields[0];

	memcpy(argv, all_fields, sizeof all_fields);
	argv[ALL_FIELDS_STORE] = store;
	argv[n - 1] = "-X";
	argv[n] = "HEAD";
	argv[n + 1] = NULL;
	o = scrape_one(url, &lines, &run, argv);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert(jbool(o, "ok"));
	ck_assert_int_eq(jint(o, "bytes"), 0);
	assert_keys(o, ALL_KEYS);
	assert_nulls(o, KEYS_FIELDS ",stored");
	walk(store);
	ck_assert_int_eq(walked.files, 0);
	ck_assert_int_eq(walked.tmp, 0);
	lines_free(lines);
	run_free(run);
	rm_rf(dir);
	free(dir);
	free(store);
	free(url);
}
END_TEST

/* A page of exactly --max-size bytes is whole and has its fields; one
 * byte more and it is too_large, every field null and nothing stored. */
START_TEST(test_max_size_edge)
{
	char *dir = scratch(), *store = xasprintf("%s/store", dir);
	char *url = server_url(srv, "/sized/4000"), *h;
	const char *argv[32];
	struct lines *lines;
	struct run *run;
	cJSON *o;

	memcpy(argv, all_fields, sizeof all_fields);
	argv[ALL_FIELDS_STORE] = store;
	o = scrape_one(url, &lines, &run, argv);
	ck_assert_msg(jbool(o, "ok"), "%s", run->out);
	ck_assert_int_eq(jint(o, "bytes"), 4000);
	assert_keys(o, ALL_KEYS);
	ck_assert_str_eq(jstr(o, "title"), "sized");
	if (have("curl")) {
		h = sha256_curl(url, true);
		ck_assert_str_eq(jstr(o, "sha256"), h);
		free(h);
	}
	assert_stored(store, o, NULL);
	lines_free(lines);
	run_free(run);
	rm_rf(store);
	free(url);

	url = server_url(srv, "/sized/4001");
	o = scrape_one(url, &lines, &run, argv);
	ck_assert_str_eq(jkind(o), "too_large");
	assert_keys(o, ALL_KEYS);
	assert_nulls(o, KEYS_FIELDS ",stored");
	walk(store);
	ck_assert_int_eq(walked.files, 0);
	ck_assert_int_eq(walked.tmp, 0);
	lines_free(lines);
	run_free(run);
	rm_rf(dir);
	free(dir);
	free(store);
	free(url);
}
END_TEST

/* --body and the fields together: both, body first, as --body alone
 * would give it (base64 and its marker for a binary body). */
START_TEST(test_body_and_fields)
{
	char *page = server_url(srv, "/fixture/soup.html");
	char *bin = server_url(srv, "/binary");
	char *path = fixture_path("soup.html"), *disk, *list = NULL;
	const char *argv[] = { "--body", "--title", "--hash", NULL };
	struct lines *lines;
	struct run *run;
	size_t len;
	cJSON *o;

	cat(&list, xasprintf("%s\n%s\n", page, bin));
	run = scrape_list(list, &lines, argv);
	ck_assert_int_eq(run->exit_status, 0);
	disk = file_read(path, &len);
	o = lines_find(lines, page);
	assert_keys(o, KEYS_1_0 ",body,title,sha256");
	ck_assert_str_eq(jstr(o, "body"), disk);
	ck_assert_str_eq(jstr(o, "title"), "Tag soup page");
	ck_assert_uint_eq(strlen(jstr(o, "sha256")), 64);
	o = lines_find(lines, bin);
	assert_keys(o, KEYS_1_0 ",body,body_encoding,title,sha256");
	ck_assert(jnull(o, "title"));
	ck_assert_uint_eq(strlen(jstr(o, "sha256")), 64);
	lines_free(lines);
	run_free(run);
	free(disk);
	free(path);
	free(list);
	free(page);
	free(bin);
}
END_TEST

/* ---- --hash ---- */

/* sha256 is sha256sum of the body curl fetches with --compressed: of the
 * decoded body, so a gzip page hashes as its plain text does, and never
 * as the bytes on the wire. */
START_TEST(test_hash_matches_curl)
{
	const char *paths[] = { "/fixture/soup.html", "/fixture/cp1252.html",
	    "/fixture/sjis.html", "/fixture-gz/nested.html", "/gzip", "/json",
	    "/binary", "/utf8", "/big/300000", "/chunked/100000" };
	const char *gz[] = { "/fixture-gz/nested.html", "/gzip" };
	const char *argv[] = { "--hash", NULL };
	char *list = NULL;
	struct lines *lines;
	struct run *run;
	size_t n = sizeof paths / sizeof paths[0];

	if (!have("curl") || !have("sha256sum")) {
		fprintf(stderr, "check_fields: test_hash_matches_curl skipped:"
		    " no curl or sha256sum\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		cat(&list, uline(paths[i]));
	run = scrape_list(list, &lines, argv);
	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(lines->n, n);
	for (size_t i = 0; i < n; i++) {
		char *url = server_url(srv, paths[i]), *h;
		const cJSON *o = lines_find(lines, url);

		assert_keys(o, KEYS_1_0 ",sha256");
		h = sha256_curl(url, true);
		ck_assert_msg(jstr(o, "sha256") != NULL &&
		    strcmp(jstr(o, "sha256"), h) == 0, "%s: sha256 %s, curl %s",
		    url, jstr(o, "sha256"), h);
		free(h);
		free(url);
	}
	for (size_t i = 0; i < sizeof gz / sizeof gz[0]; i++) {
		char *url = server_url(srv, gz[i]), *h = sha256_curl(url, false);

		ck_assert_str_ne(jstr(lines_find(lines, url), "sha256"), h);
		free(h);
		free(url);
	}
	lines_free(lines);
	run_free(run);
	free(list);
}
END_TEST

/* Only the final response's body is hashed: not a redirect's, not that
 * of an attempt that was retried (503 "flaky" twice, then 200 "ok"). */
START_TEST(test_hash_final_response_only)
{
	const char *argv[] = { "--hash", "--retry-delay", "0.01", NULL };
	char *list = NULL, *redir = server_url(srv, "/redirect/2");
	char *flaky = server_url(srv, "/flaky/hash/2");
	char *ok = server_url(srv, "/ok"), *h;
	struct lines *lines;
	struct run *run;
	const cJSON *o;

	if (!have("curl") || !have("sha256sum")) {
		fprintf(stderr, "check_fields: test_hash_final_response_only "
		    "skipped: no curl or sha256sum\n");
		free(redir);
		free(flaky);
		free(ok);
		return;
	}
	cat(&list, xasprintf("%s\n%s\n", redir, flaky));
	run = scrape_list(list, &lines, argv);
	ck_assert_int_eq(run->exit_status, 0);
	o = lines_find(lines, redir);
	h = sha256_curl(redir, true);
	ck_assert_str_eq(jstr(o, "sha256"), h);
	free(h);
	o = lines_find(lines, flaky);
	ck_assert_int_eq(jint(o, "attempts"), 3);
	h = sha256_curl(ok, true);
	ck_assert_str_eq(jstr(o, "sha256"), h);
	free(h);
	lines_free(lines);
	run_free(run);
	free(list);
	free(redir);
	free(flaky);
	free(ok);
}
END_TEST

/* ---- --store ---- */

/*
 * DIR is made; each body lands at ab/cd/<sha256>, its bytes hashing to
 * its name; identical bodies (the same page twice, and gzip-encoded: the
 * decoded body is what counts) share one file; no temporary file is
 * left; a 204 stores nothing.
 */
START_TEST(test_store)
{
	char *dir = scratch(), *store = xasprintf("%s/store", dir), *list = NULL;
	const char *paths[] = { "/fixture/soup.html",
	    "/fixture/soup.html?copy=2", "/fixture-gz/soup.html",
	    "/fixture/nested.html", "/json", "/status/204" };
	const char *argv[] = { "--store", store, NULL };
	char *soup = fixture_path("soup.html");
	char *nested = fixture_path("nested.html");
	struct lines *lines;
	struct run *run;
	const cJSON *o[6];
	struct stat st;

	for (size_t i = 0; i < 6; i++)
		cat(&list, uline(paths[i]));
	ck_assert_int_eq(stat(store, &st), -1);
	run = scrape_list(list, &lines, argv);
	ck_assert_msg(run->exit_status == 0, "exit %d: %s", run->exit_status,
	    run->err);
	ck_assert_int_eq(stat(store, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	for (size_t i = 0; i < 6; i++) {
		char *url = server_url(srv, paths[i]);

		o[i] = lines_find(lines, url);
		ck_assert_ptr_nonnull(o[i]);
		/* --store alone adds stored, not sha256. */
		assert_keys(o[i], KEYS_1_0 ",stored");
		free(url);
	}
	ck_assert(jnull(o[5], "stored"));
	for (size_t i = 1; i < 3; i++)
		ck_assert_str_eq(jstr(o[i], "stored"), jstr(o[0], "stored"));
	ck_assert_str_ne(jstr(o[3], "stored"), jstr(o[0], "stored"));
	lines_free(lines);
	run_free(run);

	/* The same run with --hash: the names are the hashes. */
	run = scrape_list(list, &lines, (const char *[]){ "--store", store,
	    "--hash", NULL });
	ck_assert_int_eq(run->exit_status, 0);
	for (size_t i = 0; i < 5; i++) {
		char *url = server_url(srv, paths[i]);

		o[i] = lines_find(lines, url);
		assert_keys(o[i], KEYS_1_0 ",sha256,stored");
		assert_stored(store, o[i], i < 3 ? soup : i == 3 ? nested :
		    NULL);
		free(url);
	}
	walk(store);
	ck_assert_int_eq(walked.files, 3);
	ck_assert_int_eq(walked.tmp, 0);
	ck_assert_int_eq(walked.other, 0);
	lines_free(lines);
	run_free(run);
	rm_rf(dir);
	free(dir);
	free(store);
	free(list);
	free(soup);
	free(nested);
}
END_TEST

/* A DIR that cannot be made (its parent is a regular file): a usage
 * error naming --store and DIR, before any request. */
START_TEST(test_store_under_a_file)
{
	char *dir = scratch(), *file = xasprintf("%s/file", dir);
	char *store = xasprintf("%s/store", file), *url = server_url(srv, "/ok");
	struct run *run;
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	cat(&url, strdup("\n"));
	run = run_scrapef(url, 30, "--title", "--store", store, NULL);
	assert_usage(run, "--store", store);
	run_free(run);
	rm_rf(dir);
	free(dir);
	free(file);
	free(store);
	free(url);
}
END_TEST

/* A DIR on a read-only file system (root writes anywhere else): a usage
 * error before any request, and nothing made in it. */
START_TEST(test_store_read_only)
{
	char *dir = scratch(), *url = server_url(srv, "/ok");
	struct run *run;

	if (!private_tmpfs(dir, MS_RDONLY, "64k")) {
		fprintf(stderr, "check_fields: test_store_read_only skipped: "
		    "cannot mount a tmpfs in a mount namespace (%s)\n",
		    strerror(errno));
		rmdir(dir);
		free(dir);
		free(url);
		return;
	}
	cat(&url, strdup("\n"));
	run = run_scrapef(url, 30, "--store", dir, NULL);
	assert_usage(run, "--store", dir);
	walk(dir);
	ck_assert_int_eq(walked.files + walked.tmp + walked.other, 0);
	run_free(run);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	free(dir);
	free(url);
}
END_TEST

/*
 * A disk that fills up: a 64 KiB tmpfs, a page that fits, then 200 KB.
 * Exit 3, one line on standard error naming DIR (-q: nothing else may
 * be there), the first body intact, no partial file, no temporary file.
 */
START_TEST(test_store_disk_full)
{
	char *dir = scratch(), *list = NULL, *soup = fixture_path("soup.html");
	char *page = server_url(srv, "/fixture/soup.html");
	char *quoted;
	struct lines *lines;
	struct run *run;
	const cJSON *o;

	if (!private_tmpfs(dir, 0, "64k")) {
		fprintf(stderr, "check_fields: test_store_disk_full skipped: "
		    "cannot mount a tmpfs in a mount namespace (%s)\n",
		    strerror(errno));
		rmdir(dir);
		free(dir);
		free(soup);
		free(page);
		return;
	}
	cat(&list, xasprintf("%s\n", page));
	cat(&list, uline("/big/200000"));
	run = run_scrapef(list, 30, "-q", "-c", "1", "--hash", "--store",
	    dir, NULL);
	ck_assert_msg(run->exit_status == 3, "exit %d: %s", run->exit_status,
	    run->err);
	ck_assert_msg(count_lines(run->err) == 1, "not one line: %s",
	    run->err);
	quoted = xasprintf("'%s'", dir);
	ck_assert_msg(strstr(run->err, quoted) != NULL, "DIR not named: %s",
	    run->err);
	free(quoted);

	/* The page that fitted is there, whole. */
	lines = lines_parse(run->out, run->out_len);
	o = lines_find(lines, page);
	ck_assert_ptr_nonnull(o);
	assert_stored(dir, o, soup);
	walk(dir);
	ck_assert_int_eq(walked.files, 1);
	ck_assert_int_eq(walked.tmp, 0);
	ck_assert_int_eq(walked.other, 0);
	lines_free(lines);
	run_free(run);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	free(dir);
	free(list);
	free(soup);
	free(page);
}
END_TEST

/* ---- Usage errors ---- */

/* A bad selector, expression or pattern, a NAME used twice, a missing
 * '=' or an empty NAME: exit 2, one line naming the option and the bad
 * text, and the server sees nothing. */
static const struct {
	const char	*argv[5];
	const char	*option;
	const char	*text;
} bad[] = {
	{ { "--select", "x=p[", NULL }, "--select", "p[" },
	{ { "--select", "x=p::text", NULL }, "--select", "p::text" },
	{ { "--select", "x=:hover", NULL }, "--select", ":hover" },
	{ { "--xpath", "x=//a[", NULL }, "--xpath", "//a[" },
	{ { "--xpath", "x=nosuch(1)", NULL }, "--xpath", "nosuch(1)" },
	{ { "--xpath", "x=$v", NULL }, "--xpath", "$v" },
	{ { "--regex", "x=(", NULL }, "--regex", "x=(" },
	{ { "--regex", "x=a{2,1}", NULL }, "--regex", "a{2,1}" },
	{ { "--select", "a=p", "--select", "a=li", NULL }, "--select",
	    "a=li" },
	{ { "--xpath", "a=//p", "--xpath", "a=//li", NULL }, "--xpath",
	    "a=//li" },
	{ { "--regex", "a=p", "--regex", "a=q", NULL }, "--regex", "a=q" },
	{ { "--select", "p", NULL }, "--select", "p" },
	{ { "--xpath", "//a", NULL }, "--xpath", "//a" },
	{ { "--regex", "[a-z]+", NULL }, "--regex", "[a-z]+" },
	{ { "--select", "=p", NULL }, "--select", "=p" },
	{ { "--regex", "=p", NULL }, "--regex", "=p" },
};

START_TEST(test_usage_errors)
{
	const char *argv[8];
	char *url = server_url(srv, "/fixture/soup.html");
	struct run *run;
	size_t n = 0;

	cat(&url, strdup("\n"));
	for (; bad[_i].argv[n] != NULL; n++)
		argv[n] = bad[_i].argv[n];
	argv[n] = NULL;
	run = run_scrape(url, strlen(url), 30, argv);
	assert_usage(run, bad[_i].option, bad[_i].text);
	run_free(run);
	free(url);
}
END_TEST

/* The same NAME in two different options is no error: each option has
 * its own names. */
START_TEST(test_same_name_across_options)
{
	char *url = server_url(srv, "/fixture/notfound.html");
	const char *argv[] = { "--select", "a=h1", "--xpath", "a=//h1",
	    "--regex", "a=Not Found", NULL };
	struct lines *lines;
	struct run *run;
	cJSON *o = scrape_one(url, &lines, &run, argv);

	ck_assert_int_eq(run->exit_status, 0);
	assert_keys(o, KEYS_1_0 ",select,xpath,regex");
	ck_assert_str_eq(cJSON_GetArrayItem(member2(o, "select", "a"),
	    0)->valuestring, "Not Found");
	ck_assert_str_eq(cJSON_GetArrayItem(member2(o, "xpath", "a"),
	    0)->valuestring, "Not Found");
	ck_assert_int_eq(cJSON_GetArraySize(member2(o, "regex", "a")), 2);
	lines_free(lines);
	run_free(run);
	free(url);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("fields");
	TCase *tc = tcase_create("fields");
	TCase *store = tcase_create("store");
	TCase *usage = tcase_create("usage");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_server_fixtures);
	tcase_add_test(tc, test_no_fields_1_0_set);
	tcase_add_test(tc, test_fields_match_lxml);
	tcase_add_test(tc, test_every_line_every_field);
	tcase_add_test(tc, test_head_fields_null);
	tcase_add_test(tc, test_max_size_edge);
	tcase_add_test(tc, test_body_and_fields);
	tcase_add_test(tc, test_hash_matches_curl);
	tcase_add_test(tc, test_hash_final_response_only);
	tcase_add_test(tc, test_same_name_across_options);
	suite_add_tcase(suite, tc);

	tcase_add_checked_fixture(store, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(store, 60);
	tcase_add_test(store, test_store);
	tcase_add_test(store, test_store_under_a_file);
	tcase_add_test(store, test_store_read_only);
	tcase_add_test(store, test_store_disk_full);
	suite_add_tcase(suite, store);

	tcase_add_checked_fixture(usage, server_fixture_setup,
	    server_fixture_teardown);
	tcase_set_timeout(usage, 60);
	tcase_add_loop_test(usage, test_usage_errors, 0,
	    sizeof bad / sizeof bad[0]);
	suite_add_tcase(suite, usage);

	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
