"""The search engine through the daemon: a generated corpus ranked against
a straightforward BM25 scorer written here, paging, the exact-id rule,
corpus errors, and reloading under load."""

import json
import math
import os
import random
import re
import signal
import tempfile
import threading
import time
import unittest

from harness import Searchd, frame, main, recv_msg, request, run_searchd

K1, B = 1.2, 0.75
VOCAB = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
         "hotel", "india", "juliet", "kilo", "lima", "mike", "november",
         "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform",
         "victor", "whiskey", "xray", "yankee", "zulu", "alpine", "alpaca",
         "delphi", "deltas", "echoes", "golfer", "limabean", "tang",
         "tangent", "zebra", "zest", "qubit", "omega", "sigma"]


def gen_corpus(n, seed):
    rng = random.Random(seed)
    weights = [1.0 / (i + 1) for i in range(len(VOCAB))]
    docs = []
    for i in range(n):
        words = rng.choices(VOCAB, weights, k=rng.randint(3, 30))
        doc = {"id": "doc%04d" % i, "text": " ".join(words) + "."}
        if rng.random() < 0.3:
            doc["title"] = " ".join(rng.choices(VOCAB, weights, k=2))
        if rng.random() < 0.2:
            doc["year"] = 1900 + i
        docs.append(doc)
    return docs


def write_jsonl(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


def words(doc):
    return re.findall(r"[a-z0-9]+", (doc.get("title", "") + " " +
                                     doc["text"]).lower())


class Reference:
    """BM25 exactly as specified, computed the slow and obvious way."""

    def __init__(self, docs):
        self.docs = docs
        self.toks = [words(d) for d in docs]
        self.n = len(docs)
        self.avgdl = sum(len(t) for t in self.toks) / self.n
        self.df = {}
        for t in self.toks:
            for w in set(t):
                self.df[w] = self.df.get(w, 0) + 1

    def idf(self, w):
        n_t = self.df.get(w, 0)
        return math.log(1 + (self.n - n_t + 0.5) / (n_t + 0.5))

    def term(self, i, w):
        tf = self.toks[i].count(w)
        if tf == 0:
            return 0.0
        dl = len(self.toks[i])
        return self.idf(w) * tf * (K1 + 1) / (
            tf + K1 * (1 - B + B * dl / self.avgdl))

    def has_phrase(self, i, ws):
        """Within the title or within the text: a phrase does not run
        from one into the other."""
        d = self.docs[i]
        for field in (d.get("title", ""), d["text"]):
            t = re.findall(r"[a-z0-9]+", field.lower())
            if any(t[j:j + len(ws)] == ws for j in range(len(t))):
                return True
        return False

    def expand(self, prefix):
        return sorted(w for w in self.df if w.startswith(prefix))

    def rank(self, match, score):
        hits = [(score(i), i) for i in range(self.n) if match(i)]
        hits.sort(key=lambda h: (-h[0], h[1]))
        return [(self.docs[i]["id"], s) for s, i in hits]

    def and_(self, ws):
        return self.rank(lambda i: all(w in self.toks[i] for w in ws),
                         lambda i: sum(self.term(i, w) for w in ws))

    def or_(self, ws):
        return self.rank(lambda i: any(w in self.toks[i] for w in ws),
                         lambda i: sum(self.term(i, w) for w in ws))

    def not_(self, w, without):
        return self.rank(lambda i: w in self.toks[i] and
                         without not in self.toks[i],
                         lambda i: self.term(i, w))

    def phrase(self, ws):
        return self.rank(lambda i: self.has_phrase(i, ws),
                         lambda i: sum(self.term(i, w) for w in ws))

    def prefix(self, p):
        ws = self.expand(p)
        return self.rank(lambda i: any(w in self.toks[i] for w in ws),
                         lambda i: sum(self.term(i, w) for w in ws))


class RankingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.docs = gen_corpus(600, 42)
        path = os.path.join(cls.tmp.name, "corpus.jsonl")
        write_jsonl(path, cls.docs)
        cls.ref = Reference(cls.docs)
        cls.d = Searchd(config="corpus %s\nworkers 2\n" % path)
        cls.sock = cls.d.connect(timeout=20)

    @classmethod
    def tearDownClass(cls):
        cls.sock.close()
        rc = cls.d.stop()
        cls.d.close()
        cls.tmp.cleanup()
        assert rc == 0

    def search(self, q, limit=1000, offset=0):
        hdr, body = request(self.sock, {"action": "search", "value": q,
                                        "limit": limit, "offset": offset})
        self.assertNotIn("error", body, body.get("result"))
        return body

    def assert_ranking(self, q, want):
        body = self.search(q)
        got = [(h["id"], h["score"]) for h in body["hits"]]
        self.assertEqual(body["total"], len(want), q)
        self.assertEqual([g[0] for g in got], [w[0] for w in want], q)
        for (gid, gs), (wid, ws) in zip(got, want):
            self.assertAlmostEqual(gs, ws, delta=1e-9 * max(1, ws),
                                   msg="%s: %s" % (q, gid))
        if want:
            first = next(d for d in self.docs if d["id"] == want[0][0])
            self.assertEqual(body["result"], first["text"])
        else:
            self.assertEqual(body["result"], 'No match for "%s".' % q)
        self.assertIsInstance(body["took_us"], int)

    def test_single_terms(self):
        for w in ("alpha", "sigma", "zulu", "tango", "nosuchword"):
            self.assert_ranking(w, self.ref.and_([w]))

    def test_and(self):
        for q in (["alpha", "bravo"], ["charlie", "delta", "echo"],
                  ["alpha", "omega"]):
            self.assert_ranking(" ".join(q), self.ref.and_(q))

    def test_case_folded(self):
        self.assert_ranking("ALPHA Bravo", self.ref.and_(["alpha", "bravo"]))

    def test_or(self):
        self.assert_ranking("sigma OR omega", self.ref.or_(["sigma", "omega"]))

    def test_exclusion(self):
        self.assert_ranking("alpha -bravo", self.ref.not_("alpha", "bravo"))

    def test_phrase(self):
        for ws in (["alpha", "bravo"], ["bravo", "alpha"],
                   ["alpha", "alpha"], ["charlie", "delta", "alpha"]):
            self.assert_ranking('"%s"' % " ".join(ws), self.ref.phrase(ws))

    def test_prefix(self):
        for p in ("alp", "delt", "tang", "z", "nosuch"):
            self.assert_ranking(p + "*", self.ref.prefix(p))

    def test_paging(self):
        full = self.search("alpha")
        ids = [h["id"] for h in full["hits"]]
        self.assertGreater(len(ids), 50)
        paged = []
        for off in range(0, len(ids) + 7, 7):
            body = self.search("alpha", limit=7, offset=off)
            self.assertEqual(body["total"], full["total"])
            paged += [h["id"] for h in body["hits"]]
        self.assertEqual(paged, ids)
        body = self.search("alpha", limit=0)
        self.assertEqual((body["hits"], body["total"]), ([], full["total"]))

    def test_default_limit_is_10(self):
        hdr, body = request(self.sock, {"action": "search", "value": "alpha"})
        self.assertEqual(len(body["hits"]), 10)

    def test_exact_id_first(self):
        body = self.search("doc0005")
        self.assertEqual(body["hits"][0]["id"], "doc0005")
        self.assertEqual(body["result"], self.docs[5]["text"])
        self.assertEqual(body["total"], 1)

    def test_hit_fields(self):
        """By default a hit carries all but its text; the best hit's text
        is the tutorial's result."""
        d = next(d for d in self.docs if "title" in d and "year" in d)
        body = self.search(d["id"])
        hit = body["hits"][0]
        self.assertEqual(sorted(hit), ["id", "score", "snippet", "title",
                                       "year"])
        self.assertEqual(hit["title"], d["title"])
        self.assertEqual(hit["year"], d["year"])
        self.assertEqual(body["result"], d["text"])

    def test_return_chooses_members(self):
        d = next(d for d in self.docs if "title" in d and "year" in d)
        cases = [
            ('["text"]', {"text": d["text"]}),
            ('["year", "title"]', {"year": d["year"], "title": d["title"]}),
            ('["snippet", "nosuchkey"]', None),
            ('[]', {}),
            (r'["ye\u0061r"]', {"year": d["year"]}),
            ('["*"]', {"title": d["title"], "text": d["text"],
                       "year": d["year"]}),
        ]
        for ret, want in cases:
            raw = ('{"action": "search", "value": "%s", "return": %s}' %
                   (d["id"], ret))
            self.sock.sendall(frame(raw.encode()))
            hdr, body = recv_msg(self.sock)
            hit = body["hits"][0]
            self.assertEqual((hit["id"], body["result"]), (d["id"], d["text"]))
            rest = {k: v for k, v in hit.items() if k not in ("id", "score")}
            if want is None:
                self.assertEqual(sorted(rest), ["snippet"], ret)
                continue
            rest.pop("snippet", None)
            self.assertEqual(rest, want, ret)
        hdr, body = request(self.sock, {"action": "search", "value": "alpha",
                                        "limit": 5, "return": ["text"]})
        for hit in body["hits"]:
            doc = self.docs[int(hit["id"][3:])]
            self.assertEqual(sorted(hit), ["id", "score", "text"])
            self.assertEqual(hit["text"], doc["text"])

    def test_bad_return(self):
        for bad in ("title", [1], ["a"] * 65, {"title": 1}):
            hdr, body = request(self.sock, {"action": "search",
                                            "value": "alpha", "return": bad})
            self.assertEqual(body["error"]["code"], "bad_request", bad)
            self.assertIn('"return"', body["error"]["message"])
        hdr, body = request(self.sock, {"action": "search", "value": "alpha",
                                        "return": ["a"] * 64})
        self.assertEqual(len(body["hits"]), 10)

    def test_malformed_queries(self):
        for q in ('"alpha', "-", "*", "alpha OR", 'OR alpha'):
            hdr, body = request(self.sock, {"action": "search", "value": q})
            self.assertEqual(body["error"]["code"], "bad_query", q)

    def test_stats_show_index(self):
        st = self.d.stats()
        self.assertEqual(st["documents"], 600)
        self.assertEqual(st["terms"], len(self.ref.df))
        self.assertGreater(st["index_memory"], 0)


class UnicodeTest(unittest.TestCase):
    def test_folding_and_cjk(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            write_jsonl(path, [
                {"id": "1", "text": "Un café crème"},
                {"id": "2", "text": "CAFE society"},
                {"id": "3", "text": "東京の大学"},
            ])
            with Searchd(config="corpus %s\n" % path) as d:
                with d.connect() as s:
                    for q in ("cafe", "Café", "CAFÉ"):
                        body = request(s, {"action": "search", "value": q})[1]
                        self.assertEqual(
                            sorted(h["id"] for h in body["hits"]), ["1", "2"],
                            q)
                    body = request(s, {"action": "search", "value": "京"})[1]
                    self.assertEqual([h["id"] for h in body["hits"]], ["3"])


class CorpusErrorTest(unittest.TestCase):
    def check(self, lines, message):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bad.jsonl")
            with open(path, "w") as f:
                f.write(lines)
            rc, out, err = run_searchd([], config="corpus %s\n"
                                       "listen 127.0.0.1:0\n" % path)
            self.assertEqual(rc, 65, err)
            self.assertIn("%s:%s" % (path, message), err)

    def test_bad_json_line(self):
        self.check('{"id": "a", "text": "x"}\n{"id": "b", "text": \n',
                   "2: ")

    def test_missing_text(self):
        self.check('\n\n{"id": "a"}\n', "3: ")

    def test_duplicate_id(self):
        self.check('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n',
                   '2: duplicate id "a"')

    def test_unreadable_file(self):
        rc, out, err = run_searchd(
            [], config="corpus /nonexistent.jsonl\nlisten 127.0.0.1:0\n")
        self.assertEqual(rc, 65)
        self.assertIn("/nonexistent.jsonl: No such file or directory", err)


class ReloadTest(unittest.TestCase):
    def test_reload_under_load_loses_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            write_jsonl(path, gen_corpus(3000, 1) +
                        [{"id": "marker", "text": "version one"}])
            with Searchd(config="corpus %s\nworkers 2\ndata_dir none\n" %
                         path) as d:
                stop = threading.Event()
                failures = []
                counts = [0, 0]

                def client(k):
                    with d.connect(timeout=20) as s:
                        while not stop.is_set():
                            reqs = [frame({"action": "search",
                                           "value": "alpha bravo",
                                           "limit": 5}, id=j)
                                    for j in range(16)]
                            s.sendall(b"".join(reqs))
                            for j in range(16):
                                hdr, body = recv_msg(s)
                                if hdr.get("id") != j or "error" in body or \
                                        not body["hits"]:
                                    failures.append(body)
                                counts[k] += 1
                threads = [threading.Thread(target=client, args=(k,))
                           for k in range(2)]
                for t in threads:
                    t.start()
                def wait_progress(n):
                    target = sum(counts) + n
                    deadline = time.monotonic() + 20
                    while sum(counts) < target and \
                            time.monotonic() < deadline:
                        time.sleep(0.01)
                for version in range(2, 6):
                    wait_progress(500)
                    write_jsonl(path, gen_corpus(3000, version) +
                                [{"id": "marker",
                                  "text": "version %d" % version}])
                    mark = d.log_count()
                    d.signal(signal.SIGHUP)
                    d.wait_log(r"reload: new index in service", start=mark,
                               timeout=30)
                    with d.connect() as s:
                        body = request(s, {"action": "search",
                                           "value": "marker"})[1]
                    self.assertEqual(body["result"], "version %d" % version)
                wait_progress(500)
                stop.set()
                for t in threads:
                    t.join(30)
                self.assertEqual(failures, [])
                self.assertGreater(min(counts), 1000)

                with open(path, "a") as f:
                    f.write('{"id": "broken"\n')
                mark = d.log_count()
                d.signal(signal.SIGHUP)
                d.wait_log(r"reload failed: .*c\.jsonl:3002: ", start=mark,
                           timeout=30)
                st = d.stats()
                self.assertEqual(st["reloads"], 4)
                self.assertEqual(st["reload_failures"], 1)
                self.assertIn("c.jsonl:3002: ", st["last_reload_error"])
                with d.connect() as s:
                    body = request(s, {"action": "search",
                                       "value": "marker"})[1]
                self.assertEqual(body["result"], "version 5")
                self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    main()
