/*
 * The feed (src/feed.h): the queue of lines between the thread that
 * reads the input and a loop of --jobs. Single-threaded checks of its
 * rules (order, bounds, bells, the end), then two real threads passing
 * 200,000 lines through a small feed, each waiting only on its bell.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "feed.h"
#include "url.h"

static int consumer_bell, producer_bell;

static void
bells_setup(void)
{
	consumer_bell = eventfd(0, EFD_NONBLOCK);
	producer_bell = eventfd(0, EFD_NONBLOCK);
	ck_assert(consumer_bell >= 0 && producer_bell >= 0);
}

static void
bells_teardown(void)
{
	close(consumer_bell);
	close(producer_bell);
}

/* How many times fd was rung since last asked (0: not at all). */
static uint64_t
rung(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof n) != sizeof n)
		return 0;
	return n;
}

static bool
put(struct feed *f, const char *text, bool force)
{
	struct input_line l = { LINE_URL, text, strlen(text), strlen(text) };

	return feed_put(f, &l, NULL, force);
}

/* Lines come out in order, with their verdict, length and total. */
START_TEST(test_order_and_fields)
{
	struct feed *f = feed_new(8, 1024, consumer_bell, producer_bell);
	struct input_line in = { LINE_TOO_LONG, "abc", 3, 9000 }, out;
	CURLU *parsed;

	ck_assert(put(f, "http://a/", false));
	ck_assert(feed_put(f, &in, NULL, false));
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_str_eq(out.text, "http://a/");
	ck_assert_int_eq(out.verdict, LINE_URL);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_int_eq(out.verdict, LINE_TOO_LONG);
	ck_assert_uint_eq(out.len, 3);
	ck_assert_uint_eq(out.total, 9000);
	ck_assert_int_eq(memcmp(out.text, "abc", 3), 0);
	ck_assert_ptr_null(parsed);
	feed_free(f);
}
END_TEST

/* The parsed URL travels with its line, and the consumer gets it. */
START_TEST(test_parsed_passed_on)
{
	struct feed *f = feed_new(8, 1024, consumer_bell, producer_bell);
	const char *text = "http://example.com/x";
	struct input_line in = { LINE_URL, text, strlen(text), strlen(text) };
	struct input_line out;
	char why[256], *host;
	CURLU *u = url_parse(text, why, sizeof why), *got;

	ck_assert_ptr_nonnull(u);
	ck_assert(feed_put(f, &in, u, false));
	ck_assert_int_eq(feed_next(f, &out, &got), INPUT_LINE);
	ck_assert_ptr_eq(got, u);
	ck_assert_int_eq(curl_url_get(got, CURLUPART_HOST, &host, 0),
	    CURLUE_OK);
	ck_assert_str_eq(host, "example.com");
	curl_free(host);
	curl_url_cleanup(got);
	/* One left in the feed is freed with it (valgrind sees). */
	ck_assert(feed_put(f, &in, url_parse(text, why, sizeof why), false));
	feed_free(f);
}
END_TEST

/* Full by count or by bytes; force goes past both; one line always
 * fits however long. */
START_TEST(test_bounds_and_force)
{
	struct feed *f = feed_new(4, 20, consumer_bell, producer_bell);
	char big[64];
	struct input_line out;
	CURLU *parsed;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert(put(f, big, false));
	ck_assert(!put(f, "a", false));
	ck_assert_uint_eq(feed_bytes(f), 63);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	for (int i = 0; i < 4; i++)
		ck_assert(put(f, "abcd", false));
	ck_assert(!put(f, "abcd", false));
	for (int i = 0; i < 20; i++)
		ck_assert(put(f, "forced", true));
	ck_assert_uint_eq(feed_bytes(f), 4 * 4 + 20 * 6);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
		ck_assert_str_eq(out.text, "abcd");
	}
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
		ck_assert_str_eq(out.text, "forced");
	}
	feed_free(f);
}
END_TEST

/* Each side is rung only when it found the feed empty or full: the
 * consumer at the next line or the end, the producer at half full. */
START_TEST(test_bells)
{
	struct feed *f = feed_new(4, 1024, consumer_bell, producer_bell);
	struct input_line out;
	CURLU *parsed;

	ck_assert(put(f, "1", false));
	ck_assert_uint_eq(rung(consumer_bell), 0);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_AGAIN);
	ck_assert_uint_eq(rung(consumer_bell), 0);
	ck_assert(put(f, "2", false));
	ck_assert_uint_eq(rung(consumer_bell), 1);
	ck_assert(put(f, "3", false));
	ck_assert_uint_eq(rung(consumer_bell), 0);
	ck_assert(put(f, "4", false));
	ck_assert(put(f, "5", false));
	ck_assert(!put(f, "6", false));
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_uint_eq(rung(producer_bell), 0);   /* 3 left of 4 */
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_uint_eq(rung(producer_bell), 1);   /* half: 2 */
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_uint_eq(rung(producer_bell), 0);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_str_eq(out.text, "5");
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_AGAIN);
	feed_close(f);
	ck_assert_uint_eq(rung(consumer_bell), 1);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_EOF);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_EOF);
	feed_free(f);
}
END_TEST

/* Lines already queued come out before the end. */
START_TEST(test_close_keeps_queued)
{
	struct feed *f = feed_new(4, 1024, consumer_bell, producer_bell);
	struct input_line out;
	CURLU *parsed;

	ck_assert(put(f, "a", false));
	ck_assert(put(f, "b", false));
	feed_close(f);
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_str_eq(out.text, "a");
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_LINE);
	ck_assert_str_eq(out.text, "b");
	ck_assert_int_eq(feed_next(f, &out, &parsed), INPUT_EOF);
	feed_free(f);
}
END_TEST

#define NLINES 200000

static void
wait_bell(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	ck_assert_msg(poll(&p, 1, 10000) == 1, "a bell never rang");
	rung(fd);
}

static void *
producer(void *arg)
{
	struct feed *f = arg;
	char text[32];

	for (long i = 0; i < NLINES; i++) {
		snprintf(text, sizeof text, "%ld", i);
		while (!put(f, text, false))
			wait_bell(producer_bell);
	}
	feed_close(f);
	return NULL;
}

/* Two threads, a feed of 16: every line arrives once, in order, and
 * neither side waits for ever (a missed bell would hang a poll). */
START_TEST(test_two_threads)
{
	struct feed *f = feed_new(16, 1024, consumer_bell, producer_bell);
	struct input_line out;
	CURLU *parsed;
	pthread_t t;
	long next = 0;
	enum input_status st;

	ck_assert_int_eq(pthread_create(&t, NULL, producer, f), 0);
	while ((st = feed_next(f, &out, &parsed)) != INPUT_EOF) {
		if (st == INPUT_AGAIN) {
			wait_bell(consumer_bell);
			continue;
		}
		ck_assert_int_eq(atol(out.text), next);
		next++;
	}
	ck_assert_int_eq(next, NLINES);
	pthread_join(t, NULL);
	feed_free(f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("feed");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, bells_setup, bells_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_order_and_fields);
	tcase_add_test(tc, test_parsed_passed_on);
	tcase_add_test(tc, test_bounds_and_force);
	tcase_add_test(tc, test_bells);
	tcase_add_test(tc, test_close_keeps_queued);
	tcase_add_test(tc, test_two_threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
