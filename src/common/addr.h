/*
 * addr.h: listen and connect addresses as people write them:
 *   127.0.0.1:65432   [::1]:65432   localhost:65432   *:65432   /run/s.sock
 * Parsing is pure; addr_resolve turns a parsed address into sockaddrs.
 */
#ifndef SEARCHD_ADDR_H
#define SEARCHD_ADDR_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netdb.h>
#include <stdint.h>

#define ADDR_DEFAULT_HOST	"127.0.0.1"
#define ADDR_DEFAULT_PORT	"65432"

struct addr {
	int	is_unix;
	char	host[256];		/* without brackets; "" means any */
	char	port[8];
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* Returns 0, or -1 with the reason in err. */
int	addr_parse(const char *, struct addr *, char *err, size_t errlen);
/* host and port as separate words (searchctl -H/-p); host may be "[::1]". */
int	addr_from_host_port(const char *host, const char *port,
	    struct addr *, char *err, size_t errlen);
/* "127.0.0.1:65432", "[::1]:65432" or the path. */
void	addr_format(const struct addr *, char *, size_t);
/* getaddrinfo for a TCP address; passive for listening.  0 or EAI_*. */
int	addr_resolve(const struct addr *, int passive, struct addrinfo **);
/*
 * A peer's address kept with its connection for log lines, in 20 bytes
 * rather than a 128-byte sockaddr_storage.
 */
struct addr_peer {
	uint8_t		family;		/* AF_INET, AF_INET6, or AF_UNIX */
	uint16_t	port;		/* host order */
	uint8_t		ip[16];
};

void	addr_peer_set(struct addr_peer *, const struct sockaddr *);
void	addr_peer_format(const struct addr_peer *, char *, size_t);

/*
 * An address prefix, as write_allow takes it: "10.0.0.0/8", "192.0.2.7",
 * "fd00::/8".  An IPv4 prefix matches IPv4-mapped IPv6 peers too.
 */
struct addr_prefix {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	uint8_t		bits;
	uint8_t		ip[16];
};

int	addr_prefix_parse(const char *, struct addr_prefix *, char *err,
	    size_t errlen);
int	addr_prefix_match(const struct addr_prefix *, const struct addr_peer *);
/* A Unix socket or a loopback address: this machine's own. */
int	addr_peer_is_local(const struct addr_peer *);

/* A sockaddr as text, for logs: "127.0.0.1:5000", "[::1]:5000", "unix". */
void	addr_sockaddr_format(const struct sockaddr *, socklen_t, char *,
	    size_t);

#endif
