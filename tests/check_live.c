/*
 * Unit tests of an index that takes writes: src/engine/live.c, merge.c,
 * deletes.c and snapshot.c.  Random sequences of adds, replaces, deletes
 * and merges (some with deletes arriving while they run) are checked
 * against a fresh build of the surviving documents in the order they were
 * last written: every query must give the same ids, the same total and
 * the same scores to 1e-9.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_engine.h"
#include "check_run.h"
#include "corpus.h"
#include "engine.h"

#define NIDS		240		/* ids are reused: replaces happen */
#define NWORDS		120

/* The model: what a fresh build would hold, in last-written order. */
struct model_doc {
	int		 live;
	uint64_t	 written;
	char		 id[16];
	char		*title;		/* NULL: none */
	char		*text;
};

static struct model_doc	model[NIDS];
static uint64_t		clock_;
static uint64_t		rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Words with a skewed frequency, some sharing prefixes. */
static void
word(unsigned i, char *out, size_t len)
{
	static const char *const stems[] = { "ra", "rab", "cat", "ca", "do",
	    "dog", "whi", "the", "a", "mo" };

	snprintf(out, len, "%s%u", stems[i % 10], i / 10);
}

static char *
words(unsigned n)
{
	char *s = malloc(n * 16 + 1), w[16];
	unsigned i, k;

	s[0] = '\0';
	for (i = 0; i < n; i++) {
		k = rnd_below(NWORDS);
		k = k * k / NWORDS;		/* more small numbers */
		word(k, w, sizeof(w));
		if (i > 0)
			strcat(s, " ");
		strcat(s, w);
	}
	return s;
}

/* A random document for id slot i, kept in *bd's and the model's strings. */
static void
make_doc(unsigned i, struct build_doc *bd, char **title, char **text)
{
	memset(bd, 0, sizeof(*bd));
	*title = rnd_below(3) == 0 ? words(1 + rnd_below(3)) : NULL;
	*text = words(1 + rnd_below(30));
	bd->id = model[i].id;
	bd->id_len = strlen(model[i].id);
	bd->title = *title;
	bd->title_len = *title ? strlen(*title) : 0;
	bd->text = *text;
	bd->text_len = strlen(*text);
	bd->extra = "";
}

static void
model_set(unsigned i, char *title, char *text)
{
	free(model[i].title);
	free(model[i].text);
	model[i].title = title;
	model[i].text = text;
	model[i].live = 1;
	model[i].written = ++clock_;
}

static void
model_kill(unsigned i)
{
	free(model[i].title);
	free(model[i].text);
	model[i].title = model[i].text = NULL;
	model[i].live = 0;
}

static void
op_add(struct live *l, uint64_t *seq)
{
	struct build_doc bd[24];
	char *title[24], *text[24], err[128];
	unsigned slot[24], n = 1 + rnd_below(24), k;

	for (k = 0; k < n; k++) {
		/* Now and then the same id twice in one batch. */
		slot[k] = k > 0 && rnd_below(8) == 0 ? slot[k - 1] :
		    rnd_below(NIDS);
		make_doc(slot[k], &bd[k], &title[k], &text[k]);
	}
	ck_assert_int_eq(live_add(l, bd, n, ++*seq, NULL, err, sizeof(err)),
	    0);
	for (k = 0; k < n; k++)
		model_set(slot[k], title[k], text[k]);
	live_compact(l);
}

static void
op_delete(struct live *l, uint64_t *seq)
{
	const char *ids[6];
	size_t lens[6], want = 0, i;
	unsigned slot[6], n = 1 + rnd_below(6), k;

	for (k = 0; k < n; k++) {
		slot[k] = rnd_below(NIDS);
		for (i = 0; i < k; i++)
			if (slot[i] == slot[k])
				break;
		if (i == k && model[slot[k]].live)
			want++;
		ids[k] = model[slot[k]].id;
		lens[k] = strlen(ids[k]);
	}
	ck_assert_uint_eq(live_delete(l, ids, lens, n, ++*seq), want);
	for (k = 0; k < n; k++)
		model_kill(slot[k]);
}

static int
written_cmp(const void *a, const void *b)
{
	const struct model_doc *x = *(struct model_doc *const *)a;
	const struct model_doc *y = *(struct model_doc *const *)b;

	return (x->written > y->written) - (x->written < y->written);
}

static struct index *
fresh_build(void)
{
	struct model_doc *v[NIDS];
	struct corpus_doc cd;
	struct build *b = build_new(NULL);
	uint32_t dup;
	size_t n = 0, i;

	for (i = 0; i < NIDS; i++)
		if (model[i].live)
			v[n++] = &model[i];
	qsort(v, n, sizeof(*v), written_cmp);
	for (i = 0; i < n; i++) {
		memset(&cd, 0, sizeof(cd));
		buf_init(&cd.extra);
		cd.id = v[i]->id;
		cd.id_len = strlen(v[i]->id);
		cd.title = v[i]->title;
		cd.title_len = v[i]->title ? strlen(v[i]->title) : 0;
		cd.text = v[i]->text;
		cd.text_len = strlen(v[i]->text);
		ck_assert_int_eq(build_add(b, &cd, &dup), 0);
	}
	return build_finish(b);
}

static void
query_text(char *q, size_t len)
{
	char a[16], b[16];

	word(rnd_below(NWORDS) * rnd_below(NWORDS) / NWORDS, a, sizeof(a));
	word(rnd_below(NWORDS) * rnd_below(NWORDS) / NWORDS, b, sizeof(b));
	switch (rnd_below(8)) {
	case 0:
		snprintf(q, len, "%s", a);
		break;
	case 1:
		snprintf(q, len, "%s %s", a, b);
		break;
	case 2:
		snprintf(q, len, "%s OR %s", a, b);
		break;
	case 3:
		snprintf(q, len, "\"%s %s\"", a, b);
		break;
	case 4:
		snprintf(q, len, "%.2s*", a);
		break;
	case 5:
		snprintf(q, len, "%s -%s", a, b);
		break;
	case 6:
		snprintf(q, len, "%.3s* OR %s", b, a);
		break;
	default:
		snprintf(q, len, "d%u", rnd_below(NIDS));
		break;
	}
}

/* One query on both; the same ids in the same order, scores to 1e-9. */
static void
compare_query(const struct snapshot *got, const struct snapshot *want,
    const char *q, size_t offset)
{
	struct index_hit h1[40], h2[40];
	struct index_doc d1, d2;
	struct query *pq;
	uint64_t t1, t2;
	char err[128];
	size_t n1, n2, i;

	pq = query_parse(q, strlen(q), NULL, 0, err, sizeof(err));
	n1 = search_run(got, q, strlen(q), pq, offset, 40, h1, &t1);
	n2 = search_run(want, q, strlen(q), pq, offset, 40, h2, &t2);
	ck_assert_msg(t1 == t2 && n1 == n2, "%s: total %llu/%llu, %zu/%zu "
	    "hits", q, (unsigned long long)t1, (unsigned long long)t2, n1, n2);
	for (i = 0; i < n1; i++) {
		snapshot_doc(got, h1[i].doc, &d1);
		snapshot_doc(want, h2[i].doc, &d2);
		ck_assert_msg(d1.id_len == d2.id_len &&
		    memcmp(d1.id, d2.id, d1.id_len) == 0, "%s: hit %zu is "
		    "%.*s, want %.*s", q, i, (int)d1.id_len, d1.id,
		    (int)d2.id_len, d2.id);
		ck_assert_msg(fabs(h1[i].score - h2[i].score) <= 1e-9,
		    "%s: hit %zu scores %.17g, want %.17g", q, i, h1[i].score,
		    h2[i].score);
	}
	query_free(pq);
}

static void
compare(struct live *l)
{
	struct snapshot *got = live_snapshot(l), *want;
	struct index *ix = fresh_build();
	char q[64];
	int i;

	want = snapshot_of(ix);
	index_free(ix);
	ck_assert_uint_eq(got->ndocs, want->ndocs);
	ck_assert_uint_eq(got->total_dl, want->total_dl);
	ck_assert_uint_eq(l->ndocs, want->ndocs);
	for (i = 0; i < 40; i++) {
		query_text(q, sizeof(q));
		compare_query(got, want, q, i % 5 == 0 ? rnd_below(10) : 0);
	}
	snapshot_release(got);
	snapshot_release(want);
}

/* Merges a random run of adjacent segments, deleting while it runs. */
static void
op_merge(struct live *l, uint64_t *seq)
{
	struct live_merge m;
	struct index *out;
	uint32_t **maps;
	size_t first, n;

	if (l->nsegs < 2)
		return;
	n = 2 + rnd_below((unsigned)(l->nsegs - 1));
	if (n > l->nsegs)
		n = l->nsegs;
	first = rnd_below((unsigned)(l->nsegs - n + 1));
	ck_assert_int_eq(live_merge_begin(l, first, n, &m), 0);
	/* Writes that arrive while the merge runs must survive it. */
	if (rnd_below(2) == 0)
		op_delete(l, seq);
	if (rnd_below(2) == 0)
		op_add(l, seq);
	maps = calloc(m.n, sizeof(*maps));
	out = merge_run(m.in, m.n, maps);
	if (rnd_below(3) == 0)
		op_delete(l, seq);
	live_merge_end(l, &m, out, maps, 7);
}

static void
models_init(void)
{
	unsigned i;

	for (i = 0; i < NIDS; i++) {
		model_kill(i);
		snprintf(model[i].id, sizeof(model[i].id), "d%u", i);
	}
}

static void
run_sequence(unsigned ops, unsigned merge_every)
{
	struct live l;
	uint64_t seq = 0;
	unsigned i, r;

	models_init();
	live_init(&l, NULL);
	for (i = 0; i < ops; i++) {
		r = rnd_below(10);
		if (r < 6)
			op_add(&l, &seq);
		else if (r < 9)
			op_delete(&l, &seq);
		if (merge_every > 0 && i % merge_every == merge_every - 1)
			op_merge(&l, &seq);
		if (i % 40 == 39)
			compare(&l);
		/* Small segments pile up only to the merge factor per size. */
		ck_assert_uint_le(l.nsegs, 64);
	}
	compare(&l);
	ck_assert_uint_eq(l.seq, seq);
	live_free(&l);
	models_init();
}

START_TEST(test_writes_match_fresh_build)
{
	run_sequence(1200, 0);
}
END_TEST

START_TEST(test_merges_match_fresh_build)
{
	run_sequence(1200, 17);
}
END_TEST

/* Everything deleted, then written again. */
START_TEST(test_delete_all)
{
	struct live l;
	const char *ids[NIDS];
	size_t lens[NIDS];
	uint64_t seq = 0;
	unsigned i;

	models_init();
	live_init(&l, NULL);
	for (i = 0; i < 60; i++)
		op_add(&l, &seq);
	for (i = 0; i < NIDS; i++) {
		ids[i] = model[i].id;
		lens[i] = strlen(ids[i]);
		model_kill(i);
	}
	live_delete(&l, ids, lens, NIDS, ++seq);
	ck_assert_uint_eq(l.ndocs, 0);
	compare(&l);
	live_compact(&l);
	for (i = 0; i < 10; i++)
		op_add(&l, &seq);
	compare(&l);
	live_free(&l);
	models_init();
}
END_TEST

/* A snapshot taken before writes does not see them, nor change. */
START_TEST(test_snapshot_isolation)
{
	struct live l;
	struct snapshot *before;
	struct index_hit h[4];
	struct query *q;
	uint64_t total, seq = 0;
	char err[64];
	unsigned i;

	models_init();
	live_init(&l, NULL);
	for (i = 0; i < 30; i++)
		op_add(&l, &seq);
	before = live_snapshot(&l);
	q = query_parse("a0", 2, NULL, 0, err, sizeof(err));
	search_run(before, "a0", 2, q, 0, 4, h, &total);
	for (i = 0; i < 80; i++) {
		op_delete(&l, &seq);
		op_add(&l, &seq);
	}
	op_merge(&l, &seq);
	{
		struct index_hit h2[4];
		uint64_t total2;

		ck_assert_uint_eq(search_run(before, "a0", 2, q, 0, 4, h2,
		    &total2), total < 4 ? total : 4);
		ck_assert_uint_eq(total2, total);
		for (i = 0; i < (total < 4 ? total : 4); i++) {
			ck_assert_uint_eq(h[i].doc, h2[i].doc);
			ck_assert(h[i].score == h2[i].score);
		}
	}
	query_free(q);
	snapshot_release(before);
	compare(&l);
	live_free(&l);
	models_init();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("live");
	TCase *tc = check_tcase("live");

	tcase_add_test(tc, test_writes_match_fresh_build);
	tcase_add_test(tc, test_merges_match_fresh_build);
	tcase_add_test(tc, test_delete_all);
	tcase_add_test(tc, test_snapshot_isolation);
	suite_add_tcase(s, tc);
	return check_run(s);
}
