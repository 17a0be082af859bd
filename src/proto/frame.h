/*
 * frame.h: the wire format of the sockets tutorial's application protocol.
 *
 *   +--------+----------------------+-------------------+
 *   | len:2  | JSON header (len)    | content           |
 *   | BE u16 | UTF-8 object         | content-length    |
 *   +--------+----------------------+-------------------+
 *
 * The header holds byteorder, content-type, content-encoding and
 * content-length; searchd also echoes an optional "id".  This module only
 * turns bytes into messages and messages into bytes: no sockets, no search,
 * and no allocation.
 *
 * The caller keeps a message's bytes from its first byte until it is
 * complete and hands frame_parse() everything it has from there; a decoded
 * message points into those bytes.  A header is checked as soon as it is
 * whole, so a message that breaks the framing is refused before its
 * content is read.
 */
#ifndef SEARCHD_FRAME_H
#define SEARCHD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FRAME_PREFIX_LEN	2
#define FRAME_HEADER_MAX	65535

enum frame_byteorder {
	FRAME_BYTEORDER_LITTLE,
	FRAME_BYTEORDER_BIG,
};

enum frame_status {
	FRAME_MORE,	/* not all there yet */
	FRAME_READY,	/* a whole message is in the struct frame_msg */
	FRAME_FATAL,	/* framing is lost; the connection must close */
};

/*
 * A problem with one message.  Codes are stable strings clients can test;
 * the message is for people.
 */
struct frame_error {
	const char	*code;
	char		 message[160];
};

/* A JSON string as it stands in the header: quotes off, escapes on. */
struct frame_str {
	const char	*p;
	size_t		 len;
	int		 escaped;
};

/* A decoded message; everything points into the caller's bytes. */
struct frame_msg {
	size_t			 size;		/* of the whole message */
	enum frame_byteorder	 byteorder;
	struct frame_str	 content_type;
	struct frame_str	 content_encoding;
	const uint8_t		*content;
	size_t			 content_length;
	/* The "id" value's JSON text, to echo as it came, or NULL. */
	const char		*id;
	size_t			 id_len;
	/*
	 * Set when the header framed the message correctly but a field is
	 * unusable (say an unknown byteorder): the caller answers with this
	 * error instead of the request.
	 */
	const struct frame_error *soft_error;
};

/*
 * Per-connection decoder state: what is known of the message under way,
 * so a header is checked once however its content trickles in.
 */
struct frame_parser {
	size_t		max_content;
	size_t		need;		/* bytes of the message known needed */
	int		header_ok;
};

void	frame_parser_init(struct frame_parser *, size_t max_content);
/*
 * Decodes the message that starts at data, of which len bytes are here.
 * FRAME_READY fills msg (msg->size bytes are the message); the parser is
 * then ready for the next one.
 */
enum frame_status frame_parse(struct frame_parser *, const uint8_t *data,
	    size_t len, struct frame_msg *, struct frame_error *);

/* Compares a header string, unescaped, with a literal. */
int	frame_str_eq(const struct frame_str *, const char *);
/* Appends a header string, unescaped. */
void	frame_str_copy(const struct frame_str *, struct buf *);

/*
 * Writes the 2-byte prefix and JSON header for a content of len bytes into
 * out.  id, if not NULL, is JSON text written as it is (a string literal
 * with its quotes, or an integer).  Returns -1 (and writes nothing) if the
 * header would not fit in 65535 bytes.
 */
int	frame_encode_header(struct buf *out, const char *content_type,
	    const char *content_encoding, size_t len, const char *id,
	    size_t id_len);

const char *frame_host_byteorder(void);

#endif
