/*
 * merge.h: merging segments into one.  The result holds the live documents
 * of its inputs in their order and searches exactly as an index built from
 * those documents would: the postings are copied across, renumbered, with
 * the deleted documents left out, never tokenized again.
 */
#ifndef SEARCHD_MERGE_H
#define SEARCHD_MERGE_H

#include <stddef.h>
#include <stdint.h>

struct index;
struct snapshot_seg;

/*
 * Merges n segments, oldest first, each with the deletions it has in segs.
 * With maps, maps[i] is set to an array giving each document of input i
 * its number in the result, or INDEX_NO_DOC when it was left out, so that
 * documents deleted since can be found in the result; the caller frees
 * each.  Returns a new index with one reference.
 */
struct index	*merge_run(const struct snapshot_seg *segs, size_t n,
		    uint32_t **maps);

#endif
