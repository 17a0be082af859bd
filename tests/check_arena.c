/* Unit tests of the bump allocator: src/common/arena.c. */
#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check_run.h"

static int
ck_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != 0)
			return 0;
	}
	return 1;
}

START_TEST(test_first_block)
{
	struct arena a;
	char first[256];
	unsigned char *p, *q;

	memset(first, 0xaa, sizeof(first));
	/* A misaligned first block is aligned, not overrun. */
	arena_init(&a, first + 1, sizeof(first) - 1);
	p = arena_alloc(&a, 10);
	q = arena_alloc(&a, 100);
	ck_assert((char *)p >= first + 1 && (char *)q + 100 <= first + 256);
	ck_assert_uint_eq((uintptr_t)p % alignof(max_align_t), 0);
	ck_assert_uint_eq((uintptr_t)q % alignof(max_align_t), 0);
	ck_assert(ck_zero(p, 10) && ck_zero(q, 100));
	ck_assert_ptr_null(a.heap);
	arena_free(&a);
}
END_TEST

START_TEST(test_heap_blocks)
{
	struct arena a;
	char first[64];
	unsigned char *p, *big;
	char *s;
	int i;

	arena_init(&a, first, sizeof(first));
	/* Past the first block, then one larger than a heap block. */
	for (i = 0; i < 200; i++) {
		p = arena_alloc(&a, 48);
		ck_assert(ck_zero(p, 48));
		memset(p, 0xff, 48);
	}
	ck_assert_ptr_nonnull(a.heap);
	big = arena_alloc(&a, 100000);
	ck_assert(ck_zero(big, 100000));
	s = arena_strndup(&a, "hello, world", 5);
	ck_assert_str_eq(s, "hello");
	arena_free(&a);
	ck_assert_ptr_null(a.heap);
}
END_TEST

START_TEST(test_grow)
{
	struct arena a;
	char first[128];
	uint32_t *v = NULL, i;
	size_t n = 0;

	arena_init(&a, first, sizeof(first));
	for (i = 0; i < 1000; i++) {
		if (n == 0 || (n >= 4 && (n & (n - 1)) == 0))
			v = arena_grow(&a, v, n, n ? n : 4, sizeof(*v));
		v[n++] = i * 7;
	}
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(v[i], i * 7);
	arena_free(&a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = check_tcase("arena");

	tcase_add_test(tc, test_first_block);
	tcase_add_test(tc, test_heap_blocks);
	tcase_add_test(tc, test_grow);
	suite_add_tcase(s, tc);
	return check_run(s);
}
