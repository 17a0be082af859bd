/* attrfile.c: see attrfile.h. */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "attrfile.h"
#include "buf.h"
#include "engine.h"
#include "fsio.h"
#include "log.h"
#include "manifest.h"
#include "segfile.h"
#include "xmalloc.h"

#define ATTRFILE_ORDER		0x0102030405060708ULL
#define ATTRFILE_MAX		((uint64_t)1 << 40)

static uint64_t
attrfile_schema_sum(const struct schema *sc)
{
	struct buf b;
	uint64_t sum;
	size_t i;

	buf_init(&b);
	for (i = 0; i < sc->nattrs; i++)
		buf_addf(&b, "%s %s %d\n", sc->attrs[i].name,
		    attr_type_name(sc->attrs[i].type), sc->attrs[i].multi);
	sum = XXH3_64bits(b.len ? b.data : "", b.len);
	buf_free(&b);
	return sum;
}

static uint64_t
attrfile_segment_sum(const struct index *ix)
{
	struct segfile_header h;

	memcpy(&h, ix->map, sizeof(h));
	return h.checksum;
}

static void
attrfile_put(struct buf *b, const void *p, size_t len)
{
	static const char zeros[8];

	buf_add(b, len ? p : "", len);
	if (len % 8 != 0)
		buf_add(b, zeros, 8 - len % 8);
}

static void
attrfile_put_col(struct buf *b, const struct attr_col *c, enum attr_type t,
    uint32_t ndocs)
{
	struct attrfile_col h;

	memset(&h, 0, sizeof(h));
	h.nvals = c->nvals;
	h.min = c->min;
	h.max = c->max;
	if (t == ATTR_STRING) {
		h.nstr = c->nstr;
		h.str_len = c->str_offs[c->nstr];
	}
	attrfile_put(b, &h, sizeof(h));
	attrfile_put(b, c->offs, ((size_t)ndocs + 1) * sizeof(*c->offs));
	if (t != ATTR_STRING) {
		attrfile_put(b, c->vals.i, c->nvals * sizeof(int64_t));
		return;
	}
	attrfile_put(b, c->vals.ord, c->nvals * sizeof(uint32_t));
	attrfile_put(b, c->str_offs, ((size_t)c->nstr + 1) * sizeof(uint64_t));
	attrfile_put(b, c->str, h.str_len);
}

void
attrfile_seal(void *p, size_t len)
{
	struct attrfile_head h;

	memcpy(&h, p, sizeof(h));
	h.body_sum = XXH3_64bits((uint8_t *)p + sizeof(h), len - sizeof(h));
	h.checksum = XXH3_64bits(&h, offsetof(struct attrfile_head, checksum));
	memcpy(p, &h, sizeof(h));
}

int
attrfile_write(const struct index *ix, const char *dir, uint64_t file,
    char *err, size_t errlen)
{
	const struct schema *sc = ix->schema;
	struct attrfile_head h;
	struct buf b;
	char name[64];
	size_t i;
	int rc;

	if (sc == NULL || sc->nattrs == 0 || ix->cols == NULL ||
	    ix->map == NULL)
		return 0;
	buf_init(&b);
	memset(&h, 0, sizeof(h));
	buf_add(&b, &h, sizeof(h));
	for (i = 0; i < sc->nattrs; i++)
		attrfile_put_col(&b, &ix->cols[i], sc->attrs[i].type,
		    ix->ndocs);
	memcpy(h.magic, ATTRFILE_MAGIC, sizeof(h.magic));
	h.version = ATTRFILE_VERSION;
	h.order = (uint32_t)ATTRFILE_ORDER;
	h.file_size = b.len;
	h.segment_sum = attrfile_segment_sum(ix);
	h.schema_sum = attrfile_schema_sum(sc);
	h.ndocs = ix->ndocs;
	h.ncols = (uint32_t)sc->nattrs;
	memcpy(b.data, &h, sizeof(h));
	attrfile_seal(b.data, b.len);
	manifest_att_name(name, sizeof(name), file);
	rc = fsio_replace(dir, name, b.data, b.len, err, errlen);
	buf_free(&b);
	return rc;
}

/* Reads the file; NULL with *absent or the reason. */
static uint8_t *
attrfile_load(const char *dir, uint64_t file, size_t *len, int *absent,
    char *err, size_t errlen)
{
	struct attrfile_head h;
	struct stat st;
	char name[64], path[4096];
	uint8_t *p;
	int fd;

	*absent = 0;
	manifest_att_name(name, sizeof(name), file);
	if (fsio_path(path, sizeof(path), dir, name) == -1) {
		snprintf(err, errlen, "path too long");
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*absent = errno == ENOENT;
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)sizeof(h) || (uint64_t)st.st_size >
	    ATTRFILE_MAX || fsio_pread(fd, &h, sizeof(h), 0) == -1 ||
	    h.checksum != XXH3_64bits(&h, offsetof(struct attrfile_head,
	    checksum)) || h.file_size != (uint64_t)st.st_size) {
		/* Its header vouches for its size before it is read whole. */
		snprintf(err, errlen, "not an attribute file of this "
		    "machine, or damaged");
		close(fd);
		return NULL;
	}
	*len = (size_t)st.st_size;
	p = xmalloc(*len);
	if (fsio_pread(fd, p, *len, 0) == -1) {
		snprintf(err, errlen, "read: %s", strerror(errno));
		free(p);
		p = NULL;
	}
	close(fd);
	return p;
}

/* A view of the file's bytes still to read. */
struct attrfile_in {
	const uint8_t	*p;
	size_t		 left;
};

/* Copies the next array out of the file; NULL if the file ends first. */
static void *
attrfile_take(struct attrfile_in *in, uint64_t n, size_t size)
{
	uint64_t len, padded;
	void *v;

	if (n > ATTRFILE_MAX / size)
		return NULL;
	len = n * size;
	padded = (len + 7) & ~(uint64_t)7;
	if (padded > in->left)
		return NULL;
	v = xmalloc(len ? (size_t)len : 1);
	memcpy(v, in->p, (size_t)len);
	in->p += padded;
	in->left -= (size_t)padded;
	return v;
}

/* Offsets from 0 to last, each document with at most max values. */
static int
attrfile_offs_ok(const uint32_t *v, size_t n, uint64_t last, uint32_t max)
{
	size_t i;

	if (v[0] != 0 || v[n - 1] != last)
		return 0;
	for (i = 1; i < n; i++)
		if (v[i] < v[i - 1] || v[i] - v[i - 1] > max)
			return 0;
	return 1;
}

/* Whether the strings are in strictly increasing byte order. */
static int
attrfile_strings_ok(const struct attr_col *c, uint64_t str_len)
{
	const char *a, *b;
	size_t la, lb;
	uint32_t i;

	if (c->str_offs[0] != 0 || c->str_offs[c->nstr] != str_len)
		return 0;
	for (i = 0; i < c->nstr; i++)
		if (c->str_offs[i + 1] < c->str_offs[i])
			return 0;
	for (i = 1; i < c->nstr; i++) {
		a = attr_string(c, i - 1, &la);
		b = attr_string(c, i, &lb);
		if (attr_bytes_cmp(a, la, b, lb) >= 0)
			return 0;
	}
	return 1;
}

/*
 * Every value as attrs_attach makes them, as the searches rely on: ints
 * within the column's bounds (facets size arrays by them), floats finite
 * and never -0 (sorts and facets need a total order), strings numbered
 * within the dictionary.
 */
static int
attrfile_values_ok(const struct attr_col *c, enum attr_type t)
{
	uint64_t j;

	for (j = 0; j < c->nvals; j++) {
		if (t == ATTR_INT && (c->vals.i[j] < c->min ||
		    c->vals.i[j] > c->max))
			return 0;
		if (t == ATTR_FLOAT && (!isfinite(c->vals.f[j]) ||
		    (c->vals.f[j] == 0 && signbit(c->vals.f[j]))))
			return 0;
		if (t == ATTR_STRING && c->vals.ord[j] >= c->nstr)
			return 0;
	}
	return 1;
}

static int
attrfile_get_col(struct attrfile_in *in, struct attr_col *c,
    const struct attr_def *a, uint32_t ndocs)
{
	enum attr_type t = a->type;
	struct attrfile_col h;

	if (in->left < sizeof(h))
		return -1;
	memcpy(&h, in->p, sizeof(h));
	in->p += sizeof(h);
	in->left -= sizeof(h);
	c->nvals = h.nvals;
	c->min = h.min;
	c->max = h.max;
	if ((c->offs = attrfile_take(in, (uint64_t)ndocs + 1,
	    sizeof(*c->offs))) == NULL || h.nvals > UINT32_MAX ||
	    !attrfile_offs_ok(c->offs, (size_t)ndocs + 1, h.nvals,
	    a->multi ? ATTRS_VALUES_MAX : 1))
		return -1;
	if (t != ATTR_STRING)
		return (c->vals.i = attrfile_take(in, h.nvals,
		    sizeof(int64_t))) == NULL ||
		    !attrfile_values_ok(c, t) ? -1 : 0;
	c->nstr = h.nstr;
	if (h.nstr == UINT32_MAX || (c->vals.ord = attrfile_take(in, h.nvals,
	    sizeof(uint32_t))) == NULL ||
	    (c->str_offs = attrfile_take(in, (uint64_t)h.nstr + 1,
	    sizeof(uint64_t))) == NULL ||
	    (c->str = attrfile_take(in, h.str_len, 1)) == NULL ||
	    !attrfile_strings_ok(c, h.str_len) || !attrfile_values_ok(c, t))
		return -1;
	attrs_make_lists(c, ndocs);
	return 0;
}

static int
attrfile_bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

int
attrfile_read(struct index *ix, const char *dir, uint64_t file, char *err,
    size_t errlen)
{
	const struct schema *sc = ix->schema;
	struct attrfile_head h;
	struct attrfile_in in;
	struct attr_col *cols;
	uint8_t *p;
	size_t len, i;
	int absent, rc = 0;

	if (sc == NULL || sc->nattrs == 0)
		return 0;
	if ((p = attrfile_load(dir, file, &len, &absent, err, errlen)) == NULL)
		return absent ? 1 : -1;
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, ATTRFILE_MAGIC, sizeof(h.magic)) != 0 ||
	    h.version != ATTRFILE_VERSION || h.order != (uint32_t)ATTRFILE_ORDER ||
	    h.checksum != XXH3_64bits(&h, offsetof(struct attrfile_head,
	    checksum)) || h.file_size != len)
		rc = attrfile_bad(err, errlen, "not an attribute file of this "
		    "machine, or damaged");
	else if (h.segment_sum != attrfile_segment_sum(ix) ||
	    h.ndocs != ix->ndocs)
		rc = attrfile_bad(err, errlen, "made for another segment file");
	else if (h.schema_sum != attrfile_schema_sum(sc) ||
	    h.ncols != sc->nattrs)
		rc = attrfile_bad(err, errlen, "made for other attributes");
	else if (h.body_sum != XXH3_64bits(p + sizeof(h), len - sizeof(h)))
		rc = attrfile_bad(err, errlen, "checksum mismatch");
	if (rc == -1) {
		free(p);
		return -1;
	}
	in.p = p + sizeof(h);
	in.left = len - sizeof(h);
	cols = xcalloc(sc->nattrs, sizeof(*cols));
	for (i = 0; i < sc->nattrs && rc == 0; i++)
		if (attrfile_get_col(&in, &cols[i], &sc->attrs[i],
		    ix->ndocs) == -1)
			rc = attrfile_bad(err, errlen, "its columns do not add "
			    "up");
	free(p);
	if (rc == 0 && in.left != 0)
		rc = attrfile_bad(err, errlen, "bytes after its columns");
	if (rc == -1) {
		attrs_free(cols, sc->nattrs);
		return -1;
	}
	ix->cols = cols;
	ix->memory += attrs_memory(cols, sc->nattrs, ix->ndocs);
	return 0;
}

int
attrfile_attach(struct index *ix, const char *dir, uint64_t file, char *err,
    size_t errlen)
{
	char why[512], name[64];
	int rc;

	if ((rc = attrfile_read(ix, dir, file, why, sizeof(why))) == 0)
		return 0;
	manifest_att_name(name, sizeof(name), file);
	if (rc == -1)
		log_warnx("%s/%s: %s; making the columns again from the "
		    "documents", dir, name, why);
	if (attrs_attach(ix, err, errlen) == -1)
		return -1;
	if (attrfile_write(ix, dir, file, why, sizeof(why)) == -1)
		log_warnx("%s; the next start makes the columns again", why);
	return 0;
}
