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
 * turns bytes into messages and messages into bytes: no sockets, no search.
 *
 * Decoding is driven one unit at a time: the caller asks frame_need() how
 * many bytes the current unit (length prefix, header, or content) takes,
 * waits until it has that many contiguous bytes, and passes exactly those to
 * frame_parse().
 */
#ifndef SEARCHD_FRAME_H
#define SEARCHD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"

#define FRAME_PREFIX_LEN	2
#define FRAME_HEADER_MAX	65535

enum frame_byteorder {
	FRAME_BYTEORDER_LITTLE,
	FRAME_BYTEORDER_BIG,
};

enum frame_status {
	FRAME_MORE,	/* unit consumed; call frame_need() for the next */
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

/*
 * A decoded message.  Its strings and content point into the header object
 * and the bytes passed to frame_parse(); they stay valid until the next
 * frame_parse() or frame_parser_clear() on the same parser.
 */
struct frame_msg {
	enum frame_byteorder	 byteorder;
	const char		*content_type;
	const char		*content_encoding;
	const uint8_t		*content;
	size_t			 content_length;
	/* The raw "id" value to echo (a string or integer), or NULL. */
	json_object		*id;
	/*
	 * Set when the header framed the message correctly but a field is
	 * unusable (say an unknown byteorder): the content was consumed and
	 * the caller answers with this error instead of the request.
	 */
	const struct frame_error *soft_error;
};

enum frame_state {
	FRAME_STATE_PREFIX,
	FRAME_STATE_HEADER,
	FRAME_STATE_CONTENT,
};

/*
 * Per-connection decoder state.  The tokenizer is borrowed: one per thread
 * is enough, since a header is parsed in one call.
 */
struct frame_parser {
	json_tokener		*tok;
	size_t			 max_content;
	enum frame_state	 state;
	size_t			 need;
	json_object		*header;
	struct frame_msg	 msg;
};

void	frame_parser_init(struct frame_parser *, json_tokener *,
	    size_t max_content);
/* Releases the current header; the parser is ready for a new message. */
void	frame_parser_clear(struct frame_parser *);
size_t	frame_need(const struct frame_parser *);
/* True while a message has started but is not complete. */
int	frame_partial(const struct frame_parser *, size_t buffered);
enum frame_status frame_parse(struct frame_parser *, const uint8_t *,
	    size_t len, struct frame_msg **, struct frame_error *);

/*
 * Writes the 2-byte prefix and JSON header for a content of len bytes into
 * out.  id may be NULL.  Returns -1 (and writes nothing) if the header would
 * not fit in 65535 bytes.
 */
int	frame_encode_header(struct buf *out, const char *content_type,
	    const char *content_encoding, size_t len, json_object *id);

const char *frame_host_byteorder(void);

#endif
