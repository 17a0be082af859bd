/*
 * daemon.h: the daemon, src/daemon, and its exit statuses.
 *
 * The daemon owns everything that touches a socket or a signal: listeners
 * and accepting (listen.c, server.c), worker threads with one event loop
 * each (worker.c), connections and the transports that move their bytes
 * (conn.c, conn_plain.c, conn_tls.c), answering a decoded message
 * (request.c, action_*.c), loading and reloading the index (reload.c),
 * dropping old snapshots off the loops (reaper.c), counters (stats.c), TLS
 * contexts (tls.c) and sd_notify (notify.c).  A message is decoded by
 * src/proto, answered here from the index of src/engine, and written back
 * by the transport.  It may call src/common, src/proto and src/engine;
 * nothing calls it.
 *
 * The exit statuses are the ones searchd(8) documents.
 */
#ifndef SEARCHD_DAEMON_H
#define SEARCHD_DAEMON_H

#define SEARCHD_EXIT_OK		0
#define SEARCHD_EXIT_USAGE	64	/* EX_USAGE */
#define SEARCHD_EXIT_DATA	65	/* EX_DATAERR: bad corpus or data_dir */
#define SEARCHD_EXIT_OSERR	71	/* EX_OSERR: cannot listen */
#define SEARCHD_EXIT_CONFIG	78	/* EX_CONFIG: bad searchd.conf */

#endif
