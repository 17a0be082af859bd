/* stem.c: see stem.h. */

#include <libstemmer.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "stem.h"
#include "utf8.h"
#include "xmalloc.h"

/* This thread's stemmers, by the language's place in sb_stemmer_list. */
struct stem_cache {
	struct sb_stemmer	**by_lang;
	size_t			  n;
};

static pthread_key_t	stem_key;
static pthread_once_t	stem_once = PTHREAD_ONCE_INIT;
static char		*stem_names;

static void
stem_cache_free(void *arg)
{
	struct stem_cache *c = arg;
	size_t i;

	for (i = 0; i < c->n; i++)
		sb_stemmer_delete(c->by_lang[i]);
	free(c->by_lang);
	free(c);
}

static void
stem_init(void)
{
	const char **list = sb_stemmer_list();
	struct buf b;
	size_t i;

	if (pthread_key_create(&stem_key, stem_cache_free) != 0)
		abort();
	buf_init(&b);
	for (i = 0; list[i] != NULL; i++) {
		if (i > 0)
			buf_add(&b, ", ", 2);
		buf_add(&b, list[i], strlen(list[i]));
	}
	buf_addc(&b, '\0');
	stem_names = b.data;
}

const char *
stem_language(const char *name)
{
	const char **list = sb_stemmer_list();
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return list[i];
	return NULL;
}

const char *
stem_language_list(void)
{
	pthread_once(&stem_once, stem_init);
	return stem_names;
}

/* This thread's stemmer for lang, made on first use; NULL: no memory. */
static struct sb_stemmer *
stem_get(const char *lang)
{
	const char **list = sb_stemmer_list();
	struct stem_cache *c;
	size_t i;

	pthread_once(&stem_once, stem_init);
	for (i = 0; list[i] != NULL && list[i] != lang; i++)
		;
	if (list[i] == NULL)
		return NULL;
	if ((c = pthread_getspecific(stem_key)) == NULL) {
		c = xcalloc(1, sizeof(*c));
		for (c->n = 0; list[c->n] != NULL; c->n++)
			;
		c->by_lang = xcalloc(c->n, sizeof(*c->by_lang));
		if (pthread_setspecific(stem_key, c) != 0)
			abort();
	}
	if (c->by_lang[i] == NULL)
		c->by_lang[i] = sb_stemmer_new(lang, NULL);
	return c->by_lang[i];
}

size_t
stem_word(const char *lang, const char *word, size_t len, char *out,
    size_t outsize)
{
	struct sb_stemmer *st = stem_get(lang);
	const sb_symbol *s = NULL;
	size_t n;

	if (st != NULL)
		s = sb_stemmer_stem(st, (const sb_symbol *)word, (int)len);
	if (s == NULL) {
		s = (const sb_symbol *)word;
		n = len;
	} else
		n = (size_t)sb_stemmer_length(st);
	n = utf8_clip((const char *)s, n, outsize - 1);
	memmove(out, s, n);
	out[n] = '\0';
	return n;
}

void
stem_thread_end(void)
{
	struct stem_cache *c;

	pthread_once(&stem_once, stem_init);
	if ((c = pthread_getspecific(stem_key)) != NULL) {
		pthread_setspecific(stem_key, NULL);
		stem_cache_free(c);
	}
}
