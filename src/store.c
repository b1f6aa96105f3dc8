#include "store.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

/* Tries at a free temporary name before giving up. */
#define STORE_TMP_TRIES 100

struct store {
	int dfd;                 /* DIR, opened once */
	char *dir;               /* as the user wrote it, for messages */
	long pid;
	unsigned long counter;   /* numbers this process's temporary files */
};

static void
store_fail(const struct store *s, const char *what, int e, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "cannot store a body in '%s': %s: %s", s->dir,
	    what, strerror(e));
}

/*
 * A new temporary file in DIR, open for writing, its name in name.
 * O_EXCL never opens what is there already, link or file: a name that
 * is taken was left by a process with this pid before (killed before it
 * could remove it) or by one in another pid namespace, so take the next.
 */
static int
store_tmp(struct store *s, char *name, size_t namelen)
{
	int fd = -1;

	for (int i = 0; i < STORE_TMP_TRIES; i++) {
		snprintf(name, namelen, ".tmp-%ld-%lu", s->pid, s->counter++);
		fd = openat(s->dfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	return fd;
}

struct store *
store_open(const char *dir, char *err, size_t errlen)
{
	struct store *s;
	char tmp[64];
	int fd;

	if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dir,
		    strerror(errno));
		return NULL;
	}
	/* DIR itself may be a link: where it points is the user's call. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open '%s': %s", dir,
		    strerror(errno));
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->dfd = fd;
	s->dir = xstrdup(dir);
	s->pid = (long)getpid();

	/* Permission bits say too little (root, read-only mounts, ACLs):
	 * making a file is the test that answers. */
	if ((fd = store_tmp(s, tmp, sizeof tmp)) == -1) {
		snprintf(err, errlen, "cannot write in '%s': %s", dir,
		    strerror(errno));
		store_close(s);
		return NULL;
	}
	close(fd);
	unlinkat(s->dfd, tmp, 0);
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	close(s->dfd);
	free(s->dir);
	free(s);
}

static bool
store_valid_hex(const char *hex)
{
	for (int i = 0; i < 64; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		    (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return hex[64] == '\0';
}

/* The directory name in parent, made if missing, opened without
 * following a link: one planted there must not send bodies elsewhere
 * (it fails as ENOTDIR). */
static int
store_subdir(int parent, const char *name)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd;

	fd = openat(parent, name, flags);
	if (fd == -1 && errno == ENOENT) {
		/* EEXIST: another process made it just now. */
		if (mkdirat(parent, name, 0777) == -1 && errno != EEXIST)
			return -1;
		fd = openat(parent, name, flags);
	}
	return fd;
}

static bool
store_write(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool
store_put(struct store *s, const void *body, size_t len, const char *hex,
    char *relpath, char *err, size_t errlen)
{
	char ab[3], cd[6], tmp[64];
	int abfd = -1, cdfd = -1, fd;
	struct stat st;
	bool ok = false;

	if (!store_valid_hex(hex)) {
		store_fail(s, "not a SHA-256 in hex", EINVAL, err, errlen);
		return false;
	}
	snprintf(relpath, STORE_PATH_MAX, "%.2s/%.2s/%s", hex, hex + 2, hex);
	snprintf(ab, sizeof ab, "%.2s", hex);
	snprintf(cd, sizeof cd, "%.5s", relpath);

	if ((abfd = store_subdir(s->dfd, ab)) == -1) {
		store_fail(s, ab, errno, err, errlen);
		goto out;
	}
	if ((cdfd = store_subdir(abfd, cd + 3)) == -1) {
		store_fail(s, cd, errno, err, errlen);
		goto out;
	}

	/* Identical bodies share one file.  One of another size is not
	 * what its name says (a crash of the machine left it): replace it. */
	if (fstatat(cdfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uintmax_t)st.st_size == len) {
		ok = true;
		goto out;
	}

	if ((fd = store_tmp(s, tmp, sizeof tmp)) == -1) {
		store_fail(s, "cannot create a temporary file", errno, err,
		    errlen);
		goto out;
	}
	/* close can be the first to report a full disk (NFS, quotas). */
	if (!store_write(fd, body, len)) {
		store_fail(s, relpath, errno, err, errlen);
		close(fd);
	} else if (close(fd) == -1) {
		store_fail(s, relpath, errno, err, errlen);
	} else if (renameat(s->dfd, tmp, cdfd, hex) == -1) {
		/* rename replaces a link at the final name, never follows
		 * it. */
		store_fail(s, relpath, errno, err, errlen);
	} else {
		ok = true;
	}
	if (!ok)
		unlinkat(s->dfd, tmp, 0);
out:
	if (cdfd != -1)
		close(cdfd);
	if (abfd != -1)
		close(abfd);
	return ok;
}
