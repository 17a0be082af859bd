/* streams.c: see streams.h. */

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "streams.h"
#include "xmalloc.h"

#define STREAMS_CHUNK_MIN	4	/* log2 bytes: most terms are rare */
#define STREAMS_CHUNK_MAX	16
#define STREAMS_SLAB		(1024 * 1024)
#define STREAMS_TERMS_MIN	1024	/* first sizes of the arrays by term, */
#define STREAMS_SLABS_MIN	64	/* of slabs */
#define STREAMS_SKIPS_MIN	4	/* and of a term's skip entries */

/* The head of a chunk of one stream; its bytes follow. */
struct streams_chunk {
	uint64_t	off;		/* of its first byte in the stream */
	uint32_t	term;
	uint32_t	shift_stream;	/* shift << 1 | stream */
};

/* Mapped memory for the chunks of one bucket's terms. */
struct streams_slab {
	uint8_t		*base;		/* STREAMS_SLAB bytes */
	size_t		 used;
	int		 bucket;
};

/*
 * A term's skip entries, made when its second block starts, so only for
 * df > POSTINGS_BLOCK.  Their offsets are relative to its streams until
 * it is placed.  at costs no memory: malloc rounds up past it anyway.
 */
struct streams_skips {
	size_t			n;
	size_t			cap;
	size_t			at;	/* once placed: where in the arena's */
	struct postings_skip	v[];
};

/* Where a term's streams go in the arena, and how long they are. */
struct streams_dest {
	uint64_t	off[2];
	uint64_t	len[2];
};

void
streams_init(struct streams *s)
{
	memset(s, 0, sizeof(*s));
}

void
streams_free(struct streams *s)
{
	size_t i;

	for (i = 0; i < s->nslabs; i++)
		xmunmap(s->slabs[i].base, STREAMS_SLAB);
	free(s->slabs);
	for (i = 0; i < s->nterms; i++)
		free(s->skips[i]);
	free(s->skips);
	free(s->dest);
	streams_init(s);
}

void
streams_term_new(struct streams *s, struct streams_term *st, uint32_t t,
    int bucket)
{
	if (t == s->skips_cap) {
		s->skips_cap = s->skips_cap ? s->skips_cap * 2 :
		    STREAMS_TERMS_MIN;
		s->skips = xreallocarray(s->skips, s->skips_cap,
		    sizeof(*s->skips));
	}
	s->skips[t] = NULL;
	s->nterms = t + 1;
	memset(st, 0, sizeof(*st));
	st->term = t;
	st->bucket = (uint8_t)bucket;
}

/* How long one of a term's streams is so far. */
static uint64_t
streams_len(const struct streams_term *st, int k)
{
	const struct streams_chunk *c;
	size_t used;

	if (st->cur[k] == NULL)
		return 0;
	used = ((size_t)1 << st->shift[k]) - st->room[k];
	c = (const struct streams_chunk *)(st->cur[k] - used) - 1;
	return c->off + used;
}

/* Takes n bytes from the slab of a bucket, mapping a new one if full. */
static void *
streams_slab_take(struct streams *s, int bucket, size_t n)
{
	struct streams_slab *sl = NULL;

	if (s->slab[bucket] != 0)
		sl = &s->slabs[s->slab[bucket] - 1];
	if (sl == NULL || STREAMS_SLAB - sl->used < n) {
		if (s->nslabs == s->slabs_cap) {
			s->slabs_cap = s->slabs_cap ? s->slabs_cap * 2 :
			    STREAMS_SLABS_MIN;
			s->slabs = xreallocarray(s->slabs, s->slabs_cap,
			    sizeof(*s->slabs));
		}
		sl = &s->slabs[s->nslabs++];
		sl->base = xmmap(STREAMS_SLAB);
		sl->used = 0;
		sl->bucket = bucket;
		s->slab[bucket] = s->nslabs;
	}
	sl->used += n;
	return sl->base + sl->used - n;
}

/*
 * Gives stream k of a term a new chunk, about half as large as the stream
 * so far: rare terms waste little, and a common one's last chunk not much
 * of it.
 */
void
streams_chunk_new(struct streams *s, struct streams_term *st, int k)
{
	struct streams_chunk *c;
	uint64_t len = streams_len(st, k);
	unsigned shift = STREAMS_CHUNK_MIN;

	while (shift < STREAMS_CHUNK_MAX && ((uint64_t)1 << (shift + 1)) <=
	    len / 2)
		shift++;
	c = streams_slab_take(s, st->bucket, sizeof(*c) +
	    ((size_t)1 << shift));
	c->off = len;
	c->term = st->term;
	c->shift_stream = shift << 1 | (unsigned)k;
	st->cur[k] = (uint8_t *)(c + 1);
	st->room[k] = (uint32_t)1 << shift;
	st->shift[k] = (uint8_t)shift;
}

/* A block of postings starts: the previous one ended with next - 1. */
void
streams_skip(struct streams *s, struct streams_term *st)
{
	struct streams_skips *sk = s->skips[st->term];
	size_t cap;

	if (sk == NULL || sk->n == sk->cap) {
		cap = sk == NULL ? STREAMS_SKIPS_MIN : sk->cap * 2;
		sk = xreallocarray(sk, 1, sizeof(*sk) + cap * sizeof(sk->v[0]));
		if (s->skips[st->term] == NULL) {
			sk->n = 1;
			sk->v[0].doc_off = sk->v[0].pos_off = 0;
			sk->v[0].reserved = 0;
		}
		sk->cap = cap;
		s->skips[st->term] = sk;
	}
	sk->v[sk->n - 1].last_doc = st->next - 1;
	sk->v[sk->n].doc_off = streams_len(st, STREAMS_DOCS);
	sk->v[sk->n].pos_off = streams_len(st, STREAMS_POS);
	sk->v[sk->n].last_doc = 0;
	sk->v[sk->n].reserved = 0;
	sk->n++;
}

void
streams_place(struct streams *s, const struct streams_term *st,
    struct postings *p)
{
	struct streams_skips *sk = s->skips[st->term];
	struct streams_dest *d;
	size_t i;
	int k;

	if (s->dest == NULL)
		s->dest = xreallocarray(NULL, s->nterms, sizeof(*s->dest));
	d = &s->dest[st->term];
	for (k = STREAMS_DOCS; k <= STREAMS_POS; k++) {
		d->off[k] = s->len;
		d->len[k] = streams_len(st, k);
		s->len += d->len[k];
	}
	p->df = st->df;
	p->doc_off = d->off[STREAMS_DOCS];
	p->pos_off = d->off[STREAMS_POS];
	p->skip = 0;
	if (sk == NULL)
		return;
	/* The last block ends with the term's last document. */
	sk->v[sk->n - 1].last_doc = st->next - 1;
	for (i = 0; i < sk->n; i++) {
		sk->v[i].doc_off += p->doc_off;
		sk->v[i].pos_off += p->pos_off;
	}
	sk->at = s->nskips;
	p->skip = (uint32_t)sk->at;
	s->nskips += sk->n;
}

static void
streams_copy_slab(struct streams *s, struct streams_slab *sl,
    uint8_t *arena)
{
	const struct streams_chunk *c;
	const struct streams_dest *d;
	uint64_t len;
	size_t off, cap;
	int k;

	for (off = 0; off < sl->used; off += sizeof(*c) + cap) {
		c = (const struct streams_chunk *)(sl->base + off);
		cap = (size_t)1 << (c->shift_stream >> 1);
		k = (int)(c->shift_stream & 1);
		d = &s->dest[c->term];
		len = d->len[k] - c->off;
		memcpy(arena + d->off[k] + c->off, c + 1,
		    len < cap ? (size_t)len : cap);
	}
	xmunmap(sl->base, STREAMS_SLAB);
	sl->base = NULL;
}

/*
 * Copies the streams into the arena a bucket at a time.  A bucket's terms
 * are next to each other in name order, so it fills a stretch of the
 * arena of its own while its slabs are unmapped one by one: the streams
 * and the arena never take their full size together.
 */
static void
streams_copy_slabs(struct streams *s, uint8_t *arena)
{
	size_t i;
	int bucket;

	for (bucket = 0; bucket < STREAMS_BUCKETS; bucket++) {
		for (i = 0; i < s->nslabs; i++) {
			if (s->slabs[i].bucket == bucket)
				streams_copy_slab(s, &s->slabs[i], arena);
		}
	}
}

static void
streams_copy_skips(struct streams *s, struct postings_arena *pa)
{
	struct streams_skips *sk;
	uint32_t t;

	pa->skips = xreallocarray(NULL, s->nskips ? s->nskips : 1,
	    sizeof(*pa->skips));
	pa->nskips = pa->skips_cap = s->nskips;
	for (t = 0; t < s->nterms; t++) {
		if ((sk = s->skips[t]) == NULL)
			continue;
		memcpy(pa->skips + sk->at, sk->v, sk->n * sizeof(sk->v[0]));
		free(sk);
		s->skips[t] = NULL;
	}
}

void
streams_copy(struct streams *s, struct postings_arena *pa)
{
	if (s->len > SIZE_MAX)
		fatalx("%s: %llu bytes of postings", __func__,
		    (unsigned long long)s->len);
	pa->data = xmalloc((size_t)s->len);
	pa->len = pa->cap = (size_t)s->len;
	streams_copy_slabs(s, pa->data);
	free(s->dest);
	s->dest = NULL;
	streams_copy_skips(s, pa);
}
