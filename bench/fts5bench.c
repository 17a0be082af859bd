/*
 * fts5bench.c: SQLite FTS5 side of the full-text comparison.
 *
 *   fts5bench build DB CORPUS.jsonl [-A]
 *	creates DB with one FTS5 table docs(id UNINDEXED, title, text) and
 *	inserts every line in one transaction; prints build_seconds,
 *	peak_rss_kb (VmHWM) and db_bytes.  With -A the table also has the
 *	bench corpus's attributes, as UNINDEXED columns lang, year,
 *	category and tags (a JSON array, for json_each).
 *   fts5bench query DB QUERIES [-T threads] [-n queries] [-w warmup]
 *	[-S SQL]
 *	runs QUERIES (one FTS5 query a line) with T threads, each on its own
 *	read-only connection, each taking n queries from the list (from its
 *	own offset, cycling), after w warm-up queries; prints queries, rps,
 *	p50_us, p99_us.
 *
 * A query is "SELECT id, title, text, bm25(docs) ... MATCH ? ORDER BY rank
 * LIMIT 10", or the statement -S gives (?1 is the line), with every row's
 * columns read; latency is taken around sqlite3_reset/bind/step, nothing
 * else.
 *
 * The write path (bench/run's write scenarios), in WAL mode:
 *   fts5bench import DB CORPUS.jsonl [-b batch] [-s full|normal] [-D secs]
 *	creates DB (journal_mode=WAL, synchronous as -s, default normal)
 *	with the same table and inserts every line, in transactions of
 *	-b rows (default 1000); with -D, stops after the first commit past
 *	that many seconds; prints build_seconds, docs, docs_per_s,
 *	peak_rss_kb, db_bytes (database and WAL file) and complete (0 if
 *	-D stopped it).
 *   fts5bench write DB CORPUS.jsonl [-T threads] [-n writes] [-w warmup]
 *	[-D seconds] [-s full|normal] [-L busy|mutex]
 *	creates DB likewise, then T threads, each with its own connection,
 *	insert one document per transaction (an autocommit INSERT), the
 *	corpus's first lines in turn: after w warm-up writes, until n
 *	writes or D seconds; prints writes, rps, p50_us, p99_us, p999_us,
 *	max_us, mean_us.  Latency is around the INSERT, waiting for the
 *	write lock included.  SQLite has one writer at a time: with -L busy
 *	(the default) a thread that finds the database locked waits in
 *	SQLite's busy handler (sqlite3_busy_timeout, 60 s), which sleeps
 *	and retries; with -L mutex the threads queue on a mutex of the
 *	process around each INSERT instead.
 *
 *   cc -O2 -Isrc/common bench/fts5bench.c src/common/histogram.c -lsqlite3 -ljson-c \
 *	-lpthread -lm
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <err.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "histogram.h"

#define FB_SQL	"SELECT id, title, text, bm25(docs) FROM docs " \
		"WHERE docs MATCH ?1 ORDER BY rank LIMIT 10"

struct fb_thread {
	pthread_t		 tid;
	const char		*db;
	const char		*sql;
	char			**queries;
	size_t			 nq;
	size_t			 start;
	long			 n, warmup;
	struct histogram	 hist;
	long			 rows;
	double			 t0, t1;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "%s: %s", sql, msg);
}

/*
 * Peak resident memory of this process image: VmHWM.  Not ru_maxrss, which
 * on Linux keeps the high-water mark of the parent that forked us.
 */
static long
peak_rss_kb(void)
{
	FILE *f;
	char line[256];
	long kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

static void
insert_line(sqlite3_stmt *st, const char *line, int attrs)
{
	json_object *o, *v;

	if ((o = json_tokener_parse(line)) == NULL)
		errx(1, "bad corpus line");
	sqlite3_bind_text(st, 1, jstr(o, "id"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, jstr(o, "title"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, jstr(o, "text"), -1, SQLITE_TRANSIENT);
	if (attrs) {
		sqlite3_bind_text(st, 4, jstr(o, "lang"), -1, SQLITE_TRANSIENT);
		if (json_object_object_get_ex(o, "year", &v))
			sqlite3_bind_int64(st, 5, json_object_get_int64(v));
		sqlite3_bind_text(st, 6, jstr(o, "category"), -1,
		    SQLITE_TRANSIENT);
		if (json_object_object_get_ex(o, "tags", &v))
			sqlite3_bind_text(st, 7, json_object_to_json_string_ext(
			    v, JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		errx(1, "insert failed");
	sqlite3_reset(st);
	/* A line without year or tags must not keep the last line's. */
	sqlite3_clear_bindings(st);
	json_object_put(o);
}

static int
build(const char *path, const char *corpus, int attrs)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct stat sb;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	long kb;
	double t0 = now_s();

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(db));
	sql_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF");
	sql_exec(db, attrs ? "CREATE VIRTUAL TABLE docs USING "
	    "fts5(id UNINDEXED, title, text, lang UNINDEXED, year UNINDEXED, "
	    "category UNINDEXED, tags UNINDEXED)" : "CREATE VIRTUAL TABLE docs "
	    "USING fts5(id UNINDEXED, title, text)");
	sql_exec(db, "BEGIN");
	if (sqlite3_prepare_v2(db, attrs ? "INSERT INTO docs VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7)" : "INSERT INTO docs VALUES (?1, ?2, ?3)", -1,
	    &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(db));
	if ((f = fopen(corpus, "r")) == NULL)
		err(1, "%s", corpus);
	while (getline(&line, &cap, f) > 0)
		insert_line(st, line, attrs);
	fclose(f);
	free(line);
	sqlite3_finalize(st);
	sql_exec(db, "COMMIT");
	sql_exec(db, "INSERT INTO docs(docs) VALUES ('optimize')");
	kb = peak_rss_kb();
	sqlite3_close(db);
	if (stat(path, &sb) == -1)
		err(1, "%s", path);
	printf("build_seconds=%.3f peak_rss_kb=%ld db_bytes=%lld\n",
	    now_s() - t0, kb, (long long)sb.st_size);
	return 0;
}

static long
run_query(sqlite3_stmt *st, const char *q)
{
	long rows = 0;
	int rc;

	int i, ncols = sqlite3_column_count(st);

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < ncols; i++)
			(void)sqlite3_column_text(st, i);
		rows++;
	}
	if (rc != SQLITE_DONE)
		errx(1, "query \"%s\": %s", q,
		    sqlite3_errmsg(sqlite3_db_handle(st)));
	return rows;
}

static void *
query_thread(void *arg)
{
	struct fb_thread *t = arg;
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0;
	long i;
	size_t k = t->start;

	if (sqlite3_open_v2(t->db, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		errx(1, "%s: %s", t->db, sqlite3_errmsg(db));
	if (sqlite3_prepare_v2(db, t->sql, -1, &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(db));
	for (i = 0; i < t->warmup; i++, k = (k + 1) % t->nq)
		run_query(st, t->queries[k]);
	t->t0 = now_s();
	for (i = 0; i < t->n; i++, k = (k + 1) % t->nq) {
		t0 = now_s();
		t->rows += run_query(st, t->queries[k]);
		histogram_record(&t->hist, (uint64_t)((now_s() - t0) * 1e6));
	}
	t->t1 = now_s();
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

static char **
read_lines(const char *path, size_t *np)
{
	FILE *f;
	char *line = NULL, **v = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while ((len = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if ((v = reallocarray(v, n + 1, sizeof(*v))) == NULL)
			err(1, NULL);
		v[n++] = strdup(line);
	}
	free(line);
	fclose(f);
	if (n == 0)
		errx(1, "%s: no queries", path);
	*np = n;
	return v;
}

static void
merge(struct histogram *into, const struct histogram *h)
{
	size_t i;

	for (i = 0; i < HISTOGRAM_BUCKETS; i++)
		into->counts[i] += h->counts[i];
	into->total += h->total;
	into->sum += h->sum;
	if (h->total > 0 && (into->total == h->total || h->min < into->min))
		into->min = h->min;
	if (h->max > into->max)
		into->max = h->max;
}

static int
query(const char *db, const char *qfile, int nthreads, long n, long warmup,
    const char *sql)
{
	struct fb_thread *t;
	struct histogram all;
	char **qs;
	size_t nq;
	double t0 = 0, t1 = 0, secs;
	long rows = 0;
	int i;

	qs = read_lines(qfile, &nq);
	if ((t = calloc((size_t)nthreads, sizeof(*t))) == NULL)
		err(1, NULL);
	histogram_init(&all);
	for (i = 0; i < nthreads; i++) {
		t[i].db = db;
		t[i].sql = sql;
		t[i].queries = qs;
		t[i].nq = nq;
		t[i].start = (size_t)i * nq / (size_t)nthreads;
		t[i].n = n;
		t[i].warmup = warmup;
		histogram_init(&t[i].hist);
		if (pthread_create(&t[i].tid, NULL, query_thread, &t[i]) != 0)
			errx(1, "pthread_create");
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i].tid, NULL);
		merge(&all, &t[i].hist);
		rows += t[i].rows;
		if (i == 0 || t[i].t0 < t0)
			t0 = t[i].t0;
		if (t[i].t1 > t1)
			t1 = t[i].t1;
	}
	/* From the first thread's end of warm-up to the last one's end. */
	secs = t1 - t0;
	printf("queries=%llu rows=%ld seconds=%.3f rps=%.1f p50_us=%llu "
	    "p99_us=%llu mean_us=%.1f\n", (unsigned long long)all.total, rows,
	    secs, (double)all.total / secs,
	    (unsigned long long)histogram_percentile(&all, 50),
	    (unsigned long long)histogram_percentile(&all, 99),
	    histogram_mean(&all));
	return 0;
}

/* ---------------------------------------------------------- writes */

static void
open_wal(const char *path, const char *sync, sqlite3 **dbp)
{
	char sql[128];

	if (strcmp(sync, "full") != 0 && strcmp(sync, "normal") != 0)
		errx(2, "-s full or normal");
	if (sqlite3_open(path, dbp) != SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(*dbp));
	sql_exec(*dbp, "PRAGMA journal_mode=WAL");
	snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", sync);
	sql_exec(*dbp, sql);
}

static long long
db_bytes(const char *path)
{
	struct stat sb;
	char wal[4096];
	long long n = 0;

	if (stat(path, &sb) == 0)
		n += sb.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	return n;
}

static void
unlink_db(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int
import(const char *path, const char *corpus, long batch, const char *sync,
    double limit)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	long n = 0, kb;
	double t0 = now_s(), secs;
	int complete = 1;

	unlink_db(path);
	open_wal(path, sync, &db);
	sql_exec(db, "CREATE VIRTUAL TABLE docs USING "
	    "fts5(id UNINDEXED, title, text)");
	if (sqlite3_prepare_v2(db, "INSERT INTO docs VALUES (?1, ?2, ?3)", -1,
	    &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(db));
	if ((f = fopen(corpus, "r")) == NULL)
		err(1, "%s", corpus);
	sql_exec(db, "BEGIN");
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '\n')
			continue;
		insert_line(st, line, 0);
		if (++n % batch == 0) {
			sql_exec(db, "COMMIT");
			if (limit > 0 && now_s() - t0 >= limit) {
				complete = 0;
				break;
			}
			sql_exec(db, "BEGIN");
		}
	}
	if (complete)
		sql_exec(db, "COMMIT");
	fclose(f);
	free(line);
	sqlite3_finalize(st);
	secs = now_s() - t0;
	kb = peak_rss_kb();
	printf("build_seconds=%.3f docs=%ld docs_per_s=%.1f peak_rss_kb=%ld "
	    "db_bytes=%lld complete=%d\n", secs, n, (double)n / secs, kb,
	    db_bytes(path), complete);
	sqlite3_close(db);
	return 0;
}

struct fw_doc {
	char	*id, *title, *text;
};

struct fw_shared {
	const char		*db;
	const char		*sync;
	struct fw_doc		*docs;
	long			 ndocs;
	long			 n, warmup;
	double			 window;
	int			 use_mutex;
	pthread_mutex_t		 lock;
	atomic_long		 next;		/* writes taken */
	atomic_long		 done;		/* writes finished */
	atomic_int		 stop;
	double			 t0, t1;
	pthread_mutex_t		 tlock;
};

struct fw_thread {
	pthread_t		 tid;
	struct fw_shared	*sh;
	struct histogram	 hist;
};

static void *
write_thread(void *arg)
{
	struct fw_thread *t = arg;
	struct fw_shared *sh = t->sh;
	struct fw_doc *d;
	sqlite3 *db;
	sqlite3_stmt *st;
	double a, b;
	long k, done;

	open_wal(sh->db, sh->sync, &db);
	sqlite3_busy_timeout(db, 60000);
	if (sqlite3_prepare_v2(db, "INSERT INTO docs VALUES (?1, ?2, ?3)", -1,
	    &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(db));
	while (!atomic_load(&sh->stop)) {
		k = atomic_fetch_add(&sh->next, 1);
		if (k >= sh->n)
			break;
		d = &sh->docs[k % sh->ndocs];
		a = now_s();
		if (sh->use_mutex)
			pthread_mutex_lock(&sh->lock);
		sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->text, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			errx(1, "insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
		if (sh->use_mutex)
			pthread_mutex_unlock(&sh->lock);
		b = now_s();
		done = atomic_fetch_add(&sh->done, 1) + 1;
		if (done == sh->warmup) {
			pthread_mutex_lock(&sh->tlock);
			sh->t0 = b;
			pthread_mutex_unlock(&sh->tlock);
		} else if (done > sh->warmup) {
			histogram_record(&t->hist, (uint64_t)((b - a) * 1e6));
			pthread_mutex_lock(&sh->tlock);
			if (sh->window > 0 && sh->t0 > 0 &&
			    b - sh->t0 >= sh->window)
				atomic_store(&sh->stop, 1);
			pthread_mutex_unlock(&sh->tlock);
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

static int
writes(const char *path, const char *corpus, int nthreads, long n,
    long warmup, double window, const char *sync, const char *lock)
{
	struct fw_shared sh;
	struct fw_thread *t;
	struct histogram all;
	sqlite3 *db;
	json_object *o;
	FILE *f;
	char *line = NULL, id[64];
	size_t cap = 0;
	double t1;
	int i;

	memset(&sh, 0, sizeof(sh));
	sh.db = path;
	sh.sync = sync;
	sh.n = n + warmup;
	sh.warmup = warmup;
	sh.window = window;
	if (strcmp(lock, "mutex") == 0)
		sh.use_mutex = 1;
	else if (strcmp(lock, "busy") != 0)
		errx(2, "-L busy or mutex");
	pthread_mutex_init(&sh.lock, NULL);
	pthread_mutex_init(&sh.tlock, NULL);
	if ((sh.docs = calloc((size_t)sh.n, sizeof(*sh.docs))) == NULL)
		err(1, NULL);
	if ((f = fopen(corpus, "r")) == NULL)
		err(1, "%s", corpus);
	while (sh.ndocs < sh.n && getline(&line, &cap, f) > 0) {
		if ((o = json_tokener_parse(line)) == NULL)
			errx(1, "bad corpus line");
		snprintf(id, sizeof(id), "w%ld", sh.ndocs);
		sh.docs[sh.ndocs].id = strdup(id);
		sh.docs[sh.ndocs].title = strdup(jstr(o, "title"));
		sh.docs[sh.ndocs].text = strdup(jstr(o, "text"));
		sh.ndocs++;
		json_object_put(o);
	}
	fclose(f);
	free(line);
	if (sh.ndocs == 0)
		errx(1, "%s: no documents", corpus);
	unlink_db(path);
	open_wal(path, sync, &db);
	sql_exec(db, "CREATE VIRTUAL TABLE docs USING "
	    "fts5(id UNINDEXED, title, text)");
	sqlite3_close(db);
	if ((t = calloc((size_t)nthreads, sizeof(*t))) == NULL)
		err(1, NULL);
	histogram_init(&all);
	if (warmup == 0)
		sh.t0 = now_s();
	for (i = 0; i < nthreads; i++) {
		t[i].sh = &sh;
		histogram_init(&t[i].hist);
		if (pthread_create(&t[i].tid, NULL, write_thread, &t[i]) != 0)
			errx(1, "pthread_create");
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i].tid, NULL);
		merge(&all, &t[i].hist);
	}
	t1 = now_s();
	printf("writes=%llu seconds=%.3f rps=%.1f p50_us=%llu p99_us=%llu "
	    "p999_us=%llu max_us=%llu mean_us=%.1f\n",
	    (unsigned long long)all.total, t1 - sh.t0,
	    (double)all.total / (t1 - sh.t0),
	    (unsigned long long)histogram_percentile(&all, 50),
	    (unsigned long long)histogram_percentile(&all, 99),
	    (unsigned long long)histogram_percentile(&all, 99.9),
	    (unsigned long long)all.max, histogram_mean(&all));
	return 0;
}

int
main(int argc, char **argv)
{
	int ch, threads = 1;
	long n = 200, warmup = 20, batch = 1000;
	double window = 0;
	const char *sync = "normal", *lock = "busy", *sql = FB_SQL;

	if (argc >= 4 && strcmp(argv[1], "build") == 0)
		return build(argv[2], argv[3], argc > 4 &&
		    strcmp(argv[4], "-A") == 0);
	if (argc < 4 || (strcmp(argv[1], "query") != 0 &&
	    strcmp(argv[1], "import") != 0 && strcmp(argv[1], "write") != 0)) {
		fprintf(stderr, "usage: fts5bench build DB CORPUS [-A] | "
		    "query DB QUERIES [-T threads] [-n n] [-w warmup] "
		    "[-S SQL]\n"
		    "       fts5bench import DB CORPUS [-b batch] "
		    "[-s full|normal] [-D seconds]\n"
		    "       fts5bench write DB CORPUS [-T threads] [-n n] "
		    "[-w warmup] [-D seconds]\n"
		    "           [-s full|normal] [-L busy|mutex]\n");
		return 2;
	}
	optind = 4;
	while ((ch = getopt(argc, argv, "T:n:w:b:s:D:L:S:")) != -1) {
		switch (ch) {
		case 'T': threads = atoi(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		case 'b': batch = atol(optarg); break;
		case 's': sync = optarg; break;
		case 'D': window = atof(optarg); break;
		case 'L': lock = optarg; break;
		case 'S': sql = optarg; break;
		default: return 2;
		}
	}
	if (threads < 1 || n < 1 || batch < 1 || warmup < 0)
		errx(2, "bad -T, -n, -b or -w");
	if (strcmp(argv[1], "import") == 0)
		return import(argv[2], argv[3], batch, sync, window);
	if (strcmp(argv[1], "write") == 0)
		return writes(argv[2], argv[3], threads, n, warmup, window,
		    sync, lock);
	return query(argv[2], argv[3], threads, n, warmup, sql);
}
