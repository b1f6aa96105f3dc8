/*
 * bench/gate-bench: the host gate's own cost per URL, without libcurl,
 * libevent or a network, so that it shows whether the scheduler stays
 * O(1) in the number of hosts and of URLs held.
 *
 *   bench/gate-bench [-n URLS] [-H HOSTS] [-c CONCURRENCY] [-p PER_HOST]
 *                    [-l LOOKAHEAD]
 *
 * N URLs spread round-robin over H hosts (so each host's URLs are far
 * apart in the list, the worst case for a FIFO scheduler) go through the
 * gate exactly as sched.c sends them: read while fewer than LOOKAHEAD are
 * held, started while fewer than C are in flight, and each attempt ends
 * (ok) in the order it started, one simulated millisecond later.  Prints
 * nanoseconds per URL; run it under `valgrind --tool=callgrind` for
 * instructions per URL (make bench-gate does both).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"

struct item {
	struct gate_host *host;
	double started;
};

int
main(int argc, char **argv)
{
	long n = 1000000, hosts = 10000, conc = 64, per_host = 2,
	    lookahead = 10000;
	struct gate_config cfg = { 0 };
	struct item *items, **ring;
	long read = 0, head = 0, tail = 0, done = 0, in_flight = 0;
	double now = 0;
	struct timespec t0, t1;
	struct gate *g;
	int c;

	while ((c = getopt(argc, argv, "n:H:c:p:l:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'H': hosts = atol(optarg); break;
		case 'c': conc = atol(optarg); break;
		case 'p': per_host = atol(optarg); break;
		case 'l': lookahead = atol(optarg); break;
		default:
			fprintf(stderr, "usage: gate-bench [-n URLS] [-H HOSTS] "
			    "[-c C] [-p PER_HOST] [-l LOOKAHEAD]\n");
			return 2;
		}
	}
	if (n < 1 || hosts < 1 || conc < 1 || per_host < 1 || lookahead < 1)
		return 2;
	cfg.concurrency = conc;
	cfg.per_host = per_host;
	g = gate_new(&cfg, NULL, NULL);
	items = calloc((size_t)n, sizeof *items);
	ring = calloc((size_t)conc, sizeof *ring);
	if (items == NULL || ring == NULL)
		return 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < n) {
		struct gate_host *h;
		struct item *it;
		char key[32];

		while (read < n && (long)gate_held(g) < lookahead) {
			snprintf(key, sizeof key, "h%ld.localhost",
			    read % hosts);
			items[read].host = gate_host_get(g, key);
			gate_offer(g, items[read].host, &items[read], now);
			read++;
		}
		while (in_flight < conc &&
		    (it = gate_next(g, now, &h)) != NULL) {
			it->started = now;
			ring[tail] = it;
			tail = (tail + 1) % conc;
			in_flight++;
		}
		if (in_flight == 0)
			break;
		now += 0.001;
		it = ring[head];
		head = (head + 1) % conc;
		in_flight--;
		gate_done(g, it->host, HOST_OK, it->started, -1, now);
		gate_host_put(g, it->host, now);
		done++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (done != n) {
		fprintf(stderr, "gate-bench: stalled after %ld of %ld URLs\n",
		    done, n);
		return 1;
	}
	printf("%ld URLs over %ld hosts, -c %ld, --per-host %ld, lookahead "
	    "%ld: %.0f ns per URL\n", n, hosts, conc, per_host, lookahead,
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n);
	gate_free(g);
	free(items);
	free(ring);
	return 0;
}
