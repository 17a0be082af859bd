/*
 * Unit tests of the files of a data_dir: src/store/wal.c (records, torn
 * tails, damage), manifest.c, segfile.c and delfile.c, each written and
 * read back, then damaged a byte at a time.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrfile.h"
#include "check_engine.h"
#include "check_run.h"
#include "corpus.h"
#include "delfile.h"
#include "engine.h"
#include "manifest.h"
#include "segfile.h"
#include "wal.h"

static char tmpdir[64];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/searchd-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct build_doc
doc(const char *id, const char *title, const char *text)
{
	struct build_doc d;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.id_len = strlen(id);
	d.title = title;
	d.title_len = title ? strlen(title) : 0;
	d.text = text;
	d.text_len = strlen(text);
	d.extra = "\"k\": 1";
	d.extra_len = 6;
	return d;
}

/* A log file of n records, alternating adds and deletes from seq 1. */
static void
make_log(struct buf *b, int n, size_t *ends)
{
	struct build_doc d[2];
	const char *ids[2] = { "a", "bb" };
	size_t lens[2] = { 1, 2 };
	int i;

	buf_init(b);
	wal_encode_file_head(b, 7);
	d[0] = doc("a", "Title", "the white rabbit");
	d[1] = doc("bb", NULL, "");
	for (i = 0; i < n; i++) {
		if (i % 2 == 0)
			wal_encode_add(b, (uint64_t)i + 1, d, 2);
		else
			wal_encode_delete(b, (uint64_t)i + 1, ids, lens, 2);
		if (ends != NULL)
			ends[i] = b->len;
	}
}

static int
count_apply(void *arg, const struct wal_record *r, char *err, size_t len)
{
	int *n = arg;

	if (r->type == WAL_ADD) {
		ck_assert_uint_eq(r->ndocs, 2);
		ck_assert_int_eq(memcmp(r->docs[0].text, "the white rabbit",
		    16), 0);
		ck_assert_ptr_null(r->docs[1].title);
		ck_assert_uint_eq(r->docs[0].extra_len, 6);
	} else {
		ck_assert_uint_eq(r->nids, 2);
		ck_assert_int_eq(memcmp(r->ids[1], "bb", 2), 0);
	}
	(*n)++;
	return 0;
}

START_TEST(test_wal_roundtrip)
{
	struct wal_scan scan;
	struct buf b;
	char err[256];
	int n = 0;

	make_log(&b, 6, NULL);
	ck_assert_int_eq(wal_scan((uint8_t *)b.data, b.len, 7, 0, count_apply,
	    &n, &scan, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 6);
	ck_assert_uint_eq(scan.first_seq, 1);
	ck_assert_uint_eq(scan.last_seq, 6);
	ck_assert_uint_eq(scan.end, b.len);
	ck_assert_int_eq(scan.torn, 0);
	/* Another file number, or the wrong previous sequence, is damage. */
	ck_assert_int_eq(wal_scan((uint8_t *)b.data, b.len, 8, 0, NULL, NULL,
	    &scan, err, sizeof(err)), -1);
	ck_assert_int_eq(wal_scan((uint8_t *)b.data, b.len, 7, 5, NULL, NULL,
	    &scan, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "sequence number 1 follows 5") != NULL,
	    "%s", err);
	buf_free(&b);
}
END_TEST

/* Cut anywhere in the last record: a torn tail, everything before kept. */
START_TEST(test_wal_torn_tail)
{
	struct wal_scan scan;
	struct buf b;
	size_t ends[5], cut;
	char err[256];
	int n;

	make_log(&b, 5, ends);
	for (cut = ends[3] + 1; cut < ends[4]; cut++) {
		n = 0;
		ck_assert_int_eq(wal_scan((uint8_t *)b.data, cut, 7, 0,
		    count_apply, &n, &scan, err, sizeof(err)), 0);
		ck_assert_int_eq(n, 4);
		ck_assert_int_eq(scan.torn, 1);
		ck_assert_uint_eq(scan.end, ends[3]);
	}
	/* Zeros after the last record, as a preallocated tail has. */
	buf_reserve(&b, 4096);
	memset(b.data + b.len, 0, 4096);
	n = 0;
	ck_assert_int_eq(wal_scan((uint8_t *)b.data, b.len + 4096, 7, 0,
	    count_apply, &n, &scan, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(scan.torn, 1);
	ck_assert_uint_eq(scan.end, b.len);
	buf_free(&b);
}
END_TEST

/* A bad byte with valid records after it is damage, named by offset. */
START_TEST(test_wal_damage_in_the_middle)
{
	struct wal_scan scan;
	struct buf b;
	size_t ends[5], at;
	char err[256], want[32];
	int n;

	make_log(&b, 5, ends);
	for (at = ends[1]; at < ends[2]; at++) {
		b.data[at] ^= 0x5a;
		n = 0;
		ck_assert_int_eq(wal_scan((uint8_t *)b.data, b.len, 7, 0,
		    count_apply, &n, &scan, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%zu: ", ends[1]);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0 &&
		    strstr(err, "the log is damaged") != NULL, "%zu: %s", at,
		    err);
		ck_assert_int_eq(n, 2);
		b.data[at] ^= 0x5a;
	}
	buf_free(&b);
}
END_TEST

/* Random bytes never crash the decoder, and decode what they say. */
START_TEST(test_wal_garbage)
{
	struct wal_record r;
	const char *why;
	uint8_t p[256];
	uint32_t magic = WAL_RECORD_MAGIC, len;
	unsigned seed = 1, i, k;

	wal_record_init(&r);
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < sizeof(p); k++)
			p[k] = (uint8_t)(rand_r(&seed) >> 7);
		memcpy(p, &magic, 4);
		p[4] = (uint8_t)(1 + i % 2);
		len = rand_r(&seed) % 300;
		memcpy(p + 8, &len, 4);
		(void)wal_decode(p, sizeof(p), &r, &why);
	}
	wal_record_free(&r);
}
END_TEST

START_TEST(test_manifest)
{
	struct manifest m, m2;
	struct buf b;
	char err[128];
	size_t i;

	manifest_init(&m);
	m.checkpoint = 1234;
	m.log = 17;
	m.next = 19;
	manifest_add(&m, 3, 2);
	manifest_add(&m, 9, 0);
	buf_init(&b);
	manifest_encode(&m, &b);
	ck_assert_int_eq(manifest_decode(b.data, b.len, &m2, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(m2.checkpoint, 1234);
	ck_assert_uint_eq(m2.log, 17);
	ck_assert_uint_eq(m2.next, 19);
	ck_assert_uint_eq(m2.nsegs, 2);
	ck_assert_uint_eq(m2.segs[0].delgen, 2);
	ck_assert_uint_eq(m2.segs[1].file, 9);
	manifest_free(&m2);
	/* Any changed byte is refused; so is any cut. */
	for (i = 0; i < b.len; i++) {
		b.data[i] ^= 0x01;
		ck_assert_int_eq(manifest_decode(b.data, b.len, &m2, err,
		    sizeof(err)), -1);
		b.data[i] ^= 0x01;
		ck_assert_int_eq(manifest_decode(b.data, i, &m2, err,
		    sizeof(err)), -1);
	}
	ck_assert_int_eq(manifest_write(tmpdir, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(manifest_read(tmpdir, &m2, err, sizeof(err)), 0);
	ck_assert_uint_eq(m2.nsegs, 2);
	manifest_free(&m2);
	manifest_free(&m);
	buf_free(&b);
}
END_TEST

static struct index *
small_index_in(struct schema *sc)
{
	struct build *b = build_new(sc);
	struct corpus_doc cd;
	char id[16], text[64];
	uint32_t dup;
	int i;

	for (i = 0; i < 300; i++) {
		memset(&cd, 0, sizeof(cd));
		buf_init(&cd.extra);
		snprintf(id, sizeof(id), "d%d", i);
		snprintf(text, sizeof(text), "word%d common rabbit%d the",
		    i % 17, i % 5);
		cd.id = id;
		cd.id_len = strlen(id);
		cd.text = text;
		cd.text_len = strlen(text);
		cd.title = i % 3 == 0 ? "A title" : NULL;
		cd.title_len = cd.title ? 7 : 0;
		ck_assert_int_eq(build_add(b, &cd, &dup), 0);
	}
	return build_finish(b);
}

static struct index *
small_index(void)
{
	return small_index_in(NULL);
}

static void
ck_same_search(struct index *a, struct index *b, const char *q)
{
	struct index_hit h1[20], h2[20];
	struct query *pq;
	uint64_t t1, t2;
	char err[64];
	size_t n1, n2, i;

	pq = query_parse(q, strlen(q), NULL, 0, err, sizeof(err));
	n1 = check_search(a, q, strlen(q), pq, 0, 20, h1, &t1);
	n2 = check_search(b, q, strlen(q), pq, 0, 20, h2, &t2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_uint_eq(t1, t2);
	for (i = 0; i < n1; i++) {
		ck_assert_uint_eq(h1[i].doc, h2[i].doc);
		ck_assert(h1[i].score == h2[i].score);
	}
	query_free(pq);
}

START_TEST(test_segfile_roundtrip)
{
	struct index *ix = small_index(), *m;
	char err[512];

	ck_assert_int_eq(segfile_write(ix, tmpdir, "00000001.seg", err,
	    sizeof(err)), 0);
	m = segfile_open(tmpdir, "00000001.seg", SEGFILE_FULL, err,
	    sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_ptr_nonnull(m->map);
	ck_assert_uint_eq(m->ndocs, ix->ndocs);
	ck_same_search(ix, m, "rabbit1");
	ck_same_search(ix, m, "word1* OR common");
	ck_same_search(ix, m, "\"common rabbit2\"");
	ck_same_search(ix, m, "d7");
	index_free(m);
	index_free(ix);
}
END_TEST

/* Every byte changed, one at a time: refused, with where. */
START_TEST(test_segfile_damage)
{
	struct index *ix = small_index();
	struct stat st;
	char err[512], path[128];
	unsigned char *p, c;
	size_t i, step;
	int fd, refused = 0;

	ck_assert_int_eq(segfile_write(ix, tmpdir, "00000002.seg", err,
	    sizeof(err)), 0);
	index_free(ix);
	snprintf(path, sizeof(path), "%s/00000002.seg", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	p = malloc((size_t)st.st_size);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	/* Every byte of the header, then bytes spread over the sections. */
	step = (size_t)st.st_size / 997 + 1;
	for (i = 0; i < (size_t)st.st_size; i += i < 512 ? 1 : step) {
		c = p[i];
		p[i] ^= 0x20;
		if (segfile_check(p, (size_t)st.st_size, SEGFILE_SUMS, err,
		    sizeof(err)) == -1)
			refused++;
		else
			ck_assert_msg(0, "byte %zu changed went unnoticed", i);
		p[i] = c;
	}
	ck_assert_int_gt(refused, 500);
	ck_assert_int_eq(segfile_check(p, (size_t)st.st_size, SEGFILE_FULL,
	    err, sizeof(err)), 0);
	/* Cut short anywhere. */
	for (i = 0; i < (size_t)st.st_size; i += step)
		ck_assert_int_eq(segfile_check(p, i, SEGFILE_SUMS, err,
		    sizeof(err)), -1);
	/* Damage in the postings is named by its section. */
	{
		const struct segfile_header *h = (const void *)p;
		size_t at = h->sections[SEGFILE_POSTINGS - 1].off + 3;
		char want[64];

		p[at] ^= 1;
		ck_assert_int_eq(segfile_check(p, (size_t)st.st_size,
		    SEGFILE_SUMS, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%llu: section postings: "
		    "checksum mismatch", (unsigned long long)(at - 3));
		ck_assert_str_eq(err, want);
		p[at] ^= 1;
	}
	free(p);
	/* A truncated file is refused by open too, with the path. */
	ck_assert_int_eq(truncate(path, st.st_size - 1), 0);
	ck_assert_ptr_null(segfile_open(tmpdir, "00000002.seg", SEGFILE_SUMS,
	    err, sizeof(err)));
	ck_assert_msg(strstr(err, "00000002.seg:") != NULL &&
	    strstr(err, "truncated") != NULL, "%s", err);
}
END_TEST

/*
 * Damage the checksums cannot see (sealed after it was made): a restart's
 * quick check takes the file, the full check, which every file passed
 * when it was written, refuses it and says where.
 */
START_TEST(test_segfile_sealed_damage)
{
	struct index *ix = small_index();
	struct segfile_header *h;
	struct index_docrec *d;
	struct index_term *t;
	struct stat st;
	char err[512], path[128], want[96];
	unsigned char *p;
	size_t at;
	int fd;

	ck_assert_int_eq(segfile_write(ix, tmpdir, "00000003.seg", err,
	    sizeof(err)), 0);
	index_free(ix);
	snprintf(path, sizeof(path), "%s/00000003.seg", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	p = malloc((size_t)st.st_size);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	h = (void *)p;

	at = h->sections[SEGFILE_DOCS - 1].off + 2 * sizeof(*d);
	d = (void *)(p + at);
	d->off = h->sections[SEGFILE_TEXT - 1].len;	/* past the text */
	segfile_seal(p, (size_t)st.st_size);
	ck_assert_int_eq(segfile_check(p, (size_t)st.st_size, SEGFILE_SUMS,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(segfile_check(p, (size_t)st.st_size, SEGFILE_FULL,
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%zu: a document lies outside the text",
	    at);
	ck_assert_str_eq(err, want);
	free(p);

	/* Two terms out of order: a search would miss one. */
	p = malloc((size_t)st.st_size);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	h = (void *)p;
	t = (void *)(p + h->sections[SEGFILE_TERMS - 1].off);
	ck_assert_uint_gt(h->nterms, 2);
	{
		struct index_term x = t[0];

		t[0] = t[1];
		t[1] = x;
	}
	segfile_seal(p, (size_t)st.st_size);
	ck_assert_int_eq(segfile_check(p, (size_t)st.st_size, SEGFILE_FULL,
	    err, sizeof(err)), -1);
	free(p);
}
END_TEST

/*
 * A segment keeps a length per field and document: read back alike, and
 * a forged count of fields refused.
 */
START_TEST(test_segfile_fields)
{
	struct schema *sc = schema_new(NULL);
	struct index *ix, *m;
	struct segfile_header *h;
	struct stat st;
	char err[512], path[128];
	unsigned char *p;
	uint32_t *reserved;
	int fd;

	schema_add_field(sc, "title", 3, 0.75);
	schema_add_field(sc, "text", 1, 0.5);
	schema_add_field(sc, "none", 1, 0.75);
	ix = small_index_in(sc);
	ck_assert_uint_eq(ix->nfl, 3);
	ck_assert_uint_eq(ix->total_fl[0], 100 * 2);
	ck_assert_uint_eq(ix->total_fl[1], 300 * 4);
	ck_assert_uint_eq(ix->total_fl[2], 0);
	ck_assert_int_eq(segfile_write(ix, tmpdir, "00000009.seg", err,
	    sizeof(err)), 0);
	m = segfile_open(tmpdir, "00000009.seg", SEGFILE_FULL, err,
	    sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	m->schema = schema_retain(sc);
	ck_assert_uint_eq(m->nfl, 3);
	ck_assert_mem_eq(m->total_fl, ix->total_fl, sizeof(ix->total_fl));
	ck_assert_mem_eq(m->dl, ix->dl, ix->ndocs * 3 * sizeof(*ix->dl));
	ck_same_search(ix, m, "rabbit1 OR title");
	ck_same_search(ix, m, "\"common rabbit2\"");
	index_free(m);
	index_free(ix);
	schema_free(sc);

	snprintf(path, sizeof(path), "%s/00000009.seg", tmpdir);
	ck_assert_int_eq(stat(path, &st), 0);
	p = malloc((size_t)st.st_size);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	h = (void *)p;
	reserved = &h->sections[SEGFILE_DL - 1].reserved;
	ck_assert_uint_eq(*reserved, 3);
	*reserved = 17;
	segfile_seal(p, (size_t)st.st_size);
	ck_assert_int_eq(segfile_check(p, (size_t)st.st_size, SEGFILE_SUMS,
	    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "more fields than searchd allows") != NULL,
	    "%s", err);
	*reserved = 2;
	segfile_seal(p, (size_t)st.st_size);
	ck_assert_int_eq(segfile_check(p, (size_t)st.st_size, SEGFILE_SUMS,
	    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "section lengths has the wrong length") !=
	    NULL, "%s", err);
	free(p);
}
END_TEST

/* A mapped segment with attributes price (float), n (int), tag (string). */
static struct index *
attr_segment(struct schema *sc, const char *name)
{
	struct build *b = build_new(sc);
	struct corpus_doc cd;
	struct index *ix, *m;
	char id[16], extra[128], err[512];
	uint32_t dup;
	int i;

	for (i = 0; i < 50; i++) {
		memset(&cd, 0, sizeof(cd));
		buf_init(&cd.extra);
		snprintf(id, sizeof(id), "d%d", i);
		snprintf(extra, sizeof(extra), "\"price\": %d.5, \"n\": %d, "
		    "\"tag\": [\"t%d\", \"u\"]", i, i % 7, i % 3);
		buf_add(&cd.extra, extra, strlen(extra));
		cd.id = id;
		cd.id_len = strlen(id);
		cd.text = "some words";
		cd.text_len = 10;
		ck_assert_int_eq(build_add(b, &cd, &dup), 0);
		buf_free(&cd.extra);
	}
	ix = build_finish(b);
	ck_assert_int_eq(segfile_write(ix, tmpdir, name, err, sizeof(err)), 0);
	index_free(ix);
	m = segfile_open(tmpdir, name, SEGFILE_FULL, err, sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	m->schema = schema_retain(sc);
	return m;
}

static size_t
read_whole(const char *path, uint8_t **p)
{
	struct stat st;
	int fd;

	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*p = malloc((size_t)st.st_size);
	ck_assert_int_eq(read(fd, *p, (size_t)st.st_size), st.st_size);
	close(fd);
	return (size_t)st.st_size;
}

static void
write_whole(const char *path, const uint8_t *p, size_t len)
{
	int fd;

	ck_assert_int_ne(fd = open(path, O_WRONLY | O_TRUNC), -1);
	ck_assert_int_eq(write(fd, p, len), (ssize_t)len);
	close(fd);
}

/*
 * Saved columns read back equal; a file whose checksums match but whose
 * columns break what searches rely on (a NaN, a -0, two values of a
 * single attribute in one document, a string number past the dictionary)
 * is refused, as is a FIFO, which must not block the start.
 */
START_TEST(test_attrfile)
{
	struct schema *sc = schema_new(NULL);
	struct index *ix, *m;
	struct attrfile_head h;
	const struct attr_col *a, *c;
	uint8_t *p, *q;
	char err[512], path[128];
	size_t len, at, k;
	double bad[2] = { 0, 0 };
	uint32_t two, big;

	schema_add(sc, "price", ATTR_FLOAT, 0);
	schema_add(sc, "n", ATTR_INT, 0);
	schema_add(sc, "tag", ATTR_STRING, 1);
	ix = attr_segment(sc, "00000004.seg");
	ck_assert_int_eq(attrfile_read(ix, tmpdir, 4, err, sizeof(err)), 1);
	ck_assert_int_eq(attrs_attach(ix, err, sizeof(err)), 0);
	ck_assert_int_eq(attrfile_write(ix, tmpdir, 4, err, sizeof(err)), 0);
	m = attr_segment(sc, "00000004.seg");
	ck_assert_int_eq(attrfile_read(m, tmpdir, 4, err, sizeof(err)), 0);
	for (k = 0; k < 3; k++) {
		a = &ix->cols[k];
		c = &m->cols[k];
		ck_assert_uint_eq(a->nvals, c->nvals);
		ck_assert_mem_eq(a->offs, c->offs, 51 * sizeof(uint32_t));
		if (k < 2)
			ck_assert_mem_eq(a->vals.i, c->vals.i, a->nvals * 8);
	}
	ck_assert_uint_eq(c->nstr, 4);
	ck_assert_mem_eq(a->ord_offs, c->ord_offs, 5 * sizeof(uint32_t));
	ck_assert_mem_eq(a->ord_docs, c->ord_docs, a->ord_offs[4] * 4);
	index_free(m);

	snprintf(path, sizeof(path), "%s/00000004.att", tmpdir);
	len = read_whole(path, &p);
	q = malloc(len);
	/* The price values follow the first column's head and offsets. */
	at = sizeof(h) + sizeof(struct attrfile_col) + 51 * 4 + 4;
	bad[0] = NAN;
	bad[1] = -0.0;
	/* The places are right: doc 0's price, offsets, first tag. */
	memcpy(&bad[0], p + at, 8);
	ck_assert(bad[0] == 0.5);
	memcpy(&two, p + sizeof(h) + sizeof(struct attrfile_col) + 8, 4);
	ck_assert_uint_eq(two, 2);
	memcpy(&big, p + sizeof(h) + 3 * sizeof(struct attrfile_col) +
	    3 * 208 + 2 * 400, 4);
	ck_assert_uint_lt(big, 4);
	/* Sealed again but unchanged, it is read. */
	attrfile_seal(p, len);
	write_whole(path, p, len);
	m = attr_segment(sc, "00000004.seg");
	ck_assert_int_eq(attrfile_read(m, tmpdir, 4, err, sizeof(err)), 0);
	index_free(m);
	bad[0] = NAN;
	for (k = 0; k < 4; k++) {
		memcpy(q, p, len);
		if (k < 2)
			memcpy(q + at, &bad[k], 8);
		else if (k == 2) {
			/* Document 0 holds document 1's price too. */
			memcpy(&two, q + sizeof(h) + sizeof(struct attrfile_col) +
			    8, 4);
			memcpy(q + sizeof(h) + sizeof(struct attrfile_col) + 4,
			    &two, 4);
		} else {
			/* tag's first value, past price's and n's columns. */
			big = 4;
			memcpy(q + sizeof(h) + 3 * sizeof(struct attrfile_col) +
			    3 * 208 + 2 * 400, &big, 4);
		}
		attrfile_seal(q, len);
		write_whole(path, q, len);
		m = attr_segment(sc, "00000004.seg");
		ck_assert_int_eq(attrfile_read(m, tmpdir, 4, err, sizeof(err)),
		    -1);
		ck_assert_str_eq(err, "its columns do not add up");
		index_free(m);
	}
	free(q);
	free(p);
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	m = attr_segment(sc, "00000004.seg");
	ck_assert_int_eq(attrfile_read(m, tmpdir, 4, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "not an attribute file of this machine, or "
	    "damaged");
	index_free(m);
	index_free(ix);
	schema_free(sc);
}
END_TEST

START_TEST(test_delfile)
{
	struct index *ix = small_index();
	struct deletes *d, *r;
	struct deletes_scratch sc;
	char err[512], path[128];
	uint32_t t;
	int fd;

	deletes_scratch_init(&sc);
	d = deletes_new(ix);
	ck_assert_int_eq(deletes_mark(d, ix, 5, &sc), 0);
	ck_assert_int_eq(deletes_mark(d, ix, 299, &sc), 0);
	ck_assert_int_eq(deletes_mark(d, ix, 40000 % 300, &sc), 0);
	ck_assert_int_eq(deletes_mark(d, ix, 5, &sc), -1);
	ck_assert_int_eq(delfile_write(d, tmpdir, "00000001.1.del", err,
	    sizeof(err)), 0);
	r = delfile_read(ix, tmpdir, "00000001.1.del", err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_uint_eq(r->count, 3);
	ck_assert_uint_eq(r->dl, d->dl);
	ck_assert(deletes_has(r, 5) && deletes_has(r, 299) &&
	    !deletes_has(r, 6));
	for (t = 0; t < ix->nterms; t++)
		ck_assert_uint_eq(deletes_df(r, t), deletes_df(d, t));
	deletes_free(r);
	/* One bit flipped in it: refused with the path. */
	snprintf(path, sizeof(path), "%s/00000001.1.del", tmpdir);
	fd = open(path, O_RDWR);
	ck_assert_int_eq(pwrite(fd, "\xff", 1, 60), 1);
	close(fd);
	ck_assert_ptr_null(delfile_read(ix, tmpdir, "00000001.1.del", err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "checksum mismatch") != NULL, "%s", err);
	deletes_free(d);
	deletes_scratch_free(&sc);
	index_free(ix);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = check_tcase("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_wal_roundtrip);
	tcase_add_test(tc, test_wal_torn_tail);
	tcase_add_test(tc, test_wal_damage_in_the_middle);
	tcase_add_test(tc, test_wal_garbage);
	tcase_add_test(tc, test_manifest);
	tcase_add_test(tc, test_segfile_roundtrip);
	tcase_add_test(tc, test_segfile_damage);
	tcase_add_test(tc, test_segfile_sealed_damage);
	tcase_add_test(tc, test_segfile_fields);
	tcase_add_test(tc, test_delfile);
	tcase_add_test(tc, test_attrfile);
	suite_add_tcase(s, tc);
	return check_run(s);
}
