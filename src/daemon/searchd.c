/*
 * searchd.c: command line, configuration and start-up.  The work is done
 * by server.c (main thread) and worker.c (one event loop per thread).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "server.h"
#include "tls.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: searchd [-dhtV] [-f file]\n"
	    "  -d       log at debug level (overrides log_level)\n"
	    "  -f file  configuration file (default %s)\n"
	    "  -h       print this help and exit\n"
	    "  -t       check the configuration file and exit\n"
	    "  -V       print the version and exit\n"
	    "searchd stays in the foreground and logs to standard error.\n"
	    "Signals: SIGHUP reloads the configuration and the corpus;\n"
	    "SIGTERM and SIGINT finish the replies in flight and exit.\n",
	    CONFIG_DEFAULT_PATH);
	exit(status);
}

/*
 * An explicit -f must exist; the default file may be absent, in which case
 * the built-in defaults apply (as redis-server without a config file).
 */
static void
searchd_config(struct config *cf, const char *path, int explicit)
{
	char err[1024];

	if (!explicit && access(path, F_OK) == -1 && errno == ENOENT) {
		config_init(cf);
		log_info("%s not found; using the built-in defaults", path);
	} else if (config_load(cf, path, err, sizeof(err)) == -1)
		fatalx_code(SEARCHD_EXIT_CONFIG, "%s", err);
	config_finish(cf);
}

int
main(int argc, char *argv[])
{
	struct config cf;
	struct index *index;
	const char *path = CONFIG_DEFAULT_PATH;
	char err[1024];
	int ch, check = 0, debug = 0, explicit = 0;

	log_init("searchd", LOG_LEVEL_INFO);
	while ((ch = getopt(argc, argv, "df:htV")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			path = optarg;
			explicit = 1;
			break;
		case 'h':
			usage(SEARCHD_EXIT_OK);
		case 't':
			check = 1;
			break;
		case 'V':
			printf("searchd %s\n", PACKAGE_VERSION);
			return SEARCHD_EXIT_OK;
		default:
			usage(SEARCHD_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(SEARCHD_EXIT_USAGE);

	searchd_config(&cf, path, explicit);
	if (config_has_tls(&cf)) {
		SSL_CTX *ctx = tls_server_ctx(&cf, err, sizeof(err));

		if (ctx == NULL)
			fatalx_code(SEARCHD_EXIT_CONFIG, "TLS: %s", err);
		SSL_CTX_free(ctx);
	}
	if (check) {
		fprintf(stderr, "%s: configuration OK\n", path);
		config_free(&cf);
		return SEARCHD_EXIT_OK;
	}
	log_set_level(debug ? LOG_LEVEL_DEBUG : cf.log_level);
	if (debug)
		cf.log_level = LOG_LEVEL_DEBUG;
	log_info("searchd %s starting", PACKAGE_VERSION);
	notify_init();

	if ((index = reload_index(&cf, err, sizeof(err))) == NULL)
		fatalx_code(SEARCHD_EXIT_CORPUS, "%s", err);
	return server_run(&cf, index);
}
