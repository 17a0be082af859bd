/*
 * server.h: the main thread: listeners, accepting and refusing clients,
 * signals, and the workers it feeds with accepted connections.
 */
#ifndef SEARCHD_SERVER_H
#define SEARCHD_SERVER_H

#include "config.h"

/*
 * Opens or builds the index and runs the daemon until SIGTERM or SIGINT.
 * Takes ownership of the config; data_dir_arg is searchd -D's, which a
 * reload keeps over the file's.  Returns the exit status.
 */
int	server_run(struct config *, const char *data_dir_arg);

#endif
