/* reload.c: see reload.h. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "reload.h"

struct schema *
reload_schema(const struct config *cf)
{
	static const enum attr_type types[] = {
		[CONFIG_ATTR_STRING] = ATTR_STRING,
		[CONFIG_ATTR_INT] = ATTR_INT,
		[CONFIG_ATTR_FLOAT] = ATTR_FLOAT,
	};
	struct schema *sc = schema_new(cf->language);
	size_t i;

	for (i = 0; i < cf->nattributes; i++)
		schema_add(sc, cf->attributes[i].name,
		    types[cf->attributes[i].type], cf->attributes[i].multi);
	for (i = 0; i < cf->nfields; i++)
		schema_add_field(sc, cf->fields[i].name, cf->fields[i].weight,
		    cf->fields[i].b);
	return sc;
}

struct index *
reload_index(const struct config *cf, char *err, size_t errlen)
{
	struct schema *sc = reload_schema(cf);
	struct index *idx;
	struct index_info info;

	if (cf->ncorpus == 0)
		idx = import_builtin(sc);
	else
		idx = import_files((const char *const *)cf->corpus,
		    cf->ncorpus, sc, err, errlen);
	schema_free(sc);
	if (idx == NULL)
		return NULL;
	index_info(idx, &info);
	log_info("indexed %u documents, %llu terms, %llu postings in %.3f s "
	    "(%.1f MiB)%s", info.ndocs, (unsigned long long)info.nterms,
	    (unsigned long long)info.npostings, info.build_seconds,
	    (double)info.memory / (1024 * 1024),
	    cf->ncorpus == 0 ? " from the built-in corpus" : "");
	return idx;
}

int
reload_config(const char *path, struct config *cf, char *err, size_t errlen)
{
	if (path == NULL)
		config_init(cf);
	else if (config_load(cf, path, err, errlen) == -1)
		return -1;
	config_finish(cf);
	return 0;
}

/* The thread is done: joined here, so the callback may start another. */
static void
reload_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reload *r = arg;
	struct index *index;

	pthread_join(r->thread, NULL);
	r->running = 0;
	config_free(&r->cf);
	index = r->index;
	r->index = NULL;
	r->done(r->arg, index, r->err);
}

void
reload_init(struct reload *r, struct event_base *base, reload_done_fn done,
    void *arg)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->done = done;
	r->arg = arg;
	if ((r->done_ev = event_new(base, -1, 0, reload_done_cb, r)) == NULL)
		fatalx("%s: event_new failed", __func__);
}

int
reload_running(const struct reload *r)
{
	return r->running;
}

static void *
reload_main(void *arg)
{
	struct reload *r = arg;

	r->index = reload_index(&r->cf, r->err, sizeof(r->err));
	event_active(r->done_ev, 0, 0);
	return NULL;
}

int
reload_start(struct reload *r, struct config *cf, char *err, size_t errlen)
{
	int rc;

	r->cf = *cf;
	r->err[0] = '\0';
	r->running = 1;
	if ((rc = pthread_create(&r->thread, NULL, reload_main, r)) != 0) {
		r->running = 0;
		config_free(&r->cf);
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		return -1;
	}
	return 0;
}

void
reload_free(struct reload *r)
{
	if (r->running) {
		pthread_join(r->thread, NULL);
		config_free(&r->cf);
		index_free(r->index);
	}
	event_free(r->done_ev);
}
