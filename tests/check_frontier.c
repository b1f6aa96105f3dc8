/* Unit tests of the frontier: per-host FIFO queues and the fair pick of
 * SPEC.md's host rules — the URL that has waited longest among hosts
 * under all their limits starts, and a host at a limit never holds back
 * the others.  A fake policy stands in for host.c: a concurrency cap and
 * a time before which the host may not start. */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontier.h"

struct fake {
	int in_flight;
	int cap;        /* 0: none */
	double next;    /* no start before this */
};

static double
fake_answer(const struct fake *p, double now)
{
	if (p == NULL)
		return now;
	if (p->cap > 0 && p->in_flight >= p->cap)
		return INFINITY;
	return p->next;
}

/* arg counts the questions, which the cost test bounds. */
static double
fake_when(void *policy, double now, void *arg)
{
	(*(unsigned long *)arg)++;
	return fake_answer(policy, now);
}

/* Check records where every passing ck_assert was, a write each: in the
 * loops that run millions of times, only a failure calls into Check. */
#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

#define ITEM(n) ((void *)(uintptr_t)(n))
#define NUM(p) ((int)(uintptr_t)(p))

static unsigned long asks;

static struct frontier *
new_frontier(void)
{
	asks = 0;
	return frontier_new(fake_when, &asks);
}

static void
expect_pop(struct frontier *f, double now, int want,
    struct frontier_host *want_host)
{
	struct frontier_host *h = NULL;
	void *item = frontier_pop(f, now, &h);

	ck_assert_msg(NUM(item) == want, "pop at %g: item %d, want %d", now,
	    NUM(item), want);
	if (want != 0)
		ck_assert_ptr_eq(h, want_host);
}

/* ---- the pick ---------------------------------------------------------- */

START_TEST(test_fifo_within_host)
{
	struct frontier *f = new_frontier();
	struct frontier_host *a = frontier_host(f, "a.example");

	for (int i = 1; i <= 5; i++)
		frontier_push(f, a, ITEM(i), 0);
	ck_assert_uint_eq(frontier_queued(f), 5);
	ck_assert_uint_eq(frontier_host_queued(a), 5);
	for (int i = 1; i <= 5; i++)
		expect_pop(f, 0, i, a);
	expect_pop(f, 0, 0, NULL);
	ck_assert_uint_eq(frontier_queued(f), 0);
	ck_assert(isinf(frontier_next_wake(f, 0)));
	frontier_free(f);
}
END_TEST

START_TEST(test_oldest_head_wins)
{
	struct frontier *f = new_frontier();
	struct frontier_host *a = frontier_host(f, "a");
	struct frontier_host *b = frontier_host(f, "b");
	struct frontier_host *c = frontier_host(f, "c");

	frontier_push(f, a, ITEM(1), 0);
	frontier_push(f, b, ITEM(2), 0);
	frontier_push(f, a, ITEM(3), 0);
	frontier_push(f, c, ITEM(4), 0);
	frontier_push(f, b, ITEM(5), 0);
	frontier_push(f, c, ITEM(6), 0);
	expect_pop(f, 0, 1, a);
	expect_pop(f, 0, 2, b);
	/* Pushed behind, yet older than what the others hold. */
	frontier_push(f, b, ITEM(7), 0);
	expect_pop(f, 0, 3, a);
	expect_pop(f, 0, 4, c);
	expect_pop(f, 0, 5, b);
	expect_pop(f, 0, 6, c);
	expect_pop(f, 0, 7, b);
	expect_pop(f, 0, 0, NULL);
	frontier_free(f);
}
END_TEST

static void
start(struct frontier *f, struct frontier_host *h, double now)
{
	((struct fake *)frontier_host_policy(h))->in_flight++;
	frontier_touch(f, h, now);
}

static void
finish(struct frontier *f, struct frontier_host *h, double now)
{
	((struct fake *)frontier_host_policy(h))->in_flight--;
	frontier_touch(f, h, now);
}

/* SPEC.md: a host at a limit never holds back other hosts. */
START_TEST(test_capped_host_holds_nobody_back)
{
	struct frontier *f = new_frontier();
	struct fake pa = { 0, 1, 0 }, pb = { 0, 2, 0 };
	struct frontier_host *a = frontier_host(f, "a");
	struct frontier_host *b = frontier_host(f, "b");

	frontier_host_set_policy(a, &pa);
	frontier_host_set_policy(b, &pb);
	for (int i = 1; i <= 3; i++)
		frontier_push(f, a, ITEM(i), 0);
	for (int i = 4; i <= 6; i++)
		frontier_push(f, b, ITEM(i), 0);
	expect_pop(f, 0, 1, a);
	start(f, a, 0);
	/* a's 2 and 3 are older, but a is full. */
	expect_pop(f, 0, 4, b);
	start(f, b, 0);
	expect_pop(f, 0, 5, b);
	start(f, b, 0);
	expect_pop(f, 0, 0, NULL);
	ck_assert(isinf(frontier_next_wake(f, 0)));
	finish(f, b, 1);
	ck_assert(frontier_next_wake(f, 1) == 1);
	expect_pop(f, 1, 6, b);
	start(f, b, 1);
	finish(f, a, 2);
	expect_pop(f, 2, 2, a);
	start(f, a, 2);
	expect_pop(f, 2, 0, NULL);
	finish(f, a, 3);
	expect_pop(f, 3, 3, a);
	frontier_free(f);
}
END_TEST

/* Touching after a start is the contract, yet a pick asks the host it is
 * about to return again, so a forgotten touch cannot overfill a host. */
START_TEST(test_pick_asks_again)
{
	struct frontier *f = new_frontier();
	struct fake pa = { 0, 1, 0 };
	struct frontier_host *a = frontier_host(f, "a");
	struct frontier_host *b = frontier_host(f, "b");

	frontier_host_set_policy(a, &pa);
	frontier_push(f, a, ITEM(1), 0);
	frontier_push(f, a, ITEM(2), 0);
	frontier_push(f, b, ITEM(3), 0);
	expect_pop(f, 0, 1, a);
	pa.in_flight++;
	expect_pop(f, 0, 3, b);
	expect_pop(f, 0, 0, NULL);
	finish(f, a, 0);
	expect_pop(f, 0, 2, a);
	frontier_free(f);
}
END_TEST

START_TEST(test_timed_host_exactly_on_time)
{
	struct frontier *f = new_frontier();
	struct fake pa = { 0, 0, 10 }, pb = { 0, 0, 0 };
	struct frontier_host *a = frontier_host(f, "a");
	struct frontier_host *b = frontier_host(f, "b");

	frontier_host_set_policy(a, &pa);
	frontier_host_set_policy(b, &pb);
	frontier_push(f, a, ITEM(1), 0);
	frontier_push(f, b, ITEM(2), 0);
	frontier_push(f, b, ITEM(3), 0);
	ck_assert(frontier_next_wake(f, 0) == 0);
	expect_pop(f, 0, 2, b);
	ck_assert(frontier_next_wake(f, 5) == 5);
	ck_assert_uint_eq(frontier_queued(f), 2);
	/* b's 3 is ready, a's 1 not yet. */
	expect_pop(f, 5, 3, b);
	ck_assert(frontier_next_wake(f, 5) == 10);
	expect_pop(f, 9.999, 0, NULL);
	ck_assert(frontier_next_wake(f, 9.999) == 10);
	/* At 10, a's older head goes before b's newer one. */
	frontier_push(f, b, ITEM(4), 9.999);
	expect_pop(f, 10, 1, a);
	expect_pop(f, 10, 4, b);
	frontier_free(f);
}
END_TEST

START_TEST(test_next_wake_earliest)
{
	struct frontier *f = new_frontier();
	struct fake p[4] = {
		{ 0, 0, 30 }, { 0, 0, 20 }, { 0, 1, 5 }, { 0, 0, 25 }
	};
	struct frontier_host *h[4];
	char key[8];

	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof key, "h%d", i);
		h[i] = frontier_host(f, key);
		frontier_host_set_policy(h[i], &p[i]);
	}
	/* h2, at its cap, has no time to offer; h1 has nothing queued. */
	p[2].in_flight = 1;
	frontier_push(f, h[0], ITEM(1), 0);
	frontier_push(f, h[2], ITEM(2), 0);
	frontier_push(f, h[3], ITEM(3), 0);
	ck_assert(frontier_next_wake(f, 0) == 25);
	frontier_push(f, h[1], ITEM(4), 0);
	ck_assert(frontier_next_wake(f, 0) == 20);
	expect_pop(f, 20, 4, h[1]);
	ck_assert(frontier_next_wake(f, 20) == 25);
	expect_pop(f, 30, 1, h[0]);
	expect_pop(f, 30, 3, h[3]);
	ck_assert(isinf(frontier_next_wake(f, 30)));
	finish(f, h[2], 31);
	ck_assert(frontier_next_wake(f, 31) == 31);
	expect_pop(f, 31, 2, h[2]);
	frontier_free(f);
}
END_TEST

START_TEST(test_touch_reevaluates)
{
	struct frontier *f = new_frontier();
	struct fake pa = { 0, 0, 100 };
	struct frontier_host *a = frontier_host(f, "a");

	frontier_host_set_policy(a, &pa);
	/* Nothing queued: nothing to ask. */
	frontier_touch(f, a, 0);
	ck_assert(isinf(frontier_next_wake(f, 0)));
	frontier_push(f, a, ITEM(1), 0);
	ck_assert(frontier_next_wake(f, 0) == 100);
	pa.next = 50;
	frontier_touch(f, a, 0);
	ck_assert(frontier_next_wake(f, 0) == 50);
	pa.next = 200;
	frontier_touch(f, a, 0);
	ck_assert(frontier_next_wake(f, 0) == 200);
	expect_pop(f, 150, 0, NULL);
	pa.cap = 1;
	pa.in_flight = 1;
	frontier_touch(f, a, 0);
	ck_assert(isinf(frontier_next_wake(f, 0)));
	expect_pop(f, 1000, 0, NULL);
	pa.in_flight = 0;
	pa.next = 0;
	frontier_touch(f, a, 1000);
	expect_pop(f, 1000, 1, a);
	frontier_free(f);
}
END_TEST

/* ---- taking items out whatever the policies say ------------------------ */

START_TEST(test_take_and_drain)
{
	struct frontier *f = new_frontier();
	struct fake p[3] = { { 1, 1, 0 }, { 0, 0, 50 }, { 0, 0, 0 } };
	struct frontier_host *h[3], *got;
	char key[8];
	int n = 0, seen[32] = { 0 }, last = 0;
	void *item;

	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof key, "h%d", i);
		h[i] = frontier_host(f, key);
		frontier_host_set_policy(h[i], &p[i]);
	}
	for (int i = 1; i <= 30; i++)
		frontier_push(f, h[i % 3], ITEM(i), 0);
	/* A circuit opened on h1: its items, head first. */
	for (int i = 1; (item = frontier_take(f, h[1])) != NULL; i += 3) {
		ck_assert_int_eq(NUM(item), i);
		seen[i]++;
		n++;
	}
	ck_assert_int_eq(n, 10);
	ck_assert_ptr_null(frontier_take(f, h[1]));
	ck_assert_uint_eq(frontier_host_queued(h[1]), 0);
	/* h0 is full, h2 ready: drain takes both, oldest first. */
	expect_pop(f, 0, 2, h[2]);
	seen[2]++;
	n++;
	while ((item = frontier_drain(f, &got)) != NULL) {
		ck_assert_int_gt(NUM(item), last);
		ck_assert_ptr_eq(got, h[NUM(item) % 3]);
		last = NUM(item);
		seen[last]++;
		n++;
		/* Pushes mid-drain join the line. */
		if (last == 15)
			frontier_push(f, h[1], ITEM(31), 0);
	}
	ck_assert_int_eq(n, 31);
	for (int i = 1; i <= 30; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_int_eq(last, 31);
	ck_assert_uint_eq(frontier_queued(f), 0);
	ck_assert(isinf(frontier_next_wake(f, 0)));
	expect_pop(f, 100, 0, NULL);
	frontier_free(f);
}
END_TEST

/* ---- hosts ------------------------------------------------------------- */

START_TEST(test_release_and_recreate)
{
	struct frontier *f = new_frontier();
	struct fake pa = { 0, 0, 0 };
	struct frontier_host *a = frontier_host(f, "a.example");
	struct frontier_host *b = frontier_host(f, "b.example");
	struct frontier_host *c = frontier_host(f, "c.example");

	ck_assert_ptr_eq(frontier_host(f, "a.example"), a);
	ck_assert_str_eq(frontier_host_key(b), "b.example");
	ck_assert_ptr_null(frontier_host_policy(a));
	frontier_host_set_policy(b, &pa);
	ck_assert_ptr_eq(frontier_host_policy(b), &pa);
	ck_assert_uint_eq(frontier_hosts(f), 3);

	frontier_push(f, b, ITEM(1), 0);
	expect_pop(f, 0, 1, b);
	frontier_host_release(f, b);
	ck_assert_uint_eq(frontier_hosts(f), 2);
	ck_assert_ptr_eq(frontier_first(f), a);
	ck_assert_ptr_eq(frontier_next(f, a), c);
	ck_assert_ptr_null(frontier_next(f, c));

	b = frontier_host(f, "b.example");
	ck_assert_ptr_null(frontier_host_policy(b));
	ck_assert_uint_eq(frontier_host_queued(b), 0);
	ck_assert_ptr_eq(frontier_next(f, c), b);
	frontier_push(f, b, ITEM(2), 0);
	frontier_push(f, a, ITEM(3), 0);
	expect_pop(f, 0, 2, b);
	expect_pop(f, 0, 3, a);

	frontier_host_release(f, a);
	frontier_host_release(f, c);
	ck_assert_ptr_eq(frontier_first(f), b);
	frontier_host_release(f, b);
	ck_assert_ptr_null(frontier_first(f));
	ck_assert_uint_eq(frontier_hosts(f), 0);
	frontier_free(f);
}
END_TEST

#define MANY 100000

START_TEST(test_many_hosts)
{
	struct frontier *f = new_frontier();
	struct frontier_host **h = calloc(MANY, sizeof *h);
	struct frontier_host *it;
	char key[32];
	size_t n;

	ck_assert_ptr_nonnull(h);
	for (int i = 0; i < MANY; i++) {
		snprintf(key, sizeof key, "host%d.example", i);
		h[i] = frontier_host(f, key);
	}
	ck_assert_uint_eq(frontier_hosts(f), MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(key, sizeof key, "host%d.example", i);
		EXPECT(frontier_host(f, key) == h[i], "%s found anew", key);
		EXPECT(strcmp(frontier_host_key(h[i]), key) == 0,
		    "%s is \"%s\"", key, frontier_host_key(h[i]));
	}
	ck_assert_uint_eq(frontier_hosts(f), MANY);

	/* Every other one goes: the rest must still be found, the table
	 * shrinking under them. */
	for (int i = 0; i < MANY; i += 2)
		frontier_host_release(f, h[i]);
	ck_assert_uint_eq(frontier_hosts(f), MANY / 2);
	for (int i = 1; i < MANY; i += 2) {
		snprintf(key, sizeof key, "host%d.example", i);
		EXPECT(frontier_host(f, key) == h[i], "%s found anew", key);
	}
	for (int i = 0; i < MANY; i += 2) {
		snprintf(key, sizeof key, "host%d.example", i);
		h[i] = frontier_host(f, key);
		EXPECT(strcmp(frontier_host_key(h[i]), key) == 0,
		    "%s is \"%s\"", key, frontier_host_key(h[i]));
	}
	ck_assert_uint_eq(frontier_hosts(f), MANY);
	n = 0;
	for (it = frontier_first(f); it != NULL; it = frontier_next(f, it))
		n++;
	ck_assert_uint_eq(n, MANY);

	for (int i = MANY - 1; i >= 0; i--)
		frontier_host_release(f, h[i]);
	ck_assert_uint_eq(frontier_hosts(f), 0);
	snprintf(key, sizeof key, "host%d.example", 7);
	ck_assert_str_eq(frontier_host_key(frontier_host(f, key)), key);
	free(h);
	frontier_free(f);
}
END_TEST

/* The pick's cost, counted rather than timed: with every host touched
 * when its policy changes, a pick asks one policy, whatever the number of
 * hosts or items — a scan would ask them all.  The heaps' work is O(log H)
 * by construction; this also keeps 100k hosts quick under valgrind. */
START_TEST(test_pick_cost)
{
	enum { ROUNDS = 3, WINDOW = 1000 };
	struct frontier *f = new_frontier();
	struct fake *p = calloc(MANY, sizeof *p);
	struct frontier_host **h = calloc(MANY, sizeof *h);
	struct frontier_host **flight = calloc(WINDOW, sizeof *flight);
	struct frontier_host *got;
	unsigned long pushes = 0, pops = 0, touches = 0, pop_asks = 0, before;
	size_t nflight = 0, oldest = 0;
	char key[32];
	double now = 0;
	void *item;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(flight);
	for (int i = 0; i < MANY; i++) {
		snprintf(key, sizeof key, "h%d", i);
		h[i] = frontier_host(f, key);
		p[i].cap = 1;
		frontier_host_set_policy(h[i], &p[i]);
	}
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < MANY; i++, pushes++)
			frontier_push(f, h[i], ITEM(pushes + 1), now);
	/* WINDOW attempts in flight; the oldest ends to make room. */
	for (;;) {
		before = asks;
		item = frontier_pop(f, now, &got);
		pop_asks += asks - before;
		if (item == NULL) {
			if (nflight == 0)
				break;
			got = flight[oldest];
			oldest = (oldest + 1) % WINDOW;
			nflight--;
			finish(f, got, now);
			touches++;
			continue;
		}
		pops++;
		start(f, got, now);
		touches++;
		if (nflight == WINDOW) {
			struct frontier_host *done = flight[oldest];

			flight[oldest] = got;
			oldest = (oldest + 1) % WINDOW;
			finish(f, done, now);
			touches++;
		} else {
			flight[(oldest + nflight++) % WINDOW] = got;
		}
		now += 0.001;
	}
	ck_assert_uint_eq(pops, pushes);
	ck_assert_uint_eq(frontier_queued(f), 0);
	/* One question per pick, and none for picks that find nothing. */
	ck_assert_uint_le(pop_asks, pops + 1);
	ck_assert_uint_le(asks, MANY + touches + pops + 1);
	free(flight);
	free(h);
	free(p);
	frontier_free(f);
}
END_TEST

/* ---- the model --------------------------------------------------------- */

/* Random pushes, picks, starts, ends, policy changes, circuits opening,
 * releases and the passing of time, each answer compared with a naive
 * O(n) reading of the same rule: among the hosts with items whose policy
 * says they may start now, the smallest head in push order. */

enum { NHOSTS = 24, NOPS = 6000, NSEEDS = 40 };

struct model_host {
	struct frontier_host *fh;       /* NULL: released or never seen */
	struct fake pol;
	double pace;                    /* the start of one puts off the next */
	int *q;                         /* item numbers, oldest first */
	size_t qhead, qlen;
};

struct model {
	struct frontier *f;
	struct model_host host[NHOSTS];
	int flight[NOPS];               /* hosts of attempts in flight */
	size_t nflight;
	int next_item;
	double now;
	uint64_t rng;
};

static uint32_t
rnd(struct model *m, uint32_t n)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return (uint32_t)((m->rng >> 11) % n);
}

static int
model_host_of(struct frontier_host *fh, struct model *m)
{
	for (int i = 0; i < NHOSTS; i++)
		if (m->host[i].fh == fh)
			return i;
	ck_abort_msg("a host the model does not know");
	return -1;
}

static void
model_ensure(struct model *m, int i)
{
	struct model_host *mh = &m->host[i];
	char key[16];

	if (mh->fh != NULL)
		return;
	snprintf(key, sizeof key, "m%d.example", i);
	mh->fh = frontier_host(m->f, key);
	ck_assert_ptr_null(frontier_host_policy(mh->fh));
	mh->pol.in_flight = 0;
	mh->pol.cap = (int)rnd(m, 4);
	mh->pol.next = m->now;
	mh->pace = rnd(m, 4) * 0.25;
	frontier_host_set_policy(mh->fh, &mh->pol);
}

static void
model_push(struct model *m, int i)
{
	struct model_host *mh = &m->host[i];

	model_ensure(m, i);
	mh->q[mh->qhead + mh->qlen++] = ++m->next_item;
	frontier_push(m->f, mh->fh, ITEM(m->next_item), m->now);
}

/* The rule read naively: which host's head goes next, -1 if none. */
static int
model_pick(struct model *m)
{
	int best = -1;

	for (int i = 0; i < NHOSTS; i++) {
		struct model_host *mh = &m->host[i];

		if (mh->qlen == 0 || fake_answer(&mh->pol, m->now) > m->now)
			continue;
		if (best < 0 ||
		    mh->q[mh->qhead] < m->host[best].q[m->host[best].qhead])
			best = i;
	}
	return best;
}

static double
model_wake(struct model *m)
{
	double wake = INFINITY, t;

	for (int i = 0; i < NHOSTS; i++) {
		if (m->host[i].qlen == 0)
			continue;
		t = fake_answer(&m->host[i].pol, m->now);
		if (t <= m->now)
			return m->now;
		if (t < wake)
			wake = t;
	}
	return wake;
}

static int
model_shift(struct model *m, int i)
{
	struct model_host *mh = &m->host[i];

	mh->qlen--;
	return mh->q[mh->qhead++];
}

static void
model_check_counts(struct model *m)
{
	size_t total = 0;

	for (int i = 0; i < NHOSTS; i++) {
		if (m->host[i].fh != NULL)
			EXPECT(frontier_host_queued(m->host[i].fh) ==
			    m->host[i].qlen, "host %d holds %zu, want %zu", i,
			    frontier_host_queued(m->host[i].fh),
			    m->host[i].qlen);
		total += m->host[i].qlen;
	}
	EXPECT(frontier_queued(m->f) == total, "%zu queued, want %zu",
	    frontier_queued(m->f), total);
}

static void
model_pop(struct model *m)
{
	struct frontier_host *got = NULL;
	int want = model_pick(m);
	void *item = frontier_pop(m->f, m->now, &got);
	struct model_host *mh;

	if (want < 0) {
		EXPECT(item == NULL, "popped %d at %g, want none",
		    NUM(item), m->now);
		return;
	}
	mh = &m->host[want];
	EXPECT(NUM(item) == mh->q[mh->qhead],
	    "popped %d at %g, want %d of host %d", NUM(item), m->now,
	    mh->q[mh->qhead], want);
	EXPECT(got == mh->fh, "popped %d from the wrong host", NUM(item));
	model_shift(m, want);
	/* The attempt starts. */
	mh->pol.in_flight++;
	if (mh->pace > 0)
		mh->pol.next = m->now + mh->pace;
	frontier_touch(m->f, mh->fh, m->now);
	m->flight[m->nflight++] = want;
}

static void
model_end(struct model *m)
{
	size_t k;
	int i;

	if (m->nflight == 0)
		return;
	k = rnd(m, (uint32_t)m->nflight);
	i = m->flight[k];
	m->flight[k] = m->flight[--m->nflight];
	m->host[i].pol.in_flight--;
	frontier_touch(m->f, m->host[i].fh, m->now);
	/* A retry: back in line, at the tail, once it comes due. */
	if (rnd(m, 3) == 0)
		model_push(m, i);
}

static void
model_step(struct model *m)
{
	uint32_t op = rnd(m, 100);
	int i = (int)rnd(m, NHOSTS);
	struct model_host *mh = &m->host[i];
	struct frontier_host *got;
	void *item;
	double wake;
	int want;

	if (op < 30) {
		model_push(m, i);
	} else if (op < 55) {
		model_pop(m);
	} else if (op < 67) {
		model_end(m);
	} else if (op < 77) {
		/* Time passes: a little, or to the next wake-up exactly. */
		wake = frontier_next_wake(m->f, m->now);
		if (rnd(m, 2) == 0 && wake < INFINITY)
			m->now = wake;
		else
			m->now += rnd(m, 6) * 0.25;
	} else if (op < 83) {
		if (mh->fh == NULL)
			return;
		/* A new limit or a pause (Retry-After, a breaker). */
		if (rnd(m, 2) == 0)
			mh->pol.cap = (int)rnd(m, 4);
		else
			mh->pol.next = m->now + rnd(m, 8) * 0.25;
		frontier_touch(m->f, mh->fh, m->now);
	} else if (op < 88) {
		EXPECT(frontier_next_wake(m->f, m->now) == model_wake(m),
		    "next wake at %g: %g, want %g", m->now,
		    frontier_next_wake(m->f, m->now), model_wake(m));
	} else if (op < 90) {
		if (mh->fh == NULL)
			return;
		/* The host's circuit opened: every item it holds fails. */
		while ((item = frontier_take(m->f, mh->fh)) != NULL) {
			EXPECT(mh->qlen > 0, "took %d, want none", NUM(item));
			want = model_shift(m, i);
			EXPECT(NUM(item) == want, "took %d, want %d",
			    NUM(item), want);
		}
		EXPECT(mh->qlen == 0, "take left %zu", mh->qlen);
	} else if (op < 97) {
		if (mh->fh == NULL || mh->qlen > 0 || mh->pol.in_flight > 0)
			return;
		frontier_host_release(m->f, mh->fh);
		mh->fh = NULL;
	} else if (op < 99) {
		if (mh->fh != NULL)
			frontier_touch(m->f, mh->fh, m->now);
	} else if (rnd(m, 10) == 0) {
		/* A signal: every item, oldest first. */
		while ((item = frontier_drain(m->f, &got)) != NULL) {
			int j = model_host_of(got, m);
			int oldest = -1;

			for (int k = 0; k < NHOSTS; k++)
				if (m->host[k].qlen > 0 && (oldest < 0 ||
				    m->host[k].q[m->host[k].qhead] <
				    m->host[oldest].q[m->host[oldest].qhead]))
					oldest = k;
			EXPECT(j == oldest, "drained host %d, want %d", j,
			    oldest);
			want = model_shift(m, j);
			EXPECT(NUM(item) == want, "drained %d, want %d",
			    NUM(item), want);
		}
	}
}

START_TEST(test_model)
{
	struct model m = { 0 };
	struct frontier_host *got;
	void *item;
	int i, want;

	m.rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(_i + 1);
	m.f = new_frontier();
	for (i = 0; i < NHOSTS; i++) {
		m.host[i].q = calloc(NOPS, sizeof *m.host[i].q);
		ck_assert_ptr_nonnull(m.host[i].q);
	}
	for (int n = 0; n < NOPS; n++) {
		model_step(&m);
		model_check_counts(&m);
	}
	while ((item = frontier_drain(m.f, &got)) != NULL) {
		i = model_host_of(got, &m);
		want = model_shift(&m, i);
		EXPECT(NUM(item) == want, "drained %d, want %d", NUM(item),
		    want);
	}
	model_check_counts(&m);
	for (i = 0; i < NHOSTS; i++) {
		ck_assert_uint_eq(m.host[i].qlen, 0);
		free(m.host[i].q);
	}
	frontier_free(m.f);
}
END_TEST

static Suite *
frontier_suite(void)
{
	Suite *s = suite_create("frontier");
	TCase *tp = tcase_create("pick");
	TCase *tt = tcase_create("take");
	TCase *th = tcase_create("hosts");
	TCase *tm = tcase_create("model");

	tcase_add_test(tp, test_fifo_within_host);
	tcase_add_test(tp, test_oldest_head_wins);
	tcase_add_test(tp, test_capped_host_holds_nobody_back);
	tcase_add_test(tp, test_pick_asks_again);
	tcase_add_test(tp, test_timed_host_exactly_on_time);
	tcase_add_test(tp, test_next_wake_earliest);
	tcase_add_test(tp, test_touch_reevaluates);
	suite_add_tcase(s, tp);

	tcase_add_test(tt, test_take_and_drain);
	suite_add_tcase(s, tt);

	tcase_add_test(th, test_release_and_recreate);
	tcase_add_test(th, test_many_hosts);
	tcase_add_test(th, test_pick_cost);
	suite_add_tcase(s, th);

	tcase_add_loop_test(tm, test_model, 0, NSEEDS);
	suite_add_tcase(s, tm);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(frontier_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
