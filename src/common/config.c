/* config.c: see config.h. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stem.h"
#include "xmalloc.h"

#define CONFIG_FILE_MAX		(1024 * 1024)

struct config_ctx {
	struct config	*cf;
	const char	*path;
	int		 line;
	char		*err;
	size_t		 errlen;
	unsigned	 seen;		/* bit per key, to refuse duplicates */
};

typedef int (*config_setter)(struct config_ctx *, const char *);

struct config_key {
	const char	*name;
	config_setter	 set;
	int		 repeatable;
};

static int config_error(struct config_ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
config_error(struct config_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ctx->err, ctx->errlen, "%s:%d: %s", ctx->path, ctx->line, msg);
	return -1;
}

/* A whole number with an optional unit multiplier, in [min, max]. */
static int
config_number(struct config_ctx *ctx, const char *key, const char *v,
    const char *units, const unsigned long long *mult, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	unsigned long long n;
	char *end;
	const char *u;

	if (*v < '0' || *v > '9')
		return config_error(ctx, "%s: \"%s\" is not a number", key, v);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end != '\0') {
		if (units == NULL || end[1] != '\0' ||
		    (u = strchr(units, *end)) == NULL)
			return config_error(ctx, "%s: bad value \"%s\"%s%s",
			    key, v, units ? "; units are " : "",
			    units ? units : "");
		if (n > ULLONG_MAX / mult[u - units])
			errno = ERANGE;
		n *= mult[u - units];
	}
	if (errno == ERANGE || n < min || n > max)
		return config_error(ctx, "%s: %s is out of range (%llu to %llu)",
		    key, v, min, max);
	*out = n;
	return 0;
}

static int
config_set_listen(struct config_ctx *ctx, const char *v)
{
	struct config *cf = ctx->cf;
	struct config_listen *l;
	char why[256], *opt;

	cf->listens = xreallocarray(cf->listens, cf->nlistens + 1,
	    sizeof(*cf->listens));
	l = &cf->listens[cf->nlistens];
	memset(l, 0, sizeof(*l));
	snprintf(l->spec, sizeof(l->spec), "%s", v);
	/* "ADDRESS tls": the only option a listen takes. */
	if ((opt = strpbrk(l->spec, " \t")) != NULL) {
		*opt++ = '\0';
		opt += strspn(opt, " \t");
		if (strcmp(opt, "tls") != 0)
			return config_error(ctx, "listen: unknown option "
			    "\"%s\" (only tls)", opt);
		l->tls = 1;
	}
	if (addr_parse(l->spec, &l->addr, why, sizeof(why)) == -1)
		return config_error(ctx, "listen: %s", why);
	l->line = ctx->line;
	cf->nlistens++;
	return 0;
}

static int
config_set_workers(struct config_ctx *ctx, const char *v)
{
	unsigned long long n;

	if (strcmp(v, "auto") == 0) {
		ctx->cf->workers = 0;
		return 0;
	}
	if (config_number(ctx, "workers", v, NULL, NULL, 1, CONFIG_MAX_WORKERS,
	    &n) == -1)
		return -1;
	ctx->cf->workers = (int)n;
	return 0;
}

static int
config_set_corpus(struct config_ctx *ctx, const char *v)
{
	struct config *cf = ctx->cf;

	cf->corpus = xreallocarray(cf->corpus, cf->ncorpus + 1,
	    sizeof(*cf->corpus));
	cf->corpus[cf->ncorpus++] = xstrdup(v);
	return 0;
}

static int
config_set_max_connections(struct config_ctx *ctx, const char *v)
{
	unsigned long long n;

	if (config_number(ctx, "max_connections", v, NULL, NULL, 1,
	    CONFIG_MAX_CONNECTIONS_LIMIT, &n) == -1)
		return -1;
	ctx->cf->max_connections = (unsigned)n;
	return 0;
}

static int
config_set_max_message_size(struct config_ctx *ctx, const char *v)
{
	static const unsigned long long mult[] = { 1024, 1024 * 1024 };
	unsigned long long n;

	if (config_number(ctx, "max_message_size", v, "KM", mult, 16,
	    CONFIG_MAX_MESSAGE_SIZE_LIMIT, &n) == -1)
		return -1;
	ctx->cf->max_message_size = (size_t)n;
	return 0;
}

static const unsigned long long config_time_mult[] = { 1, 60, 3600 };

static int
config_set_client_timeout(struct config_ctx *ctx, const char *v)
{
	unsigned long long n;

	if (config_number(ctx, "client_timeout", v, "smh", config_time_mult, 0,
	    CONFIG_TIMEOUT_LIMIT, &n) == -1)
		return -1;
	ctx->cf->client_timeout = (unsigned)n;
	return 0;
}

static int
config_set_read_timeout(struct config_ctx *ctx, const char *v)
{
	unsigned long long n;

	if (config_number(ctx, "read_timeout", v, "smh", config_time_mult, 1,
	    CONFIG_TIMEOUT_LIMIT, &n) == -1)
		return -1;
	ctx->cf->read_timeout = (unsigned)n;
	return 0;
}

static int
config_set_log_level(struct config_ctx *ctx, const char *v)
{
	if (log_level_parse(v, &ctx->cf->log_level) == -1)
		return config_error(ctx, "log_level: \"%s\" is not one of "
		    "error, warning, info, debug", v);
	return 0;
}

/* A name as a JSON key and a filter can both spell it. */
static int
config_attr_name_ok(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) > CONFIG_NAME_MAX ||
	    (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int
config_set_attribute(struct config_ctx *ctx, const char *v)
{
	static const char *const reserved[] = { "id", "title", "text",
	    "_score", "AND", "OR", "NOT", "IN", NULL };
	static const char *const types[] = { "string", "int", "float",
	    NULL };
	struct config *cf = ctx->cf;
	struct config_attribute a;
	char name[CONFIG_NAME_MAX + 2], type[16], multi[16], extra[2];
	size_t i, t;
	int n;

	memset(&a, 0, sizeof(a));
	n = sscanf(v, "%65s %15s %15s %1s", name, type, multi, extra);
	if (n < 2 || n > 3 || (n == 3 && strcmp(multi, "multi") != 0))
		return config_error(ctx, "attribute: expected NAME TYPE "
		    "[multi], TYPE string, int or float");
	if (!config_attr_name_ok(name))
		return config_error(ctx, "attribute: \"%s\" is not a name "
		    "(letters, digits and _, not first a digit, at most %d "
		    "bytes)", name, CONFIG_NAME_MAX);
	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(name, reserved[i]) == 0)
			return config_error(ctx, "attribute: \"%s\" is "
			    "reserved", name);
	for (t = 0; types[t] != NULL && strcmp(types[t], type) != 0; t++)
		;
	if (types[t] == NULL)
		return config_error(ctx, "attribute %s: type \"%s\" is not "
		    "string, int or float", name, type);
	for (i = 0; i < cf->nattributes; i++)
		if (strcmp(cf->attributes[i].name, name) == 0)
			return config_error(ctx, "attribute %s: declared "
			    "already at line %d", name,
			    cf->attributes[i].line);
	if (cf->nattributes == CONFIG_ATTRIBUTES_MAX)
		return config_error(ctx, "attribute: at most %d",
		    CONFIG_ATTRIBUTES_MAX);
	a.name = xstrdup(name);
	a.type = (enum config_attr_type)t;
	a.multi = n == 3;
	a.line = ctx->line;
	cf->attributes = xreallocarray(cf->attributes, cf->nattributes + 1,
	    sizeof(*cf->attributes));
	cf->attributes[cf->nattributes++] = a;
	return 0;
}

static int
config_field_opts(struct config_ctx *ctx, struct config_field *f,
    const char *v)
{
	char key[16], val[32], *end;
	double x;
	int used;

	while (sscanf(v, " %15s %31s%n", key, val, &used) == 2) {
		v += used;
		x = strtod(val, &end);
		if (*end != '\0' || !(x == x))
			return config_error(ctx, "field %s: %s: \"%s\" is "
			    "not a number", f->name, key, val);
		if (strcmp(key, "weight") == 0) {
			if (!(x > 0 && x <= CONFIG_FIELD_WEIGHT_MAX))
				return config_error(ctx, "field %s: weight %s "
				    "is not above 0 and at most %d", f->name,
				    val, CONFIG_FIELD_WEIGHT_MAX);
			f->weight = x;
		} else if (strcmp(key, "b") == 0) {
			if (!(x >= 0 && x <= 1))
				return config_error(ctx, "field %s: b %s is "
				    "not from 0 to 1", f->name, val);
			f->b = x;
		} else
			return config_error(ctx, "field %s: \"%s\" is not "
			    "weight or b", f->name, key);
	}
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v != '\0')
		return config_error(ctx, "field %s: expected NAME [weight W] "
		    "[b B]", f->name);
	return 0;
}

static int
config_set_field(struct config_ctx *ctx, const char *v)
{
	struct config *cf = ctx->cf;
	struct config_field f;
	char name[CONFIG_NAME_MAX + 2];
	size_t i;
	int used = 0;

	if (sscanf(v, "%65s%n", name, &used) != 1)
		return config_error(ctx, "field: expected NAME [weight W] "
		    "[b B]");
	if (!config_attr_name_ok(name))
		return config_error(ctx, "field: \"%s\" is not a name "
		    "(letters, digits and _, not first a digit, at most %d "
		    "bytes)", name, CONFIG_NAME_MAX);
	if (strcmp(name, "id") == 0 || strcmp(name, "_score") == 0)
		return config_error(ctx, "field: \"%s\" is reserved", name);
	for (i = 0; i < cf->nfields; i++)
		if (strcmp(cf->fields[i].name, name) == 0)
			return config_error(ctx, "field %s: declared already "
			    "at line %d", name, cf->fields[i].line);
	if (cf->nfields == CONFIG_FIELDS_MAX)
		return config_error(ctx, "field: at most %d",
		    CONFIG_FIELDS_MAX);
	f.name = name;
	f.weight = 1;
	f.b = 0.75;
	f.line = ctx->line;
	if (config_field_opts(ctx, &f, v + used) == -1)
		return -1;
	f.name = xstrdup(name);
	cf->fields = xreallocarray(cf->fields, cf->nfields + 1,
	    sizeof(*cf->fields));
	cf->fields[cf->nfields++] = f;
	return 0;
}

static int
config_set_language(struct config_ctx *ctx, const char *v)
{
	if (strcmp(v, "none") == 0)
		ctx->cf->language = NULL;
	else if ((ctx->cf->language = stem_language(v)) == NULL)
		return config_error(ctx, "language: \"%s\" is not none or "
		    "one of %s", v, stem_language_list());
	return 0;
}

static int
config_set_path(struct config_ctx *ctx, char **field, const char *v)
{
	if (v[0] != '/')
		return config_error(ctx, "\"%s\" is not an absolute path", v);
	free(*field);
	*field = xstrdup(v);
	return 0;
}

static int
config_set_tls_certificate(struct config_ctx *ctx, const char *v)
{
	return config_set_path(ctx, &ctx->cf->tls_certificate, v);
}

static int
config_set_tls_key(struct config_ctx *ctx, const char *v)
{
	return config_set_path(ctx, &ctx->cf->tls_key, v);
}

static int
config_set_tls_client_ca(struct config_ctx *ctx, const char *v)
{
	return config_set_path(ctx, &ctx->cf->tls_client_ca, v);
}

/* "none" keeps the index in memory, built from the corpus at each start. */
static int
config_set_data_dir(struct config_ctx *ctx, const char *v)
{
	if (strcmp(v, "none") == 0) {
		ctx->cf->in_memory = 1;
		return 0;
	}
	return config_set_path(ctx, &ctx->cf->data_dir, v);
}

void
config_set_data_dir_arg(struct config *cf, const char *dir)
{
	free(cf->data_dir);
	cf->data_dir = NULL;
	cf->in_memory = strcmp(dir, "none") == 0;
	if (!cf->in_memory)
		cf->data_dir = xstrdup(dir);
}

const char *
config_data_dir(const struct config *cf)
{
	if (cf->in_memory)
		return NULL;
	return cf->data_dir != NULL ? cf->data_dir : CONFIG_DATA_DIR;
}

static int
config_set_sync(struct config_ctx *ctx, const char *v)
{
	if (strcmp(v, "always") == 0)
		ctx->cf->sync = CONFIG_SYNC_ALWAYS;
	else if (strcmp(v, "everysec") == 0)
		ctx->cf->sync = CONFIG_SYNC_EVERYSEC;
	else if (strcmp(v, "no") == 0)
		ctx->cf->sync = CONFIG_SYNC_NO;
	else
		return config_error(ctx, "sync: \"%s\" is not one of always, "
		    "everysec, no", v);
	return 0;
}

static int
config_set_write_buffer(struct config_ctx *ctx, const char *v)
{
	static const unsigned long long mult[] = { 1024, 1024 * 1024,
	    1024 * 1024 * 1024 };
	unsigned long long n;

	if (config_number(ctx, "write_buffer", v, "KMG", mult,
	    CONFIG_WRITE_BUFFER_MIN, CONFIG_WRITE_BUFFER_LIMIT, &n) == -1)
		return -1;
	ctx->cf->write_buffer = (size_t)n;
	return 0;
}

static int
config_set_write_allow(struct config_ctx *ctx, const char *v)
{
	struct config *cf = ctx->cf;
	char why[256];

	cf->write_allow = xreallocarray(cf->write_allow, cf->nwrite_allow + 1,
	    sizeof(*cf->write_allow));
	if (addr_prefix_parse(v, &cf->write_allow[cf->nwrite_allow], why,
	    sizeof(why)) == -1)
		return config_error(ctx, "write_allow: %s", why);
	cf->nwrite_allow++;
	return 0;
}

static const struct config_key config_table[] = {
	{ "attribute",		config_set_attribute,		1 },
	{ "field",		config_set_field,		1 },
	{ "client_timeout",	config_set_client_timeout,	0 },
	{ "corpus",		config_set_corpus,		1 },
	{ "data_dir",		config_set_data_dir,		0 },
	{ "language",		config_set_language,		0 },
	{ "listen",		config_set_listen,		1 },
	{ "log_level",		config_set_log_level,		0 },
	{ "max_connections",	config_set_max_connections,	0 },
	{ "max_message_size",	config_set_max_message_size,	0 },
	{ "read_timeout",	config_set_read_timeout,	0 },
	{ "sync",		config_set_sync,		0 },
	{ "tls_certificate",	config_set_tls_certificate,	0 },
	{ "tls_client_ca",	config_set_tls_client_ca,	0 },
	{ "tls_key",		config_set_tls_key,		0 },
	{ "workers",		config_set_workers,		0 },
	{ "write_allow",	config_set_write_allow,		1 },
	{ "write_buffer",	config_set_write_buffer,	0 },
};
#define CONFIG_NKEYS (sizeof(config_table) / sizeof(config_table[0]))
_Static_assert(CONFIG_NKEYS <= 32, "seen has a bit per key");

const char *const config_keys[] = {
	"attribute", "client_timeout", "corpus", "data_dir", "field", "language",
	"listen", "log_level",
	"max_connections", "max_message_size", "read_timeout", "sync",
	"tls_certificate", "tls_client_ca", "tls_key", "workers",
	"write_allow", "write_buffer", NULL
};

void
config_init(struct config *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->workers = 0;
	cf->max_connections = CONFIG_MAX_CONNECTIONS;
	cf->max_message_size = CONFIG_MAX_MESSAGE_SIZE;
	cf->client_timeout = CONFIG_CLIENT_TIMEOUT;
	cf->read_timeout = CONFIG_READ_TIMEOUT;
	cf->log_level = LOG_LEVEL_INFO;
	cf->sync = CONFIG_SYNC_EVERYSEC;
	cf->write_buffer = CONFIG_WRITE_BUFFER;
}

static void
config_free_schema(struct config *cf)
{
	size_t i;

	for (i = 0; i < cf->nattributes; i++)
		free(cf->attributes[i].name);
	free(cf->attributes);
	for (i = 0; i < cf->nfields; i++)
		free(cf->fields[i].name);
	free(cf->fields);
}

void
config_copy_schema(struct config *dst, const struct config *src)
{
	size_t i;

	config_free_schema(dst);
	dst->attributes = xreallocarray(NULL, src->nattributes + 1,
	    sizeof(*dst->attributes));
	for (i = 0; i < src->nattributes; i++) {
		dst->attributes[i] = src->attributes[i];
		dst->attributes[i].name = xstrdup(src->attributes[i].name);
	}
	dst->nattributes = src->nattributes;
	dst->fields = xreallocarray(NULL, src->nfields + 1,
	    sizeof(*dst->fields));
	for (i = 0; i < src->nfields; i++) {
		dst->fields[i] = src->fields[i];
		dst->fields[i].name = xstrdup(src->fields[i].name);
	}
	dst->nfields = src->nfields;
}

int
config_same_schema(const struct config *a, const struct config *b)
{
	size_t i;

	if (a->nattributes != b->nattributes || a->nfields != b->nfields)
		return 0;
	for (i = 0; i < a->nattributes; i++)
		if (strcmp(a->attributes[i].name, b->attributes[i].name) != 0 ||
		    a->attributes[i].type != b->attributes[i].type ||
		    a->attributes[i].multi != b->attributes[i].multi)
			return 0;
	for (i = 0; i < a->nfields; i++)
		if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
		    a->fields[i].weight != b->fields[i].weight ||
		    a->fields[i].b != b->fields[i].b)
			return 0;
	return 1;
}

void
config_free(struct config *cf)
{
	size_t i;

	for (i = 0; i < cf->ncorpus; i++)
		free(cf->corpus[i]);
	free(cf->corpus);
	free(cf->listens);
	free(cf->path);
	free(cf->tls_certificate);
	free(cf->tls_key);
	free(cf->tls_client_ca);
	free(cf->data_dir);
	free(cf->write_allow);
	config_free_schema(cf);
	config_init(cf);
}

void
config_finish(struct config *cf)
{
	char why[64];

	if (cf->nlistens > 0)
		return;
	cf->listens = xcalloc(1, sizeof(*cf->listens));
	addr_from_host_port(ADDR_DEFAULT_HOST, ADDR_DEFAULT_PORT,
	    &cf->listens[0].addr, why, sizeof(why));
	snprintf(cf->listens[0].spec, sizeof(cf->listens[0].spec), "%s:%s",
	    ADDR_DEFAULT_HOST, ADDR_DEFAULT_PORT);
	cf->nlistens = 1;
}

/* Splits one line (NUL-terminated, no newline) into key and value. */
static int
config_line(struct config_ctx *ctx, char *line)
{
	char *key, *value, *end, *hash;
	size_t i;

	for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++) {
		if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	}
	key = line + strspn(line, " \t\r");
	end = key + strlen(key);
	while (end > key && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	if (*key == '\0')
		return 0;
	value = key + strcspn(key, " \t");
	if (*value != '\0') {
		*value++ = '\0';
		value += strspn(value, " \t");
	}
	for (i = 0; i < CONFIG_NKEYS; i++) {
		if (strcmp(key, config_table[i].name) != 0)
			continue;
		if (*value == '\0')
			return config_error(ctx, "%s: missing value", key);
		if (!config_table[i].repeatable && (ctx->seen & (1u << i)))
			return config_error(ctx, "%s: given twice", key);
		ctx->seen |= 1u << i;
		return config_table[i].set(ctx, value);
	}
	return config_error(ctx, "unknown key \"%s\"", key);
}

int
config_has_tls(const struct config *cf)
{
	size_t i;

	for (i = 0; i < cf->nlistens; i++)
		if (cf->listens[i].tls)
			return 1;
	return 0;
}

/* A TLS listener needs a certificate and its key; each needs the other. */
static int
config_check_tls(struct config_ctx *ctx)
{
	const struct config *cf = ctx->cf;
	size_t i;

	for (i = 0; i < cf->nlistens; i++) {
		if (!cf->listens[i].tls)
			continue;
		ctx->line = cf->listens[i].line;
		if (cf->tls_certificate == NULL || cf->tls_key == NULL)
			return config_error(ctx, "listen %s tls needs "
			    "tls_certificate and tls_key", cf->listens[i].spec);
	}
	if ((cf->tls_certificate == NULL) != (cf->tls_key == NULL)) {
		snprintf(ctx->err, ctx->errlen, "%s: tls_certificate and "
		    "tls_key go together", ctx->path);
		return -1;
	}
	return 0;
}

int
config_parse(struct config *cf, const char *path, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct config_ctx ctx = { cf, path, 0, err, errlen, 0 };
	const char *p = text, *end = text + len, *nl;
	char *line;
	int rc = 0;

	config_init(cf);
	while (p < end && rc == 0) {
		ctx.line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			rc = config_error(&ctx, "NUL byte in line");
		else {
			line = xstrndup(p, (size_t)(nl - p));
			rc = config_line(&ctx, line);
			free(line);
		}
		p = nl + 1;
	}
	if (rc == 0)
		rc = config_check_tls(&ctx);
	if (rc == -1) {
		config_free(cf);
		return -1;
	}
	cf->path = xstrdup(path);
	return 0;
}

int
config_load(struct config *cf, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	config_init(cf);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most 1 MiB",
		    path);
		close(fd);
		return -1;
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	    (n = read(fd, text + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	rc = config_parse(cf, path, text, len, err, errlen);
	free(text);
	return rc;
}
