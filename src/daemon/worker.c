/* worker.c: see worker.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "conn.h"
#include "log.h"
#include "server.h"
#include "worker.h"
#include "xmalloc.h"

/* How long a shutdown waits for replies in flight before cutting them. */
#define WORKER_SHUTDOWN_GRACE	5
/* Longest a closing connection may take to accept its last reply. */
#define WORKER_LINGER		5

static void	*worker_main(void *);
static void	 worker_inbox_cb(evutil_socket_t, short, void *);
static void	 worker_sweep_cb(evutil_socket_t, short, void *);
static void	 worker_grace_cb(evutil_socket_t, short, void *);

time_t
worker_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

static const struct timeval *
worker_common_timeout(struct event_base *base, unsigned seconds)
{
	struct timeval tv = { (time_t)seconds, 0 };

	if (seconds == 0)
		return NULL;
	return event_base_init_common_timeout(base, &tv);
}

/* Takes over the settings' reference to the TLS context. */
static void
worker_apply(struct worker *w, const struct worker_settings *s)
{
	if (w->settings.tls_ctx != NULL)
		SSL_CTX_free(w->settings.tls_ctx);
	w->settings = *s;
	w->idle_tv = worker_common_timeout(w->base, s->client_timeout);
	w->linger_tv = worker_common_timeout(w->base, WORKER_LINGER);
}

void
worker_start(struct worker *w, unsigned id, const struct worker_settings *s,
    struct index_ref *index)
{
	struct timeval second = { 1, 0 };
	int rc;

	memset(w, 0, sizeof(*w));
	w->id = id;
	if ((w->base = event_base_new()) == NULL)
		fatalx("worker %u: event_base_new failed", id);
	pthread_mutex_init(&w->inbox.lock, NULL);
	w->inbox_ev = event_new(w->base, -1, 0, worker_inbox_cb, w);
	w->sweep_ev = event_new(w->base, -1, EV_PERSIST, worker_sweep_cb, w);
	w->grace_ev = evtimer_new(w->base, worker_grace_cb, w);
	if (w->inbox_ev == NULL || w->sweep_ev == NULL || w->grace_ev == NULL)
		fatalx("worker %u: event_new failed", id);
	event_add(w->sweep_ev, &second);
	request_ctx_init(&w->req);
	buf_init(&w->hdr);
	buf_init(&w->wbuf);
	w->rbuf = xmalloc(WORKER_RBUF_SIZE);
	w->stats = stats_worker(id);
	TAILQ_INIT(&w->conns);
	TAILQ_INIT(&w->partial);
	if (s->tls_ctx != NULL)
		SSL_CTX_up_ref(s->tls_ctx);
	worker_apply(w, s);
	w->index = index;
	w->req.index = index_ref_get(index);
	if ((rc = pthread_create(&w->thread, NULL, worker_main, w)) != 0)
		fatalx("worker %u: pthread_create: %s", id, strerror(rc));
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

void
worker_add_conn(struct worker *w, int fd, int tls, const struct sockaddr *sa)
{
	struct worker_inbox *in = &w->inbox;

	pthread_mutex_lock(&in->lock);
	if (in->nfds == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 64;
		in->fds = xreallocarray(in->fds, in->cap, sizeof(*in->fds));
	}
	in->fds[in->nfds].fd = fd;
	in->fds[in->nfds].tls = tls;
	addr_peer_set(&in->fds[in->nfds++].peer, sa);
	pthread_mutex_unlock(&in->lock);
	event_active(w->inbox_ev, 0, 0);
}

void
worker_update(struct worker *w, const struct worker_settings *s,
    struct index_ref *index)
{
	struct worker_inbox *in = &w->inbox;

	if (s->tls_ctx != NULL)
		SSL_CTX_up_ref(s->tls_ctx);
	pthread_mutex_lock(&in->lock);
	if (in->has_update && in->settings.tls_ctx != NULL)
		SSL_CTX_free(in->settings.tls_ctx);
	in->settings = *s;
	if (index != NULL) {
		if (in->index != NULL)
			index_ref_release(in->index);
		in->index = index;
	}
	in->has_update = 1;
	pthread_mutex_unlock(&in->lock);
	event_active(w->inbox_ev, 0, 0);
}

void
worker_shutdown(struct worker *w)
{
	pthread_mutex_lock(&w->inbox.lock);
	w->inbox.shutdown = 1;
	pthread_mutex_unlock(&w->inbox.lock);
	event_active(w->inbox_ev, 0, 0);
}

static void
worker_begin_drain(struct worker *w)
{
	struct timeval grace = { WORKER_SHUTDOWN_GRACE, 0 };
	struct conn *c, *next;

	if (w->draining)
		return;
	w->draining = 1;
	evtimer_add(w->grace_ev, &grace);
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_drain(c);
	}
	worker_conn_gone(w);
}

static void
worker_inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct worker_inbox *in = &w->inbox;
	struct worker_settings s;
	struct index_ref *index = NULL, *old;
	struct worker_fd *fds;
	int update, shutdown;
	size_t nfds, i;

	pthread_mutex_lock(&in->lock);
	fds = in->fds;
	nfds = in->nfds;
	in->fds = NULL;
	in->nfds = in->cap = 0;
	if ((update = in->has_update)) {
		s = in->settings;
		index = in->index;
		in->index = NULL;
		in->has_update = 0;
	}
	shutdown = in->shutdown;
	pthread_mutex_unlock(&in->lock);

	if (update) {
		worker_apply(w, &s);
		if (index != NULL) {
			old = w->index;
			w->index = index;
			w->req.index = index_ref_get(index);
			index_ref_release(old);
		}
	}
	for (i = 0; i < nfds; i++) {
		if (shutdown || w->draining) {
			stats_connection_closed();
			close(fds[i].fd);
		} else
			conn_new(w, &fds[i]);
	}
	free(fds);
	if (shutdown)
		worker_begin_drain(w);
}

/* Cuts connections whose message has been arriving for too long. */
static void
worker_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct conn *c;
	time_t now = worker_now();

	while ((c = TAILQ_FIRST(&w->partial)) != NULL &&
	    now - c->msg_start >= (time_t)w->settings.read_timeout)
		conn_read_timeout(c);
}

static void
worker_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct conn *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &w->conns, entry)
		n++;
	if (n > 0)
		log_warnx("worker %u: closing %zu connections still busy "
		    "after %d s", w->id, n, WORKER_SHUTDOWN_GRACE);
	while ((c = TAILQ_FIRST(&w->conns)) != NULL)
		conn_free(c, "shutdown grace period over");
}

void
worker_conn_gone(struct worker *w)
{
	if (w->draining && TAILQ_EMPTY(&w->conns))
		event_base_loopexit(w->base, NULL);
}

void
worker_join(struct worker *w)
{
	struct conn *c;
	size_t i;

	pthread_join(w->thread, NULL);
	while ((c = TAILQ_FIRST(&w->conns)) != NULL)
		conn_free(c, "exit");
	for (i = 0; i < w->inbox.nfds; i++) {
		stats_connection_closed();
		close(w->inbox.fds[i].fd);
	}
	if (w->inbox.has_update && w->inbox.settings.tls_ctx != NULL)
		SSL_CTX_free(w->inbox.settings.tls_ctx);
	if (w->settings.tls_ctx != NULL)
		SSL_CTX_free(w->settings.tls_ctx);
	free(w->inbox.fds);
	if (w->inbox.index != NULL)
		index_ref_release(w->inbox.index);
	index_ref_release(w->index);
	request_ctx_free(&w->req);
	buf_free(&w->hdr);
	buf_free(&w->wbuf);
	free(w->rbuf);
	event_free(w->inbox_ev);
	event_free(w->sweep_ev);
	event_free(w->grace_ev);
	event_base_free(w->base);
	pthread_mutex_destroy(&w->inbox.lock);
}
