/*
 * stem.h: Snowball stemmers (libstemmer), one per language per thread.
 *
 * A language is named by a pointer into libstemmer's own list of
 * canonical names, so two languages are the same exactly when the
 * pointers are, and NULL means no stemming.  A libstemmer stemmer is not
 * thread-safe; each thread gets its own on first use, freed when the
 * thread ends (or by stem_thread_end).
 */
#ifndef SEARCHD_STEM_H
#define SEARCHD_STEM_H

#include <stddef.h>

/* The canonical name equal to name, or NULL when there is none. */
const char	*stem_language(const char *name);
/* The names libstemmer has, comma-separated, for error messages. */
const char	*stem_language_list(void);
/*
 * Stems a folded word into out (at most outsize - 1 bytes, cut on a
 * character boundary, NUL-terminated) and returns the stem's length.  A
 * word the stemmer cannot take (no memory) is copied as it is.
 */
size_t		 stem_word(const char *lang, const char *word, size_t len,
		    char *out, size_t outsize);
/* Frees this thread's stemmers now, as the thread's end would. */
void		 stem_thread_end(void);

#endif
