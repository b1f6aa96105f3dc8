/* A bell between threads (--jobs): an eventfd that one side's event loop
 * watches and another thread rings.  Ringing a bell already rung adds to
 * its count, and one read silences it however often it was rung. */
#ifndef SCRAPE_BELL_H
#define SCRAPE_BELL_H

#include <stdint.h>
#include <unistd.h>

static inline void
bell_ring(int fd)
{
	uint64_t one = 1;

	/* An eventfd refuses this only when its count would overflow, and
	 * then it is rung already. */
	if (write(fd, &one, sizeof one) < 0)
		return;
}

static inline void
bell_silence(int fd)
{
	uint64_t n;

	/* EAGAIN: the wake-up was read already. */
	if (read(fd, &n, sizeof n) < 0)
		return;
}

#endif
