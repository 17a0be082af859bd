/* check_run.h: how every unit test program runs its suite and exits. */
#ifndef SEARCHD_CHECK_RUN_H
#define SEARCHD_CHECK_RUN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * Every test case's time limit, in seconds.  Check's default of 4 s is
 * too short for a correct test on a busy machine (make -j8 check on two
 * cores, or a sanitizer build), so no case keeps it.
 */
#define CHECK_TIMEOUT	120

static inline TCase *
check_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, CHECK_TIMEOUT);
	return tc;
}

static inline int
check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Writes len bytes to a new file under /tmp; its name goes into path. */
static inline void
check_write_temp(char *path, size_t size, const void *data, size_t len)
{
	int fd;

	snprintf(path, size, "/tmp/searchd-check.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

#endif
