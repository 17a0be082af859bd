/* addr.c: see addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static int
addr_port_ok(const char *port, char *err, size_t errlen)
{
	char *end;
	long v;

	if (*port == '\0') {
		snprintf(err, errlen, "missing port");
		return -1;
	}
	v = strtol(port, &end, 10);
	if (*end != '\0' || v < 0 || v > 65535 || end - port > 5) {
		snprintf(err, errlen, "bad port \"%s\" (0 to 65535)", port);
		return -1;
	}
	return 0;
}

int
addr_from_host_port(const char *host, const char *port, struct addr *a,
    char *err, size_t errlen)
{
	size_t len = strlen(host);

	memset(a, 0, sizeof(*a));
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len >= sizeof(a->host)) {
		snprintf(err, errlen, "host name too long");
		return -1;
	}
	if (len == 1 && host[0] == '*')
		len = 0;
	memcpy(a->host, host, len);
	a->host[len] = '\0';
	if (strlen(port) >= sizeof(a->port)) {
		snprintf(err, errlen, "bad port \"%s\" (0 to 65535)", port);
		return -1;
	}
	if (addr_port_ok(port, err, errlen) == -1)
		return -1;
	strcpy(a->port, port);
	return 0;
}

int
addr_parse(const char *s, struct addr *a, char *err, size_t errlen)
{
	const char *colon;
	char host[sizeof(a->host) + 2];
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (s[0] == '/') {
		if (strlen(s) >= sizeof(a->path)) {
			snprintf(err, errlen, "unix socket path too long "
			    "(at most %zu bytes)", sizeof(a->path) - 1);
			return -1;
		}
		a->is_unix = 1;
		strcpy(a->path, s);
		return 0;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "bad address \"%s\" "
			    "(expected [IPV6]:PORT)", s);
			return -1;
		}
		colon = close + 1;
	} else if ((colon = strrchr(s, ':')) == NULL ||
	    memchr(s, ':', (size_t)(colon - s)) != NULL) {
		snprintf(err, errlen, "bad address \"%s\" (expected HOST:PORT, "
		    "[IPV6]:PORT or an absolute socket path)", s);
		return -1;
	}
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "host name too long");
		return -1;
	}
	if (hlen == 0) {
		snprintf(err, errlen, "bad address \"%s\" (missing host; "
		    "use * for every address)", s);
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	return addr_from_host_port(host, colon + 1, a, err, errlen);
}

void
addr_format(const struct addr *a, char *out, size_t len)
{
	if (a->is_unix)
		snprintf(out, len, "%s", a->path);
	else if (strchr(a->host, ':') != NULL)
		snprintf(out, len, "[%s]:%s", a->host, a->port);
	else
		snprintf(out, len, "%s:%s", *a->host ? a->host : "*", a->port);
}

int
addr_resolve(const struct addr *a, int passive, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	if (passive)
		hints.ai_flags = AI_PASSIVE;
	return getaddrinfo(*a->host ? a->host : NULL, a->port, &hints, res);
}

void
addr_sockaddr_format(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outlen)
{
	char host[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, outlen, "%s:%u", host, ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, outlen, "[%s]:%u", host, ntohs(sin6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;

		if (len > offsetof(struct sockaddr_un, sun_path) &&
		    sun->sun_path[0] != '\0')
			snprintf(out, outlen, "%.*s", (int)(len -
			    offsetof(struct sockaddr_un, sun_path)),
			    sun->sun_path);
		else
			snprintf(out, outlen, "unix");
		break;
	}
	default:
		snprintf(out, outlen, "unknown");
		break;
	}
}

void
addr_peer_set(struct addr_peer *p, const struct sockaddr *sa)
{
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(p->ip, &sin->sin_addr, 4);
		p->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)sa;

		memcpy(p->ip, &sin6->sin6_addr, 16);
		p->port = ntohs(sin6->sin6_port);
	}
}

void
addr_peer_format(const struct addr_peer *p, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	switch (p->family) {
	case AF_INET:
		inet_ntop(AF_INET, p->ip, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, p->port);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, p->ip, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, p->port);
		break;
	case AF_UNIX:
		snprintf(out, len, "unix");
		break;
	default:
		snprintf(out, len, "unknown");
		break;
	}
}

int
addr_prefix_parse(const char *s, struct addr_prefix *p, char *err,
    size_t errlen)
{
	char ip[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	unsigned max;

	memset(p, 0, sizeof(*p));
	if (len >= sizeof(ip)) {
		snprintf(err, errlen, "\"%s\" is not an address or prefix", s);
		return -1;
	}
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, p->ip) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, ip, p->ip) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "\"%s\" is not an IPv4 or IPv6 address",
		    ip);
		return -1;
	}
	p->bits = (uint8_t)max;
	if (slash == NULL)
		return 0;
	errno = 0;
	bits = strtoul(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 ||
	    bits > max) {
		snprintf(err, errlen, "\"%s\": the prefix length must be 0 to "
		    "%u", s, max);
		return -1;
	}
	p->bits = (uint8_t)bits;
	return 0;
}

static int
addr_bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* An IPv4-mapped IPv6 peer (::ffff:a.b.c.d): its IPv4 address, or NULL. */
static const uint8_t *
addr_peer_v4(const struct addr_peer *peer)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	if (peer->family == AF_INET)
		return peer->ip;
	if (peer->family == AF_INET6 && memcmp(peer->ip, mapped, 12) == 0)
		return peer->ip + 12;
	return NULL;
}

int
addr_prefix_match(const struct addr_prefix *p, const struct addr_peer *peer)
{
	const uint8_t *v4;

	if (p->family == AF_INET)
		return (v4 = addr_peer_v4(peer)) != NULL &&
		    addr_bits_equal(p->ip, v4, p->bits);
	return peer->family == AF_INET6 &&
	    addr_bits_equal(p->ip, peer->ip, p->bits);
}

int
addr_peer_is_local(const struct addr_peer *peer)
{
	static const uint8_t loop6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 1 };
	const uint8_t *v4;

	if (peer->family == AF_UNIX)
		return 1;
	if ((v4 = addr_peer_v4(peer)) != NULL)
		return v4[0] == 127;
	return peer->family == AF_INET6 && memcmp(peer->ip, loop6, 16) == 0;
}
