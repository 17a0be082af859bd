/*
 * client.h: searchctl's connection to searchd.
 *
 * One socket, used with poll() and a deadline per call, so searchctl needs
 * no event loop for its one-shot and batch commands.  Every request queued
 * is kept until its reply arrives: when a server closes after each reply
 * (as the tutorial's app-server.py does), client_connect() sends the
 * unanswered ones again on a new connection.
 *
 * With TLS the same socket carries OpenSSL's records: the handshake follows
 * the connect under the same deadline, and every reconnect handshakes
 * again.  The TLS context is shared with bench, which drives it from its
 * event loop instead of poll().
 */
#ifndef SEARCHD_CLIENT_H
#define SEARCHD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/ssl.h>

#include "addr.h"
#include "buf.h"
#include "frame.h"

/* searchctl's exit statuses; 69 and 70 are sysexits.h's values. */
#define CLIENT_EXIT_OK		0	/* answered: found, pong, stats */
#define CLIENT_EXIT_NOMATCH	1	/* answered: no match or an error */
#define CLIENT_EXIT_USAGE	2
#define CLIENT_EXIT_DATAERR	65	/* EX_DATAERR: a bad line to add */
#define CLIENT_EXIT_UNAVAILABLE	69	/* EX_UNAVAILABLE: cannot connect */
#define CLIENT_EXIT_PROTOCOL	70	/* EX_SOFTWARE: undecodable reply */

/* Replies as large as the daemon's largest max_message_size. */
#define CLIENT_REPLY_MAX	(64 * 1024 * 1024)

#define CLIENT_CTYPE_JSON	"text/json"
#define CLIENT_ENCODING_UTF8	"utf-8"
#define CLIENT_CTYPE_BINARY	"binary/custom-client-binary-type"
#define CLIENT_ENCODING_BINARY	"binary"

/* TLS as asked on the command line; strings point into argv. */
struct client_tls_opts {
	int		 enabled;	/* --tls */
	const char	*cacert;	/* NULL: the system's default paths */
	const char	*cert;		/* client certificate, or NULL */
	const char	*key;		/* NULL: in the cert file */
	const char	*servername;	/* NULL: the host connected to */
	int		 insecure;	/* no verification at all */
};

/*
 * A TLS context and the name the server must prove, ready for any number
 * of connections.  Built by client_tls_init, released by client_tls_free.
 */
struct client_tls {
	SSL_CTX		*ctx;
	char		 name[256];	/* "" only with insecure */
	int		 name_is_ip;	/* verified as an IP, sent as no SNI */
};

enum client_status {
	CLIENT_OK,
	CLIENT_CLOSED,		/* the server closed between replies */
	CLIENT_NETWORK,		/* cannot connect, reset mid-reply, timeout */
	CLIENT_PROTOCOL,	/* a reply that cannot be decoded */
};

/* A request sent and not yet answered; frame holds its encoded bytes. */
struct client_req {
	int64_t		id;		/* -1: sent without an id */
	struct buf	frame;
};

/*
 * A reply.  Its pointers are into the client and stay valid until the next
 * client_read(), client_connect() or client_free().
 */
struct client_reply {
	const char	*content_type;
	const char	*content_encoding;
	const uint8_t	*content;
	size_t		 len;
	int64_t		 id;		/* of the request it answers */
};

/*
 * One connection and its unanswered requests.  Owned by the caller, set up
 * with client_init and released with client_free.
 */
struct client {
	struct addr		 addr;
	const struct client_tls	*tls;		/* NULL: plaintext */
	SSL			*ssl;		/* NULL when not connected */
	int			 ssl_broken;	/* no close_notify: it failed */
	int			 ssl_want_write; /* SSL_read needs POLLOUT */
	uint8_t			 first[2];	/* the first bytes read */
	size_t			 nfirst;
	char			 name[300];	/* the address, for messages */
	int			 timeout_ms;
	int			 fd;		/* -1 when not connected */
	int			 write_failed;	/* peer stopped reading */
	unsigned		 replies;	/* on this connection */

	struct buf		 out;		/* bytes still to write */
	size_t			 out_off;
	struct buf		 in;		/* unparsed from in_off on */
	size_t			 in_off;
	struct frame_parser	 parser;
	struct buf		 ctype;		/* the last reply's, unescaped */
	struct buf		 cenc;

	struct client_req	*reqs;		/* ring of unanswered ones */
	size_t			 reqs_head;
	size_t			 reqs_len;
	size_t			 reqs_cap;

	char			 err[512];	/* why the last call failed */
};

/*
 * Loads the CA bundle, client certificate and key and works out the name
 * to verify for a connection to addr.  Returns 0, or -1 with one line in
 * err (a bad option or file: a usage error).
 */
int	client_tls_init(struct client_tls *, const struct client_tls_opts *,
	    const struct addr *, char *err, size_t errlen);
void	client_tls_free(struct client_tls *);
/* A client SSL on fd, verifying tls->name; NULL if out of memory. */
SSL	*client_tls_new(const struct client_tls *, int fd);
/*
 * Why an SSL call that returned ret failed, worded for people, e.g.
 * "certificate verify failed (self-signed certificate)".  Clears
 * OpenSSL's error queue.
 */
void	client_tls_error(SSL *, int ret, char *, size_t);

/* tls may be NULL for plaintext; it must outlive the client. */
/* The cause of a failed connect(2), worded for someone who ran searchctl. */
const char *client_connect_cause(int error);
void	client_init(struct client *, const struct addr *,
	    const struct client_tls *tls, int timeout_ms);
void	client_free(struct client *);
/* (Re)connects, queueing every unanswered request to be sent again. */
enum client_status client_connect(struct client *);
/*
 * Queues a request; id < 0 sends none.  It is written by client_read.
 * Returns -1 if the header would not fit the 2-byte length.
 */
int	client_queue(struct client *, const char *content_type,
	    const char *content_encoding, const void *content, size_t len,
	    int64_t id);
/* Writes what is queued and waits up to the timeout for the next reply. */
enum client_status client_read(struct client *, struct client_reply *);
/* How many queued requests have no reply yet. */
size_t	client_pending(const struct client *);

#endif
