/* searchctl.c: the command-line client of searchd. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "add.h"
#include "bench.h"
#include "buf.h"
#include "client.h"
#include "config.h"
#include "log.h"

/*
 * What the steps before a command (options, address, TLS) return when the
 * command may run; anything else is the exit status to stop with.  Exit
 * statuses are 0 to 255, so it is none of them.
 */
#define SEARCHCTL_GO_ON		256
#define SEARCHCTL_TIMEOUT	5.0	/* seconds, connect and each reply */
#define SEARCHCTL_TIMEOUT_MAX	86400.0
/* Batch requests in flight: enough to hide the round trip, few to resend. */
#define SEARCHCTL_WINDOW	64
/* Connections in a row that may close without answering before we quit. */
#define SEARCHCTL_RETRIES	3

enum searchctl_cmd {
	SEARCHCTL_SEARCH,
	SEARCHCTL_PING,
	SEARCHCTL_STATS,
	SEARCHCTL_BINARY,
	SEARCHCTL_BENCH,
	SEARCHCTL_ADD,
	SEARCHCTL_DELETE,
	SEARCHCTL_BACKUP,
};

/* The options of one run; strings point into argv. */
struct searchctl_opts {
	const char	*host;		/* -H */
	const char	*port;		/* -p */
	const char	*unix_path;	/* -U */
	const char	*config;	/* -c; NULL: CONFIG_DEFAULT_PATH */
	int		 json;
	double		 timeout;
	long long	 limit;		/* -1: not sent */
	long long	 offset;
	const char	*ret;		/* --return, comma-separated; NULL */
	const char	*filter;	/* --filter; NULL */
	const char	*fields;	/* --fields, comma-separated; NULL */
	const char	*sort;		/* --sort, comma-separated; NULL */
	const char	*facets;	/* --facets, comma-separated; NULL */
	long long	 facet_limit;	/* -1: not sent */
	int		 exact;
	struct client_tls_opts tls;
	/* Built from tls once the address is known; NULL: plaintext. */
	struct client_tls *tls_ctx;
};

enum {
	SEARCHCTL_OPT_JSON = 256,
	SEARCHCTL_OPT_TIMEOUT,
	SEARCHCTL_OPT_LIMIT,
	SEARCHCTL_OPT_OFFSET,
	SEARCHCTL_OPT_RETURN,
	SEARCHCTL_OPT_FILTER,
	SEARCHCTL_OPT_FIELDS,
	SEARCHCTL_OPT_SORT,
	SEARCHCTL_OPT_FACETS,
	SEARCHCTL_OPT_FACET_LIMIT,
	SEARCHCTL_OPT_EXACT,
	SEARCHCTL_OPT_CONFIG,
	SEARCHCTL_OPT_RECONNECT,
	SEARCHCTL_OPT_TLS,
	SEARCHCTL_OPT_CACERT,
	SEARCHCTL_OPT_CERT,
	SEARCHCTL_OPT_KEY,
	SEARCHCTL_OPT_INSECURE,
	SEARCHCTL_OPT_SERVERNAME,
};

/* The TLS options, the same for every command and for bench. */
#define SEARCHCTL_TLS_LONGOPTS \
	{ "cacert",	required_argument,	NULL,	SEARCHCTL_OPT_CACERT }, \
	{ "cert",	required_argument,	NULL,	SEARCHCTL_OPT_CERT }, \
	{ "insecure",	no_argument,		NULL,	SEARCHCTL_OPT_INSECURE }, \
	{ "key",	required_argument,	NULL,	SEARCHCTL_OPT_KEY }, \
	{ "servername",	required_argument,	NULL,	SEARCHCTL_OPT_SERVERNAME }, \
	{ "tls",	no_argument,		NULL,	SEARCHCTL_OPT_TLS },

static const char searchctl_optstring[] = "+:c:H:hp:U:V";
static const struct option searchctl_longopts[] = {
	{ "config",	required_argument,	NULL,	'c' },
	{ "exact",	no_argument,		NULL,	SEARCHCTL_OPT_EXACT },
	{ "facet-limit", required_argument,	NULL,	SEARCHCTL_OPT_FACET_LIMIT },
	{ "facets",	required_argument,	NULL,	SEARCHCTL_OPT_FACETS },
	{ "fields",	required_argument,	NULL,	SEARCHCTL_OPT_FIELDS },
	{ "filter",	required_argument,	NULL,	SEARCHCTL_OPT_FILTER },
	{ "help",	no_argument,		NULL,	'h' },
	{ "host",	required_argument,	NULL,	'H' },
	{ "json",	no_argument,		NULL,	SEARCHCTL_OPT_JSON },
	{ "limit",	required_argument,	NULL,	SEARCHCTL_OPT_LIMIT },
	{ "offset",	required_argument,	NULL,	SEARCHCTL_OPT_OFFSET },
	{ "port",	required_argument,	NULL,	'p' },
	{ "return",	required_argument,	NULL,	SEARCHCTL_OPT_RETURN },
	{ "sort",	required_argument,	NULL,	SEARCHCTL_OPT_SORT },
	{ "timeout",	required_argument,	NULL,	SEARCHCTL_OPT_TIMEOUT },
	{ "unix",	required_argument,	NULL,	'U' },
	{ "version",	no_argument,		NULL,	'V' },
	SEARCHCTL_TLS_LONGOPTS
	{ NULL,		0,			NULL,	0 }
};

/* In bench, -c is the connection count (as in redis-benchmark). */
static const char searchctl_bench_optstring[] = "+:c:d:f:H:hn:P:p:r:U:";
static const struct option searchctl_bench_longopts[] = {
	{ "config",	required_argument,	NULL,	SEARCHCTL_OPT_CONFIG },
	{ "connections", required_argument,	NULL,	'c' },
	{ "duration",	required_argument,	NULL,	'd' },
	{ "file",	required_argument,	NULL,	'f' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "host",	required_argument,	NULL,	'H' },
	{ "json",	no_argument,		NULL,	SEARCHCTL_OPT_JSON },
	{ "pipeline",	required_argument,	NULL,	'P' },
	{ "port",	required_argument,	NULL,	'p' },
	{ "rate",	required_argument,	NULL,	'r' },
	{ "reconnect",	no_argument,	NULL,	SEARCHCTL_OPT_RECONNECT },
	{ "requests",	required_argument,	NULL,	'n' },
	{ "timeout",	required_argument,	NULL,	SEARCHCTL_OPT_TIMEOUT },
	{ "unix",	required_argument,	NULL,	'U' },
	SEARCHCTL_TLS_LONGOPTS
	{ NULL,		0,			NULL,	0 }
};

static const char searchctl_usage_text[] =
"usage: searchctl [options] search VALUE...\n"
"       searchctl [options] search -\n"
"       searchctl [options] ping | stats\n"
"       searchctl [options] binary DATA\n"
"       searchctl [options] add FILE | -\n"
"       searchctl [options] delete ID...\n"
"       searchctl [options] backup DIR\n"
"       searchctl HOST PORT ACTION VALUE\n"
"       searchctl [options] bench [bench options]\n"
"       searchctl -h | -V\n"
"\n"
"searchctl sends requests to searchd and prints the replies.\n"
"\n"
"Commands:\n"
"  search VALUE...  search for the words, joined by single spaces; prints\n"
"                   the result text, then one line per hit: rank, id,\n"
"                   score and snippet, then the hit count and search time\n"
"  search -         batch: read one query per line from standard input,\n"
"                   pipeline them on one connection (64 in flight, each\n"
"                   with an \"id\" header) and print one line per query, in\n"
"                   input order: the result text (or with --json the reply)\n"
"  ping             ask for \"pong\"\n"
"  stats            print the daemon's counters\n"
"  binary DATA      send DATA as binary content; prints the binary reply\n"
"  add FILE | -     add (or replace) the JSON Lines documents of FILE, or of\n"
"                   standard input, in batches; a bad line stops it with\n"
"                   FILE:LINE and how many were committed before it\n"
"  delete ID...     delete the documents with these ids\n"
"  backup DIR       have searchd copy its data_dir, as of now, into the\n"
"                   new directory DIR (on the server's machine)\n"
"  HOST PORT ACTION VALUE\n"
"                   the sockets tutorial's app-client.py form: ACTION\n"
"                   search sends the JSON search for VALUE; any other\n"
"                   ACTION sends ACTION and VALUE, concatenated, as binary\n"
"  bench            load generator; see \"Bench\" below\n"
"\n"
"Options (before the command, or right after it):\n"
"  -H, --host HOST    connect to HOST (a name, IPv4, or IPv6 as ::1 or\n"
"                     [::1]); the port defaults to 65432\n"
"  -p, --port PORT    connect to PORT; the host defaults to 127.0.0.1\n"
"  -U, --unix PATH    connect to the Unix socket PATH\n"
"  -c, --config FILE  take the address from the first \"listen\" line of\n"
"                     FILE (default " CONFIG_DEFAULT_PATH ")\n"
"      --json         print each reply's content exactly as received, one\n"
"                     per line (binary replies as {\"content-type\": ...,\n"
"                     \"content\": ESCAPED}), for scripts and jq\n"
"      --timeout SECS connect and reply timeout, fractions allowed\n"
"                     (default 5)\n"
"      --limit N      search: return at most N hits\n"
"      --offset N     search: skip the first N hits\n"
"      --return KEYS  search: the members each hit carries, comma-separated\n"
"                     (title, snippet, text, the documents' other keys, or\n"
"                     * for all); id and score always.  Default: all but\n"
"                     text\n"
"      --fields NAMES search: look for the words in these fields only,\n"
"                     comma-separated (NAME:word does it for one word)\n"
"      --filter EXPR  search: only documents whose attributes pass EXPR,\n"
"                     e.g. 'lang = fr AND year >= 2020'; with no words,\n"
"                     every such document\n"
"      --sort KEYS    search: order by attributes, comma-separated, each\n"
"                     NAME, NAME:asc or NAME:desc (_score for the score)\n"
"      --facets ATTRS search: count the matches by the values of these\n"
"                     attributes, comma-separated, shown as tables\n"
"      --facet-limit N\n"
"                     search: at most N values per facet (default 10)\n"
"      --exact        search: match every word as written, not stemmed\n"
"  -h, --help         print this help\n"
"  -V, --version      print the version\n"
"\n"
"TLS options (before the command, or right after it; bench too):\n"
"      --tls          speak TLS (1.2 or later) to a \"listen ... tls\" port;\n"
"                     the server's certificate chain and name are verified\n"
"      --cacert FILE  trust the CA certificates in FILE (PEM) instead of\n"
"                     the system's default CA store\n"
"      --cert FILE    present the client certificate in FILE (PEM, with\n"
"                     its chain), for servers with tls_client_ca\n"
"      --key FILE     the private key of --cert (PEM; default: in the\n"
"                     --cert file)\n"
"      --servername NAME\n"
"                     the name the server's certificate must carry, also\n"
"                     sent as SNI unless it is an IP address (default: the\n"
"                     host connected to); with -U it is required, unless\n"
"                     --insecure\n"
"      --insecure     DANGEROUS: do not verify the server's certificate or\n"
"                     name (like curl -k); anyone in the path can read and\n"
"                     change the traffic.  For tests only\n"
"  These need --tls (or a tls listen line from the configuration file).\n"
"  Each connection, including batch reconnects, does a full handshake\n"
"  within --timeout.  A failed handshake prints the reason,\n"
"  e.g. \"TLS handshake failed: certificate verify failed (self-signed\n"
"  certificate)\", and exits 69.\n"
"\n"
"Where to connect: -U, or -H and -p, when given.  Otherwise the first\n"
"listen address of the configuration file (with TLS if that line ends in\n"
"tls); when the default file cannot be read, 127.0.0.1:65432, silently;\n"
"when it cannot be parsed, the same, after a warning.  A file named with\n"
"-c must be readable and valid.\n"
"\n"
"Output: text from the server is printed safely: control characters,\n"
"invalid UTF-8 and terminal-rewriting code points are shown as \\xNN (and\n"
"in binary replies a backslash as \\\\).  --json does not change the bytes.\n"
"\n"
"Bench: searchctl [options] bench [-c N] [-P N] [-n N | -d SECS] [-r RATE]\n"
"                                [--reconnect] [-f FILE] [--json]\n"
"  -c, --connections N  connections (default 50)\n"
"  -P, --pipeline N     requests in flight per connection (default 1)\n"
"  -n, --requests N     total requests (default 100000)\n"
"  -d, --duration SECS  run for SECS seconds instead of -n requests\n"
"  -r, --rate RATE      open loop: send RATE requests/s on a fixed schedule\n"
"      --reconnect      a new connection for every -P requests (the\n"
"                       tutorial's pattern; latency includes the connect)\n"
"  -f, --file FILE      queries, one per line (default: morpheus, ring, the\n"
"                       dog emoji, and a few words)\n"
"      --json           print the report as one JSON object: address,\n"
"                       mode, latency_from (\"send\" or \"due\"),\n"
"                       duration_s, sent, completed, errors, unsent,\n"
"                       aborted, requests_per_s, latency_us (min, p50,\n"
"                       p90, p99, p99.9, max, mean) and tls; with --tls\n"
"                       also handshakes and handshake_us (the same keys)\n"
"  --config FILE, -H, -p, -U and --timeout work as above; a request not\n"
"  answered within --timeout counts as an error.  The report gives\n"
"  requests/s, sent, completed and errors (completed + errors = sent), and\n"
"  latency percentiles p50, p90, p99, p99.9 and max from a log-linear\n"
"  histogram (1 us to 60 s, within 1%).  Closed loop (no -r): latency is\n"
"  measured from each request's send time, so a stalled server delays the\n"
"  requests not yet sent and the figures understate queueing (coordinated\n"
"  omission).  Open loop (-r): latency is measured from each request's\n"
"  scheduled send time, so time spent waiting for a free connection is\n"
"  counted.  A progress line is printed on standard error once a second\n"
"  when it is a terminal.\n"
"  Bench stops by itself after -n or -d, and early when no reply arrives\n"
"  for --timeout seconds.\n"
"  With --tls every connection shares one TLS context and does a full\n"
"  handshake (no session resumption; with --reconnect, one per -P\n"
"  requests).  Handshakes are timed apart and reported on their own line;\n"
"  the time a request waited for one is not in its latency.\n"
"\n"
"Exit status:\n"
"  0   answered: found, pong, stats, a binary reply; batch: every query\n"
"      matched; bench: no errors\n"
"  1   answered with no match (total 0 or \"No match for ...\"), or an error\n"
"      reply from the server (its message is printed on standard error);\n"
"      batch: some query had no match or an error; bench: some requests\n"
"      failed\n"
"  2   usage error, or a bad -c file, or a --cacert, --cert or --key\n"
"      file that cannot be loaded\n"
"  69  cannot connect, a failed TLS handshake, or the server closed or\n"
"      stopped answering\n"
"  70  a reply that cannot be decoded (bad framing, bad JSON), or output\n"
"      that cannot be written\n"
"Every failure prints one line on standard error naming the address and\n"
"the cause.\n"
"\n"
"Examples:\n"
"  searchctl search morpheus\n"
"  searchctl -H ::1 -p 7000 search white rabbit\n"
"  searchctl -U /run/searchd/searchd.sock ping\n"
"  searchctl --tls --cacert ca.pem -H search.example.com ping\n"
"  searchctl --tls --cacert ca.pem --cert me.pem --key me.key stats\n"
"  searchctl --json search ring | jq -r .result\n"
"  searchctl search - < queries.txt > results.txt\n"
"  searchctl 127.0.0.1 65432 search morpheus\n"
"  searchctl 127.0.0.1 65432 binary X\n"
"  searchctl bench -c 100 -P 16 -d 10\n"
"  searchctl bench -r 20000 -d 30 --json\n"
"  searchctl --tls --cacert ca.pem bench --reconnect -c 20 -n 5000\n";

static int searchctl_usage_error(const char *, ...)
    __attribute__((format(printf, 1, 2)));

static int
searchctl_usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warnx("%s (see searchctl -h)", msg);
	return CLIENT_EXIT_USAGE;
}

static int
searchctl_seconds(const char *s, const char *what, double *out)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !isfinite(v) || v <= 0 ||
	    v > SEARCHCTL_TIMEOUT_MAX)
		return searchctl_usage_error("%s: bad number of seconds \"%s\"",
		    what, s);
	*out = v;
	return 0;
}

static int
searchctl_number(const char *s, const char *what, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno == ERANGE ||
	    v < min || v > max)
		return searchctl_usage_error("%s: \"%s\" is not a number from "
		    "%llu to %llu", what, s, min, max);
	*out = v;
	return 0;
}

static int
searchctl_bad_option(char **argv, int opt)
{
	if (opt == ':')
		return searchctl_usage_error("option %s needs a value",
		    argv[optind - 1]);
	if (optopt != 0)
		return searchctl_usage_error("unknown option -%c", optopt);
	return searchctl_usage_error("unknown option %s", argv[optind - 1]);
}

/*
 * Options shared by every command.  Returns SEARCHCTL_GO_ON, or an exit
 * status (for -h, -V and errors).
 */
static int
searchctl_option(struct searchctl_opts *o, int opt, char **argv)
{
	unsigned long long n;

	switch (opt) {
	case 'c':
		o->config = optarg;
		break;
	case 'H':
		o->host = optarg;
		break;
	case 'p':
		o->port = optarg;
		break;
	case 'U':
		o->unix_path = optarg;
		break;
	case 'h':
		fputs(searchctl_usage_text, stdout);
		return CLIENT_EXIT_OK;
	case 'V':
		printf("searchctl (searchd) %s\n", PACKAGE_VERSION);
		return CLIENT_EXIT_OK;
	case SEARCHCTL_OPT_JSON:
		o->json = 1;
		break;
	case SEARCHCTL_OPT_TLS:
		o->tls.enabled = 1;
		break;
	case SEARCHCTL_OPT_CACERT:
		o->tls.cacert = optarg;
		break;
	case SEARCHCTL_OPT_CERT:
		o->tls.cert = optarg;
		break;
	case SEARCHCTL_OPT_KEY:
		o->tls.key = optarg;
		break;
	case SEARCHCTL_OPT_INSECURE:
		o->tls.insecure = 1;
		break;
	case SEARCHCTL_OPT_SERVERNAME:
		o->tls.servername = optarg;
		break;
	case SEARCHCTL_OPT_TIMEOUT:
		if (searchctl_seconds(optarg, "--timeout", &o->timeout) != 0)
			return CLIENT_EXIT_USAGE;
		break;
	case SEARCHCTL_OPT_LIMIT:
	case SEARCHCTL_OPT_OFFSET:
		if (searchctl_number(optarg, opt == SEARCHCTL_OPT_LIMIT ?
		    "--limit" : "--offset", 0, INT32_MAX, &n) != 0)
			return CLIENT_EXIT_USAGE;
		if (opt == SEARCHCTL_OPT_LIMIT)
			o->limit = (long long)n;
		else
			o->offset = (long long)n;
		break;
	case SEARCHCTL_OPT_RETURN:
		o->ret = optarg;
		break;
	case SEARCHCTL_OPT_FILTER:
		o->filter = optarg;
		break;
	case SEARCHCTL_OPT_FIELDS:
		o->fields = optarg;
		break;
	case SEARCHCTL_OPT_SORT:
		o->sort = optarg;
		break;
	case SEARCHCTL_OPT_FACETS:
		o->facets = optarg;
		break;
	case SEARCHCTL_OPT_EXACT:
		o->exact = 1;
		break;
	case SEARCHCTL_OPT_FACET_LIMIT:
		if (searchctl_number(optarg, "--facet-limit", 0, 1000, &n) != 0)
			return CLIENT_EXIT_USAGE;
		o->facet_limit = (long long)n;
		break;
	default:
		return searchctl_bad_option(argv, opt);
	}
	return SEARCHCTL_GO_ON;
}

/* Parses options from argv[1] on; *next is the first other word. */
static int
searchctl_options(struct searchctl_opts *o, int argc, char **argv, int *next)
{
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, searchctl_optstring,
	    searchctl_longopts, NULL)) != -1) {
		if ((rc = searchctl_option(o, opt, argv)) != SEARCHCTL_GO_ON)
			return rc;
	}
	*next = optind;
	return SEARCHCTL_GO_ON;
}

/*
 * The first listen address of the configuration file, or the default.  A
 * tls listener turns TLS on: it cannot be spoken to in plaintext.
 */
static int
searchctl_config_addr(struct searchctl_opts *o, struct addr *a)
{
	const char *path = o->config ? o->config : CONFIG_DEFAULT_PATH;
	struct config cf;
	char why[512];

	if (config_load(&cf, path, why, sizeof(why)) == -1) {
		if (o->config != NULL) {
			warnx("%s", why);
			return CLIENT_EXIT_USAGE;
		}
		if (access(path, R_OK) == 0)
			warnx("%s (using %s:%s)", why, ADDR_DEFAULT_HOST,
			    ADDR_DEFAULT_PORT);
		addr_from_host_port(ADDR_DEFAULT_HOST, ADDR_DEFAULT_PORT, a,
		    why, sizeof(why));
		return SEARCHCTL_GO_ON;
	}
	config_finish(&cf);
	*a = cf.listens[0].addr;
	if (cf.listens[0].tls)
		o->tls.enabled = 1;
	/* A daemon listening on every address is reachable on loopback. */
	if (!a->is_unix && a->host[0] == '\0')
		strcpy(a->host, ADDR_DEFAULT_HOST);
	config_free(&cf);
	return SEARCHCTL_GO_ON;
}

/* Where to connect; returns SEARCHCTL_GO_ON or an exit status. */
static int
searchctl_address(struct searchctl_opts *o, struct addr *a)
{
	char why[256];

	if (o->unix_path != NULL) {
		if (o->host != NULL || o->port != NULL)
			return searchctl_usage_error("-U cannot be combined "
			    "with -H or -p");
		memset(a, 0, sizeof(*a));
		a->is_unix = 1;
		if (strlen(o->unix_path) >= sizeof(a->path))
			return searchctl_usage_error("-U: socket path longer "
			    "than %zu bytes", sizeof(a->path) - 1);
		strcpy(a->path, o->unix_path);
		return SEARCHCTL_GO_ON;
	}
	if (o->host == NULL && o->port == NULL)
		return searchctl_config_addr(o, a);
	if (addr_from_host_port(o->host ? o->host : ADDR_DEFAULT_HOST,
	    o->port ? o->port : ADDR_DEFAULT_PORT, a, why, sizeof(why)) == -1)
		return searchctl_usage_error("%s", why);
	return SEARCHCTL_GO_ON;
}

/*
 * Sets up TLS for a in *t and points o->tls_ctx at it, when --tls was
 * given.  Returns SEARCHCTL_GO_ON or an exit status.
 */
static int
searchctl_tls_init(struct searchctl_opts *o, const struct addr *a,
    struct client_tls *t)
{
	const struct client_tls_opts *to = &o->tls;
	const char *stray;
	char why[512];

	if (!to->enabled) {
		stray = to->cacert ? "--cacert" : to->cert ? "--cert" :
		    to->key ? "--key" : to->servername ? "--servername" :
		    to->insecure ? "--insecure" : NULL;
		/* Never send in plaintext what was meant to be protected. */
		if (stray != NULL)
			return searchctl_usage_error("%s needs --tls", stray);
		return SEARCHCTL_GO_ON;
	}
	if (to->key != NULL && to->cert == NULL)
		return searchctl_usage_error("--key needs --cert");
	if (client_tls_init(t, to, a, why, sizeof(why)) == -1) {
		warnx("%s", why);
		return CLIENT_EXIT_USAGE;
	}
	o->tls_ctx = t;
	return SEARCHCTL_GO_ON;
}

static void
searchctl_tls_free(struct searchctl_opts *o)
{
	if (o->tls_ctx != NULL)
		client_tls_free(o->tls_ctx);
	o->tls_ctx = NULL;
}

static int
searchctl_timeout_ms(const struct searchctl_opts *o)
{
	double ms = ceil(o->timeout * 1000.0);

	return ms < 1 ? 1 : (int)ms;
}

/*
 * A code point that may be shown as it is: returns the length of the valid
 * UTF-8 sequence at p, or 0 to escape its first byte.
 */
static size_t
searchctl_utf8(const uint8_t *p, size_t left)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls, line separators and bidi overrides fool terminals. */
	if (cp < 0xa0 || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

/*
 * Text from the network made safe for a terminal; binary also escapes the
 * backslash so the output reads back unambiguously.
 */
static void
searchctl_escape(struct buf *b, const void *data, size_t len, int binary)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = data;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			if (binary && p[i] == '\\')
				buf_addc(b, '\\');
			buf_addc(b, (char)p[i++]);
		} else if (p[i] == '\t' && !binary)
			buf_addc(b, (char)p[i++]);
		else if ((n = searchctl_utf8(p + i, len - i)) > 0) {
			buf_add(b, p + i, n);
			i += n;
		} else {
			char esc[4] = { '\\', 'x', hex[p[i] >> 4],
			    hex[p[i] & 0xf] };

			buf_add(b, esc, sizeof(esc));
			i++;
		}
	}
}

static void
searchctl_print_escaped(const void *data, size_t len, int binary)
{
	struct buf b;

	buf_init(&b);
	searchctl_escape(&b, data, len, binary);
	buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* A text/json reply's object, or NULL if it is not one. */
static json_object *
searchctl_parse(const struct client_reply *r)
{
	json_tokener *tok;
	json_object *obj;

	if ((tok = json_tokener_new()) == NULL)
		fatalx("out of memory");
	obj = json_tokener_parse_ex(tok, (const char *)r->content,
	    (int)r->len);
	if (obj != NULL && (json_tokener_get_error(tok) != json_tokener_success
	    || json_tokener_get_parse_end(tok) != r->len ||
	    !json_object_is_type(obj, json_type_object))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static const char *
searchctl_string(json_object *obj, const char *key, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	if (len != NULL)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static int64_t
searchctl_int(json_object *obj, const char *key, int64_t dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}

/* The message of an error reply, for one line on stderr; NULL if none. */
static const char *
searchctl_error_message(json_object *obj, const char **code)
{
	json_object *err;
	const char *msg;

	if (!json_object_object_get_ex(obj, "error", &err))
		return NULL;
	*code = NULL;
	if (!json_object_is_type(err, json_type_object))
		return (msg = searchctl_string(obj, "result", NULL)) ? msg :
		    "(no message)";
	*code = searchctl_string(err, "code", NULL);
	if ((msg = searchctl_string(err, "message", NULL)) == NULL &&
	    (msg = searchctl_string(obj, "result", NULL)) == NULL)
		msg = "(no message)";
	return msg;
}

static int
searchctl_nomatch(json_object *obj, const char *result)
{
	if (searchctl_int(obj, "total", -1) == 0)
		return 1;
	return result != NULL && strncmp(result, "No match for", 12) == 0;
}

static void
searchctl_show_hit(json_object *hit, long long rank)
{
	const char *id, *snippet;
	json_object *score;
	size_t idlen = 0, len = 0;
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%4lld. ", rank);
	if ((id = searchctl_string(hit, "id", &idlen)) != NULL)
		searchctl_escape(&b, id, idlen, 0);
	if (json_object_object_get_ex(hit, "score", &score))
		buf_addf(&b, "  %.3f", json_object_get_double(score));
	if ((snippet = searchctl_string(hit, "snippet", &len)) != NULL ||
	    (snippet = searchctl_string(hit, "text", &len)) != NULL) {
		buf_add(&b, "  ", 2);
		searchctl_escape(&b, snippet, len, 0);
	}
	buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* One facet's values as a table: the values, then their counts. */
static void
searchctl_show_facet(const char *name, json_object *facet)
{
	json_object *values, *v, *value;
	struct buf b;
	size_t i, n, len, w = strlen(name);
	const char *s;

	if (!json_object_object_get_ex(facet, "values", &values) ||
	    !json_object_is_type(values, json_type_array))
		return;
	n = json_object_array_length(values);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(values, i);
		if (json_object_object_get_ex(v, "value", &value) &&
		    (s = json_object_get_string(value)) != NULL &&
		    strlen(s) > w)
			w = strlen(s) > 40 ? 40 : strlen(s);
	}
	buf_init(&b);
	buf_addf(&b, "\n%-*s  count\n", (int)w + 2, name);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(values, i);
		s = json_object_object_get_ex(v, "value", &value) ?
		    json_object_get_string(value) : "";
		len = strlen(s);
		buf_add(&b, "  ", 2);
		searchctl_escape(&b, s, len, 0);
		buf_addf(&b, "%*s  %" PRId64 "\n", (int)(w > len ? w - len : 0),
		    "", searchctl_int(v, "count", 0));
	}
	buf_addf(&b, "  (%" PRId64 " values)\n", searchctl_int(facet,
	    "distinct", (int64_t)n));
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

static void
searchctl_show_facets(json_object *obj)
{
	json_object *facets;

	if (!json_object_object_get_ex(obj, "facets", &facets) ||
	    !json_object_is_type(facets, json_type_object))
		return;
	json_object_object_foreach(facets, name, facet)
		searchctl_show_facet(name, facet);
}

static void
searchctl_show_search(const struct searchctl_opts *o, json_object *obj,
    const char *result, size_t len)
{
	json_object *hits;
	size_t i, n;

	searchctl_print_escaped(result, len, 0);
	if (!json_object_object_get_ex(obj, "hits", &hits) ||
	    !json_object_is_type(hits, json_type_array))
		return;
	n = json_object_array_length(hits);
	if (n == 0 && searchctl_int(obj, "total", 0) == 0)
		return;
	for (i = 0; i < n; i++)
		searchctl_show_hit(json_object_array_get_idx(hits, i),
		    (o->offset > 0 ? o->offset : 0) + (long long)i + 1);
	printf("%zu of %" PRId64 " hits, %" PRId64 " us\n", n,
	    searchctl_int(obj, "total", (int64_t)n),
	    searchctl_int(obj, "took_us", 0));
	searchctl_show_facets(obj);
}

/* "deleted 2 (write 17)" or "backup of write 17 in DIR: ...". */
static void
searchctl_show_write(enum searchctl_cmd cmd, json_object *obj)
{
	const char *dir;
	size_t len;

	if (cmd == SEARCHCTL_DELETE) {
		printf("deleted %" PRId64 " (write %" PRId64 ")\n",
		    searchctl_int(obj, "deleted", 0),
		    searchctl_int(obj, "seq", 0));
		return;
	}
	dir = searchctl_string(obj, "dir", &len);
	printf("backup of every write up to %" PRId64 " in %s: %" PRId64
	    " files, %" PRId64 " bytes\n", searchctl_int(obj, "seq", 0),
	    dir != NULL ? dir : "?", searchctl_int(obj, "files", 0),
	    searchctl_int(obj, "bytes", 0));
}

/* A text/json reply, already decoded, for people. */
static int
searchctl_show_json(const struct searchctl_opts *o, enum searchctl_cmd cmd,
    const char *name, json_object *obj)
{
	const char *result;
	json_object *stats;
	size_t len;

	result = searchctl_string(obj, "result", &len);
	if (cmd == SEARCHCTL_STATS &&
	    json_object_object_get_ex(obj, "stats", &stats)) {
		if (!o->json)
			puts(json_object_to_json_string_ext(stats,
			    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
		return CLIENT_EXIT_OK;
	}
	if (result == NULL) {
		warnx("%s: bad reply: no \"result\" in the reply", name);
		return CLIENT_EXIT_PROTOCOL;
	}
	if (cmd == SEARCHCTL_SEARCH) {
		if (!o->json)
			searchctl_show_search(o, obj, result, len);
		return searchctl_nomatch(obj, result) ? CLIENT_EXIT_NOMATCH :
		    CLIENT_EXIT_OK;
	}
	if (cmd == SEARCHCTL_DELETE || cmd == SEARCHCTL_BACKUP) {
		if (!o->json)
			searchctl_show_write(cmd, obj);
		return CLIENT_EXIT_OK;
	}
	if (!o->json)
		searchctl_print_escaped(result, len, 0);
	if (cmd == SEARCHCTL_PING && strcmp(result, "pong") != 0)
		return CLIENT_EXIT_NOMATCH;
	return CLIENT_EXIT_OK;
}

/* A binary reply; --json wraps it so every line stays a JSON value. */
static int
searchctl_show_binary(const struct searchctl_opts *o,
    const struct client_reply *r)
{
	struct buf esc, line;

	if (!o->json) {
		searchctl_print_escaped(r->content, r->len, 1);
		return CLIENT_EXIT_OK;
	}
	buf_init(&esc);
	buf_init(&line);
	searchctl_escape(&esc, r->content, r->len, 1);
	buf_add(&line, "{", 1);
	buf_json_key(&line, "content-type");
	buf_json_string(&line, r->content_type, strlen(r->content_type));
	buf_add(&line, ", ", 2);
	buf_json_key(&line, "content");
	buf_json_string(&line, esc.data ? esc.data : "", esc.len);
	buf_add(&line, "}\n", 2);
	fwrite(line.data, 1, line.len, stdout);
	buf_free(&esc);
	buf_free(&line);
	return CLIENT_EXIT_OK;
}

static int
searchctl_show(const struct searchctl_opts *o, enum searchctl_cmd cmd,
    const char *name, const struct client_reply *r)
{
	const char *msg, *code;
	json_object *obj;
	int rc;

	if (strcmp(r->content_type, CLIENT_CTYPE_JSON) != 0)
		return searchctl_show_binary(o, r);
	if ((obj = searchctl_parse(r)) == NULL) {
		warnx("%s: bad reply: content is not a JSON object", name);
		return CLIENT_EXIT_PROTOCOL;
	}
	if (o->json) {
		fwrite(r->content, 1, r->len, stdout);
		putchar('\n');
	}
	if ((msg = searchctl_error_message(obj, &code)) != NULL) {
		warnx("%s: server error%s%s: %s", name, code ? " " : "",
		    code ? code : "", msg);
		rc = CLIENT_EXIT_NOMATCH;
	} else
		rc = searchctl_show_json(o, cmd, name, obj);
	json_object_put(obj);
	return rc;
}

static int
searchctl_exit_status(enum client_status st)
{
	return st == CLIENT_PROTOCOL ? CLIENT_EXIT_PROTOCOL :
	    CLIENT_EXIT_UNAVAILABLE;
}

/* Sends one request and shows its reply. */
static int
searchctl_one(const struct searchctl_opts *o, const struct addr *a,
    enum searchctl_cmd cmd, const char *ctype, const char *encoding,
    const void *content, size_t len)
{
	struct client_reply reply;
	struct client c;
	enum client_status st;
	int rc;

	client_init(&c, a, o->tls_ctx, searchctl_timeout_ms(o));
	if (client_queue(&c, ctype, encoding, content, len, -1) == -1) {
		client_free(&c);
		return searchctl_usage_error("request too large");
	}
	if ((st = client_connect(&c)) == CLIENT_OK)
		st = client_read(&c, &reply);
	if (st != CLIENT_OK) {
		warnx("%s", c.err);
		rc = searchctl_exit_status(st);
	} else
		rc = searchctl_show(o, cmd, c.name, &reply);
	client_free(&c);
	return rc;
}

/* ", KEY: [...]" from a comma-separated list; blanks around names cut. */
static void
searchctl_list_member(struct buf *b, const char *key, const char *list)
{
	const char *p = list, *end;
	size_t n = 0, len;

	buf_add(b, ", ", 2);
	buf_json_key(b, key);
	buf_addc(b, '[');
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ','; end++)
			;
		for (len = (size_t)(end - p); p[len - 1] == ' '; len--)
			;
		if (n++ > 0)
			buf_add(b, ", ", 2);
		buf_json_string(b, p, len);
		p = end;
	}
	buf_addc(b, ']');
}

static void
searchctl_search_content(struct buf *b, const struct searchctl_opts *o,
    const char *value, size_t len)
{
	buf_add(b, "{", 1);
	buf_json_key(b, "action");
	buf_json_string(b, "search", 6);
	buf_add(b, ", ", 2);
	buf_json_key(b, "value");
	buf_json_string(b, value, len);
	if (o->limit >= 0) {
		buf_add(b, ", ", 2);
		buf_json_key(b, "limit");
		buf_json_int(b, o->limit);
	}
	if (o->offset >= 0) {
		buf_add(b, ", ", 2);
		buf_json_key(b, "offset");
		buf_json_int(b, o->offset);
	}
	if (o->ret != NULL)
		searchctl_list_member(b, "return", o->ret);
	if (o->fields != NULL)
		searchctl_list_member(b, "fields", o->fields);
	if (o->filter != NULL) {
		buf_add(b, ", ", 2);
		buf_json_key(b, "filter");
		buf_json_string(b, o->filter, strlen(o->filter));
	}
	if (o->sort != NULL)
		searchctl_list_member(b, "sort", o->sort);
	if (o->facets != NULL)
		searchctl_list_member(b, "facets", o->facets);
	if (o->facet_limit >= 0) {
		buf_add(b, ", ", 2);
		buf_json_key(b, "facet_limit");
		buf_json_int(b, o->facet_limit);
	}
	if (o->exact)
		buf_add(b, ", \"exact\": true", 15);
	buf_add(b, "}", 1);
}

static int
searchctl_search(const struct searchctl_opts *o, const struct addr *a,
    int argc, char **argv)
{
	struct buf value, content;
	int i, rc;

	buf_init(&value);
	buf_init(&content);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_addc(&value, ' ');
		buf_adds(&value, argv[i]);
	}
	searchctl_search_content(&content, o, value.data, value.len);
	rc = searchctl_one(o, a, SEARCHCTL_SEARCH, CLIENT_CTYPE_JSON,
	    CLIENT_ENCODING_UTF8, content.data, content.len);
	buf_free(&value);
	buf_free(&content);
	return rc;
}

static int
searchctl_action(const struct searchctl_opts *o, const struct addr *a,
    enum searchctl_cmd cmd, const char *action)
{
	struct buf content;
	int rc;

	buf_init(&content);
	buf_add(&content, "{", 1);
	buf_json_key(&content, "action");
	buf_json_string(&content, action, strlen(action));
	buf_add(&content, "}", 1);
	rc = searchctl_one(o, a, cmd, CLIENT_CTYPE_JSON, CLIENT_ENCODING_UTF8,
	    content.data, content.len);
	buf_free(&content);
	return rc;
}

/* One batch reply as one output line; returns its exit status. */
static int
searchctl_batch_line(const struct searchctl_opts *o, const char *name,
    const struct client_reply *r)
{
	const char *result, *code, *msg;
	json_object *obj;
	size_t len;
	int rc;

	if (strcmp(r->content_type, CLIENT_CTYPE_JSON) != 0)
		return searchctl_show_binary(o, r);
	if ((obj = searchctl_parse(r)) == NULL) {
		warnx("%s: bad reply: content is not a JSON object", name);
		return CLIENT_EXIT_PROTOCOL;
	}
	result = searchctl_string(obj, "result", &len);
	msg = searchctl_error_message(obj, &code);
	if (result == NULL && msg == NULL) {
		json_object_put(obj);
		warnx("%s: bad reply: no \"result\" in the reply", name);
		return CLIENT_EXIT_PROTOCOL;
	}
	if (o->json) {
		fwrite(r->content, 1, r->len, stdout);
		putchar('\n');
	} else if (result != NULL)
		searchctl_print_escaped(result, len, 0);
	else
		searchctl_print_escaped(msg, strlen(msg), 0);
	rc = msg != NULL || searchctl_nomatch(obj, result) ?
	    CLIENT_EXIT_NOMATCH : CLIENT_EXIT_OK;
	json_object_put(obj);
	return rc;
}

/*
 * Batch mode's reading and flow control; the line and content buffers are
 * reused for every query and freed by searchctl_batch.
 */
struct searchctl_batch {
	struct client	 c;
	char		*line;
	size_t		 linecap;
	struct buf	 content;
	size_t		 window;	/* requests in flight at most */
	int64_t		 next_id;
	int		 eof;
	int		 idle;		/* connections in a row with no reply */
	int		 interactive;	/* stdin is a terminal */
};

/* Reads queries until the window is full or the input ends. */
static void
searchctl_batch_fill(const struct searchctl_opts *o,
    struct searchctl_batch *bt)
{
	ssize_t n;

	while (!bt->eof && client_pending(&bt->c) < bt->window) {
		if ((n = getline(&bt->line, &bt->linecap, stdin)) == -1) {
			bt->eof = 1;
			break;
		}
		if (n > 0 && bt->line[n - 1] == '\n')
			n--;
		if (n > 0 && bt->line[n - 1] == '\r')
			n--;
		buf_reset(&bt->content);
		searchctl_search_content(&bt->content, o, bt->line, (size_t)n);
		client_queue(&bt->c, CLIENT_CTYPE_JSON, CLIENT_ENCODING_UTF8,
		    bt->content.data, bt->content.len, bt->next_id++);
	}
}

/*
 * A server that closed with requests unanswered: connect again and resend
 * them, unless connections keep closing without answering anything.
 */
static enum client_status
searchctl_batch_reconnect(struct searchctl_batch *bt)
{
	if (bt->c.replies == 1)
		bt->window = 1;	/* one reply per connection: stop resending */
	if (bt->c.replies > 0)
		bt->idle = 0;
	else if (++bt->idle >= SEARCHCTL_RETRIES)
		return CLIENT_CLOSED;
	return client_connect(&bt->c);
}

/* Runs until the input is answered; returns the exit status. */
static int
searchctl_batch_loop(const struct searchctl_opts *o,
    struct searchctl_batch *bt)
{
	struct client_reply reply;
	enum client_status st;
	int rc = CLIENT_EXIT_OK, line_rc;

	st = client_connect(&bt->c);
	while (st == CLIENT_OK) {
		searchctl_batch_fill(o, bt);
		if (client_pending(&bt->c) == 0)
			break;
		if (bt->eof || bt->interactive)
			fflush(stdout);
		if ((st = client_read(&bt->c, &reply)) == CLIENT_CLOSED)
			st = searchctl_batch_reconnect(bt);
		else if (st == CLIENT_OK) {
			line_rc = searchctl_batch_line(o, bt->c.name, &reply);
			if (line_rc == CLIENT_EXIT_PROTOCOL)
				return line_rc;
			if (line_rc != CLIENT_EXIT_OK)
				rc = line_rc;
		}
	}
	if (st != CLIENT_OK) {
		warnx("%s", bt->c.err);
		return searchctl_exit_status(st);
	}
	return rc;
}

static int
searchctl_batch(const struct searchctl_opts *o, const struct addr *a)
{
	struct searchctl_batch bt;
	int rc;

	memset(&bt, 0, sizeof(bt));
	client_init(&bt.c, a, o->tls_ctx, searchctl_timeout_ms(o));
	buf_init(&bt.content);
	/* Someone typing wants each answer before the next question. */
	bt.interactive = isatty(STDIN_FILENO);
	bt.window = bt.interactive ? 1 : SEARCHCTL_WINDOW;
	rc = searchctl_batch_loop(o, &bt);
	client_free(&bt.c);
	buf_free(&bt.content);
	free(bt.line);
	return rc;
}

/* The tutorial's app-client.py: HOST PORT ACTION VALUE. */
static int
searchctl_tutorial(struct searchctl_opts *o, char **argv)
{
	struct client_tls tls;
	struct addr a;
	struct buf content;
	char why[256];
	int rc;

	if (o->host != NULL || o->port != NULL || o->unix_path != NULL)
		return searchctl_usage_error("HOST PORT ACTION VALUE cannot "
		    "be combined with -H, -p or -U");
	if (addr_from_host_port(argv[0], argv[1], &a, why, sizeof(why)) == -1)
		return searchctl_usage_error("%s", why);
	if ((rc = searchctl_tls_init(o, &a, &tls)) != SEARCHCTL_GO_ON)
		return rc;
	if (strcmp(argv[2], "search") == 0)
		rc = searchctl_search(o, &a, 1, argv + 3);
	else {
		buf_init(&content);
		buf_adds(&content, argv[2]);
		buf_adds(&content, argv[3]);
		rc = searchctl_one(o, &a, SEARCHCTL_BINARY,
		    CLIENT_CTYPE_BINARY, CLIENT_ENCODING_BINARY, content.data,
		    content.len);
		buf_free(&content);
	}
	searchctl_tls_free(o);
	return rc;
}

static int
searchctl_bench_option(struct searchctl_opts *o, struct bench_opts *b,
    int opt, char **argv)
{
	unsigned long long n;

	switch (opt) {
	case 'c':
		if (searchctl_number(optarg, "-c", 1, BENCH_CONNECTIONS_MAX,
		    &n) != 0)
			return CLIENT_EXIT_USAGE;
		b->connections = (unsigned)n;
		break;
	case 'P':
		if (searchctl_number(optarg, "-P", 1, BENCH_PIPELINE_MAX,
		    &n) != 0)
			return CLIENT_EXIT_USAGE;
		b->pipeline = (unsigned)n;
		break;
	case 'n':
		if (searchctl_number(optarg, "-n", 1, UINT64_MAX / 2, &n) != 0)
			return CLIENT_EXIT_USAGE;
		b->requests = n;
		break;
	case 'd':
		if (searchctl_seconds(optarg, "-d", &b->duration) != 0)
			return CLIENT_EXIT_USAGE;
		break;
	case 'r':
		if (searchctl_seconds(optarg, "-r", &b->rate) != 0)
			return CLIENT_EXIT_USAGE;
		break;
	case 'f':
		b->file = optarg;
		break;
	case SEARCHCTL_OPT_RECONNECT:
		b->reconnect = 1;
		break;
	case SEARCHCTL_OPT_CONFIG:
		o->config = optarg;
		break;
	default:
		return searchctl_option(o, opt, argv);
	}
	return SEARCHCTL_GO_ON;
}

static int
searchctl_bench(struct searchctl_opts *o, int argc, char **argv)
{
	struct client_tls tls;
	struct bench_opts b;
	int opt, rc;

	memset(&b, 0, sizeof(b));
	b.connections = BENCH_CONNECTIONS;
	b.pipeline = BENCH_PIPELINE;
	optind = 1;
	while ((opt = getopt_long(argc, argv, searchctl_bench_optstring,
	    searchctl_bench_longopts, NULL)) != -1) {
		if ((rc = searchctl_bench_option(o, &b, opt, argv)) !=
		    SEARCHCTL_GO_ON)
			return rc;
	}
	if (optind < argc)
		return searchctl_usage_error("bench: unexpected \"%s\"",
		    argv[optind]);
	if (b.requests != 0 && b.duration != 0)
		return searchctl_usage_error("bench: -n and -d are exclusive");
	if (b.duration == 0 && b.requests == 0)
		b.requests = BENCH_REQUESTS;
	if ((rc = searchctl_address(o, &b.addr)) != SEARCHCTL_GO_ON ||
	    (rc = searchctl_tls_init(o, &b.addr, &tls)) != SEARCHCTL_GO_ON)
		return rc;
	b.timeout = o->timeout;
	b.json = o->json;
	b.tls = o->tls_ctx;
	rc = bench_run(&b);
	searchctl_tls_free(o);
	return rc;
}

static int
searchctl_command(const char *word, enum searchctl_cmd *cmd)
{
	static const struct {
		const char		*name;
		enum searchctl_cmd	 cmd;
	} table[] = {
		{ "search",	SEARCHCTL_SEARCH },
		{ "ping",	SEARCHCTL_PING },
		{ "stats",	SEARCHCTL_STATS },
		{ "binary",	SEARCHCTL_BINARY },
		{ "bench",	SEARCHCTL_BENCH },
		{ "add",	SEARCHCTL_ADD },
		{ "delete",	SEARCHCTL_DELETE },
		{ "backup",	SEARCHCTL_BACKUP },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(word, table[i].name) == 0) {
			*cmd = table[i].cmd;
			return 0;
		}
	}
	return -1;
}

static int
searchctl_words(enum searchctl_cmd cmd, int nwords)
{
	static const char *const names[] = { "search", "ping", "stats",
	    "binary" };

	if (cmd == SEARCHCTL_SEARCH && nwords == 0)
		return searchctl_usage_error("search needs a VALUE, or - to "
		    "read queries from standard input");
	if (cmd == SEARCHCTL_ADD && nwords != 1)
		return searchctl_usage_error("add needs one FILE, or - to "
		    "read documents from standard input");
	if (cmd == SEARCHCTL_DELETE && nwords == 0)
		return searchctl_usage_error("delete needs at least one ID");
	if (cmd == SEARCHCTL_BACKUP && nwords != 1)
		return searchctl_usage_error("backup needs one DIR");
	if (cmd == SEARCHCTL_BINARY && nwords != 1)
		return searchctl_usage_error("binary needs one DATA argument");
	if ((cmd == SEARCHCTL_PING || cmd == SEARCHCTL_STATS) && nwords != 0)
		return searchctl_usage_error("%s takes no arguments",
		    names[cmd]);
	return SEARCHCTL_GO_ON;
}

static int
searchctl_add(const struct searchctl_opts *o, const struct addr *a,
    const char *path)
{
	struct add_opts ao;

	memset(&ao, 0, sizeof(ao));
	ao.path = path;
	ao.addr = *a;
	ao.tls = o->tls_ctx;
	ao.timeout_ms = searchctl_timeout_ms(o);
	ao.json = o->json;
	return add_run(&ao);
}

static int
searchctl_delete(const struct searchctl_opts *o, const struct addr *a,
    int argc, char **argv)
{
	struct buf content;
	int i, rc;

	buf_init(&content);
	buf_adds(&content, "{\"action\": \"delete\", \"ids\": [");
	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_add(&content, ", ", 2);
		buf_json_string(&content, argv[i], strlen(argv[i]));
	}
	buf_adds(&content, "]}");
	rc = searchctl_one(o, a, SEARCHCTL_DELETE, CLIENT_CTYPE_JSON,
	    CLIENT_ENCODING_UTF8, content.data, content.len);
	buf_free(&content);
	return rc;
}

/* The server writes the backup: a relative DIR is the caller's. */
static int
searchctl_backup(const struct searchctl_opts *o, const struct addr *a,
    const char *dir)
{
	struct buf content, path;
	char cwd[4096];
	int rc;

	buf_init(&path);
	if (dir[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			warn("getcwd");
			return CLIENT_EXIT_USAGE;
		}
		buf_adds(&path, cwd);
		buf_addc(&path, '/');
	}
	buf_adds(&path, dir);
	buf_init(&content);
	buf_adds(&content, "{\"action\": \"backup\", \"dir\": ");
	buf_json_string(&content, path.data, path.len);
	buf_adds(&content, "}");
	rc = searchctl_one(o, a, SEARCHCTL_BACKUP, CLIENT_CTYPE_JSON,
	    CLIENT_ENCODING_UTF8, content.data, content.len);
	buf_free(&content);
	buf_free(&path);
	return rc;
}

static int
searchctl_dispatch(const struct searchctl_opts *o, enum searchctl_cmd cmd,
    const struct addr *a, int argc, char **argv)
{
	switch (cmd) {
	case SEARCHCTL_SEARCH:
		if (argc == 1 && strcmp(argv[0], "-") == 0)
			return searchctl_batch(o, a);
		return searchctl_search(o, a, argc, argv);
	case SEARCHCTL_PING:
		return searchctl_action(o, a, cmd, "ping");
	case SEARCHCTL_STATS:
		return searchctl_action(o, a, cmd, "stats");
	case SEARCHCTL_BINARY:
		return searchctl_one(o, a, cmd, CLIENT_CTYPE_BINARY,
		    CLIENT_ENCODING_BINARY, argv[0], strlen(argv[0]));
	case SEARCHCTL_ADD:
		return searchctl_add(o, a, argv[0]);
	case SEARCHCTL_DELETE:
		return searchctl_delete(o, a, argc, argv);
	case SEARCHCTL_BACKUP:
		return searchctl_backup(o, a, argv[0]);
	default:
		return CLIENT_EXIT_USAGE;
	}
}

static int
searchctl_run(struct searchctl_opts *o, enum searchctl_cmd cmd, int argc,
    char **argv)
{
	struct client_tls tls;
	struct addr a;
	int next, rc;

	if (cmd == SEARCHCTL_BENCH)
		return searchctl_bench(o, argc, argv);
	if ((rc = searchctl_options(o, argc, argv, &next)) != SEARCHCTL_GO_ON ||
	    (rc = searchctl_words(cmd, argc - next)) != SEARCHCTL_GO_ON ||
	    (rc = searchctl_address(o, &a)) != SEARCHCTL_GO_ON ||
	    (rc = searchctl_tls_init(o, &a, &tls)) != SEARCHCTL_GO_ON)
		return rc;
	rc = searchctl_dispatch(o, cmd, &a, argc - next, argv + next);
	searchctl_tls_free(o);
	return rc;
}

/* Output lost to a full disk or a closed pipe must not look like success. */
static int
searchctl_flush(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("standard output");
		return CLIENT_EXIT_PROTOCOL;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct searchctl_opts o;
	enum searchctl_cmd cmd;
	int next, rc;

	log_init("searchctl", LOG_LEVEL_WARNING);
	memset(&o, 0, sizeof(o));
	o.timeout = SEARCHCTL_TIMEOUT;
	o.limit = o.offset = o.facet_limit = -1;

	if ((rc = searchctl_options(&o, argc, argv, &next)) != SEARCHCTL_GO_ON)
		return searchctl_flush(rc);
	argc -= next;
	argv += next;
	if (argc == 0)
		return searchctl_usage_error("no command given");
	if (searchctl_command(argv[0], &cmd) == 0)
		rc = searchctl_run(&o, cmd, argc, argv);
	else if (argc == 4)
		rc = searchctl_tutorial(&o, argv);
	else
		rc = searchctl_usage_error("unknown command \"%s\"", argv[0]);
	return searchctl_flush(rc);
}
