/*
 * tokenize.h: splits UTF-8 text into words and folds each into the term
 * the index compares.  A word is a run of letters and digits (with the
 * combining marks inside it); each CJK ideograph, kana or Hangul syllable
 * is a word of its own; everything else separates words.  A term is the
 * word after NFKC, case folding and removal of diacritics, so "Cafe",
 * "café" and "CAFÉ" give the same term.  Documents and queries go through
 * the same code, so they always agree.
 */
#ifndef SEARCHD_TOKENIZE_H
#define SEARCHD_TOKENIZE_H

#include <stddef.h>

/* Longer terms are cut (on a character boundary) to this many bytes. */
#define TOKENIZE_TERM_MAX	128

/*
 * An iterator over one string, which must outlive it.  After each
 * successful tokenize_next, start and end delimit the word in the string
 * and term holds its folded form.
 */
struct tokenize {
	const char	*s;
	size_t		 len;
	size_t		 off;
	size_t		 start;
	size_t		 end;
	size_t		 term_len;
	char		 term[TOKENIZE_TERM_MAX + 1];
};

void	tokenize_init(struct tokenize *, const char *, size_t);
/* Returns 1 for a word, 0 at the end, -1 on invalid UTF-8. */
int	tokenize_next(struct tokenize *);

#endif
