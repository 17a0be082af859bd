/*
 * hash.h: the hash of document ids and terms, for the builder's tables and
 * the index's id table.  FNV-1a folded to 32 bits: the keys are short, and
 * it needs no state.
 */
#ifndef SEARCHD_HASH_H
#define SEARCHD_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t
hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

#endif
