#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

struct output {
	int fd;
	bool owned;       /* opened by us: close it */
	int error;        /* errno of the failure, 0 while none */
	char *name;
	char message[512];
};

struct output *
output_open(const char *path, bool append, char *err, size_t errlen)
{
	struct output *out;
	int fd = STDOUT_FILENO;

	if (path != NULL && strcmp(path, "-") != 0) {
		/* O_APPEND keeps every line whole at the end of the file even
		 * if something else appends to it too. */
		fd = open(path, O_WRONLY | O_CREAT | (append ? 0 : O_TRUNC) |
		    O_APPEND | O_CLOEXEC, 0666);
		if (fd == -1) {
			snprintf(err, errlen, "cannot write '%s': %s", path,
			    strerror(errno));
			return NULL;
		}
	}
	out = xcalloc(1, sizeof *out);
	out->fd = fd;
	out->owned = fd != STDOUT_FILENO;
	out->name = xstrdup(path != NULL && out->owned ? path :
	    "standard output");
	return out;
}

/* An output that somebody made non-blocking may say EAGAIN: wait for it
 * rather than lose the line. */
static void
output_wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	poll(&pfd, 1, -1);
}

enum output_status
output_write(struct output *out, const char *data, size_t len)
{
	if (out->error != 0)
		return out->error == EPIPE ? OUTPUT_CLOSED : OUTPUT_FAILED;
	while (len > 0) {
		ssize_t n = write(out->fd, data, len);

		if (n >= 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			output_wait_writable(out->fd);
			continue;
		}
		out->error = errno;
		snprintf(out->message, sizeof out->message,
		    "cannot write %s: %s", out->name, strerror(errno));
		return out->error == EPIPE ? OUTPUT_CLOSED : OUTPUT_FAILED;
	}
	return OUTPUT_OK;
}

const char *
output_error(const struct output *out)
{
	return out->message;
}

void
output_close(struct output *out)
{
	if (out == NULL)
		return;
	if (out->owned)
		close(out->fd);
	free(out->name);
	free(out);
}
