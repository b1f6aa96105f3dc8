/* The documentation keeps up with the code: every option in the option
 * table is in --help and in the man page, and so is every error kind. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "errkind.h"
#include "harness.h"

static char *
slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

/* roff writes a literal '-' as '\-': undo that before searching. */
static char *
man_page_text(void)
{
	const char *path = getenv("SCRAPE_MAN");
	char *text = slurp_file(path ? path : "man/scrape.1");
	char *r = text, *w = text;

	for (; *r; r++) {
		if (r[0] == '\\' && r[1] == '-')
			continue;
		*w++ = *r;
	}
	*w = '\0';
	return text;
}

static char *
help_text(void)
{
	const char *const argv[] = { "--help", NULL };
	struct run *run = run_scrape(NULL, 0, 10, argv);
	char *text;

	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_uint_eq(run->err_len, 0);
	text = strdup(run->out);
	run_free(run);
	return text;
}

static void
assert_mentions(const char *doc, const char *what, const char *name)
{
	char needle[128];

	snprintf(needle, sizeof needle, "--%s", name);
	ck_assert_msg(strstr(doc, needle) != NULL, "%s does not document %s",
	    what, needle);
}

START_TEST(test_every_option_in_help)
{
	char *help = help_text();

	for (const char *const *n = cli_option_names(); *n != NULL; n++)
		assert_mentions(help, "--help", *n);
	free(help);
}
END_TEST

START_TEST(test_every_option_in_man_page)
{
	char *man = man_page_text();

	for (const char *const *n = cli_option_names(); *n != NULL; n++)
		assert_mentions(man, "man/scrape.1", *n);
	free(man);
}
END_TEST

START_TEST(test_every_error_kind_in_man_page)
{
	char *man = man_page_text();

	for (int k = ERR_NONE + 1; k < ERR_KIND_COUNT; k++)
		ck_assert_msg(strstr(man, errkind_name(k)) != NULL,
		    "man/scrape.1 does not document kind %s", errkind_name(k));
	free(man);
}
END_TEST

START_TEST(test_help_fits_one_screen)
{
	char *help = help_text();
	int lines = 0, width = 0;

	for (const char *p = help; *p; p++) {
		width = *p == '\n' ? 0 : width + 1;
		ck_assert_msg(width <= 80, "--help has a line over 80 columns");
		lines += *p == '\n';
	}
	ck_assert_int_le(lines, 40);
	free(help);
}
END_TEST

START_TEST(test_version)
{
	const char *const argv[] = { "--version", NULL };
	struct run *run = run_scrape(NULL, 0, 10, argv);

	ck_assert_int_eq(run->exit_status, 0);
	ck_assert_msg(strncmp(run->out, "scrape 1.", 9) == 0, "%s", run->out);
	run_free(run);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("docs");
	TCase *tc = tcase_create("docs");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_every_option_in_help);
	tcase_add_test(tc, test_every_option_in_man_page);
	tcase_add_test(tc, test_every_error_kind_in_man_page);
	tcase_add_test(tc, test_help_fits_one_screen);
	tcase_add_test(tc, test_version);
	suite_add_tcase(suite, tc);
	sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
