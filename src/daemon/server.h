/*
 * server.h: the main thread: listeners, accepting and refusing clients,
 * signals, and the workers it feeds with accepted connections.
 */
#ifndef SEARCHD_SERVER_H
#define SEARCHD_SERVER_H

#include "config.h"

struct index;

/*
 * Runs the daemon until SIGTERM or SIGINT.  Takes ownership of the config
 * and the index.  Returns the exit status.
 */
int	server_run(struct config *, struct index *);

#endif
