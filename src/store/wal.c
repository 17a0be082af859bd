/* wal.c: see wal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XXH3_state_t on the stack: its size is part of the ABI we link. */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "wal.h"
#include "xmalloc.h"

struct wal_file_head {
	char		magic[8];
	uint32_t	version;
	uint32_t	reserved;
	uint64_t	fileno;
	uint64_t	sum;
};
_Static_assert(sizeof(struct wal_file_head) == WAL_FILE_HEAD_SIZE,
    "file head size");

#define WAL_NO_TITLE	UINT32_MAX

static size_t
wal_pad(size_t len)
{
	return (8 - (len & 7)) & 7;
}

static uint64_t
wal_sum(const struct wal_head *h, const uint8_t *payload, size_t len)
{
	XXH3_state_t st;

	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, h, offsetof(struct wal_head, sum));
	if (len > 0)
		XXH3_64bits_update(&st, payload, len);
	return XXH3_64bits_digest(&st);
}

static void
wal_put_u32(struct buf *b, uint32_t v)
{
	buf_add(b, &v, sizeof(v));
}

static void
wal_put_bytes(struct buf *b, const char *p, size_t len)
{
	if (len > 0)
		buf_add(b, p, len);
}

/* Reserves the header, then fills it in once the payload is written. */
static size_t
wal_begin(struct buf *out)
{
	struct wal_head h;
	size_t at = out->len;

	memset(&h, 0, sizeof(h));
	buf_add(out, &h, sizeof(h));
	return at;
}

static void
wal_end(struct buf *out, size_t at, enum wal_type type, uint64_t seq)
{
	static const char zeros[8];
	struct wal_head h;
	size_t len = out->len - at - sizeof(h);

	memset(&h, 0, sizeof(h));
	h.magic = WAL_RECORD_MAGIC;
	h.type = (uint8_t)type;
	h.len = (uint32_t)len;
	h.seq = seq;
	h.sum = wal_sum(&h, (const uint8_t *)out->data + at + sizeof(h), len);
	memcpy(out->data + at, &h, sizeof(h));
	buf_add(out, zeros, wal_pad(len));
}

void
wal_encode_add(struct buf *out, uint64_t seq, const struct build_doc *docs,
    size_t n)
{
	const struct build_doc *d;
	size_t at = wal_begin(out), i;

	wal_put_u32(out, (uint32_t)n);
	for (i = 0; i < n; i++) {
		d = &docs[i];
		wal_put_u32(out, (uint32_t)d->id_len);
		wal_put_u32(out, d->title != NULL ? (uint32_t)d->title_len :
		    WAL_NO_TITLE);
		wal_put_u32(out, (uint32_t)d->text_len);
		wal_put_u32(out, (uint32_t)d->extra_len);
		wal_put_bytes(out, d->id, d->id_len);
		if (d->title != NULL)
			wal_put_bytes(out, d->title, d->title_len);
		wal_put_bytes(out, d->text, d->text_len);
		wal_put_bytes(out, d->extra, d->extra_len);
	}
	wal_end(out, at, WAL_ADD, seq);
}

void
wal_encode_delete(struct buf *out, uint64_t seq, const char *const *ids,
    const size_t *lens, size_t n)
{
	size_t at = wal_begin(out), i;

	wal_put_u32(out, (uint32_t)n);
	for (i = 0; i < n; i++) {
		wal_put_u32(out, (uint32_t)lens[i]);
		wal_put_bytes(out, ids[i], lens[i]);
	}
	wal_end(out, at, WAL_DELETE, seq);
}

void
wal_encode_file_head(struct buf *out, uint64_t fileno)
{
	struct wal_file_head h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, WAL_FILE_MAGIC, sizeof(h.magic));
	h.version = WAL_VERSION;
	h.fileno = fileno;
	h.sum = XXH3_64bits(&h, offsetof(struct wal_file_head, sum));
	buf_add(out, &h, sizeof(h));
}

int
wal_check_file_head(const uint8_t *p, size_t len, uint64_t fileno,
    const char **why)
{
	struct wal_file_head h;

	if (len < sizeof(h)) {
		*why = "shorter than a log file's header";
		return -1;
	}
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, WAL_FILE_MAGIC, sizeof(h.magic)) != 0) {
		*why = "not a log file (bad magic)";
		return -1;
	}
	if (h.sum != XXH3_64bits(&h, offsetof(struct wal_file_head, sum))) {
		*why = "log file header checksum mismatch";
		return -1;
	}
	if (h.version != WAL_VERSION) {
		*why = "written by another version of searchd's log format";
		return -1;
	}
	if (h.fileno != fileno) {
		*why = "the header names another log file";
		return -1;
	}
	return 0;
}

void
wal_record_init(struct wal_record *r)
{
	memset(r, 0, sizeof(*r));
}

void
wal_record_free(struct wal_record *r)
{
	free(r->docs);
	free(r->ids);
	free(r->lens);
	wal_record_init(r);
}

/* A payload reader that never reads past its end. */
struct wal_in {
	const uint8_t	*p;
	size_t		 left;
};

static int
wal_get_u32(struct wal_in *in, uint32_t *v)
{
	if (in->left < sizeof(*v))
		return -1;
	memcpy(v, in->p, sizeof(*v));
	in->p += sizeof(*v);
	in->left -= sizeof(*v);
	return 0;
}

static int
wal_get_bytes(struct wal_in *in, size_t len, const char **p)
{
	if (in->left < len)
		return -1;
	*p = (const char *)in->p;
	in->p += len;
	in->left -= len;
	return 0;
}

static void
wal_reserve(struct wal_record *r, size_t n)
{
	if (n <= r->cap)
		return;
	r->cap = n;
	r->docs = xreallocarray(r->docs, n, sizeof(*r->docs));
	r->ids = xreallocarray(r->ids, n, sizeof(*r->ids));
	r->lens = xreallocarray(r->lens, n, sizeof(*r->lens));
}

static int
wal_decode_add(struct wal_in *in, struct wal_record *r)
{
	struct build_doc *d;
	uint32_t n, i, id, title, text, extra;

	/* Each document takes 16 bytes at least: n cannot be wild. */
	if (wal_get_u32(in, &n) == -1 || n > in->left / 16)
		return -1;
	wal_reserve(r, n);
	for (i = 0; i < n; i++) {
		d = &r->docs[i];
		memset(d, 0, sizeof(*d));
		if (wal_get_u32(in, &id) == -1 ||
		    wal_get_u32(in, &title) == -1 ||
		    wal_get_u32(in, &text) == -1 ||
		    wal_get_u32(in, &extra) == -1 ||
		    wal_get_bytes(in, id, &d->id) == -1 ||
		    (title != WAL_NO_TITLE &&
		    wal_get_bytes(in, title, &d->title) == -1) ||
		    wal_get_bytes(in, text, &d->text) == -1 ||
		    wal_get_bytes(in, extra, &d->extra) == -1)
			return -1;
		d->id_len = id;
		d->title_len = title != WAL_NO_TITLE ? title : 0;
		d->text_len = text;
		d->extra_len = extra;
	}
	r->ndocs = n;
	return in->left == 0 ? 0 : -1;
}

static int
wal_decode_delete(struct wal_in *in, struct wal_record *r)
{
	uint32_t n, i, len;

	if (wal_get_u32(in, &n) == -1 || n > in->left / 4)
		return -1;
	wal_reserve(r, n);
	for (i = 0; i < n; i++) {
		if (wal_get_u32(in, &len) == -1 ||
		    wal_get_bytes(in, len, &r->ids[i]) == -1)
			return -1;
		r->lens[i] = len;
	}
	r->nids = n;
	return in->left == 0 ? 0 : -1;
}

int
wal_decode(const uint8_t *p, size_t len, struct wal_record *r,
    const char **why)
{
	struct wal_head h;
	struct wal_in in;
	size_t total;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, p, sizeof(h));
	if (h.magic != WAL_RECORD_MAGIC) {
		*why = "no record header (bad magic)";
		return -1;
	}
	if (h.len > WAL_PAYLOAD_MAX || (h.type != WAL_ADD &&
	    h.type != WAL_DELETE)) {
		*why = "bad record header";
		return -1;
	}
	total = sizeof(h) + h.len + wal_pad(h.len);
	if (len < total)
		return 0;
	if (wal_sum(&h, p + sizeof(h), h.len) != h.sum) {
		*why = "record checksum mismatch";
		return -1;
	}
	r->type = (enum wal_type)h.type;
	r->seq = h.seq;
	r->size = total;
	r->ndocs = r->nids = 0;
	in.p = p + sizeof(h);
	in.left = h.len;
	if ((r->type == WAL_ADD ? wal_decode_add(&in, r) :
	    wal_decode_delete(&in, r)) == -1) {
		*why = "record payload does not parse";
		return -1;
	}
	return 1;
}

/* Whether a valid record starts anywhere after off: then off is damage. */
static int
wal_valid_after(const uint8_t *p, size_t len, size_t off, size_t *found)
{
	struct wal_record r;
	const char *why;
	size_t at;
	int rc = 0;

	wal_record_init(&r);
	for (at = off + 8; at + WAL_HEAD_SIZE <= len; at += 8) {
		if (wal_decode(p + at, len - at, &r, &why) == 1) {
			*found = at;
			rc = 1;
			break;
		}
	}
	wal_record_free(&r);
	return rc;
}

static int
wal_fail(char *err, size_t errlen, uint64_t off, const char *why)
{
	snprintf(err, errlen, "%llu: %s", (unsigned long long)off, why);
	return -1;
}

int
wal_scan(const uint8_t *p, size_t len, uint64_t fileno, uint64_t prev_seq,
    int (*apply)(void *, const struct wal_record *, char *, size_t),
    void *arg, struct wal_scan *scan, char *err, size_t errlen)
{
	struct wal_record r;
	const char *why = "truncated";
	char msg[512];
	size_t off = WAL_FILE_HEAD_SIZE, found;
	int rc = 0, d;

	memset(scan, 0, sizeof(*scan));
	scan->size = len;
	if (wal_check_file_head(p, len, fileno, &why) == -1)
		return wal_fail(err, errlen, 0, why);
	wal_record_init(&r);
	while (off < len) {
		if ((d = wal_decode(p + off, len - off, &r, &why)) != 1) {
			if (wal_valid_after(p, len, off, &found)) {
				snprintf(msg, sizeof(msg), "%s, and valid "
				    "records follow at %zu: the log is damaged",
				    d == 0 ? "record cut short" : why, found);
				rc = wal_fail(err, errlen, off, msg);
				break;
			}
			scan->torn = 1;
			break;
		}
		if (r.seq != prev_seq + 1 && prev_seq != 0) {
			snprintf(msg, sizeof(msg), "sequence number %llu "
			    "follows %llu", (unsigned long long)r.seq,
			    (unsigned long long)prev_seq);
			rc = wal_fail(err, errlen, off, msg);
			break;
		}
		if (apply != NULL && apply(arg, &r, msg, sizeof(msg)) == -1) {
			rc = wal_fail(err, errlen, off, msg);
			break;
		}
		if (scan->records++ == 0)
			scan->first_seq = r.seq;
		scan->last_seq = prev_seq = r.seq;
		off += r.size;
	}
	scan->end = off;
	wal_record_free(&r);
	return rc;
}
