/*
 * listen.h: listening sockets, from the configuration or passed by systemd
 * (LISTEN_FDS).  Only sockets: the server wraps them in evconnlisteners.
 */
#ifndef SEARCHD_LISTEN_H
#define SEARCHD_LISTEN_H

#include <stddef.h>

#include "config.h"

#define LISTEN_BACKLOG	4096

/* One listening socket; owned by the server until listen_close. */
struct listener {
	int	fd;
	char	name[300];	/* the address actually bound, for logs */
	char	unix_path[sizeof(((struct addr *)0)->path)];
	int	tls;
	struct evconnlistener *el;
};

/*
 * Binds every address of one configured listen (a host name may give an
 * IPv4 and an IPv6 socket), appending to *ls.  -1 with the reason in err.
 */
int	listen_open(const struct config_listen *, struct listener **ls,
	    size_t *n, char *err, size_t errlen);
/* Takes sockets passed by the service manager; returns how many. */
size_t	listen_inherit(struct listener **ls, size_t *n);
void	listen_close(struct listener *);

#endif
