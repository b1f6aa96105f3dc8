/*
 * The shared -c slots (src/slots.h): never more taken than there are,
 * and a user that found none is woken when one is given back, from any
 * thread, never missed.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "slots.h"

static unsigned woken[SLOTS_MAX_USERS];

static void
count_wake(unsigned user, void *arg)
{
	woken[user]++;
}

START_TEST(test_capacity)
{
	struct slots *p = slots_new(3, count_wake, NULL);

	for (int i = 0; i < 3; i++)
		ck_assert(slots_take(p, 0));
	ck_assert(!slots_take(p, 0));
	ck_assert_int_eq(slots_used(p), 3);
	slots_give(p);
	ck_assert_int_eq(slots_used(p), 2);
	ck_assert(slots_take(p, 1));
	ck_assert(!slots_take(p, 1));
	slots_free(p);
}
END_TEST

/* Each user that found no slot is woken once by the next give, and
 * nobody else is. */
START_TEST(test_wakes_the_waiting)
{
	struct slots *p = slots_new(1, count_wake, NULL);

	for (unsigned u = 0; u < SLOTS_MAX_USERS; u++)
		woken[u] = 0;
	ck_assert(slots_take(p, 0));
	ck_assert(!slots_take(p, 3));
	ck_assert(!slots_take(p, 63));
	slots_give(p);
	for (unsigned u = 0; u < SLOTS_MAX_USERS; u++)
		ck_assert_uint_eq(woken[u], u == 3 || u == 63 ? 1 : 0);
	ck_assert(slots_take(p, 3));
	slots_give(p);
	ck_assert_uint_eq(woken[3], 1);   /* not waiting any more */
	slots_free(p);
}
END_TEST

#define THREADS 4
#define ROUNDS 200000
#define CAP 3

struct shared {
	struct slots *p;
	atomic_int holding;      /* taken now, as the users count them */
	atomic_int most;
	int bell[THREADS];
};

static struct shared sh;

static void
ring(unsigned user, void *arg)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(sh.bell[user], &one, sizeof one), sizeof one);
}

static void *
user(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint64_t n;

	for (int i = 0; i < ROUNDS; i++) {
		int now, most;

		while (!slots_take(sh.p, me)) {
			struct pollfd pfd = { sh.bell[me], POLLIN, 0 };

			ck_assert_msg(poll(&pfd, 1, 10000) == 1,
			    "user %u never woken", me);
			ck_assert(read(sh.bell[me], &n, sizeof n) == sizeof n);
		}
		now = atomic_fetch_add(&sh.holding, 1) + 1;
		most = atomic_load(&sh.most);
		while (now > most &&
		    !atomic_compare_exchange_weak(&sh.most, &most, now))
			;
		atomic_fetch_sub(&sh.holding, 1);
		slots_give(sh.p);
	}
	return NULL;
}

/* Four threads taking and giving 3 slots: never more than 3 held, and
 * every thread finishes (a missed wake-up would leave one polling). */
START_TEST(test_threads)
{
	pthread_t t[THREADS];

	sh.p = slots_new(CAP, ring, NULL);
	atomic_init(&sh.holding, 0);
	atomic_init(&sh.most, 0);
	for (unsigned i = 0; i < THREADS; i++) {
		sh.bell[i] = eventfd(0, EFD_NONBLOCK);
		ck_assert_int_ge(sh.bell[i], 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, user,
		    (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_le(atomic_load(&sh.most), CAP);
	ck_assert_int_eq(slots_used(sh.p), 0);
	for (unsigned i = 0; i < THREADS; i++)
		close(sh.bell[i]);
	slots_free(sh.p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("slots");
	TCase *tc = tcase_create("slots");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_capacity);
	tcase_add_test(tc, test_wakes_the_waiting);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
