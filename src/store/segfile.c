/* segfile.c: see segfile.h. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "elapsed.h"
#include "fsio.h"
#include "hash.h"
#include "index.h"
#include "segfile.h"
#include "tokenize.h"
#include "xmalloc.h"

_Static_assert(sizeof(struct index_docrec) == 24, "no padding in docs");
_Static_assert(sizeof(struct index_term) == 40, "no padding in terms");
_Static_assert(sizeof(struct postings_skip) == 24, "no padding in skips");

/* A section as the writer has it in memory. */
struct segfile_part {
	enum segfile_section_id	 id;
	const void		*p;
	uint64_t		 len;
};

static uint64_t
segfile_align(uint64_t off)
{
	return (off + SEGFILE_ALIGN - 1) & ~(uint64_t)(SEGFILE_ALIGN - 1);
}

static void
segfile_parts(const struct index *ix, struct segfile_part *v)
{
	v[0] = (struct segfile_part){ SEGFILE_DOCS, ix->docs,
	    (uint64_t)ix->ndocs * sizeof(*ix->docs) };
	v[1] = (struct segfile_part){ SEGFILE_DL, ix->dl,
	    (uint64_t)ix->ndocs * ix->nfl * sizeof(*ix->dl) };
	v[2] = (struct segfile_part){ SEGFILE_TEXT, ix->text, ix->text_len };
	v[3] = (struct segfile_part){ SEGFILE_IDS, ix->ids,
	    (uint64_t)(ix->ids_mask + 1) * sizeof(*ix->ids) };
	v[4] = (struct segfile_part){ SEGFILE_TERMS, ix->terms,
	    (uint64_t)ix->nterms * sizeof(*ix->terms) };
	v[5] = (struct segfile_part){ SEGFILE_NAMES, ix->names,
	    ix->names_len };
	v[6] = (struct segfile_part){ SEGFILE_POSTINGS, ix->postings.data,
	    ix->postings.len };
	v[7] = (struct segfile_part){ SEGFILE_SKIPS, ix->postings.skips,
	    (uint64_t)ix->postings.nskips * sizeof(*ix->postings.skips) };
}

static void
segfile_header_init(struct segfile_header *h, const struct index *ix)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, SEGFILE_MAGIC, sizeof(h->magic));
	h->version = SEGFILE_VERSION;
	h->order = (uint32_t)SEGFILE_ORDER;
	h->ndocs = ix->ndocs;
	h->nterms = ix->nterms;
	h->npostings = ix->npostings;
	h->total_dl = ix->total_dl;
	h->ids_size = ix->ids_mask + 1;
	h->nskips = ix->postings.nskips;
	h->sections[SEGFILE_DL - 1].reserved = ix->nfl > 1 ? ix->nfl : 0;
}

static int
segfile_fail(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", path, what, strerror(errno));
	return -1;
}

/* Writes the sections after the header, padded; fills in their places. */
static int
segfile_write_parts(int fd, struct segfile_header *h,
    const struct segfile_part *v)
{
	static const char zeros[SEGFILE_ALIGN];
	uint64_t off = segfile_align(sizeof(*h)), pad;
	int i;

	for (i = 0; i < SEGFILE_NSECTIONS; i++) {
		pad = off - (i == 0 ? sizeof(*h) :
		    h->sections[i - 1].off + h->sections[i - 1].len);
		if (pad > 0 && fsio_write(fd, zeros, (size_t)pad) == -1)
			return -1;
		h->sections[i].id = v[i].id;
		/* reserved is the header's: the DL section's says nfl. */
		h->sections[i].off = off;
		h->sections[i].len = v[i].len;
		h->sections[i].sum = XXH3_64bits(v[i].len ? v[i].p : "",
		    (size_t)v[i].len);
		if (v[i].len > 0 && fsio_write(fd, v[i].p, (size_t)v[i].len) ==
		    -1)
			return -1;
		off = segfile_align(off + v[i].len);
	}
	h->file_size = h->sections[SEGFILE_NSECTIONS - 1].off +
	    h->sections[SEGFILE_NSECTIONS - 1].len;
	h->checksum = XXH3_64bits(h, offsetof(struct segfile_header, checksum));
	return 0;
}

int
segfile_write(const struct index *ix, const char *dir, const char *name,
    char *err, size_t errlen)
{
	struct segfile_part v[SEGFILE_NSECTIONS];
	struct segfile_header h;
	char path[4096], tmp[4096];
	int fd;

	if (fsio_path(path, sizeof(path), dir, name) == -1 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -1;
	}
	segfile_header_init(&h, ix);
	segfile_parts(ix, v);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return segfile_fail(err, errlen, tmp, "open");
	if (fsio_write(fd, &h, sizeof(h)) == -1 ||
	    segfile_write_parts(fd, &h, v) == -1 ||
	    fsio_pwrite(fd, &h, sizeof(h), 0) == -1) {
		segfile_fail(err, errlen, tmp, "write");
		goto fail;
	}
	if (fsync(fd) == -1) {
		segfile_fail(err, errlen, tmp, "fsync");
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		segfile_fail(err, errlen, tmp, "close");
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		segfile_fail(err, errlen, path, "rename");
		goto fail;
	}
	if (fsio_sync_dir(dir) == -1)
		return segfile_fail(err, errlen, dir, "fsync");
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

static int segfile_bad(char *, size_t, uint64_t, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static int
segfile_bad(char *err, size_t errlen, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%llu: %s", (unsigned long long)off, msg);
	return -1;
}

static const char *
segfile_section_name(int id)
{
	static const char *const names[] = { "?", "docs", "lengths", "text",
	    "ids", "terms", "names", "postings", "skips" };

	return id >= 1 && id <= SEGFILE_NSECTIONS ? names[id] : names[0];
}

/* Document lengths per document: 0 in the DL section says one. */
static uint32_t
segfile_nfl(const struct segfile_header *h)
{
	uint32_t n = h->sections[SEGFILE_DL - 1].reserved;

	return n > 1 ? n : 1;
}

static int
segfile_check_header(const struct segfile_header *h, size_t len, char *err,
    size_t errlen)
{
	if (len < sizeof(*h))
		return segfile_bad(err, errlen, len, "%s", "truncated before "
		    "the end of the header");
	if (memcmp(h->magic, SEGFILE_MAGIC, sizeof(h->magic)) != 0)
		return segfile_bad(err, errlen, 0, "%s", "not a segment file "
		    "(bad magic)");
	if (h->checksum != XXH3_64bits(h, offsetof(struct segfile_header,
	    checksum)))
		return segfile_bad(err, errlen, 0, "%s", "header checksum "
		    "mismatch");
	if (h->order != (uint32_t)SEGFILE_ORDER)
		return segfile_bad(err, errlen, 0, "%s", "written on a machine "
		    "of another byte order");
	if (h->version != SEGFILE_VERSION)
		return segfile_bad(err, errlen, 0, "%s", "written by another "
		    "version of searchd's segment format");
	if (segfile_nfl(h) > SCHEMA_FIELDS_MAX)
		return segfile_bad(err, errlen, offsetof(struct segfile_header,
		    sections) + (SEGFILE_DL - 1) * sizeof(struct
		    segfile_section), "%s", "more fields than searchd allows");
	if (h->file_size != len)
		return segfile_bad(err, errlen, len < h->file_size ? len :
		    h->file_size, "%s", len < h->file_size ? "truncated: "
		    "shorter than its header says" : "longer than its header "
		    "says");
	return 0;
}

/* The length each section must have, from the header's counts. */
static int
segfile_expected(const struct segfile_header *h, int id, uint64_t *len)
{
	switch (id) {
	case SEGFILE_DOCS:
		*len = (uint64_t)h->ndocs * sizeof(struct index_docrec);
		return 1;
	case SEGFILE_DL:
		*len = (uint64_t)h->ndocs * segfile_nfl(h) * sizeof(uint32_t);
		return 1;
	case SEGFILE_IDS:
		*len = h->ids_size * sizeof(uint64_t);
		return 1;
	case SEGFILE_TERMS:
		*len = (uint64_t)h->nterms * sizeof(struct index_term);
		return 1;
	case SEGFILE_SKIPS:
		*len = h->nskips * sizeof(struct postings_skip);
		return 1;
	default:
		return 0;
	}
}

static int
segfile_zeros(const uint8_t *p, size_t n)
{
	while (n > 0)
		if (p[--n] != 0)
			return 0;
	return 1;
}

static int
segfile_check_sections(const struct segfile_header *h, const uint8_t *p,
    char *err, size_t errlen)
{
	const struct segfile_section *s;
	uint64_t want, end = sizeof(*h);
	int i;

	for (i = 0; i < SEGFILE_NSECTIONS; i++) {
		s = &h->sections[i];
		if (s->off >= end && s->off <= h->file_size &&
		    !segfile_zeros(p + end, (size_t)(s->off - end)))
			return segfile_bad(err, errlen, end, "the padding "
			    "before section %s is not zeros",
			    segfile_section_name(i + 1));
		if (s->id != (uint32_t)i + 1 || s->off % SEGFILE_ALIGN != 0 ||
		    s->off < end || s->off > h->file_size ||
		    s->len > h->file_size - s->off)
			return segfile_bad(err, errlen, offsetof(struct
			    segfile_header, sections) + i * sizeof(*s),
			    "section %s has no proper place",
			    segfile_section_name(i + 1));
		if (segfile_expected(h, i + 1, &want) && want != s->len)
			return segfile_bad(err, errlen, s->off, "section %s has "
			    "the wrong length for the header's counts",
			    segfile_section_name(i + 1));
		if (XXH3_64bits(p + s->off, (size_t)s->len) != s->sum)
			return segfile_bad(err, errlen, s->off, "section %s: "
			    "checksum mismatch", segfile_section_name(i + 1));
		end = s->off + s->len;
	}
	return 0;
}

/*
 * Each field's total length, for its average: not in the header, which
 * has room for the sum only.
 */
static void
segfile_field_totals(struct index *ix)
{
	uint32_t doc, f;

	memset(ix->total_fl, 0, sizeof(ix->total_fl));
	if (ix->nfl == 1) {
		ix->total_fl[0] = ix->total_dl;
		return;
	}
	for (doc = 0; doc < ix->ndocs; doc++)
		for (f = 0; f < ix->nfl; f++)
			ix->total_fl[f] += index_fl(ix, doc)[f];
}

/* Points ix's arrays into the file, whose sections are checked. */
static void
segfile_view(const struct segfile_header *h, const uint8_t *p,
    struct index *ix)
{
	const struct segfile_section *s = h->sections;

	ix->ndocs = h->ndocs;
	ix->nterms = h->nterms;
	ix->npostings = h->npostings;
	ix->total_dl = h->total_dl;
	ix->nfl = segfile_nfl(h);
	ix->docs = (struct index_docrec *)(void *)(p + s[0].off);
	ix->dl = (uint32_t *)(void *)(p + s[1].off);
	ix->text = (char *)(p + s[2].off);
	ix->text_len = s[2].len;
	ix->ids = (uint64_t *)(void *)(p + s[3].off);
	ix->ids_mask = (size_t)h->ids_size - 1;
	ix->terms = (struct index_term *)(void *)(p + s[4].off);
	ix->names = (char *)(p + s[5].off);
	ix->names_len = s[5].len;
	ix->postings.data = (uint8_t *)(p + s[6].off);
	ix->postings.len = ix->postings.cap = s[6].len;
	ix->postings.skips = (struct postings_skip *)(void *)(p + s[7].off);
	ix->postings.nskips = ix->postings.skips_cap = h->nskips;
	segfile_field_totals(ix);
}

/* Each document's fields lie in the text, each ending in a NUL. */
static int
segfile_check_docs(const struct index *ix, uint64_t at, char *err,
    size_t errlen)
{
	const struct index_docrec *d;
	uint64_t end, dl = 0;
	uint32_t doc, f;

	for (doc = 0; doc < ix->ndocs; doc++) {
		d = &ix->docs[doc];
		end = d->off + d->id_len + 1 + (uint64_t)d->text_len + 1 +
		    d->extra_len + 1;
		if (d->title_len != INDEX_NO_TITLE)
			end += (uint64_t)d->title_len + 1;
		if (d->off > ix->text_len || end > ix->text_len ||
		    end < d->off || ix->text[end - 1] != '\0' ||
		    ix->text[d->off + d->id_len] != '\0')
			return segfile_bad(err, errlen, at + doc * sizeof(*d),
			    "%s", "a document lies outside the text");
		for (f = 0; f < ix->nfl; f++)
			dl += index_fl(ix, doc)[f];
	}
	if (dl != ix->total_dl)
		return segfile_bad(err, errlen, 0, "%s", "the document lengths "
		    "do not add up to the header's total");
	return 0;
}

/*
 * Every slot names a document under its id's hash, and every document is
 * found by its id: a search by id must never miss, or find another.  Runs
 * after the documents' ids are checked to lie in the text.
 */
static int
segfile_check_ids(const struct index *ix, uint64_t at, char *err,
    size_t errlen)
{
	const struct index_docrec *d;
	size_t i, size = ix->ids_mask + 1, used = 0;
	uint32_t doc;

	if (size < 2 || (size & (size - 1)) != 0 || size / 2 < ix->ndocs)
		return segfile_bad(err, errlen, at, "%s", "the id table has a "
		    "bad size");
	for (i = 0; i < size; i++) {
		if (ix->ids[i] == INDEX_NO_SLOT)
			continue;
		doc = (uint32_t)ix->ids[i];
		if (doc >= ix->ndocs)
			return segfile_bad(err, errlen, at + i * 8, "%s",
			    "the id table names a document it does not have");
		d = &ix->docs[doc];
		if (ix->ids[i] >> 32 != hash_bytes(ix->text + d->off,
		    d->id_len))
			return segfile_bad(err, errlen, at + i * 8, "%s",
			    "the id table files a document under another hash");
		used++;
	}
	if (used != ix->ndocs)
		return segfile_bad(err, errlen, at, "%s", "the id table does "
		    "not hold every document");
	for (doc = 0; doc < ix->ndocs; doc++) {
		d = &ix->docs[doc];
		if (index_doc_by_id(ix, ix->text + d->off, d->id_len) != doc)
			return segfile_bad(err, errlen, at, "document %u is not "
			    "found by its id", doc);
	}
	return 0;
}

/* Names in order, postings and skips inside the arena. */
static int
segfile_check_terms(const struct index *ix, uint64_t at, char *err,
    size_t errlen)
{
	const struct index_term *t, *prev = NULL;
	const struct postings_skip *sk;
	uint64_t blocks, i;
	size_t n;
	uint32_t k;
	int r;

	for (k = 0; k < ix->nterms; k++, prev = t) {
		t = &ix->terms[k];
		if (t->name_off > ix->names_len || t->name_len >
		    ix->names_len - t->name_off || t->name_len == 0 ||
		    t->name_len > TOKENIZE_TERM_MAX)
			return segfile_bad(err, errlen, at + k * sizeof(*t),
			    "%s", "a term's name lies outside the names");
		if (prev != NULL) {
			n = prev->name_len < t->name_len ? prev->name_len :
			    t->name_len;
			r = memcmp(ix->names + prev->name_off,
			    ix->names + t->name_off, n);
			if (r > 0 || (r == 0 && prev->name_len >= t->name_len))
				return segfile_bad(err, errlen, at + k *
				    sizeof(*t), "%s", "the terms are not in "
				    "order");
		}
		if (t->postings.df == 0 || t->postings.df > ix->ndocs ||
		    t->postings.doc_off > t->postings.pos_off ||
		    t->postings.pos_off > ix->postings.len)
			return segfile_bad(err, errlen, at + k * sizeof(*t),
			    "%s", "a term's postings lie outside the postings");
		if (t->postings.df <= POSTINGS_BLOCK)
			continue;
		blocks = (t->postings.df - 1) / POSTINGS_BLOCK + 1;
		if (t->postings.skip > ix->postings.nskips ||
		    blocks > ix->postings.nskips - t->postings.skip)
			return segfile_bad(err, errlen, at + k * sizeof(*t),
			    "%s", "a term's skips lie outside the skips");
		for (i = 0; i < blocks; i++) {
			sk = &ix->postings.skips[t->postings.skip + i];
			if (sk->doc_off > ix->postings.len ||
			    sk->pos_off > ix->postings.len ||
			    sk->last_doc >= ix->ndocs)
				return segfile_bad(err, errlen, at + k *
				    sizeof(*t), "%s", "a skip lies outside the "
				    "postings");
		}
	}
	return 0;
}

int
segfile_check(const void *p, size_t len, enum segfile_check how, char *err,
    size_t errlen)
{
	const struct segfile_header *h = p;
	struct index ix;

	if (segfile_check_header(h, len, err, errlen) == -1 ||
	    segfile_check_sections(h, p, err, errlen) == -1)
		return -1;
	if (how == SEGFILE_SUMS)
		return 0;
	memset(&ix, 0, sizeof(ix));
	segfile_view(h, p, &ix);
	if (segfile_check_docs(&ix, h->sections[0].off, err, errlen) == -1 ||
	    segfile_check_ids(&ix, h->sections[3].off, err, errlen) == -1 ||
	    segfile_check_terms(&ix, h->sections[4].off, err, errlen) == -1)
		return -1;
	return 0;
}

void
segfile_seal(void *p, size_t len)
{
	struct segfile_header *h = p;
	struct segfile_section *s;
	int i;

	if (len < sizeof(*h))
		return;
	for (i = 0; i < SEGFILE_NSECTIONS; i++) {
		s = &h->sections[i];
		if (s->off <= len && s->len <= len - s->off)
			s->sum = XXH3_64bits((uint8_t *)p + s->off,
			    (size_t)s->len);
	}
	h->checksum = XXH3_64bits(h, offsetof(struct segfile_header, checksum));
}

struct index *
segfile_open(const char *dir, const char *name, enum segfile_check how,
    char *err, size_t errlen)
{
	struct timespec t0, t1;
	struct index *ix;
	struct stat st;
	char path[4096], why[512];
	void *map;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fsio_path(path, sizeof(path), dir, name) == -1) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		segfile_fail(err, errlen, path, "open");
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if ((size_t)st.st_size < sizeof(struct segfile_header)) {
		close(fd);
		snprintf(err, errlen, "%s:%lld: truncated before the end of "
		    "the header", path, (long long)st.st_size);
		return NULL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		segfile_fail(err, errlen, path, "mmap");
		return NULL;
	}
	if (segfile_check(map, (size_t)st.st_size, how, why,
	    sizeof(why)) == -1) {
		munmap(map, (size_t)st.st_size);
		snprintf(err, errlen, "%s:%s", path, why);
		return NULL;
	}
	ix = xcalloc(1, sizeof(*ix));
	atomic_init(&ix->refs, 1);
	segfile_view(map, map, ix);
	ix->map = map;
	ix->map_len = (size_t)st.st_size;
	ix->memory = ix->map_len;
	/* Checked once: searches fault in what they touch. */
	madvise(map, (size_t)st.st_size, MADV_DONTNEED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ix->build_seconds = (double)elapsed_us(&t0, &t1) / 1e6;
	return ix;
}
