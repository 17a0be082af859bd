/*
 * corpus.h: reading JSON Lines corpora.  Each non-blank line is one object
 * with a string "id", a string "text", an optional string "title" and any
 * other keys, which are kept rendered as JSON members.
 */
#ifndef SEARCHD_CORPUS_H
#define SEARCHD_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CORPUS_LINE_MAX		(64 * 1024 * 1024)	/* bytes, newline excluded */
#define CORPUS_READ_SIZE	(1024 * 1024)

struct json_object;

/*
 * One parsed line.  The strings point into obj or strings, which the
 * document owns until corpus_doc_free; each is NUL-terminated.  extra is
 * empty when the line had no other keys.
 */
struct corpus_doc {
	struct json_object	*obj;	/* NULL when the fast path read it */
	struct buf		 strings;
	const char		*id;
	size_t			 id_len;
	const char		*title;		/* NULL when absent */
	size_t			 title_len;
	const char		*text;
	size_t			 text_len;
	struct buf		 extra;
};

/* A file being read line by line; owns its descriptor and buffer. */
struct corpus_reader {
	int		 fd;
	int		 eof;
	char		*buf;
	size_t		 cap;
	size_t		 start;		/* first byte not yet returned */
	size_t		 scan;		/* no newline in start..scan */
	size_t		 len;
	uint64_t	 line;		/* number of the last line returned */
};

/*
 * Parses one line (without its newline).  Returns 1 and fills doc, 0 for a
 * blank line, or -1 with the reason in err.  Needs no file, so a fuzzer can
 * call it directly.
 */
int	corpus_parse_line(const char *, size_t, struct corpus_doc *,
	    char *err, size_t errlen);
/*
 * The same through json-c alone.  corpus_parse_line takes it for every
 * line its in-place fast path declines; the tests and the fuzzer call it
 * to check that both read every line alike.
 */
int	corpus_parse_line_json(const char *, size_t, struct corpus_doc *,
	    char *err, size_t errlen);
void	corpus_doc_free(struct corpus_doc *);

int	corpus_reader_open(struct corpus_reader *, const char *path);
/*
 * Returns 1 with the next line, 0 at the end, or with the reason in err -1
 * for a bad line (too long) or -2 for a read error.
 */
int	corpus_reader_next(struct corpus_reader *, const char **, size_t *,
	    char *err, size_t errlen);
void	corpus_reader_close(struct corpus_reader *);

#endif
