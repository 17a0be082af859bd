/* manifest.c: see manifest.h. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "fsio.h"
#include "manifest.h"
#include "stem.h"
#include "xmalloc.h"

/* A manifest lists segments, not documents: it stays small. */
#define MANIFEST_MAX		(16 * 1024 * 1024)

void
manifest_init(struct manifest *m)
{
	memset(m, 0, sizeof(*m));
}

void
manifest_free(struct manifest *m)
{
	free(m->segs);
	manifest_init(m);
}

void
manifest_set_schema(struct manifest *m, const struct schema *sc)
{
	size_t i;

	m->lang = schema_lang(sc);
	m->nfields = sc != NULL ? sc->nfields : 0;
	for (i = 0; i < m->nfields; i++)
		snprintf(m->fields[i], sizeof(m->fields[i]), "%s",
		    sc->fields[i].name);
}

void
manifest_copy_schema(struct manifest *m, const struct manifest *from)
{
	m->lang = from->lang;
	m->nfields = from->nfields;
	memcpy(m->fields, from->fields, sizeof(m->fields));
}

int
manifest_same_schema(const struct manifest *m, const struct schema *sc)
{
	size_t i;

	if (m->lang != schema_lang(sc) || m->nfields != (sc != NULL ?
	    sc->nfields : 0))
		return 0;
	for (i = 0; i < m->nfields; i++)
		if (strcmp(m->fields[i], sc->fields[i].name) != 0)
			return 0;
	return 1;
}

void
manifest_add(struct manifest *m, uint64_t file, uint64_t delgen)
{
	m->segs = xreallocarray(m->segs, m->nsegs + 1, sizeof(*m->segs));
	m->segs[m->nsegs].file = file;
	m->segs[m->nsegs++].delgen = delgen;
}

void
manifest_seg_name(char *out, size_t len, uint64_t file)
{
	snprintf(out, len, "%08" PRIu64 ".seg", file);
}

void
manifest_del_name(char *out, size_t len, uint64_t file, uint64_t gen)
{
	snprintf(out, len, "%08" PRIu64 ".%" PRIu64 ".del", file, gen);
}

void
manifest_att_name(char *out, size_t len, uint64_t file)
{
	snprintf(out, len, "%08" PRIu64 ".att", file);
}

void
manifest_log_name(char *out, size_t len, uint64_t file)
{
	snprintf(out, len, "%08" PRIu64 ".log", file);
}

void
manifest_encode(const struct manifest *m, struct buf *out)
{
	size_t start = out->len, i;

	buf_addf(out, "searchd-manifest %d\n", MANIFEST_VERSION);
	buf_addf(out, "checkpoint %" PRIu64 "\n", m->checkpoint);
	buf_addf(out, "log %" PRIu64 "\n", m->log);
	buf_addf(out, "next %" PRIu64 "\n", m->next);
	if (m->lang != NULL)
		buf_addf(out, "language %s\n", m->lang);
	for (i = 0; i < m->nfields; i++)
		buf_addf(out, "field %s\n", m->fields[i]);
	for (i = 0; i < m->nsegs; i++) {
		if (m->segs[i].delgen != 0)
			buf_addf(out, "segment %" PRIu64 " del %" PRIu64 "\n",
			    m->segs[i].file, m->segs[i].delgen);
		else
			buf_addf(out, "segment %" PRIu64 "\n", m->segs[i].file);
	}
	buf_addf(out, "end %016" PRIx64 "\n",
	    XXH3_64bits(out->data + start, out->len - start));
}

/* The end line's checksum: exactly 16 lowercase hex digits. */
static int
manifest_sum(const char *s, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < 16; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			*v = *v << 4 | (uint64_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			*v = *v << 4 | (uint64_t)(s[i] - 'a' + 10);
		else
			return -1;
	}
	return s[16] == '\0' ? 0 : -1;
}

/* One whole number, all digits, no sign. */
static int
manifest_number(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

static int
manifest_line(struct manifest *m, char *line, int n, unsigned *seen)
{
	char *w[5], *save = NULL;
	uint64_t a, b;
	int k = 0;

	for (w[k] = strtok_r(line, " ", &save); w[k] != NULL && k < 4;
	    w[++k] = strtok_r(NULL, " ", &save))
		;
	if (k == 4 && w[4] != NULL)
		return -1;
	if (n == 1)
		return k == 2 && strcmp(w[0], "searchd-manifest") == 0 &&
		    manifest_number(w[1], &a) == 0 && a == MANIFEST_VERSION ?
		    0 : -1;
	if (k == 2 && manifest_number(w[1], &a) == 0) {
		if (strcmp(w[0], "checkpoint") == 0 && !(*seen & 1)) {
			m->checkpoint = a;
			*seen |= 1;
			return 0;
		}
		if (strcmp(w[0], "log") == 0 && !(*seen & 2)) {
			m->log = a;
			*seen |= 2;
			return 0;
		}
		if (strcmp(w[0], "next") == 0 && !(*seen & 4)) {
			m->next = a;
			*seen |= 4;
			return 0;
		}
		if (strcmp(w[0], "segment") == 0) {
			manifest_add(m, a, 0);
			return 0;
		}
	}
	if (k == 2 && strcmp(w[0], "language") == 0 && m->lang == NULL &&
	    (m->lang = stem_language(w[1])) != NULL)
		return 0;
	if (k == 2 && strcmp(w[0], "field") == 0 &&
	    m->nfields < SCHEMA_FIELDS_MAX &&
	    strlen(w[1]) <= MANIFEST_FIELD_MAX) {
		snprintf(m->fields[m->nfields], sizeof(m->fields[0]), "%s",
		    w[1]);
		m->nfields++;
		return 0;
	}
	if (k == 4 && strcmp(w[0], "segment") == 0 &&
	    strcmp(w[2], "del") == 0 && manifest_number(w[1], &a) == 0 &&
	    manifest_number(w[3], &b) == 0 && b != 0) {
		manifest_add(m, a, b);
		return 0;
	}
	return -1;
}

int
manifest_decode(const char *text, size_t len, struct manifest *m,
    char *err, size_t errlen)
{
	const char *p = text, *nl, *endline = NULL;
	char line[256];
	uint64_t sum = 0;
	unsigned seen = 0;
	int n = 0, sum_ok = 0;

	manifest_init(m);
	if (len == 0) {
		snprintf(err, errlen, "1: no end line (truncated)");
		return -1;
	}
	while (p < text + len) {
		if ((nl = memchr(p, '\n', (size_t)(text + len - p))) == NULL ||
		    (size_t)(nl - p) >= sizeof(line))
			goto bad;
		n++;
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (strncmp(line, "end ", 4) == 0) {
			endline = p;
			sum_ok = manifest_sum(line + 4, &sum) == 0;
			p = nl + 1;
			break;
		}
		if (manifest_line(m, line, n, &seen) == -1)
			goto bad;
		p = nl + 1;
	}
	if (endline == NULL || p != text + len || seen != 7) {
		n++;
		snprintf(err, errlen, "%d: %s", n, endline == NULL ?
		    "no end line (truncated)" : p != text + len ?
		    "bytes after the end line" : "checkpoint, log or next "
		    "missing");
		manifest_free(m);
		return -1;
	}
	if (!sum_ok || sum != XXH3_64bits(text, (size_t)(endline - text))) {
		snprintf(err, errlen, "%d: checksum mismatch", n);
		manifest_free(m);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "%d: not a manifest line", n + 1);
	manifest_free(m);
	return -1;
}

int
manifest_read(const char *dir, struct manifest *m, char *err, size_t errlen)
{
	struct stat st;
	char path[4096], why[256], *text;
	int fd, rc;

	manifest_init(m);
	if (fsio_path(path, sizeof(path), dir, MANIFEST_NAME) == -1) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_size > MANIFEST_MAX) {
		snprintf(err, errlen, "%s: %s", path, st.st_size > MANIFEST_MAX ?
		    "too large for a manifest" : strerror(errno));
		close(fd);
		return -1;
	}
	text = xmalloc((size_t)st.st_size + 1);
	if (fsio_pread(fd, text, (size_t)st.st_size, 0) == -1) {
		snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
		rc = -1;
	} else if (manifest_decode(text, (size_t)st.st_size, m, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s:%s", path, why);
		rc = -1;
	} else
		rc = 0;
	free(text);
	close(fd);
	return rc;
}

int
manifest_write(const char *dir, const struct manifest *m, char *err,
    size_t errlen)
{
	struct buf b;
	int rc;

	buf_init(&b);
	manifest_encode(m, &b);
	rc = fsio_replace(dir, MANIFEST_NAME, b.data, b.len, err, errlen);
	buf_free(&b);
	return rc;
}
