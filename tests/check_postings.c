/* Unit tests of posting compression and cursors: src/engine/postings.[ch]. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "postings.h"
#include "xmalloc.h"
#include "check_run.h"

static void
ck_varint(uint64_t v, size_t want_len)
{
	uint8_t b[POSTINGS_VARINT_MAX + 1];
	const uint8_t *p = b;
	size_t n;

	memset(b, 0xaa, sizeof(b));
	n = postings_put_varint(b, v);
	ck_assert_uint_eq(n, want_len);
	ck_assert_uint_eq(postings_get_varint(&p), v);
	ck_assert_ptr_eq(p, b + n);
}

START_TEST(test_varint_edges)
{
	ck_varint(0, 1);
	ck_varint(1, 1);
	ck_varint(127, 1);
	ck_varint(128, 2);
	ck_varint(16383, 2);
	ck_varint(16384, 3);
	ck_varint(UINT32_MAX, 5);
	ck_varint((uint64_t)UINT32_MAX + 1, 5);
	ck_varint(UINT64_MAX, 10);
}
END_TEST

START_TEST(test_varint_random)
{
	uint8_t b[100000];
	uint64_t v[5000];
	const uint8_t *p = b;
	size_t i, n = 0;

	srandom(7);
	for (i = 0; i < 5000; i++) {
		v[i] = (uint64_t)random() << 33 ^ (uint64_t)random();
		v[i] >>= random() % 64;
		n += postings_put_varint(b + n, v[i]);
	}
	for (i = 0; i < 5000; i++)
		ck_assert_uint_eq(postings_get_varint(&p), v[i]);
	ck_assert_ptr_eq(p, b + n);
}
END_TEST

/*
 * The reference writer: an independent writer of the format in postings.h
 * that the cursor is checked against, sharing nothing with the builder's
 * (streams.h) but the varint.  One term's two streams grow in memory of
 * their own until ref_finish copies them into an arena, cuts them into
 * blocks and frees them.
 */
struct ref_postings {
	uint8_t		*docs;
	size_t		 docs_len;
	size_t		 docs_cap;
	uint8_t		*pos;
	size_t		 pos_len;
	size_t		 pos_cap;
	uint32_t	 df;
	uint32_t	 next;		/* previous document + 1 */
};

/* The largest delta a uint32_t position can need. */
#define REF_POS_VARINT_MAX	5

static void
ref_grow(uint8_t **data, size_t len, size_t *cap, size_t more)
{
	size_t want;

	if (*cap - len >= more)
		return;
	want = *cap ? *cap : 16;
	while (want - len < more)
		want *= 2;
	*data = xreallocarray(*data, 1, want);
	*cap = want;
}

static void
ref_add(struct ref_postings *rp, uint32_t doc, const uint32_t *positions,
    uint32_t tf)
{
	uint64_t v;
	uint32_t i, prev = 0;

	ref_grow(&rp->docs, rp->docs_len, &rp->docs_cap,
	    2 * POSTINGS_VARINT_MAX);
	v = (uint64_t)(doc - rp->next) << 1 | (tf == 1);
	rp->docs_len += postings_put_varint(rp->docs + rp->docs_len, v);
	if (tf != 1)
		rp->docs_len += postings_put_varint(rp->docs + rp->docs_len,
		    tf);
	rp->next = doc + 1;
	rp->df++;

	ref_grow(&rp->pos, rp->pos_len, &rp->pos_cap,
	    (size_t)tf * REF_POS_VARINT_MAX);
	for (i = 0; i < tf; i++) {
		rp->pos_len += postings_put_varint(rp->pos + rp->pos_len,
		    positions[i] - prev);
		prev = positions[i];
	}
}

static void
ref_arena_reserve(struct postings_arena *pa, size_t more)
{
	ref_grow(&pa->data, pa->len, &pa->cap, more);
}

/* Leaves no slack, so that a cursor reading past the end is caught. */
static void
ref_arena_shrink(struct postings_arena *pa)
{
	pa->data = xreallocarray(pa->data, pa->len ? pa->len : 1, 1);
	pa->cap = pa->len;
	pa->skips = xreallocarray(pa->skips, pa->nskips ? pa->nskips : 1,
	    sizeof(*pa->skips));
	pa->skips_cap = pa->nskips;
}

static struct postings_skip *
ref_arena_add_skip(struct postings_arena *pa)
{
	size_t cap;

	if (pa->nskips == pa->skips_cap) {
		cap = pa->skips_cap ? pa->skips_cap * 2 : 64;
		pa->skips = xreallocarray(pa->skips, cap, sizeof(*pa->skips));
		pa->skips_cap = cap;
	}
	return &pa->skips[pa->nskips++];
}

/* Cuts the finished streams into blocks, one skip entry per block. */
static void
ref_skips(const struct ref_postings *rp, struct postings_arena *pa,
    const struct postings *p)
{
	const uint8_t *d = rp->docs, *q = rp->pos;
	struct postings_skip *sk = NULL;
	uint64_t v;
	uint32_t i, j, tf, doc, next = 0;

	for (i = 0; i < rp->df; i++) {
		if (i % POSTINGS_BLOCK == 0) {
			sk = ref_arena_add_skip(pa);
			sk->doc_off = p->doc_off + (uint64_t)(d - rp->docs);
			sk->pos_off = p->pos_off + (uint64_t)(q - rp->pos);
		}
		v = postings_get_varint(&d);
		tf = (v & 1) ? 1 : (uint32_t)postings_get_varint(&d);
		doc = next + (uint32_t)(v >> 1);
		next = doc + 1;
		for (j = 0; j < tf; j++)
			postings_get_varint(&q);
		sk->last_doc = doc;
	}
}

/* Appends a term's streams to the arena, fills in p and frees rp's. */
static void
ref_finish(struct ref_postings *rp, struct postings_arena *pa,
    struct postings *p)
{
	ref_arena_reserve(pa, rp->docs_len + rp->pos_len);
	p->df = rp->df;
	p->skip = 0;
	p->doc_off = pa->len;
	if (rp->docs_len > 0)
		memcpy(pa->data + pa->len, rp->docs, rp->docs_len);
	pa->len += rp->docs_len;
	p->pos_off = pa->len;
	if (rp->pos_len > 0)
		memcpy(pa->data + pa->len, rp->pos, rp->pos_len);
	pa->len += rp->pos_len;
	if (rp->df > POSTINGS_BLOCK) {
		p->skip = (uint32_t)pa->nskips;
		ref_skips(rp, pa, p);
	}
	free(rp->docs);
	free(rp->pos);
	memset(rp, 0, sizeof(*rp));
}

/* A term's postings built from known documents and positions. */
struct fixture {
	struct postings_arena	 arena;
	struct postings		 p;
	uint32_t		*docs;
	uint32_t		*tfs;
	uint32_t		**pos;
	uint32_t		 n;
};

static void
fixture_build(struct fixture *f, uint32_t n, uint32_t maxgap)
{
	struct ref_postings rp;
	uint32_t i, j, doc = 0;

	memset(f, 0, sizeof(*f));
	memset(&rp, 0, sizeof(rp));
	f->n = n;
	f->docs = calloc(n, sizeof(*f->docs));
	f->tfs = calloc(n, sizeof(*f->tfs));
	f->pos = calloc(n, sizeof(*f->pos));
	for (i = 0; i < n; i++) {
		doc += (i == 0 ? 0 : 1) + (uint32_t)random() % maxgap;
		f->docs[i] = doc;
		f->tfs[i] = 1 + (random() % 3 == 0 ? (uint32_t)random() % 9 : 0);
		f->pos[i] = calloc(f->tfs[i], sizeof(**f->pos));
		for (j = 0; j < f->tfs[i]; j++)
			f->pos[i][j] = (j ? f->pos[i][j - 1] + 1 : 0) +
			    (uint32_t)random() % 300;
		ref_add(&rp, doc, f->pos[i], f->tfs[i]);
	}
	/* Something else in the arena first, so offsets are not zero. */
	ref_arena_reserve(&f->arena, 3);
	f->arena.len = 3;
	ref_finish(&rp, &f->arena, &f->p);
	ref_arena_shrink(&f->arena);
}

static void
fixture_free(struct fixture *f)
{
	uint32_t i;

	for (i = 0; i < f->n; i++)
		free(f->pos[i]);
	free(f->pos);
	free(f->docs);
	free(f->tfs);
	postings_arena_free(&f->arena);
}

static void
ck_positions(struct fixture *f, struct postings_cursor *c, uint32_t i)
{
	uint32_t got[16];

	postings_cursor_positions(c, got);
	ck_assert_int_eq(memcmp(got, f->pos[i], f->tfs[i] * sizeof(*got)), 0);
}

START_TEST(test_cursor_sequential)
{
	struct fixture f;
	struct postings_cursor c;
	uint32_t i, sizes[] = { 1, 127, 128, 129, 1000 };
	size_t k;

	srandom(11);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		fixture_build(&f, sizes[k], 5);
		ck_assert_uint_eq(f.p.df, sizes[k]);
		ck_assert_uint_eq(f.arena.nskips,
		    sizes[k] > POSTINGS_BLOCK ?
		    (sizes[k] + POSTINGS_BLOCK - 1) / POSTINGS_BLOCK : 0);
		postings_cursor_init(&c, f.arena.data, f.arena.skips, &f.p);
		for (i = 0; i < f.n; i++) {
			ck_assert_uint_eq(c.doc, f.docs[i]);
			ck_assert_uint_eq(c.tf, f.tfs[i]);
			/* Positions of every third posting only: skipping. */
			if (i % 3 == 0)
				ck_positions(&f, &c, i);
			postings_cursor_next(&c);
		}
		ck_assert_uint_eq(c.doc, POSTINGS_END);
		ck_assert_uint_eq(postings_cursor_next(&c), POSTINGS_END);
		fixture_free(&f);
	}
}
END_TEST

/* Seeks with strides from below the mean gap to many blocks at once. */
static void
ck_seeks(uint32_t maxgap)
{
	struct fixture f;
	struct postings_cursor c;
	uint32_t i, target, round;

	fixture_build(&f, 5000, maxgap);
	for (round = 0; round < 50; round++) {
		postings_cursor_init(&c, f.arena.data, f.arena.skips, &f.p);
		target = 0;
		i = 0;
		for (;;) {
			target += (uint32_t)random() %
			    ((round * 100 + 2) * (maxgap / 40));
			while (i < f.n && f.docs[i] < target)
				i++;
			if (i == f.n) {
				ck_assert_uint_eq(postings_cursor_seek(&c,
				    target), POSTINGS_END);
				break;
			}
			ck_assert_uint_eq(postings_cursor_seek(&c, target),
			    f.docs[i]);
			ck_assert_uint_eq(c.tf, f.tfs[i]);
			ck_positions(&f, &c, i);
			/* Asking twice gives the same positions. */
			ck_positions(&f, &c, i);
		}
	}
	fixture_free(&f);
}

START_TEST(test_cursor_seek)
{
	srandom(13);
	ck_seeks(40);
	/* Gaps of two- and three-byte varints too. */
	ck_seeks(20000);
}
END_TEST

START_TEST(test_large_values)
{
	struct postings_arena arena;
	struct ref_postings rp;
	struct postings p;
	struct postings_cursor c;
	uint32_t pos[2] = { 0, UINT32_MAX - 2 }, got[2];

	memset(&arena, 0, sizeof(arena));
	memset(&rp, 0, sizeof(rp));
	ref_add(&rp, 0, pos, 1);
	ref_add(&rp, UINT32_MAX - 2, pos, 2);
	ref_finish(&rp, &arena, &p);
	postings_cursor_init(&c, arena.data, arena.skips, &p);
	ck_assert_uint_eq(c.doc, 0);
	ck_assert_uint_eq(postings_cursor_seek(&c, 5), UINT32_MAX - 2);
	ck_assert_uint_eq(c.tf, 2);
	postings_cursor_positions(&c, got);
	ck_assert_uint_eq(got[0], 0);
	ck_assert_uint_eq(got[1], UINT32_MAX - 2);
	ck_assert_uint_eq(postings_cursor_next(&c), POSTINGS_END);
	postings_arena_free(&arena);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("postings");
	TCase *tc = check_tcase("postings");

	tcase_add_test(tc, test_varint_edges);
	tcase_add_test(tc, test_varint_random);
	tcase_add_test(tc, test_cursor_sequential);
	tcase_add_test(tc, test_cursor_seek);
	tcase_add_test(tc, test_large_values);
	suite_add_tcase(s, tc);
	return check_run(s);
}
