/*
 * tls.h: the server's TLS context, built from tls_certificate, tls_key and
 * tls_client_ca.  An SSL_CTX is reference counted by OpenSSL: the server
 * holds one reference, each worker another, and a SIGHUP builds a new one
 * beside the old so certificates can be replaced without a restart.
 */
#ifndef SEARCHD_TLS_H
#define SEARCHD_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "config.h"

/* NULL with the reason in err ("FILE: what OpenSSL said"). */
SSL_CTX	*tls_server_ctx(const struct config *, char *err, size_t errlen);
/* The last OpenSSL error of this thread, as text, and clears the queue. */
void	 tls_error_string(unsigned long, char *, size_t);

#endif
