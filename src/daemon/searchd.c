/*
 * searchd.c: command line, configuration and start-up.  The work is done
 * by server.c (main thread) and worker.c (one event loop per thread).
 */
#include <errno.h>
#include <getopt.h>
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
#include "store.h"
#include "tls.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: searchd [-dhtV] [-D dir] [-f file] [--check-data | "
	    "--repair]\n"
	    "  -d            log at debug level (overrides log_level)\n"
	    "  -D dir        keep the index in dir (overrides data_dir; none:\n"
	    "                in memory only)\n"
	    "  -f file       configuration file (default %s)\n"
	    "  -h            print this help and exit\n"
	    "  -t            check the configuration file and exit\n"
	    "  -V            print the version and exit\n"
	    "  --check-data  check every file of the data_dir and exit\n"
	    "  --repair      the same, and cut the log at its first bad record\n"
	    "searchd stays in the foreground and logs to standard error.\n"
	    "Signals: SIGHUP reloads the configuration (and the corpus with\n"
	    "data_dir none); SIGTERM and SIGINT finish the replies in flight\n"
	    "and exit.\n", CONFIG_DEFAULT_PATH);
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

/* --check-data and --repair: the data_dir's files, with no daemon. */
static int
searchd_check_data(const struct config *cf, int repair)
{
	const char *dir = config_data_dir(cf);

	if (dir == NULL) {
		fprintf(stderr, "searchd: data_dir is none: there is nothing "
		    "on disk to check\n");
		return SEARCHD_EXIT_USAGE;
	}
	return store_check(dir, repair, stdout) == 0 ? SEARCHD_EXIT_OK :
	    SEARCHD_EXIT_DATA;
}

enum {
	SEARCHD_OPT_CHECK_DATA = 256,
	SEARCHD_OPT_REPAIR,
};

static const struct option searchd_longopts[] = {
	{ "check-data", no_argument, NULL, SEARCHD_OPT_CHECK_DATA },
	{ "repair", no_argument, NULL, SEARCHD_OPT_REPAIR },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char *argv[])
{
	struct config cf;
	const char *path = CONFIG_DEFAULT_PATH, *data_dir = NULL;
	char err[1024];
	int ch, check = 0, debug = 0, explicit = 0, check_data = 0;
	int repair = 0;

	log_init("searchd", LOG_LEVEL_INFO);
	while ((ch = getopt_long(argc, argv, "dD:f:htV", searchd_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'D':
			data_dir = optarg;
			break;
		case SEARCHD_OPT_CHECK_DATA:
			check_data = 1;
			break;
		case SEARCHD_OPT_REPAIR:
			check_data = repair = 1;
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
	if (data_dir != NULL)
		config_set_data_dir_arg(&cf, data_dir);
	if (check_data) {
		ch = searchd_check_data(&cf, repair);
		config_free(&cf);
		return ch;
	}
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
	return server_run(&cf, data_dir);
}
