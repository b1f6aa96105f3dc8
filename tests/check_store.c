/* Unit tests of --store (SPEC "Storing bodies"): names, shared files,
 * atomic writes that leave no temporary file, links planted inside DIR,
 * a DIR that cannot be written and a disk that fills up.  The last two,
 * as root (whom permissions do not stop), mount a small tmpfs in a
 * mount namespace of a child process's own. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* CLONE_NEWNS from the kernel's header: src/sched.h, on the include
 * path, hides the C library's <sched.h>. */
#include <linux/sched.h>

#include "hash.h"
#include "store.h"

static char top[64];       /* this test's scratch directory */
static char dir[128];      /* the store's DIR, top/store */

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
setup(void)
{
	snprintf(top, sizeof top, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(dir, sizeof dir, "%s/store", top);
}

static void
teardown(void)
{
	nftw(top, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
sha256(const void *p, size_t n, char hex[HASH_HEX_SIZE])
{
	struct hash *h = hash_new();

	hash_update(h, p, n);
	hash_hex(h, hex);
	hash_free(h);
}

static struct store *
open_ok(const char *path)
{
	char err[256] = "";
	struct store *s = store_open(path, err, sizeof err);

	ck_assert_msg(s != NULL, "store_open(%s): %s", path, err);
	return s;
}

static void
put_ok(struct store *s, const char *body, size_t len, char *relpath)
{
	char hex[HASH_HEX_SIZE], err[256] = "";

	sha256(body, len, hex);
	ck_assert_msg(store_put(s, body, len, hex, relpath, err, sizeof err),
	    "store_put: %s", err);
}

/* The whole file at path, NUL-terminated; NULL when there is none. */
static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *p;
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		return NULL;
	ck_assert_int_eq(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	ck_assert(read(fd, p, (size_t)st.st_size) == st.st_size);
	p[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	close(fd);
	return p;
}

/* Files under path whose name starts with prefix, at any depth. */
static int
count_named(const char *path, const char *prefix)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
		if (e->d_type == DT_DIR) {
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			n += count_named(sub, prefix);
		}
	}
	closedir(d);
	return n;
}

static void
assert_body_at(const char *base, const char *relpath, const char *body)
{
	char path[512], *got;
	size_t len = 0;

	snprintf(path, sizeof path, "%s/%s", base, relpath);
	got = slurp(path, &len);
	ck_assert_msg(got != NULL, "%s is missing", path);
	ck_assert_uint_eq(len, strlen(body));
	ck_assert_str_eq(got, body);
	free(got);
}

START_TEST(test_naming)
{
	struct store *s = open_ok(dir);
	char relpath[STORE_PATH_MAX];
	struct stat st;

	put_ok(s, "hello", 5, relpath);
	ck_assert_str_eq(relpath, "2c/f2/2cf24dba5fb0a30e26e83b2ac5b9e29e"
	    "1b161e5c1fa7425e73043362938b9824");
	assert_body_at(dir, relpath, "hello");
	ck_assert_int_eq(count_named(dir, ".tmp-"), 0);

	/* An empty body is stored like any other. */
	put_ok(s, "", 0, relpath);
	ck_assert_str_eq(relpath, "e3/b0/e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	assert_body_at(dir, relpath, "");

	/* DIR was made like mkdir makes it. */
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	store_close(s);
	store_close(NULL);
}
END_TEST

START_TEST(test_identical_bodies_share_a_file)
{
	struct store *s = open_ok(dir), *s2 = open_ok(dir);
	char relpath[STORE_PATH_MAX], relpath2[STORE_PATH_MAX], path[512];
	struct stat st, st2;

	put_ok(s, "same body", 9, relpath);
	snprintf(path, sizeof path, "%s/%s", dir, relpath);
	ck_assert_int_eq(stat(path, &st), 0);
	put_ok(s, "same body", 9, relpath2);
	ck_assert_str_eq(relpath, relpath2);
	/* Another scrape sharing DIR finds it too. */
	put_ok(s2, "same body", 9, relpath2);
	ck_assert_int_eq(stat(path, &st2), 0);
	ck_assert_msg(st.st_ino == st2.st_ino, "the file was written again");
	ck_assert_int_eq(st2.st_nlink, 1);

	put_ok(s, "other body", 10, relpath2);
	ck_assert_str_ne(relpath, relpath2);
	ck_assert_int_eq(count_named(dir, ".tmp-"), 0);
	store_close(s2);
	store_close(s);
}
END_TEST

/* A file under the name with the wrong size is not the body: a crash of
 * the machine can leave one, since nothing is synced. */
START_TEST(test_wrong_size_is_replaced)
{
	struct store *s = open_ok(dir);
	char relpath[STORE_PATH_MAX], path[512];
	FILE *f;

	put_ok(s, "the full body", 13, relpath);
	snprintf(path, sizeof path, "%s/%s", dir, relpath);
	f = fopen(path, "w");
	fputs("the fu", f);
	fclose(f);
	put_ok(s, "the full body", 13, relpath);
	assert_body_at(dir, relpath, "the full body");
	store_close(s);
}
END_TEST

START_TEST(test_bad_hex)
{
	struct store *s = open_ok(dir);
	char relpath[STORE_PATH_MAX], err[256] = "";
	char hex[HASH_HEX_SIZE];

	sha256("x", 1, hex);
	hex[10] = 'G';
	ck_assert(!store_put(s, "x", 1, hex, relpath, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, dir));
	ck_assert(!store_put(s, "x", 1, "abcd", relpath, err, sizeof err));
	store_close(s);
}
END_TEST

/* DIR itself may be a link: where it points is the user's choice. */
START_TEST(test_dir_may_be_a_link)
{
	char target[128], relpath[STORE_PATH_MAX];
	struct store *s;

	snprintf(target, sizeof target, "%s/real", top);
	ck_assert_int_eq(mkdir(target, 0777), 0);
	ck_assert_int_eq(symlink(target, dir), 0);
	s = open_ok(dir);
	put_ok(s, "via a link", 10, relpath);
	assert_body_at(target, relpath, "via a link");
	store_close(s);
}
END_TEST

/* A link planted in DIR where ab (_i 0) or ab/cd (_i 1) should be is
 * not followed, though where it points is ready to take the body. */
START_TEST(test_planted_link_not_followed)
{
	char hex[HASH_HEX_SIZE], elsewhere[128], ab[256], sub[256];
	char link[512], relpath[STORE_PATH_MAX], err[256] = "";
	struct store *s = open_ok(dir);
	const char *body = "must not leave DIR";

	sha256(body, strlen(body), hex);
	snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", top);
	ck_assert_int_eq(mkdir(elsewhere, 0777), 0);
	snprintf(sub, sizeof sub, "%s/%.2s", elsewhere, hex + 2);
	ck_assert_int_eq(mkdir(sub, 0777), 0);
	snprintf(ab, sizeof ab, "%s/%.2s", dir, hex);
	if (_i == 0) {
		ck_assert_int_eq(symlink(elsewhere, ab), 0);
	} else {
		ck_assert_int_eq(mkdir(ab, 0777), 0);
		snprintf(link, sizeof link, "%s/%.2s", ab, hex + 2);
		ck_assert_int_eq(symlink(sub, link), 0);
	}

	ck_assert(!store_put(s, body, strlen(body), hex, relpath, err,
	    sizeof err));
	ck_assert_msg(strstr(err, dir) != NULL, "'%s' does not name DIR",
	    err);
	ck_assert_int_eq(count_named(elsewhere, hex), 0);
	ck_assert_int_eq(count_named(top, ".tmp-"), 0);
	store_close(s);
}
END_TEST

/* A link at the body's own name is replaced, never written through. */
START_TEST(test_link_at_final_name_replaced)
{
	char hex[HASH_HEX_SIZE], victim[128], path[512];
	char relpath[STORE_PATH_MAX];
	struct store *s = open_ok(dir);
	const char *body = "seventeen bytes!!";
	struct stat st;
	size_t len;
	char *got;
	FILE *f;

	sha256(body, strlen(body), hex);
	snprintf(victim, sizeof victim, "%s/victim", top);
	f = fopen(victim, "w");
	fputs("untouched", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/%.2s", dir, hex);
	ck_assert_int_eq(mkdir(path, 0777), 0);
	snprintf(path, sizeof path, "%s/%.2s/%.2s", dir, hex, hex + 2);
	ck_assert_int_eq(mkdir(path, 0777), 0);
	snprintf(path, sizeof path, "%s/%.2s/%.2s/%s", dir, hex, hex + 2, hex);
	ck_assert_int_eq(symlink(victim, path), 0);

	put_ok(s, body, strlen(body), relpath);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	got = slurp(victim, &len);
	ck_assert_str_eq(got, "untouched");
	free(got);
	store_close(s);
}
END_TEST

START_TEST(test_open_errors)
{
	char path[256], err[256] = "";
	FILE *f;

	/* Parents are not made. */
	snprintf(path, sizeof path, "%s/no/such", top);
	ck_assert_ptr_null(store_open(path, err, sizeof err));
	ck_assert_msg(strstr(err, path) != NULL, "'%s'", err);

	/* A path under a regular file, and a regular file. */
	snprintf(path, sizeof path, "%s/file", top);
	f = fopen(path, "w");
	fclose(f);
	ck_assert_ptr_null(store_open(path, err, sizeof err));
	ck_assert_msg(strstr(err, path) != NULL, "'%s'", err);
	snprintf(path, sizeof path, "%s/file/store", top);
	ck_assert_ptr_null(store_open(path, err, sizeof err));
	ck_assert_msg(strstr(err, path) != NULL, "'%s'", err);
}
END_TEST

START_TEST(test_unwritable_dir)
{
	char err[256] = "";

	if (geteuid() == 0) {
		fprintf(stderr, "check_store: as root, permissions do not "
		    "stop writes: see the read-only mount test\n");
		return;
	}
	ck_assert_int_eq(mkdir(dir, 0555), 0);
	ck_assert_ptr_null(store_open(dir, err, sizeof err));
	ck_assert_msg(strstr(err, dir) != NULL, "'%s'", err);
	chmod(dir, 0755);
}
END_TEST

/*
 * The mount tests run in a child with a mount namespace of its own, so
 * that the tmpfs vanishes with it whatever happens.  The child reports
 * through its exit status: 0 passed, SKIP could not mount (not root, or
 * no namespaces in this container), anything else failed, the reason
 * on the pipe.
 */
#define SKIP 77

static int report_fd = -1;

static int child_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(report_fd, fmt, ap);
	va_end(ap);
	return 1;
}

static bool
mount_tmpfs(const char *path, unsigned long flags)
{
	if (syscall(SYS_unshare, CLONE_NEWNS) == -1)
		return false;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return false;
	return mount("tmpfs", path, "tmpfs", flags, "size=64k") == 0;
}

static int
child_read_only(void)
{
	char err[256] = "";

	if (!mount_tmpfs(dir, MS_RDONLY))
		return SKIP;
	if (store_open(dir, err, sizeof err) != NULL)
		return child_fail("store_open of a read-only DIR worked");
	if (strstr(err, dir) == NULL)
		return child_fail("'%s' does not name DIR", err);
	return 0;
}

static int
child_disk_full(void)
{
	size_t len = 1 << 20;
	char *body = malloc(len), hex[HASH_HEX_SIZE], err[256] = "";
	char relpath[STORE_PATH_MAX], path[512];
	struct store *s;

	if (!mount_tmpfs(dir, 0))
		return SKIP;
	if ((s = store_open(dir, err, sizeof err)) == NULL)
		return child_fail("store_open: %s", err);
	memset(body, 'z', len);
	sha256(body, len, hex);
	if (store_put(s, body, len, hex, relpath, err, sizeof err))
		return child_fail("1 MiB went into 64 KiB");
	if (strstr(err, dir) == NULL || strstr(err, strerror(ENOSPC)) == NULL)
		return child_fail("'%s' does not name DIR and the disk full",
		    err);
	if (count_named(dir, ".tmp-") != 0)
		return child_fail("a temporary file was left in %s", dir);
	snprintf(path, sizeof path, "%s/%s", dir, relpath);
	if (access(path, F_OK) == 0)
		return child_fail("a partial %s was left", path);
	/* A body that fits goes in once space is back. */
	sha256("small", 5, hex);
	if (!store_put(s, "small", 5, hex, relpath, err, sizeof err))
		return child_fail("after a full disk: %s", err);
	store_close(s);
	free(body);
	return 0;
}

static void
run_child(int (*fn)(void), const char *what)
{
	char msg[512] = "";
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(mkdir(dir, 0777), 0);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		_exit(fn());
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == SKIP) {
		fprintf(stderr, "check_store: %s skipped: cannot mount a tmpfs "
		    "in a mount namespace (not root, or not allowed here)\n",
		    what);
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s: %s", what, msg);
}

START_TEST(test_read_only_dir)
{
	run_child(child_read_only, "read-only DIR");
}
END_TEST

START_TEST(test_disk_full)
{
	run_child(child_disk_full, "full disk");
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_naming);
	tcase_add_test(tc, test_identical_bodies_share_a_file);
	tcase_add_test(tc, test_wrong_size_is_replaced);
	tcase_add_test(tc, test_bad_hex);
	tcase_add_test(tc, test_dir_may_be_a_link);
	tcase_add_loop_test(tc, test_planted_link_not_followed, 0, 2);
	tcase_add_test(tc, test_link_at_final_name_replaced);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_unwritable_dir);
	tcase_add_test(tc, test_read_only_dir);
	tcase_add_test(tc, test_disk_full);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
