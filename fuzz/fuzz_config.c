/*
 * fuzz_config.c: searchd.conf as a byte buffer, the way config_load hands
 * it over (NUL bytes and all); what SIGHUP re-reads from an admin's file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cf;
	char err[1024];
	char *text;
	size_t i;

	/* Copied, so reading past the end is caught. */
	if ((text = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(text, data, size);
	err[0] = '\0';
	if (config_parse(&cf, "fuzz.conf", text, size, err,
	    sizeof(err)) == 0) {
		/* What the daemon does with a good one. */
		config_finish(&cf);
		if (cf.nlistens == 0 || cf.max_connections == 0 ||
		    cf.max_message_size < 16 || cf.read_timeout == 0)
			abort();	/* a value the daemon cannot use */
		for (i = 0; i < cf.ncorpus; i++)
			if (cf.corpus[i] == NULL || *cf.corpus[i] == '\0')
				abort();
	} else if (strncmp(err, "fuzz.conf:", 10) != 0)
		abort();	/* errors must say FILE:LINE: */
	config_free(&cf);
	free(text);
	return 0;
}
