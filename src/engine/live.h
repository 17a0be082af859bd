/*
 * live.h: the segments of an index that takes writes, and the writes
 * themselves: adding documents (each replacing any with its id), deleting
 * them, and swapping merged segments in.  Every write builds a small
 * segment of its own or marks deletions; small segments are merged as
 * they pile up, as Sphinx's and Manticore's RAM segments are.
 *
 * A struct live is single-threaded: its owner (the store's writer thread,
 * or a test) makes every call.  What it hands out, snapshots and the
 * inputs of a merge, never change and may be read by any thread.
 */
#ifndef SEARCHD_LIVE_H
#define SEARCHD_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "build.h"
#include "deletes.h"
#include "words.h"

struct index;
struct snapshot;
struct snapshot_seg;

/* Small segments are merged when this many of one size class pile up. */
#define LIVE_MERGE_FACTOR	8

/* One segment and what the writer knows of it. */
struct live_seg {
	struct index	*ix;
	struct deletes	*del;		/* NULL until something is deleted */
	int		 busy;		/* a merge is reading it */
	uint64_t	 tag;		/* the owner's (a file number; 0: none) */
};

struct live {
	struct live_seg		*segs;		/* oldest first */
	size_t			 nsegs;
	size_t			 cap;
	uint64_t		 seq;		/* of the last write applied */
	uint64_t		 ndocs;		/* live documents */
	struct deletes_scratch	 scratch;
	struct words		 words;
	struct schema		*schema;	/* every segment's; a reference */
};

/* A merge of adjacent segments, as they were when it began. */
struct live_merge {
	struct snapshot_seg	*in;		/* each with a reference */
	size_t			 n;
};

/* Every segment appended must have been made with schema sc. */
void	live_init(struct live *, struct schema *sc);
void	live_free(struct live *);

/* Appends a segment (opened or imported); takes the references. */
void	live_append(struct live *, struct index *, struct deletes *,
	    uint64_t tag);

/*
 * Adds documents in order as write seq; each replaces the live document
 * with its id, and of several with one id in the batch the last stays.
 * Their words are found here unless given (build_doc.words, found in
 * the schema's language), their attributes checked already;
 * *replaced (if not NULL) is set to how many live documents they
 * replaced.  -1 with the reason in err when the batch would make more
 * documents than live_room allows (nothing is changed then).
 */
int	live_add(struct live *, const struct build_doc *, size_t n,
	    uint64_t seq, size_t *replaced, char *err, size_t errlen);
/* How many more documents may be added before merges make room. */
uint64_t live_room(const struct live *);
/* Deletes the documents with these ids as write seq; returns how many. */
size_t	live_delete(struct live *, const char *const *ids,
	    const size_t *lens, size_t n, uint64_t seq);
/* Whether a live document has this id. */
int	live_has(const struct live *, const char *, size_t);

/* The segments now, for searches; deletions made later copy first. */
struct snapshot	*live_snapshot(struct live *);

/*
 * Merges the newest small segments (tag 0, not busy) while
 * LIVE_MERGE_FACTOR of one size class pile up.  Returns how many merges.
 */
size_t	live_compact(struct live *);

/*
 * Marks segments [first, first + n) busy and takes them, with their
 * deletions now, as a merge's inputs; -1 if any is busy already.
 */
int	live_merge_begin(struct live *, size_t first, size_t n,
	    struct live_merge *);
/*
 * Replaces the merge's inputs (wherever they are now) by out, which merged
 * them (maps as merge_run gave them), marking in it what was deleted from
 * them since the merge began.  Takes out's reference; frees maps.
 */
void	live_merge_end(struct live *, struct live_merge *, struct index *out,
	    uint32_t **maps, uint64_t tag);
/* Gives up a merge: its inputs are no longer busy. */
void	live_merge_abort(struct live *, struct live_merge *);

#endif
