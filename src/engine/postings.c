/* postings.c: see postings.h. */

#include <stdlib.h>
#include <string.h>

#include "postings.h"

uint64_t
postings_get_varint(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	if (*p < 0x80) {
		*pp = p + 1;
		return *p;
	}
	while ((*p & 0x80) && shift < 63) {
		v |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	v |= (uint64_t)*p++ << shift;
	*pp = p;
	return v;
}

/* Steps over n varints without decoding them: each ends in a byte < 0x80. */
static const uint8_t *
postings_skip_varints(const uint8_t *p, uint32_t n)
{
	while (n > 0) {
		if ((*p++ & 0x80) == 0)
			n--;
	}
	return p;
}

void
postings_arena_free(struct postings_arena *pa)
{
	free(pa->data);
	free(pa->skips);
	memset(pa, 0, sizeof(*pa));
}

void
postings_cursor_init(struct postings_cursor *c, const uint8_t *arena,
    const struct postings_skip *skips, const struct postings *p)
{
	memset(c, 0, sizeof(*c));
	c->arena = arena;
	c->skips = p->df > POSTINGS_BLOCK ? skips + p->skip : NULL;
	c->dp = arena + p->doc_off;
	c->pp = arena + p->pos_off;
	c->pos_read = 1;
	c->df = p->df;
	postings_cursor_next(c);
}

/* One varint, the short cases inline: most gaps and tfs are small. */
static inline uint64_t
postings_varint(const uint8_t **pp)
{
	const uint8_t *p = *pp;

	if (*p < 0x80) {
		*pp = p + 1;
		return *p;
	}
	if (p[1] < 0x80) {
		*pp = p + 2;
		return (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
	}
	return postings_get_varint(pp);
}

/*
 * Decodes postings up to the first at or after target (at least one).  It
 * works on locals: the byte reads could alias the cursor, so the compiler
 * would otherwise write every field back after each byte.
 */
static uint32_t
postings_cursor_scan(struct postings_cursor *c, uint32_t target)
{
	const uint8_t *dp = c->dp;
	uint64_t v;
	uint32_t idx = c->idx, df = c->df, next = c->next, tf = c->tf;
	uint32_t pskip = c->pskip, doc;
	int pos_read = c->pos_read;

	do {
		if (idx == df) {
			doc = POSTINGS_END;
			break;
		}
		if (!pos_read)
			pskip += tf;
		pos_read = 0;
		v = postings_varint(&dp);
		tf = (v & 1) ? 1 : (uint32_t)postings_varint(&dp);
		doc = next + (uint32_t)(v >> 1);
		next = doc + 1;
		idx++;
	} while (doc < target);
	c->dp = dp;
	c->idx = idx;
	c->next = next;
	c->tf = tf;
	c->pskip = pskip;
	c->pos_read = pos_read;
	return c->doc = doc;
}

uint32_t
postings_cursor_next(struct postings_cursor *c)
{
	return postings_cursor_scan(c, c->next);
}

/* The first block after the current one whose last document >= target. */
static uint32_t
postings_cursor_find_block(const struct postings_cursor *c, uint32_t from,
    uint32_t target)
{
	uint32_t lo = from, hi = (c->df - 1) / POSTINGS_BLOCK, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->skips[mid].last_doc < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
postings_cursor_jump(struct postings_cursor *c, uint32_t block)
{
	const struct postings_skip *sk = &c->skips[block];

	c->dp = c->arena + sk->doc_off;
	c->pp = c->arena + sk->pos_off;
	c->pskip = 0;
	c->pos_read = 1;
	c->idx = block * POSTINGS_BLOCK;
	c->next = c->skips[block - 1].last_doc + 1;
}

uint32_t
postings_cursor_seek(struct postings_cursor *c, uint32_t target)
{
	uint32_t block, last;

	if (c->doc >= target)
		return c->doc;
	if (c->skips != NULL) {
		block = (c->idx - 1) / POSTINGS_BLOCK;
		last = (c->df - 1) / POSTINGS_BLOCK;
		if (c->skips[last].last_doc < target) {
			c->idx = c->df;
			return c->doc = POSTINGS_END;
		}
		if (c->skips[block].last_doc < target)
			postings_cursor_jump(c,
			    postings_cursor_find_block(c, block + 1, target));
	}
	return postings_cursor_scan(c, target);
}

/* Writes the current posting's tf positions, ascending, into out. */
void
postings_cursor_positions(struct postings_cursor *c, uint32_t *out)
{
	const uint8_t *p;
	uint32_t i, pos = 0;

	if (!c->pos_read) {
		c->cur_pos = postings_skip_varints(c->pp, c->pskip);
		c->pskip = 0;
		c->pos_read = 1;
	}
	p = c->cur_pos;
	for (i = 0; i < c->tf; i++) {
		pos += (uint32_t)postings_get_varint(&p);
		out[i] = pos;
	}
	c->pp = p;
}
