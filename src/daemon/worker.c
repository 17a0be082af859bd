/* worker.c: see worker.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "log.h"
#include "stats.h"
#include "worker.h"
#include "xmalloc.h"

/* How long a shutdown waits for replies in flight before cutting them. */
#define WORKER_SHUTDOWN_GRACE	5

static void	*worker_main(void *);
static void	 worker_inbox_cb(evutil_socket_t, short, void *);
static void	 worker_sweep_cb(evutil_socket_t, short, void *);
static void	 worker_grace_cb(evutil_socket_t, short, void *);

/* From any thread: a deferred reply is ready for one of our connections. */
static void
worker_deliver(void *arg, struct deferred *d)
{
	struct worker *w = arg;

	d->next = NULL;
	pthread_mutex_lock(&w->inbox.lock);
	*w->inbox.done_tail = d;
	w->inbox.done_tail = &d->next;
	pthread_mutex_unlock(&w->inbox.lock);
	event_active(w->inbox_ev, 0, 0);
}

/* The last connection is gone while draining: this thread's work is done. */
static void
worker_drained(void *arg)
{
	struct worker *w = arg;

	event_base_loopexit(w->base, NULL);
}

void
worker_start(struct worker *w, unsigned id, const struct conn_settings *s,
    struct snapshot_cell *cell, struct store *store)
{
	struct timeval second = { 1, 0 };
	int rc;

	memset(w, 0, sizeof(*w));
	w->id = id;
	if ((w->base = event_base_new()) == NULL)
		fatalx("worker %u: event_base_new failed", id);
	pthread_mutex_init(&w->inbox.lock, NULL);
	w->inbox.done_tail = &w->inbox.done;
	w->inbox_ev = event_new(w->base, -1, 0, worker_inbox_cb, w);
	w->sweep_ev = event_new(w->base, -1, EV_PERSIST, worker_sweep_cb, w);
	w->grace_ev = evtimer_new(w->base, worker_grace_cb, w);
	if (w->inbox_ev == NULL || w->sweep_ev == NULL || w->grace_ev == NULL)
		fatalx("worker %u: event_new failed", id);
	event_add(w->sweep_ev, &second);
	request_ctx_init(&w->req, cell);
	w->req.store = store;
	conn_env_init(&w->env, w->base, stats_worker(id), &w->req);
	w->env.drained = worker_drained;
	w->env.drained_arg = w;
	w->env.deliver = worker_deliver;
	w->env.deliver_arg = w;
	if (s->tls_ctx != NULL)
		SSL_CTX_up_ref(s->tls_ctx);
	conn_env_apply(&w->env, s);
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
worker_add_conn(struct worker *w, int fd, int tls, int may_write,
    const struct sockaddr *sa)
{
	struct worker_inbox *in = &w->inbox;

	pthread_mutex_lock(&in->lock);
	if (in->nfds == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 64;
		in->fds = xreallocarray(in->fds, in->cap, sizeof(*in->fds));
	}
	in->fds[in->nfds].fd = fd;
	in->fds[in->nfds].tls = tls;
	in->fds[in->nfds].may_write = may_write;
	addr_peer_set(&in->fds[in->nfds++].peer, sa);
	pthread_mutex_unlock(&in->lock);
	event_active(w->inbox_ev, 0, 0);
}

void
worker_update(struct worker *w, const struct conn_settings *s)
{
	struct worker_inbox *in = &w->inbox;

	if (s->tls_ctx != NULL)
		SSL_CTX_up_ref(s->tls_ctx);
	pthread_mutex_lock(&in->lock);
	if (in->has_update && in->settings.tls_ctx != NULL)
		SSL_CTX_free(in->settings.tls_ctx);
	in->settings = *s;
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

	if (w->env.draining)
		return;
	evtimer_add(w->grace_ev, &grace);
	conn_drain_all(&w->env);
}

static void
worker_inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct worker_inbox *in = &w->inbox;
	struct conn_settings s;
	struct worker_fd *fds;
	struct deferred *done, *next;
	int update, shutdown;
	size_t nfds, i;

	pthread_mutex_lock(&in->lock);
	done = in->done;
	in->done = NULL;
	in->done_tail = &in->done;
	fds = in->fds;
	nfds = in->nfds;
	in->fds = NULL;
	in->nfds = in->cap = 0;
	if ((update = in->has_update)) {
		s = in->settings;
		in->has_update = 0;
	}
	shutdown = in->shutdown;
	pthread_mutex_unlock(&in->lock);

	if (update)
		conn_env_apply(&w->env, &s);
	for (; done != NULL; done = next) {
		next = done->next;
		conn_deferred_done(done);
	}
	for (i = 0; i < nfds; i++) {
		if (shutdown || w->env.draining) {
			stats_connection_closed();
			close(fds[i].fd);
		} else if (fds[i].tls)
			conn_tls_new(&w->env, fds[i].fd, &fds[i].peer,
			    fds[i].may_write);
		else
			conn_plain_new(&w->env, fds[i].fd, &fds[i].peer,
			    fds[i].may_write);
	}
	free(fds);
	if (shutdown)
		worker_begin_drain(w);
}

static void
worker_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	conn_sweep(&w->env);
}

static void
worker_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	if (w->env.nconns > 0)
		log_warnx("worker %u: closing %zu connections still busy "
		    "after %d s", w->id, w->env.nconns, WORKER_SHUTDOWN_GRACE);
	conn_close_all(&w->env, "shutdown grace period over");
}

void
worker_join(struct worker *w)
{
	pthread_join(w->thread, NULL);
}

/*
 * After the store has answered every write it was given: their replies
 * are in the inbox, to be dropped with their connections.
 */
void
worker_free(struct worker *w)
{
	struct deferred *d, *next;
	size_t i;

	conn_close_all(&w->env, "exit");
	for (d = w->inbox.done; d != NULL; d = next) {
		next = d->next;
		conn_deferred_done(d);
	}
	conn_env_free(&w->env);
	for (i = 0; i < w->inbox.nfds; i++) {
		stats_connection_closed();
		close(w->inbox.fds[i].fd);
	}
	if (w->inbox.has_update && w->inbox.settings.tls_ctx != NULL)
		SSL_CTX_free(w->inbox.settings.tls_ctx);
	free(w->inbox.fds);
	request_ctx_free(&w->req);
	event_free(w->inbox_ev);
	event_free(w->sweep_ev);
	event_free(w->grace_ev);
	event_base_free(w->base);
	pthread_mutex_destroy(&w->inbox.lock);
}
