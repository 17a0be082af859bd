/* Unit tests of elapsed_us: src/common/elapsed.h. */
#include <check.h>

#include "elapsed.h"
#include "check_run.h"

START_TEST(test_elapsed)
{
	struct timespec a = { 10, 999999000 }, b = { 11, 1000 };
	struct timespec c = { 10, 500000000 }, d = { 12, 499999999 };

	/* Across a second boundary the nanoseconds alone are negative. */
	ck_assert_uint_eq(elapsed_us(&a, &b), 2);
	ck_assert_uint_eq(elapsed_us(&c, &d), 1999999);
	ck_assert_uint_eq(elapsed_us(&a, &a), 0);
	/* A clock read out of order is no time, not 2^64 - 2. */
	ck_assert_uint_eq(elapsed_us(&b, &a), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("elapsed");
	TCase *tc = check_tcase("elapsed");

	tcase_add_test(tc, test_elapsed);
	suite_add_tcase(s, tc);
	return check_run(s);
}
