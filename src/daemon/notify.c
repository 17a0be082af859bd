/* notify.c: see notify.h. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static int			notify_fd = -1;
static struct sockaddr_un	notify_addr;
static socklen_t		notify_addrlen;

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	if (path == NULL || *path == '\0')
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    len >= sizeof(notify_addr.sun_path)) {
		log_warnx("NOTIFY_SOCKET \"%s\" is not a usable socket path; "
		    "not notifying", path);
		unsetenv("NOTIFY_SOCKET");
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	/* "@name" is Linux's abstract namespace: a leading NUL byte. */
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd == -1)
		log_warn("NOTIFY_SOCKET: socket");
	unsetenv("NOTIFY_SOCKET");
}

static void
notify_send(const char *msg)
{
	if (notify_fd == -1)
		return;
	if (sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_addrlen) == -1)
		log_warn("NOTIFY_SOCKET: sendto");
}

void
notify_ready(const char *status)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s\nMAINPID=%ld", status,
	    (long)getpid());
	notify_send(msg);
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[128];

	/* MONOTONIC_USEC lets systemd 253's Type=notify-reload match it up. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_close(void)
{
	if (notify_fd != -1)
		close(notify_fd);
	notify_fd = -1;
}
