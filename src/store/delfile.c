/* delfile.c: see delfile.h. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* XXH3_state_t on the stack: its size is part of the ABI we link. */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "buf.h"
#include "deletes.h"
#include "delfile.h"
#include "fsio.h"
#include "index.h"
#include "xmalloc.h"

struct delfile_head {
	char		magic[8];
	uint32_t	version;
	uint32_t	ndocs;
	uint32_t	nterms;
	uint32_t	count;
	uint32_t	nterms_used;	/* terms with deleted documents */
	uint32_t	reserved;
	uint64_t	dl;
	uint64_t	sum;		/* of the file, this field zero */
};

static uint64_t
delfile_sum(const struct delfile_head *head, const uint8_t *body,
    size_t len)
{
	struct delfile_head h = *head;
	XXH3_state_t st;

	h.sum = 0;
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, &h, sizeof(h));
	XXH3_64bits_update(&st, len ? body : (const uint8_t *)"", len);
	return XXH3_64bits_digest(&st);
}

static size_t
delfile_words(uint32_t ndocs)
{
	return ((size_t)ndocs + 63) / 64;
}

/* The bitmap, then (term, count) pairs for every term with a count. */
static void
delfile_body(const struct deletes *d, struct buf *b, uint32_t *used)
{
	const struct deletes_page *p;
	uint64_t zero = 0, w;
	uint32_t t, n, pair[2];
	size_t i, per = (1u << DELETES_BITS_SHIFT) / 64;

	for (i = 0; i < delfile_words(d->ndocs); i++) {
		p = d->bits[i / per];
		w = p != NULL ? p->v[i % per] : zero;
		buf_add(b, &w, sizeof(w));
	}
	*used = 0;
	for (t = 0; t < d->nterms; t++) {
		if ((n = deletes_df(d, t)) == 0)
			continue;
		pair[0] = t;
		pair[1] = n;
		buf_add(b, pair, sizeof(pair));
		(*used)++;
	}
}

int
delfile_write(const struct deletes *d, const char *dir, const char *name,
    char *err, size_t errlen)
{
	struct delfile_head h;
	struct buf b;
	int rc;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, DELFILE_MAGIC, sizeof(h.magic));
	h.version = DELFILE_VERSION;
	h.ndocs = d->ndocs;
	h.nterms = d->nterms;
	h.count = d->count;
	h.dl = d->dl;
	buf_init(&b);
	buf_add(&b, &h, sizeof(h));
	delfile_body(d, &b, &h.nterms_used);
	h.sum = delfile_sum(&h, (const uint8_t *)b.data + sizeof(h),
	    b.len - sizeof(h));
	memcpy(b.data, &h, sizeof(h));
	rc = fsio_replace(dir, name, b.data, b.len, err, errlen);
	buf_free(&b);
	return rc;
}

static struct deletes *
delfile_bad(char *err, size_t errlen, const char *path, size_t off,
    const char *why, struct deletes *d)
{
	snprintf(err, errlen, "%s:%zu: %s", path, off, why);
	deletes_free(d);
	return NULL;
}

/* Builds the deletions from a checked file's bytes. */
static struct deletes *
delfile_parse(const struct index *ix, const uint8_t *p, size_t len,
    const char *path, char *err, size_t errlen)
{
	struct delfile_head h;
	struct deletes *d;
	const uint8_t *body = p + sizeof(h);
	uint64_t w;
	uint32_t t, n, prev = 0;
	size_t i, words, bit;

	memcpy(&h, p, sizeof(h));
	words = delfile_words(ix->ndocs);
	if (h.ndocs != ix->ndocs || h.nterms != ix->nterms ||
	    len != sizeof(h) + words * 8 + (size_t)h.nterms_used * 8)
		return delfile_bad(err, errlen, path, 0, "not the deletions "
		    "of this segment (its counts differ)", NULL);
	d = deletes_new(ix);
	for (i = 0; i < words; i++) {
		memcpy(&w, body + i * 8, 8);
		for (; w != 0; w &= w - 1) {
			bit = i * 64 + (size_t)__builtin_ctzll(w);
			if (bit >= ix->ndocs)
				return delfile_bad(err, errlen, path,
				    sizeof(h) + i * 8, "a deleted document "
				    "past the segment's last", d);
			deletes_set(d, ix, (uint32_t)bit);
		}
	}
	if (d->count != h.count || d->dl != h.dl)
		return delfile_bad(err, errlen, path, sizeof(h), "the bitmap "
		    "does not add up to the header's counts", d);
	body += words * 8;
	for (i = 0; i < h.nterms_used; i++) {
		memcpy(&t, body + i * 8, 4);
		memcpy(&n, body + i * 8 + 4, 4);
		if (t >= ix->nterms || (i > 0 && t <= prev) || n == 0 ||
		    n > ix->terms[t].postings.df)
			return delfile_bad(err, errlen, path, sizeof(h) +
			    words * 8 + i * 8, "a bad term count", d);
		deletes_set_df(d, t, n);
		prev = t;
	}
	return d;
}

struct deletes *
delfile_read(const struct index *ix, const char *dir, const char *name,
    char *err, size_t errlen)
{
	struct delfile_head h;
	struct deletes *d = NULL;
	struct stat st;
	char path[4096];
	uint8_t *p = NULL;
	size_t len;
	int fd;

	if (fsio_path(path, sizeof(path), dir, name) == -1) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	len = (size_t)st.st_size;
	if (len < sizeof(h)) {
		snprintf(err, errlen, "%s:%zu: truncated", path, len);
		goto out;
	}
	p = xmalloc(len);
	if (fsio_pread(fd, p, len, 0) == -1) {
		snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
		goto out;
	}
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, DELFILE_MAGIC, sizeof(h.magic)) != 0 ||
	    h.version != DELFILE_VERSION)
		snprintf(err, errlen, "%s:0: not a deletions file of this "
		    "version", path);
	else if (h.sum != delfile_sum(&h, p + sizeof(h), len - sizeof(h)))
		snprintf(err, errlen, "%s:0: checksum mismatch", path);
	else
		d = delfile_parse(ix, p, len, path, err, errlen);
out:
	free(p);
	if (fd != -1)
		close(fd);
	return d;
}
