/* Unit tests of order, the reorder window of --ordered (SPEC, "Order"):
 * lines go out in input order whatever order they are made in, a gap
 * holds everything behind it, the window grows with what is pending and
 * no further, and a flush (a signal) lets the held lines out in order
 * before the late ones, which then go out as made. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"

/* Put "line N" for place seq. */
static void
put(struct order *o, uint64_t seq)
{
	char line[32];
	int n = snprintf(line, sizeof line, "line %llu",
	    (unsigned long long)seq);

	order_put(o, seq, line, (size_t)n);
}

/* The next line must be "line want". */
static void
expect(struct order *o, uint64_t want)
{
	char line[32];
	const char *got;
	size_t len;

	snprintf(line, sizeof line, "line %llu", (unsigned long long)want);
	got = order_next(o, &len);
	ck_assert_msg(got != NULL, "nothing out, wanted \"%s\"", line);
	ck_assert_uint_eq(len, strlen(line));
	ck_assert_msg(memcmp(got, line, len) == 0, "got \"%.*s\", wanted "
	    "\"%s\"", (int)len, got, line);
}

/* Nothing may go out now. */
static void
expect_none(struct order *o)
{
	size_t len;
	const char *got = order_next(o, &len);

	ck_assert_msg(got == NULL, "\"%.*s\" out, wanted nothing",
	    got != NULL ? (int)len : 0, got != NULL ? got : "");
}

/* The same for order_flush. */
static void
expect_flush(struct order *o, uint64_t want)
{
	char line[32];
	const char *got;
	size_t len;

	snprintf(line, sizeof line, "line %llu", (unsigned long long)want);
	got = order_flush(o, &len);
	ck_assert_msg(got != NULL, "flush: nothing, wanted \"%s\"", line);
	ck_assert_msg(len == strlen(line) && memcmp(got, line, len) == 0,
	    "flush: \"%.*s\", wanted \"%s\"", (int)len, got, line);
}

/* Places are handed out 0, 1, 2, ... and a line made in order goes out
 * at once: --ordered with fast URLs holds nothing. */
START_TEST(test_in_order)
{
	struct order *o = order_new();

	ck_assert_uint_eq(order_pending(o), 0);
	expect_none(o);
	for (uint64_t i = 0; i < 10; i++) {
		ck_assert_uint_eq(order_take_seq(o), i);
		ck_assert_uint_eq(order_pending(o), 1);
		put(o, i);
		expect(o, i);
		expect_none(o);
		ck_assert_uint_eq(order_pending(o), 0);
	}
	order_free(o);
}
END_TEST

/* A line made before the one ahead of it waits; the missing one lets
 * out everything it held back, and no more. */
START_TEST(test_gap_holds)
{
	struct order *o = order_new();

	for (int i = 0; i < 5; i++)
		order_take_seq(o);
	put(o, 2);
	put(o, 4);
	expect_none(o);
	ck_assert_uint_eq(order_pending(o), 5);
	put(o, 0);
	expect(o, 0);
	expect_none(o);               /* 1 is missing */
	ck_assert_uint_eq(order_pending(o), 4);
	put(o, 1);
	expect(o, 1);
	expect(o, 2);
	expect_none(o);               /* 3 is missing */
	ck_assert_uint_eq(order_pending(o), 2);
	put(o, 3);
	expect(o, 3);
	expect(o, 4);
	expect_none(o);
	ck_assert_uint_eq(order_pending(o), 0);
	order_free(o);
}
END_TEST

/* Pending counts lines read and not yet out, made or not: it is what
 * the scheduler compares with --lookahead. */
START_TEST(test_pending_counts)
{
	struct order *o = order_new();

	for (int i = 0; i < 7; i++)
		order_take_seq(o);
	ck_assert_uint_eq(order_pending(o), 7);
	for (uint64_t i = 1; i < 7; i++)
		put(o, i);
	/* Made but held still counts. */
	ck_assert_uint_eq(order_pending(o), 7);
	put(o, 0);
	ck_assert_uint_eq(order_pending(o), 7);   /* not out yet */
	expect(o, 0);
	ck_assert_uint_eq(order_pending(o), 6);
	for (uint64_t i = 1; i < 7; i++)
		expect(o, i);
	ck_assert_uint_eq(order_pending(o), 0);
	order_free(o);
}
END_TEST

/* The line is copied, with its length: the caller's buffer is reused
 * for the next line, and a line may hold any byte. */
START_TEST(test_line_copied)
{
	struct order *o = order_new();
	char buf[16] = "ab\0cd";
	const char *got;
	size_t len;

	order_take_seq(o);
	order_take_seq(o);
	order_put(o, 1, buf, 5);
	memset(buf, 'x', sizeof buf);
	order_put(o, 0, "", 0);
	got = order_next(o, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, 0);
	got = order_next(o, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, 5);
	ck_assert(memcmp(got, "ab\0cd", 5) == 0);
	order_free(o);
}
END_TEST

/* Past the first 64 places the window grows, keeping what it holds:
 * 100 places made in reverse, then all out in order. */
START_TEST(test_grow_past_64)
{
	struct order *o = order_new();

	for (uint64_t i = 0; i < 100; i++)
		ck_assert_uint_eq(order_take_seq(o), i);
	for (uint64_t i = 99; i > 0; i--) {
		put(o, i);
		expect_none(o);
	}
	ck_assert_uint_eq(order_pending(o), 100);
	put(o, 0);
	for (uint64_t i = 0; i < 100; i++)
		expect(o, i);
	expect_none(o);
	order_free(o);
}
END_TEST

/* A window that slides keeps working across the ring's wrap: the oldest
 * place stays missing while 64+ later ones come and go around it. */
START_TEST(test_grow_while_sliding)
{
	struct order *o = order_new();
	uint64_t next = 0;

	/* Slide far past one ring's worth first. */
	for (int i = 0; i < 1000; i++) {
		uint64_t s = order_take_seq(o);

		put(o, s);
		expect(o, s);
	}
	next = order_take_seq(o);              /* the slow one: 1000 */
	for (int i = 0; i < 300; i++)
		put(o, order_take_seq(o));
	expect_none(o);
	ck_assert_uint_eq(order_pending(o), 301);
	put(o, next);
	for (uint64_t i = next; i < next + 301; i++)
		expect(o, i);
	expect_none(o);
	order_free(o);
}
END_TEST

/* 100000 places pending at once (the window at a large --lookahead):
 * made in a shuffled order, held, then out in order at the first. */
START_TEST(test_grow_to_100k)
{
	enum { N = 100000 };
	struct order *o = order_new();
	uint64_t *perm = malloc(N * sizeof *perm);

	ck_assert_ptr_nonnull(perm);
	for (uint64_t i = 0; i < N; i++) {
		ck_assert_uint_eq(order_take_seq(o), i);
		perm[i] = i;
	}
	srandom(11);
	for (size_t i = N - 1; i > 1; i--) {
		size_t j = 1 + (size_t)random() % i;     /* keep 0 first */
		uint64_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 1; i < N; i++)
		put(o, perm[i]);
	expect_none(o);
	ck_assert_uint_eq(order_pending(o), N);
	put(o, 0);
	for (uint64_t i = 0; i < N; i++)
		expect(o, i);
	expect_none(o);
	ck_assert_uint_eq(order_pending(o), 0);
	free(perm);
	order_free(o);
}
END_TEST

/* A signal: the held lines go out in input order, skipping the places
 * not made; afterwards lines go out as they are made, places taken
 * after the flush included. */
START_TEST(test_flush)
{
	struct order *o = order_new();
	size_t len;

	for (int i = 0; i < 6; i++)
		order_take_seq(o);
	put(o, 0);
	expect(o, 0);
	put(o, 4);
	put(o, 2);
	put(o, 5);
	expect_none(o);
	expect_flush(o, 2);
	expect_flush(o, 4);
	expect_flush(o, 5);
	ck_assert_ptr_null(order_flush(o, &len));
	expect_none(o);
	/* The cancelled ones, as made: 3 before 1. */
	put(o, 3);
	put(o, 1);
	expect(o, 3);
	expect(o, 1);
	expect_none(o);
	/* A place taken now goes straight out too. */
	ck_assert_uint_eq(order_take_seq(o), 6);
	put(o, 6);
	expect(o, 6);
	expect_none(o);
	order_free(o);
}
END_TEST

/* A flush with nothing held hands out nothing; a second flush is the
 * same as order_next. */
START_TEST(test_flush_empty_and_twice)
{
	struct order *o = order_new();
	size_t len;

	order_take_seq(o);
	order_take_seq(o);
	ck_assert_ptr_null(order_flush(o, &len));
	put(o, 1);
	expect_flush(o, 1);
	ck_assert_ptr_null(order_flush(o, &len));
	put(o, 0);
	expect(o, 0);
	expect_none(o);
	order_free(o);
}
END_TEST

/* Freeing with lines held, before and after a flush, frees them (the
 * sanitizer build and valgrind would say otherwise). */
START_TEST(test_free_holding)
{
	struct order *o = order_new();

	for (int i = 0; i < 200; i++)
		order_take_seq(o);
	for (uint64_t i = 1; i < 200; i += 2)
		put(o, i);
	order_free(o);

	o = order_new();
	for (int i = 0; i < 10; i++)
		order_take_seq(o);
	put(o, 3);
	put(o, 5);
	expect_flush(o, 3);
	put(o, 0);
	put(o, 1);
	order_free(o);
}
END_TEST

/*
 * A model test: random runs of take, put and next (and, in half of them,
 * one flush at a random point) against a naive reference that keeps, per
 * place, whether its line is made and whether it is out, and scans:
 * before the flush the next line is the lowest place not out, if made;
 * the flush lets out every made place not out, lowest first; after it,
 * lines go out in the order made.
 */
struct model {
	uint64_t taken;
	uint64_t out;                 /* before a flush: places out */
	unsigned char *made;          /* order_put called */
	unsigned char *done;          /* handed out */
	uint64_t *fifo;               /* after the flush: made, as made */
	size_t fhead, ftail;
	int flushed;
};

static void
model_check_line(const char *got, size_t len, uint64_t want)
{
	char line[32];

	snprintf(line, sizeof line, "line %llu", (unsigned long long)want);
	ck_assert_msg(got != NULL, "model: nothing, wanted \"%s\"", line);
	ck_assert_msg(len == strlen(line) && memcmp(got, line, len) == 0,
	    "model: \"%.*s\", wanted \"%s\"", (int)len, got, line);
}

static void
model_put(struct order *o, struct model *m, uint64_t c)
{
	put(o, c);
	m->made[c] = 1;
	if (m->flushed)
		m->fifo[m->ftail++] = c;
}

/* What order_next must give now, per the model. */
static void
model_next(struct order *o, struct model *m)
{
	const char *got;
	size_t len;

	got = order_next(o, &len);
	if (m->flushed) {
		if (m->fhead == m->ftail) {
			ck_assert_ptr_null(got);
			return;
		}
		model_check_line(got, len, m->fifo[m->fhead]);
		m->done[m->fifo[m->fhead++]] = 1;
	} else if (m->out < m->taken && m->made[m->out]) {
		model_check_line(got, len, m->out);
		m->done[m->out++] = 1;
	} else {
		ck_assert_ptr_null(got);
	}
}

START_TEST(test_model)
{
	enum { MAXP = 3000, STEPS = 6000 };
	struct order *o = order_new();
	struct model m;
	const char *got;
	size_t len;
	int flush_at;

	srandom(1000 + (unsigned)_i);
	flush_at = (_i % 2) ? (int)(random() % STEPS) : -1;
	memset(&m, 0, sizeof m);
	m.made = calloc(MAXP, 1);
	m.done = calloc(MAXP, 1);
	m.fifo = calloc(MAXP, sizeof *m.fifo);
	ck_assert(m.made && m.done && m.fifo);

	for (int step = 0; step < STEPS; step++) {
		long r = random() % 100;

		if (step == flush_at) {
			m.flushed = 1;
			for (uint64_t s = m.out; s < m.taken; s++) {
				if (!m.made[s] || m.done[s])
					continue;
				got = order_flush(o, &len);
				model_check_line(got, len, s);
				m.done[s] = 1;
			}
			ck_assert_ptr_null(order_flush(o, &len));
		} else if (r < 35 && m.taken < MAXP) {
			ck_assert_uint_eq(order_take_seq(o), m.taken);
			m.taken++;
		} else if (r < 75 && m.taken > 0) {
			/* Make a random place not made yet, if any. */
			uint64_t s = (uint64_t)random() % m.taken;

			for (uint64_t k = 0; k < m.taken; k++) {
				uint64_t c = (s + k) % m.taken;

				if (!m.made[c]) {
					model_put(o, &m, c);
					break;
				}
			}
		} else {
			model_next(o, &m);
		}
		if (!m.flushed)
			ck_assert_uint_eq(order_pending(o), m.taken - m.out);
	}
	/* Make everything left and let it all out. */
	for (uint64_t c = 0; c < m.taken; c++)
		if (!m.made[c])
			model_put(o, &m, c);
	for (uint64_t c = 0; c < m.taken; c++)
		model_next(o, &m);
	ck_assert_ptr_null(order_next(o, &len));
	if (!m.flushed)
		ck_assert_uint_eq(order_pending(o), 0);
	for (uint64_t c = 0; c < m.taken; c++)
		ck_assert_msg(m.done[c], "place %llu never out",
		    (unsigned long long)c);
	free(m.made);
	free(m.done);
	free(m.fifo);
	order_free(o);
}
END_TEST

static Suite *
order_suite(void)
{
	Suite *s = suite_create("order");
	TCase *tc = tcase_create("window");
	TCase *tg = tcase_create("grow");
	TCase *tf = tcase_create("flush");
	TCase *tm = tcase_create("model");

	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_gap_holds);
	tcase_add_test(tc, test_pending_counts);
	tcase_add_test(tc, test_line_copied);
	suite_add_tcase(s, tc);

	tcase_add_test(tg, test_grow_past_64);
	tcase_add_test(tg, test_grow_while_sliding);
	tcase_add_test(tg, test_grow_to_100k);
	suite_add_tcase(s, tg);

	tcase_add_test(tf, test_flush);
	tcase_add_test(tf, test_flush_empty_and_twice);
	tcase_add_test(tf, test_free_holding);
	suite_add_tcase(s, tf);

	tcase_add_loop_test(tm, test_model, 0, 20);
	tcase_set_timeout(tm, 60);
	suite_add_tcase(s, tm);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(order_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
