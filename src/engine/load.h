/*
 * load.h: reading corpus files ahead of the builder.  A producer thread
 * reads the files in order, parses each line and finds its words; the
 * caller takes the documents back in batches, in file order, and adds
 * them to its builder.  Parsing and tokenizing then overlap with
 * building, which is what loading spends its time on.
 */
#ifndef SEARCHD_LOAD_H
#define SEARCHD_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "build.h"

/* One being added, the others being filled: the two threads never wait. */
#define LOAD_BATCHES		3
/* A batch is handed over once its strings and words pass this size... */
#define LOAD_BATCH_BYTES	(512 * 1024)
/* ...or it has this many documents, so a batch stays in the caches. */
#define LOAD_BATCH_DOCS		4096

struct load;

/* A document of a batch; bd's strings and words point into the batch. */
struct load_doc {
	struct build_doc	 bd;
	uint32_t		 file;		/* index in the paths */
	uint64_t		 line;
	/* Where bd's pointers go once the batch is complete. */
	size_t			 fields_off;
	size_t			 first_word;
};

/*
 * Documents in file order.  The producer owns a batch until it hands it
 * over; the caller then owns it until load_done gives it back.  When last
 * is set nothing follows, and err says why if loading failed there.
 */
struct load_batch {
	struct load_doc		*docs;
	size_t			 ndocs;
	size_t			 docs_cap;
	struct buf		 fields;	/* id, title, text, extra */
	struct words		 words;
	int			 last;
	const char		*err;		/* "FILE[:LINE]: reason" */
};

/* Words are stemmed, and attributes checked, as sc says (NULL: none). */
struct load		*load_start(const char *const *paths, size_t npaths,
			    const struct schema *sc);
/* The next batch; NULL once the last has been taken. */
struct load_batch	*load_next(struct load *);
void			 load_done(struct load *, struct load_batch *);
/* Stops the producer if it is still going, waits for it, frees it all. */
void			 load_free(struct load *);

#endif
