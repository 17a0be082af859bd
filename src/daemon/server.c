/* server.c: see server.h. */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "daemon.h"
#include "elapsed.h"
#include "engine.h"
#include "frame.h"
#include "listen.h"
#include "log.h"
#include "notify.h"
#include "reaper.h"
#include "reload.h"
#include "request.h"
#include "server.h"
#include "stats.h"
#include "store.h"
#include "tls.h"
#include "worker.h"
#include "xmalloc.h"

/* Refused connections we keep open to let the error reply arrive. */
#define SERVER_REFUSAL_MAX	256
#define SERVER_REFUSAL_SECONDS	2
/* How long accepting pauses when descriptors run out. */
#define SERVER_ACCEPT_PAUSE_MS	100

/* A refused connection kept open briefly so its error reply is not lost. */
struct refusal {
	struct server		*srv;
	struct event		*ev;
	int			 fd;
	TAILQ_ENTRY(refusal)	 entry;
};

/* The main thread's state; one per process, on server_run's stack. */
struct server {
	struct config		 cf;
	struct event_base	*base;
	struct listener		*listeners;
	size_t			 nlisteners;
	struct worker		*workers;
	unsigned		 nworkers;
	unsigned		 next_worker;
	struct snapshot_cell	 cell;		/* what the workers search */
	SSL_CTX			*tls_ctx;	/* when a listener has tls */
	struct event		*sig_term, *sig_int, *sig_hup;
	struct event		*accept_resume;
	int			 reserve_fd;
	TAILQ_HEAD(, refusal)	 refusing;
	unsigned		 nrefusing;
	struct request_ctx	 req;		/* for refusal replies */
	struct buf		 out;

	struct reload		 reload;
	/* What went wrong in the reload in progress besides its index. */
	char			 reload_err[1024];
	struct store		*store;		/* NULL: data_dir none */
	const char		*data_dir_arg;	/* searchd -D, or NULL */
};

static void
server_settings(const struct server *srv, struct conn_settings *s)
{
	s->max_message_size = srv->cf.max_message_size;
	s->client_timeout = srv->cf.client_timeout;
	s->read_timeout = srv->cf.read_timeout;
	s->tls_ctx = srv->tls_ctx;
}

static void
server_refusal_end(struct refusal *l)
{
	TAILQ_REMOVE(&l->srv->refusing, l, entry);
	l->srv->nrefusing--;
	event_free(l->ev);
	close(l->fd);
	free(l);
}

static void
server_refusal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct refusal *l = arg;
	char trash[4096];

	if ((what & EV_READ) && recv(fd, trash, sizeof(trash), 0) > 0)
		return;
	server_refusal_end(l);
}

/*
 * Tells a client why it is refused and closes.  Closing with its request
 * unread would reset the connection and could destroy our reply in flight,
 * so the socket is read to EOF for a moment first.
 */
static void
server_refuse(struct server *srv, int fd, const char *code, const char *why)
{
	struct timeval tv = { SERVER_REFUSAL_SECONDS, 0 };
	struct reply r;
	struct refusal *l;

	request_error(&srv->req, code, why, &r);
	buf_reset(&srv->out);
	frame_encode_header(&srv->out, r.content_type, r.content_encoding,
	    r.len, NULL, 0);
	buf_add(&srv->out, r.data, r.len);
	(void)send(fd, srv->out.data, srv->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	stats_connection_rejected();
	/* Out of descriptors too: no room to linger. */
	if (srv->nrefusing >= SERVER_REFUSAL_MAX || srv->reserve_fd == -1) {
		close(fd);
		return;
	}
	l = xmalloc(sizeof(*l));
	l->srv = srv;
	l->fd = fd;
	l->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST,
	    server_refusal_cb, l);
	event_add(l->ev, &tv);
	TAILQ_INSERT_TAIL(&srv->refusing, l, entry);
	srv->nrefusing++;
}

static int
server_listener_tls(const struct server *srv, const struct evconnlistener *el)
{
	size_t i;

	for (i = 0; i < srv->nlisteners; i++)
		if (srv->listeners[i].el == el)
			return srv->listeners[i].tls;
	return 0;
}

/*
 * Who may write: this machine's own peers (a Unix socket, loopback), the
 * prefixes of write_allow, and on a TLS listener that asks for client
 * certificates, everyone, since they all showed one.
 */
static int
server_may_write(const struct server *srv, int tls,
    const struct sockaddr *sa)
{
	struct addr_peer peer;
	size_t i;

	if (tls && srv->cf.tls_client_ca != NULL)
		return 1;
	addr_peer_set(&peer, sa);
	if (addr_peer_is_local(&peer))
		return 1;
	for (i = 0; i < srv->cf.nwrite_allow; i++)
		if (addr_prefix_match(&srv->cf.write_allow[i], &peer))
			return 1;
	return 0;
}

static void
server_accept_cb(struct evconnlistener *el, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server *srv = arg;
	char why[128];
	int tls = server_listener_tls(srv, el);

	if (stats_connections_current() >= srv->cf.max_connections) {
		snprintf(why, sizeof(why), "too many connections "
		    "(max_connections %u)", srv->cf.max_connections);
		/* A TLS client could not read a plain-text reason. */
		if (tls) {
			stats_connection_rejected();
			close(fd);
		} else
			server_refuse(srv, fd, "too_many_connections", why);
		return;
	}
	stats_connection_opened();
	worker_add_conn(&srv->workers[srv->next_worker++ % srv->nworkers],
	    fd, tls, server_may_write(srv, tls, sa), sa);
}

static void
server_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	size_t i;

	for (i = 0; i < srv->nlisteners; i++)
		evconnlistener_enable(srv->listeners[i].el);
}

/*
 * Out of descriptors: give back the reserve to accept and refuse one
 * client, then pause accepting, or libevent would call us in a loop.
 */
static void
server_accept_error_cb(struct evconnlistener *el, void *arg)
{
	struct server *srv = arg;
	struct timeval pause = { 0, SERVER_ACCEPT_PAUSE_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR(), fd;
	size_t i;

	if (err != EMFILE && err != ENFILE) {
		log_warnx("accept: %s", evutil_socket_error_to_string(err));
		return;
	}
	log_warnx("accept: out of file descriptors; refusing connections");
	if (srv->reserve_fd != -1) {
		close(srv->reserve_fd);
		fd = accept(evconnlistener_get_fd(el), NULL, NULL);
		if (fd != -1)
			server_refuse(srv, fd, "too_many_connections",
			    "server out of file descriptors");
		srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	for (i = 0; i < srv->nlisteners; i++)
		evconnlistener_disable(srv->listeners[i].el);
	event_add(srv->accept_resume, &pause);
}

static void
server_listen(struct server *srv)
{
	char err[512];
	size_t i;

	if (listen_inherit(&srv->listeners, &srv->nlisteners) > 0)
		log_info("using %zu sockets passed by the service manager",
		    srv->nlisteners);
	else {
		for (i = 0; i < srv->cf.nlistens; i++)
			if (listen_open(&srv->cf.listens[i], &srv->listeners,
			    &srv->nlisteners, err, sizeof(err)) == -1)
				fatalx_code(SEARCHD_EXIT_OSERR, "listen %s", err);
	}
	for (i = 0; i < srv->nlisteners; i++) {
		struct listener *l = &srv->listeners[i];

		l->el = evconnlistener_new(srv->base, server_accept_cb, srv,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, l->fd);
		if (l->el == NULL)
			fatalx_code(SEARCHD_EXIT_OSERR, "evconnlistener_new failed");
		evconnlistener_set_error_cb(l->el, server_accept_error_cb);
		log_info("listening on %s%s", l->name, l->tls ? " (tls)" : "");
	}
}

static void
server_close_listeners(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->nlisteners; i++)
		listen_close(&srv->listeners[i]);
	free(srv->listeners);
	srv->listeners = NULL;
	srv->nlisteners = 0;
}

static void
server_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	unsigned i;

	log_info("%s: shutting down", strsignal((int)sig));
	notify_stopping();
	server_close_listeners(srv);
	for (i = 0; i < srv->nworkers; i++)
		worker_shutdown(&srv->workers[i]);
	event_base_loopbreak(srv->base);
}

static void
server_push_update(struct server *srv)
{
	struct conn_settings s;
	unsigned i;

	server_settings(srv, &s);
	for (i = 0; i < srv->nworkers; i++)
		worker_update(&srv->workers[i], &s);
}

/* Puts a newly built index in service; the workers take it as they go. */
static void
server_publish(struct server *srv, struct index *index)
{
	struct snapshot *s = snapshot_of(index);

	stats_index_loaded(index->build_seconds);
	index_free(index);
	snapshot_publish(&srv->cell, s);
}

/*
 * The reload's index is built: swap it in, or keep the old one.  A reload
 * counts as failed if anything in it failed, even if the index is new.
 */
static void
server_reloaded(void *arg, struct index *index, const char *err)
{
	struct server *srv = arg;

	if (index == NULL) {
		log_warnx("reload failed: %s; still serving the previous index",
		    err);
		stats_reload_done(0, err);
		notify_ready("reload failed; serving the previous index");
		return;
	}
	server_publish(srv, index);
	log_info("reload: new index in service");
	if (srv->reload_err[0] != '\0') {
		stats_reload_done(0, srv->reload_err);
		notify_ready("serving; index reloaded, TLS kept");
	} else {
		stats_reload_done(1, NULL);
		notify_ready("serving; index reloaded");
	}
}

#define SERVER_LOG_CHANGE(old, new, key, fmt) do {			\
	if ((old)->key != (new)->key)					\
		log_info("reload: " #key " " fmt " -> " fmt,		\
		    (old)->key, (new)->key);				\
} while (0)

/* New certificates serve new connections; a bad one changes nothing. */
static void
server_reload_tls(struct server *srv, const struct config *ncf)
{
	SSL_CTX *ctx;
	char err[512];

	if (srv->tls_ctx == NULL)
		return;
	if (ncf->tls_certificate == NULL) {
		log_warnx("reload: TLS listeners need a restart to drop "
		    "tls_certificate; keeping the current one");
		return;
	}
	if ((ctx = tls_server_ctx(ncf, err, sizeof(err))) == NULL) {
		log_warnx("reload: TLS: %s; keeping the current certificate",
		    err);
		snprintf(srv->reload_err, sizeof(srv->reload_err), "TLS: %s",
		    err);
		return;
	}
	SSL_CTX_free(srv->tls_ctx);
	srv->tls_ctx = ctx;
	log_info("reload: TLS certificate and key reloaded");
}

#define SERVER_SWAP(a, b) do {					\
	char *tmp_ = (a);						\
	(a) = (b);							\
	(b) = tmp_;							\
} while (0)

static int
server_same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0);
}

/* write_allow takes effect for new connections; the store needs a restart. */
static void
server_apply_writes(struct server *srv, struct config *ncf)
{
	struct config *cf = &srv->cf;
	struct addr_prefix *p;
	size_t n, i;
	int same;

	p = cf->write_allow;
	cf->write_allow = ncf->write_allow;
	ncf->write_allow = p;
	n = cf->nwrite_allow;
	cf->nwrite_allow = ncf->nwrite_allow;
	ncf->nwrite_allow = n;
	if (!server_same_string(config_data_dir(cf), config_data_dir(ncf)) ||
	    cf->sync != ncf->sync || cf->write_buffer != ncf->write_buffer)
		log_warnx("reload: data_dir, sync and write_buffer changes "
		    "need a restart");
	if (srv->store == NULL) {
		/* ncf goes on to build the index: it keeps its own. */
		cf->language = ncf->language;
		config_copy_schema(cf, ncf);
		return;
	}
	if (cf->language != ncf->language)
		log_warnx("reload: the language of a data_dir's index cannot "
		    "change (it stays %s); import the documents again into "
		    "an empty data_dir", cf->language ? cf->language : "none");
	if (!config_same_schema(cf, ncf))
		log_warnx("reload: attribute and field changes need a "
		    "restart");
	same = cf->ncorpus == ncf->ncorpus;
	for (i = 0; same && i < cf->ncorpus; i++)
		same = strcmp(cf->corpus[i], ncf->corpus[i]) == 0;
	if (!same)
		log_warnx("reload: corpus files are imported only into an "
		    "empty data_dir; change the index with searchctl add and "
		    "delete");
}

/* Takes what can change without a restart from a freshly read config. */
static void
server_apply(struct server *srv, struct config *ncf)
{
	struct config *cf = &srv->cf;
	size_t i;
	int same = ncf->nlistens == cf->nlistens && ncf->workers == cf->workers;

	for (i = 0; same && i < cf->nlistens; i++)
		same = strcmp(cf->listens[i].spec, ncf->listens[i].spec) == 0 &&
		    cf->listens[i].tls == ncf->listens[i].tls;
	if (!same)
		log_warnx("reload: listen and workers changes need a restart");
	SERVER_LOG_CHANGE(cf, ncf, max_connections, "%u");
	SERVER_LOG_CHANGE(cf, ncf, max_message_size, "%zu");
	SERVER_LOG_CHANGE(cf, ncf, client_timeout, "%u");
	SERVER_LOG_CHANGE(cf, ncf, read_timeout, "%u");
	if (cf->log_level != ncf->log_level)
		log_info("reload: log_level %s -> %s",
		    log_level_name(cf->log_level), log_level_name(ncf->log_level));
	cf->max_connections = ncf->max_connections;
	cf->max_message_size = ncf->max_message_size;
	cf->client_timeout = ncf->client_timeout;
	cf->read_timeout = ncf->read_timeout;
	cf->log_level = ncf->log_level;
	log_set_level(cf->log_level);
	server_reload_tls(srv, ncf);
	SERVER_SWAP(cf->tls_certificate, ncf->tls_certificate);
	SERVER_SWAP(cf->tls_key, ncf->tls_key);
	SERVER_SWAP(cf->tls_client_ca, ncf->tls_client_ca);
	server_apply_writes(srv, ncf);
	server_push_update(srv);
}

static void
server_reload_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct config ncf;
	char err[1024];

	if (reload_running(&srv->reload)) {
		log_warnx("SIGHUP: a reload is already in progress; ignored");
		return;
	}
	log_info("SIGHUP: reloading %s", srv->cf.path ? srv->cf.path :
	    "the built-in defaults");
	notify_reloading();
	if (reload_config(srv->cf.path, &ncf, err, sizeof(err)) == -1) {
		log_warnx("reload failed: %s; keeping the running "
		    "configuration", err);
		stats_reload_done(0, err);
		notify_ready("reload failed; serving the previous configuration");
		return;
	}
	if (srv->data_dir_arg != NULL)
		config_set_data_dir_arg(&ncf, srv->data_dir_arg);
	srv->reload_err[0] = '\0';
	server_apply(srv, &ncf);
	if (srv->store != NULL) {
		/* The index is the data_dir's: SIGHUP rereads settings only. */
		config_free(&ncf);
		log_info("reload: configuration in service; the index is kept "
		    "(it is changed by writes, not rebuilt)");
		stats_reload_done(srv->reload_err[0] == '\0',
		    srv->reload_err);
		notify_ready("serving; configuration reloaded");
		return;
	}
	if (reload_start(&srv->reload, &ncf, err, sizeof(err)) == -1) {
		log_warnx("reload failed: %s", err);
		stats_reload_done(0, err);
		notify_ready("reload failed; serving the previous index");
	}
}

static void
server_signals(struct server *srv)
{
	signal(SIGPIPE, SIG_IGN);
	srv->sig_term = evsignal_new(srv->base, SIGTERM, server_stop_cb, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, server_stop_cb, srv);
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, server_reload_cb, srv);
	if (srv->sig_term == NULL || srv->sig_int == NULL ||
	    srv->sig_hup == NULL)
		fatalx("evsignal_new failed");
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	evsignal_add(srv->sig_hup, NULL);
}

static unsigned
server_nworkers(const struct config *cf)
{
	long n;

	if (cf->workers > 0)
		return (unsigned)cf->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS : (unsigned)n;
}

static enum store_sync
server_sync(enum config_sync s)
{
	switch (s) {
	case CONFIG_SYNC_ALWAYS:
		return STORE_SYNC_ALWAYS;
	case CONFIG_SYNC_NO:
		return STORE_SYNC_NO;
	default:
		return STORE_SYNC_EVERYSEC;
	}
}

/*
 * The index: the data_dir's, opened (and filled from the corpus when it
 * is new), or built in memory from the corpus, as with data_dir none.
 */
static void
server_open_index(struct server *srv)
{
	struct store_options o;
	struct store_info info;
	struct timespec t0, t1;
	struct index *index;
	char err[1024];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (config_data_dir(&srv->cf) == NULL) {
		if ((index = reload_index(&srv->cf, err, sizeof(err))) == NULL)
			fatalx_code(SEARCHD_EXIT_DATA, "%s", err);
		server_publish(srv, index);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.dir = config_data_dir(&srv->cf);
	o.sync = server_sync(srv->cf.sync);
	o.write_buffer = srv->cf.write_buffer;
	o.corpus = (const char *const *)srv->cf.corpus;
	o.ncorpus = srv->cf.ncorpus;
	o.schema = reload_schema(&srv->cf);
	o.cell = &srv->cell;
	srv->store = store_open(&o, err, sizeof(err));
	schema_free(o.schema);
	if (srv->store == NULL)
		fatalx_code(SEARCHD_EXIT_DATA, "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats_index_loaded((double)elapsed_us(&t0, &t1) / 1e6);
	store_info(srv->store, &info);
	log_info("data_dir %s: %zu segment files, %zu in memory, up to write "
	    "%llu, opened in %.3f s", o.dir, info.disk_segments,
	    info.memory_segments, (unsigned long long)info.seq,
	    (double)elapsed_us(&t0, &t1) / 1e6);
}

static void
server_start_workers(struct server *srv)
{
	struct conn_settings s;
	unsigned i;

	srv->workers = xcalloc(srv->nworkers, sizeof(*srv->workers));
	server_settings(srv, &s);
	for (i = 0; i < srv->nworkers; i++)
		worker_start(&srv->workers[i], i, &s, &srv->cell, srv->store);
}

static void
server_free(struct server *srv)
{
	unsigned i;

	reload_free(&srv->reload);
	for (i = 0; i < srv->nworkers; i++)
		worker_join(&srv->workers[i]);
	/* Every write a worker handed it is answered, then workers go. */
	if (srv->store != NULL)
		store_close(srv->store);
	for (i = 0; i < srv->nworkers; i++)
		worker_free(&srv->workers[i]);
	free(srv->workers);
	while (!TAILQ_EMPTY(&srv->refusing))
		server_refusal_end(TAILQ_FIRST(&srv->refusing));
	reaper_stop();
	snapshot_cell_free(&srv->cell);
	server_close_listeners(srv);
	event_free(srv->sig_term);
	event_free(srv->sig_int);
	event_free(srv->sig_hup);
	event_free(srv->accept_resume);
	if (srv->reserve_fd != -1)
		close(srv->reserve_fd);
	request_ctx_free(&srv->req);
	buf_free(&srv->out);
	if (srv->tls_ctx != NULL)
		SSL_CTX_free(srv->tls_ctx);
	event_base_free(srv->base);
	stats_free();
	config_free(&srv->cf);
}

int
server_run(struct config *cf, const char *data_dir_arg)
{
	struct server srv;
	char err[512];

	memset(&srv, 0, sizeof(srv));
	srv.cf = *cf;
	srv.data_dir_arg = data_dir_arg;
	config_init(cf);
	if (evthread_use_pthreads() == -1)
		fatalx("evthread_use_pthreads failed");
	if ((srv.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	TAILQ_INIT(&srv.refusing);
	snapshot_cell_init(&srv.cell);
	reaper_start();
	request_ctx_init(&srv.req, NULL);
	buf_init(&srv.out);
	srv.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	reload_init(&srv.reload, srv.base, server_reloaded, &srv);
	srv.accept_resume = evtimer_new(srv.base, server_accept_resume_cb,
	    &srv);
	if (config_has_tls(&srv.cf) &&
	    (srv.tls_ctx = tls_server_ctx(&srv.cf, err, sizeof(err))) == NULL)
		fatalx_code(SEARCHD_EXIT_CONFIG, "TLS: %s", err);
	server_signals(&srv);
	/* The data_dir first: a second searchd on it is told whose it is. */
	srv.nworkers = server_nworkers(&srv.cf);
	stats_init(srv.nworkers);
	server_open_index(&srv);
	server_listen(&srv);
	server_start_workers(&srv);
	log_info("ready: %u workers, max_connections %u, "
	    "max_message_size %zu", srv.nworkers, srv.cf.max_connections,
	    srv.cf.max_message_size);
	notify_ready("serving");

	event_base_loop(srv.base, EVLOOP_NO_EXIT_ON_EMPTY);

	server_free(&srv);
	notify_close();
	log_info("exiting");
	return 0;
}
