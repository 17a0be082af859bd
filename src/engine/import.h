/*
 * import.h: making an index from corpus files, or the tutorial's built-in
 * documents.  Reading and tokenizing run in a thread ahead of the builder
 * (load.h); the first error in file order stops both.
 */
#ifndef SEARCHD_IMPORT_H
#define SEARCHD_IMPORT_H

#include <stddef.h>

struct index;
struct schema;

/*
 * Loads JSON Lines files, in order, into an index with schema sc (NULL:
 * none).  On failure returns NULL and writes "FILE:LINE: reason" (or
 * "FILE: reason" for an unreadable file) into err.
 */
struct index	*import_files(const char *const *paths, size_t npaths,
		    struct schema *sc, char *err, size_t errlen);
/* The tutorial's three documents: "morpheus", "ring" and the dog emoji. */
struct index	*import_builtin(struct schema *sc);

#endif
