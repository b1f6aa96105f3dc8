/* Unit tests of the SHA-256 behind --hash and --store: the FIPS 180-2
 * vectors, and sha256sum's answer for generated files fed in pieces of
 * random sizes, as bodies arrive. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"

static const char empty_hex[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* xorshift64: the same bytes and pieces on every run. */
static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

START_TEST(test_vectors)
{
	struct hash *h = hash_new();
	char hex[HASH_HEX_SIZE], *a;

	hash_hex(h, hex);
	ck_assert_str_eq(hex, empty_hex);

	hash_update(h, "abc", 3);
	hash_hex(h, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");

	hash_update(h, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56);
	hash_hex(h, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");

	a = malloc(1000000);
	memset(a, 'a', 1000000);
	hash_update(h, a, 1000000);
	hash_hex(h, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(a);
	hash_free(h);
}
END_TEST

/* hash_hex starts the next body; hash_reset drops a retry's first. */
START_TEST(test_reset)
{
	struct hash *h = hash_new();
	char hex[HASH_HEX_SIZE];

	hash_update(h, "abc", 3);
	hash_hex(h, hex);
	hash_hex(h, hex);
	ck_assert_str_eq(hex, empty_hex);

	hash_update(h, "half a body", 11);
	hash_reset(h);
	hash_update(h, "abc", 3);
	hash_update(h, NULL, 0);
	hash_hex(h, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	hash_free(h);
	hash_free(NULL);
}
END_TEST

static const size_t sizes[] = { 0, 1, 55, 56, 63, 64, 65, 4096, 100003,
    (1 << 20) + 7 };

START_TEST(test_matches_sha256sum)
{
	size_t size = sizes[_i], off, piece;
	uint64_t seed = 0x9e3779b97f4a7c15ULL + _i;
	char path[] = "/tmp/check_hash.XXXXXX";
	char hex[HASH_HEX_SIZE], cmd[128], want[HASH_HEX_SIZE] = "";
	unsigned char *data = malloc(size + 1);
	struct hash *h = hash_new();
	FILE *f;
	int fd;

	for (size_t i = 0; i < size; i++)
		data[i] = (unsigned char)next_random(&seed);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, data, size) == (ssize_t)size);
	close(fd);
	snprintf(cmd, sizeof cmd, "sha256sum %s", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%64s", want), 1);
	pclose(f);
	unlink(path);

	for (off = 0; off < size; off += piece) {
		piece = next_random(&seed) % 9000;
		if (piece > size - off)
			piece = size - off;
		hash_update(h, data + off, piece);
	}
	hash_hex(h, hex);
	ck_assert_msg(strcmp(hex, want) == 0, "%zu bytes: %s, sha256sum %s",
	    size, hex, want);
	hash_free(h);
	free(data);
}
END_TEST

static Suite *
hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("sha256");

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_reset);
	tcase_add_loop_test(tc, test_matches_sha256sum, 0,
	    (int)(sizeof sizes / sizeof sizes[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(hash_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
