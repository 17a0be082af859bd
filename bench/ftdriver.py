#!/usr/bin/python3
"""ftdriver.py: Xapian and Sphinx sides of the full-text comparison.

Runs under Debian's /usr/bin/python3, where python3-xapian and
python3-pymysql install.

    ftdriver.py xapian-build DBDIR CORPUS.jsonl
    ftdriver.py xapian-query DBDIR QUERIES [-T procs] [-n n] [-w warmup]
    ftdriver.py sphinx-query PORT QUERIES [-T procs] [-n n] [-w warmup]
    ftdriver.py xapian-import DBDIR CORPUS.jsonl [-b batch] [-D secs]
    ftdriver.py xapian-write DBDIR CORPUS.jsonl [-n n] [-w warmup] [-D secs]

Queries are in searchd's syntax (words, OR, "phrase", prefix*), one a
line; each engine gets its own spelling of the same query.  Latency is
time.perf_counter() around the query and the reading of its top 10 only:
Xapian's get_mset(0, 10) and each hit's stored document (as searchd and
FTS5 return the text); Sphinx's SphinxQL SELECT ... LIMIT 10 OPTION
ranker=bm25 over one MySQL-protocol connection per process (Sphinx 2.2
stores no text, so only ids and weights come back).  -T runs that many
processes, each with its own database handle or connection.
Prints key=value pairs like the other drivers.

The write path (bench/run's write scenarios): xapian-import adds every
document of the corpus (add_document) to a new database with a commit()
every -b documents (default 1000), or, with -D, stops at the first commit
past that many seconds (complete=0); xapian-write adds the corpus's first documents
one at a time, each followed by commit(), after -w warm-up documents,
until -n documents or -D seconds, and prints writes, rps and the p50/p99 of
add_document + commit.  Xapian has one writer per database (a
WritableDatabase holds its lock), so xapian-write is one process; every
commit() syncs the database files (Xapian's default, no DB_NO_SYNC).
"""
import argparse
import json
import multiprocessing
import os
import sys
import time


def percentile(sorted_us, pct):
    if not sorted_us:
        return 0
    k = max(0, min(len(sorted_us) - 1, int(round(pct / 100.0 * len(sorted_us) + 0.5)) - 1))
    return sorted_us[k]


def peak_rss_kb():
    # VmHWM, not ru_maxrss: on Linux the latter keeps the high-water mark
    # of the parent that forked us.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def xapian_build(dbdir, corpus):
    import xapian
    t0 = time.perf_counter()
    db = xapian.WritableDatabase(dbdir, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    with open(corpus) as f:
        for line in f:
            d = json.loads(line)
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(d.get("title", ""))
            tg.increase_termpos()
            tg.index_text(d["text"])
            doc.set_data(line)
            doc.add_boolean_term("Q" + d["id"])
            db.add_document(doc)
    db.commit()
    db.close()
    secs = time.perf_counter() - t0
    rss = peak_rss_kb()
    print("build_seconds=%.3f peak_rss_kb=%d db_bytes=%d"
          % (secs, rss, dir_bytes(dbdir)))


def xapian_doc(tg, line, d):
    import xapian
    doc = xapian.Document()
    tg.set_document(doc)
    tg.index_text(d.get("title", ""))
    tg.increase_termpos()
    tg.index_text(d["text"])
    doc.set_data(line)
    doc.add_boolean_term("Q" + d["id"])
    return doc


def xapian_import(dbdir, corpus, batch, limit):
    import xapian
    t0 = time.perf_counter()
    db = xapian.WritableDatabase(dbdir, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    n = 0
    complete = 1
    with open(corpus) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            db.add_document(xapian_doc(tg, line, d))
            n += 1
            if n % batch == 0:
                db.commit()
                if limit and time.perf_counter() - t0 >= limit:
                    complete = 0
                    break
    db.commit()
    db.close()
    secs = time.perf_counter() - t0
    print("build_seconds=%.3f docs=%d docs_per_s=%.1f peak_rss_kb=%d "
          "db_bytes=%d complete=%d" % (secs, n, n / secs, peak_rss_kb(),
                                       dir_bytes(dbdir), complete))


def xapian_write(dbdir, corpus, n, warmup, window):
    import xapian
    db = xapian.WritableDatabase(dbdir, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    docs = []
    with open(corpus) as f:
        for line in f:
            if line.strip():
                docs.append(line)
            if len(docs) >= n + warmup:
                break
    lat = []
    t0 = None
    for k in range(n + warmup):
        line = docs[k % len(docs)]
        d = json.loads(line)
        d["id"] = "w%d" % k
        a = time.perf_counter()
        db.add_document(xapian_doc(tg, line, d))
        db.commit()
        b = time.perf_counter()
        if k == warmup - 1 or (warmup == 0 and k == 0):
            t0 = b if warmup else a
        if k >= warmup:
            lat.append((b - a) * 1e6)
            if window and b - t0 >= window:
                break
    secs = time.perf_counter() - t0
    db.close()
    lat.sort()
    print("writes=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d p999_us=%d "
          "max_us=%d mean_us=%.1f" % (
              len(lat), secs, len(lat) / secs, percentile(lat, 50),
              percentile(lat, 99), percentile(lat, 99.9), lat[-1],
              sum(lat) / len(lat)))


def xapian_runner(dbdir):
    import xapian
    db = xapian.Database(dbdir)
    enq = xapian.Enquire(db)
    qp = xapian.QueryParser()
    qp.set_database(db)
    qp.set_default_op(xapian.Query.OP_AND)
    flags = (xapian.QueryParser.FLAG_PHRASE | xapian.QueryParser.FLAG_BOOLEAN
             | xapian.QueryParser.FLAG_WILDCARD)

    def run(q):
        enq.set_query(qp.parse_query(q, flags))
        n = 0
        for m in enq.get_mset(0, 10):
            m.document.get_data()
            n += 1
        return n
    return run


def sphinx_runner(port):
    import pymysql
    conn = pymysql.connect(host="127.0.0.1", port=int(port), user="",
                           autocommit=True)
    cur = conn.cursor()
    sql = ("SELECT id, WEIGHT() FROM docs WHERE MATCH(%s) LIMIT 10 "
           "OPTION ranker=bm25")

    def run(q):
        cur.execute(sql, (q.replace(" OR ", " | "),))
        return len(cur.fetchall())
    return run


def worker(args):
    kind, target, queries, start, n, warmup = args
    run = xapian_runner(target) if kind == "xapian" else sphinx_runner(target)
    k = start
    for _ in range(warmup):
        run(queries[k])
        k = (k + 1) % len(queries)
    lat = []
    rows = 0
    t0 = time.perf_counter()
    for _ in range(n):
        q = queries[k]
        k = (k + 1) % len(queries)
        a = time.perf_counter()
        rows += run(q)
        lat.append((time.perf_counter() - a) * 1e6)
    return lat, rows, t0, time.perf_counter()


def query(kind, target, qfile, procs, n, warmup):
    with open(qfile) as f:
        queries = [line.rstrip("\n") for line in f if line.strip()]
    jobs = [(kind, target, queries, i * len(queries) // procs, n, warmup)
            for i in range(procs)]
    if procs == 1:
        results = [worker(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            results = pool.map(worker, jobs)
    lat = sorted(x for r in results for x in r[0])
    rows = sum(r[1] for r in results)
    # perf_counter is CLOCK_MONOTONIC: comparable across forked processes.
    secs = max(r[3] for r in results) - min(r[2] for r in results)
    print("queries=%d rows=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d "
          "mean_us=%.1f" % (len(lat), rows, secs, len(lat) / secs,
                            percentile(lat, 50), percentile(lat, 99),
                            sum(lat) / len(lat)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=("xapian-build", "xapian-query",
                                    "sphinx-query", "xapian-import",
                                    "xapian-write"))
    ap.add_argument("target")
    ap.add_argument("file")
    ap.add_argument("-T", type=int, default=1)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("-w", type=int, default=20)
    ap.add_argument("-b", type=int, default=1000)
    ap.add_argument("-D", type=float, default=0)
    a = ap.parse_args()
    if a.cmd == "xapian-build":
        xapian_build(a.target, a.file)
    elif a.cmd == "xapian-import":
        xapian_import(a.target, a.file, a.b, a.D)
    elif a.cmd == "xapian-write":
        xapian_write(a.target, a.file, a.n, a.w, a.D)
    else:
        query(a.cmd.split("-")[0], a.target, a.file, a.T, a.n, a.w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
