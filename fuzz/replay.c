/*
 * replay.c: runs a harness's LLVMFuzzerTestOneInput over files without
 * libFuzzer, so seed corpora and crash regressions run in make check with
 * any compiler.  Arguments are files or directories; with none, the
 * corpus compiled in as REPLAY_CORPUS is read under $srcdir (which
 * automake's test driver exports), so a VPATH build finds it.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t	ninputs;

static void
replay_file(const char *path)
{
	FILE *f;
	uint8_t *data = NULL, *exact;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((data = realloc(data, cap)) == NULL)
				err(1, NULL);
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f))
		err(1, "%s", path);
	fclose(f);
	/* An exact-size copy, so ASan sees a read past the end. */
	if ((exact = malloc(len ? len : 1)) == NULL)
		err(1, NULL);
	memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	ninputs++;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	char **names = NULL, sub[4096];
	size_t n = 0, i;

	if (stat(path, &st) == -1)
		err(1, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		err(1, "%s", path);
	/* Sorted, so a failure is reproducible run to run. */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names[n] = strdup(de->d_name)) == NULL)
			err(1, NULL);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, names[i]);
		printf("%s\n", sub);
		fflush(stdout);
		replay_path(sub);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	const char *srcdir;
	char dir[4096];
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_path(argv[i]);
	} else {
		if ((srcdir = getenv("srcdir")) == NULL)
			srcdir = ".";
		snprintf(dir, sizeof(dir), "%s/%s", srcdir, REPLAY_CORPUS);
		replay_path(dir);
	}
	printf("%zu inputs replayed\n", ninputs);
	/* An empty corpus means a broken path, not a pass. */
	return ninputs > 0 ? 0 : 1;
}
