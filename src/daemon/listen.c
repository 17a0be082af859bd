/* listen.c: see listen.h. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>
#include <event2/util.h>

#include "listen.h"
#include "log.h"
#include "xmalloc.h"

/* sd_listen_fds(3): passed descriptors start at 3. */
#define LISTEN_FDS_START	3

static struct listener *
listen_add(struct listener **ls, size_t *n, int fd)
{
	struct listener *l;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	*ls = xreallocarray(*ls, *n + 1, sizeof(**ls));
	l = &(*ls)[(*n)++];
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	/* evconnlistener accepts until EAGAIN: a blocking socket would hang. */
	evutil_make_socket_nonblocking(fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		addr_sockaddr_format((struct sockaddr *)&ss, len, l->name,
		    sizeof(l->name));
	return l;
}

/* A socket file left by a searchd that died may be replaced; a live one not. */
static int
listen_unix_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: in use by another process", path);
		return -1;
	}
	if (unlink(path) == -1) {
		snprintf(err, errlen, "%s: cannot remove stale socket: %s",
		    path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_unix(const struct config_listen *cl, struct listener **ls, size_t *n,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct listener *l;
	int fd;

	if (listen_unix_stale(cl->addr.path, err, errlen) == -1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, cl->addr.path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errlen, "%s: %s", cl->addr.path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	l = listen_add(ls, n, fd);
	l->tls = cl->tls;
	snprintf(l->name, sizeof(l->name), "%s", cl->addr.path);
	snprintf(l->unix_path, sizeof(l->unix_path), "%s", cl->addr.path);
	return 0;
}

static int
listen_tcp_one(const struct addrinfo *ai, char *why, size_t whylen)
{
	int fd, one = 1;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "[::]:p" and "0.0.0.0:p" are separate listens, as in nginx. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
listen_open(const struct config_listen *cl, struct listener **ls, size_t *n,
    char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	char why[256];
	int fd, gai, opened = 0;

	if (cl->addr.is_unix)
		return listen_unix(cl, ls, n, err, errlen);
	if ((gai = addr_resolve(&cl->addr, 1, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", cl->spec, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = listen_tcp_one(ai, why, sizeof(why))) == -1) {
			snprintf(err, errlen, "%s: %s", cl->spec, why);
			freeaddrinfo(res);
			return -1;
		}
		listen_add(ls, n, fd)->tls = cl->tls;
		opened++;
	}
	freeaddrinfo(res);
	if (opened == 0) {
		snprintf(err, errlen, "%s: no address to listen on", cl->spec);
		return -1;
	}
	return 0;
}

size_t
listen_inherit(struct listener **ls, size_t *n)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long count, i;
	size_t added = 0;
	int type;
	socklen_t len = sizeof(type);

	if (pid == NULL || fds == NULL ||
	    strtol(pid, &end, 10) != (long)getpid() || *end != '\0')
		return 0;
	count = strtol(fds, &end, 10);
	if (*end != '\0' || count <= 0 || count > 1024)
		return 0;
	for (i = 0; i < count; i++) {
		int fd = LISTEN_FDS_START + (int)i;

		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
		    type != SOCK_STREAM) {
			log_warnx("LISTEN_FDS: descriptor %d is not a stream "
			    "socket; ignored", fd);
			continue;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		listen_add(ls, n, fd);
		added++;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return added;
}

void
listen_close(struct listener *l)
{
	if (l->el != NULL)
		evconnlistener_free(l->el);
	else if (l->fd != -1)
		close(l->fd);
	l->el = NULL;
	l->fd = -1;
	if (l->unix_path[0] != '\0') {
		unlink(l->unix_path);
		l->unix_path[0] = '\0';
	}
}
