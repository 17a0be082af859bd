/* tls.c: see tls.h. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

void
tls_error_string(unsigned long e, char *out, size_t len)
{
	if (e == 0)
		e = ERR_peek_last_error();
	if (e == 0) {
		snprintf(out, len, "unknown TLS error");
		return;
	}
	ERR_error_string_n(e, out, len);
	ERR_clear_error();
}

static SSL_CTX *
tls_fail(SSL_CTX *ctx, const char *what, char *err, size_t errlen)
{
	char why[256];

	tls_error_string(0, why, sizeof(why));
	snprintf(err, errlen, "%s: %s", what, why);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_server_ctx(const struct config *cf, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return tls_fail(NULL, "SSL_CTX_new", err, errlen);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		return tls_fail(ctx, "TLS 1.2 minimum", err, errlen);
	/* No renegotiation: a client could make us redo handshakes. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* OpenSSL 3 calls a close without close_notify an error; it is EOF. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cf->tls_certificate) != 1)
		return tls_fail(ctx, cf->tls_certificate, err, errlen);
	if (SSL_CTX_use_PrivateKey_file(ctx, cf->tls_key,
	    SSL_FILETYPE_PEM) != 1)
		return tls_fail(ctx, cf->tls_key, err, errlen);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return tls_fail(ctx, cf->tls_key, err, errlen);
	if (cf->tls_client_ca != NULL) {
		STACK_OF(X509_NAME) *names;

		if (SSL_CTX_load_verify_locations(ctx, cf->tls_client_ca,
		    NULL) != 1 ||
		    (names = SSL_load_client_CA_file(cf->tls_client_ca)) == NULL)
			return tls_fail(ctx, cf->tls_client_ca, err, errlen);
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
}
