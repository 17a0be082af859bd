"""Fields and BM25F through the daemon: over generated documents with
three text fields of different weights and length normalisations,
searches rank exactly as a BM25F scorer written here (ids and scores to
1e-9): words, AND, OR, phrases, prefixes, exclusions, words and phrases
scoped to a field (title:word) and the request's "fields"; the same on a
live index written, flushed, merged and restarted; bad schemas and
documents named where they are; a data_dir keeps its fields."""

import json
import math
import os
import random
import re
import tempfile
import unittest

import harness
import live_util
from harness import Searchd, main, request, run_searchd

K1 = 1.2

# name, weight, b: as the configuration below declares them.
FIELDS = [("title", 3.0, 0.75), ("text", 1.0, 0.75), ("summary", 0.5, 0.3)]
CONFIG = ("field title weight 3\n"
          "field text\n"
          "field summary weight 0.5 b 0.3\n")

VOCAB = ["rabbit", "white", "follow", "cat", "catalog", "dog", "door",
         "deep", "river", "rain", "rainbow", "the", "a", "of", "night",
         "north", "mountain", "misty"]


def words(s):
    return [w.lower() for w in re.findall(r"[A-Za-z0-9]+", s or "")]


class Reference:
    """BM25F: per field, tf times its weight over 1 - b + b * len / avg;
    summed over the fields a term may match in, saturated once; idf from
    the documents that hold the term in any field."""

    def __init__(self, docs):
        self.docs = docs
        self.n = len(docs)
        self.f = [[words(d.get(name)) for name, _, _ in FIELDS]
                  for d in docs]
        self.avg = [sum(len(f[k]) for f in self.f) / self.n
                    for k in range(len(FIELDS))]

    def has(self, i, t, allowed):
        return any(t in self.f[i][k] for k in allowed)

    def idf(self, t):
        df = sum(1 for i in range(self.n)
                 if any(t in fl for fl in self.f[i]))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def term(self, i, t, allowed):
        tf = 0.0
        for k in allowed:
            c = self.f[i][k].count(t)
            if c:
                _, w, b = FIELDS[k]
                tf += w * c / (1 - b + b * len(self.f[i][k]) /
                               self.avg[k])
        if tf == 0:
            return 0.0
        return self.idf(t) * tf * (K1 + 1) / (K1 + tf)

    def rank(self, match, score):
        hits = [(score(i), i) for i in range(self.n) if match(i)]
        hits.sort(key=lambda h: (-h[0], h[1]))
        return [(self.docs[i]["id"], s) for s, i in hits]

    def all_of(self, terms):
        """terms: (word, allowed fields); every one must match."""
        return self.rank(
            lambda i: all(self.has(i, t, a) for t, a in terms),
            lambda i: sum(self.term(i, t, a) for t, a in terms))

    def any_of(self, terms):
        return self.rank(
            lambda i: any(self.has(i, t, a) for t, a in terms),
            lambda i: sum(self.term(i, t, a) for t, a in terms))

    def phrase(self, ws, allowed):
        def match(i):
            for k in allowed:
                f = self.f[i][k]
                if any(f[j:j + len(ws)] == ws for j in range(len(f))):
                    return True
            return False
        return self.rank(match, lambda i: sum(self.term(i, t, allowed)
                                              for t in ws))

    def prefix(self, p, allowed):
        ts = sorted({w for fl in self.f for k in allowed for w in fl[k]
                     if w.startswith(p)})
        return self.rank(
            lambda i: any(self.has(i, t, allowed) for t in ts),
            lambda i: sum(self.term(i, t, allowed) for t in ts))

    def excluding(self, t, allowed, u, u_allowed):
        return self.rank(
            lambda i: self.has(i, t, allowed) and
            not self.has(i, u, u_allowed),
            lambda i: self.term(i, t, allowed))


def gen_doc(rng, ident):
    def some(lo, hi):
        return " ".join(VOCAB[min(int(rng.expovariate(0.25)),
                                  len(VOCAB) - 1)]
                        for _ in range(rng.randint(lo, hi)))
    d = {"id": ident, "text": some(1, 20)}
    if rng.random() < 0.7:
        d["title"] = some(1, 4)
    if rng.random() < 0.5:
        d["summary"] = some(1, 8)
    elif rng.random() < 0.2:
        d["summary"] = None
    return d


ALL = [0, 1, 2]
BY_NAME = {name: k for k, (name, _, _) in enumerate(FIELDS)}


def cases(rng, n):
    """(query, extra request members, reference answer as a function)."""
    out = []
    for _ in range(n):
        a, b = rng.choice(VOCAB), rng.choice(VOCAB)
        while b == a:
            b = rng.choice(VOCAB)
        name = rng.choice(list(BY_NAME))
        f = [BY_NAME[name]]
        two = sorted({BY_NAME[rng.choice(list(BY_NAME))] for _ in range(2)})
        out += [
            (a, {}, lambda r, a=a: r.all_of([(a, ALL)])),
            ("%s %s" % (a, b), {},
             lambda r, a=a, b=b: r.all_of([(a, ALL), (b, ALL)])),
            ("%s OR %s" % (a, b), {},
             lambda r, a=a, b=b: r.any_of([(a, ALL), (b, ALL)])),
            ('"%s %s"' % (a, b), {},
             lambda r, a=a, b=b: r.phrase([a, b], ALL)),
            (a[:2] + "*", {}, lambda r, a=a: r.prefix(a[:2], ALL)),
            ("%s:%s" % (name, a), {}, lambda r, a=a, f=f:
             r.all_of([(a, f)])),
            ("%s:%s %s" % (name, a, b), {}, lambda r, a=a, b=b, f=f:
             r.all_of([(a, f), (b, ALL)])),
            ("%s:%s OR %s" % (name, a, b), {}, lambda r, a=a, b=b, f=f:
             r.any_of([(a, f), (b, ALL)])),
            ('%s:"%s %s"' % (name, a, b), {}, lambda r, a=a, b=b, f=f:
             r.phrase([a, b], f)),
            ("%s:%s*" % (name, a[:2]), {}, lambda r, a=a, f=f:
             r.prefix(a[:2], f)),
            ("%s -%s:%s" % (a, name, b), {}, lambda r, a=a, b=b, f=f:
             r.excluding(a, ALL, b, f)),
            ("%s %s" % (a, b), {"fields": [FIELDS[k][0] for k in two]},
             lambda r, a=a, b=b, two=two: r.all_of([(a, two),
                                                    (b, two)])),
            ("%s:%s %s" % (name, a, b),
             {"fields": [FIELDS[k][0] for k in two]},
             lambda r, a=a, b=b, f=f, two=two: r.all_of([(a, f),
                                                         (b, two)])),
        ]
    return out


def check(test, sock, q, extra, want):
    body = request(sock, dict({"action": "search", "value": q,
                               "limit": 1000}, **extra))[1]
    test.assertNotIn("error", body, q)
    test.assertEqual(body["total"], len(want), (q, extra))
    test.assertEqual([h["id"] for h in body["hits"]],
                     [i for i, _ in want], (q, extra))
    for h, (_, s) in zip(body["hits"], want):
        test.assertAlmostEqual(h["score"], s, delta=1e-9,
                               msg=(q, extra))


def check_all(test, sock, docs, rng, n):
    ref = Reference(docs)
    for q, extra, want in cases(rng, n):
        check(test, sock, q, extra, want(ref))


class Ranking(unittest.TestCase):

    def test_bm25f_matches_reference(self):
        rng = random.Random(31)
        docs = [gen_doc(rng, "d%03d" % i) for i in range(200)]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            live_util.write_corpus(path, docs)
            with Searchd(config="corpus %s\ndata_dir none\n%s"
                         % (path, CONFIG)) as d, d.connect() as s:
                check_all(self, s, docs, rng, 25)

    def test_a_field_weight_ranks(self):
        # The same word once in a title outranks it once in a text of
        # the same length; a lone field is BM25 with its own b.
        docs = [{"id": "t", "title": "rabbit hole", "text": "x y"},
                {"id": "x", "title": "x y", "text": "rabbit hole"}]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            live_util.write_corpus(path, docs)
            with Searchd(config="corpus %s\ndata_dir none\n%s"
                         % (path, CONFIG)) as d, d.connect() as s:
                hits = request(s, {"action": "search",
                                   "value": "rabbit"})[1]["hits"]
                self.assertEqual([h["id"] for h in hits], ["t", "x"])
                self.assertGreater(hits[0]["score"], hits[1]["score"])
                ref = Reference(docs)
                check(self, s, "rabbit", {}, ref.all_of([("rabbit",
                                                          ALL)]))

    def test_phrase_does_not_cross_fields(self):
        docs = [{"id": "1", "title": "white", "text": "rabbit"},
                {"id": "2", "text": "white rabbit"}]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            live_util.write_corpus(path, docs)
            with Searchd(config="corpus %s\ndata_dir none\n%s"
                         % (path, CONFIG)) as d, d.connect() as s:
                body = request(s, {"action": "search",
                                   "value": '"white rabbit"'})[1]
                self.assertEqual([h["id"] for h in body["hits"]], ["2"])
                body = request(s, {"action": "search",
                                   "value": 'title:"white rabbit"'})[1]
                self.assertEqual(body["total"], 0)

    def test_colon_without_a_field_separates_words(self):
        docs = [{"id": "1", "text": "see http example"},
                {"id": "2", "title": "example", "text": "nothing"},
                {"id": "3", "text": "a title example"}]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            live_util.write_corpus(path, docs)
            with Searchd(config="corpus %s\ndata_dir none\n%s"
                         % (path, CONFIG)) as d, d.connect() as s:
                # "http" is no field: a word, as before fields existed.
                body = request(s, {"action": "search",
                                   "value": "http:example"})[1]
                self.assertEqual([h["id"] for h in body["hits"]], ["1"])
                body = request(s, {"action": "search",
                                   "value": "title:example"})[1]
                self.assertEqual([h["id"] for h in body["hits"]], ["2"])
                body = request(s, {"action": "search",
                                   "value": "title: example"})[1]
                self.assertEqual([h["id"] for h in body["hits"]], ["3"])


class Errors(unittest.TestCase):

    def test_bad_field_lines(self):
        for line, why in [
                ("field", "field: missing value"),
                ("field 9x", "field: \"9x\" is not a name"),
                ("field id", "field: \"id\" is reserved"),
                ("field title weight 0", "field title: weight 0 is not "
                 "above 0 and at most 1000"),
                ("field title weight x", "field title: weight: \"x\" is "
                 "not a number"),
                ("field title b 1.5", "field title: b 1.5 is not from 0 "
                 "to 1"),
                ("field title colour 3", "field title: \"colour\" is "
                 "not weight or b"),
                ("field title weight", "field title: expected NAME "
                 "[weight W] [b B]"),
                ("field text\nfield text", "field text: declared "
                 "already at line 1")]:
            rc, _, err = run_searchd(["-t"], config=line + "\n")
            self.assertEqual(rc, 78, line)
            self.assertRegex(err, r"searchd\.conf:%d: %s" % (
                line.count("\n") + 1, re.escape(why)), line)

    def test_too_many_fields(self):
        rc, _, err = run_searchd(["-t"], config="".join(
            "field f%d\n" % i for i in range(17)))
        self.assertEqual(rc, 78)
        self.assertIn("searchd.conf:17: field: at most 16", err)

    def test_a_field_that_is_not_a_string_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            with open(path, "w") as f:
                f.write('{"id": "1", "text": "a", "summary": "fine"}\n')
                f.write('{"id": "2", "text": "b", "summary": 7}\n')
            d = Searchd(config="corpus %s\ndata_dir none\n%s"
                        % (path, CONFIG), wait=False)
            self.assertEqual(d.proc.wait(20), 65)
            d.close()
            self.assertIn("%s:2: summary: not a string" % path,
                          d.log_text())

    def test_an_add_with_a_bad_field_changes_nothing(self):
        with live_util.start(config=CONFIG) as d, d.connect() as s:
            body = live_util.add(s, [
                {"id": "1", "text": "rabbit"},
                {"id": "2", "text": "cat", "summary": ["a", "b"]}])
            self.assertEqual(body["error"]["code"], "bad_document")
            self.assertIn("docs[1].summary: not a string",
                          body["error"]["message"])
            self.assertEqual(d.stats()["documents"], 0)

    def test_fields_in_a_request(self):
        docs = [{"id": "1", "text": "rabbit"}]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            live_util.write_corpus(path, docs)
            with Searchd(config="corpus %s\ndata_dir none\n%s"
                         % (path, CONFIG)) as d, d.connect() as s:
                for fields, why in [
                        (["body"], "fields: unknown field \"body\""),
                        ("title", "\"fields\" must be"),
                        ([3], "\"fields\" must be")]:
                    body = request(s, {"action": "search",
                                       "value": "rabbit",
                                       "fields": fields})[1]
                    self.assertEqual(body["error"]["code"],
                                     "bad_request", fields)
                    self.assertIn(why, body["error"]["message"])
            with Searchd(config="corpus %s\ndata_dir none\n" % path) as d, \
                    d.connect() as s:
                body = request(s, {"action": "search", "value": "rabbit",
                                   "fields": ["title"]})[1]
                self.assertIn("no fields are declared",
                              body["error"]["message"])
                # Without fields, "title:" is a word as it always was.
                body = request(s, {"action": "search",
                                   "value": "title:rabbit"})[1]
                self.assertEqual(body["total"], 0)

    def test_data_dir_keeps_its_fields(self):
        rng = random.Random(5)
        docs = [gen_doc(rng, "d%d" % i) for i in range(20)]
        d = live_util.start(docs, config=CONFIG)
        self.assertEqual(d.stop(), 0)
        with open(os.path.join(d.dir, "data", "MANIFEST")) as f:
            self.assertIn("\nfield title\nfield text\nfield summary\n",
                          f.read())
        for conf, why in [
                ("", "its index has the fields (title, text, summary), "
                 "but the configuration declares none"),
                ("field title\nfield text\n", "its index has the fields "
                 "(title, text, summary), but the configuration declares "
                 "(title, text)")]:
            e = live_util.restart(d, config=conf, wait=False)
            self.assertEqual(e.proc.wait(20), 65, conf)
            e.close()
            self.assertIn(why, e.log_text())
        # Weights rank only: they may change with a restart.
        with live_util.restart(d, config=CONFIG.replace("weight 3",
                                                        "weight 5")) as e:
            self.assertEqual(e.stats()["documents"], len(docs))
        d.close()


class Live(unittest.TestCase):

    def test_writes_flushes_merges_and_restart(self):
        rng = random.Random(77)
        model = live_util.Model()
        ids = ["d%d" % i for i in range(150)]
        conf = CONFIG + "write_buffer 64K\n"
        with live_util.start(config=conf) as d:
            with d.connect() as s:
                for _ in range(120):
                    if rng.random() < 0.8:
                        batch = [gen_doc(rng, rng.choice(ids))
                                 for _ in range(rng.randint(1, 10))]
                        self.assertEqual(live_util.add(s, batch)["result"],
                                         "ok")
                        model.add(batch)
                    else:
                        gone = [rng.choice(ids) for _ in range(3)]
                        live_util.delete(s, gone)
                        model.delete(gone)
                # Long documents fill the write buffer: flushes, merges.
                for k in range(40):
                    batch = [dict(gen_doc(rng, rng.choice(ids)),
                                  text=" ".join(rng.choice(VOCAB)
                                                for _ in range(300)))
                             for _ in range(5)]
                    live_util.add(s, batch)
                    model.add(batch)
                check_all(self, s, model.ordered(), rng, 6)
            st = d.stats()
            self.assertGreater(st["flushes"], 0)
            self.assertGreater(st["merges"], 0)
            d.stop()
            with live_util.restart(d, config=conf) as e, e.connect() as s:
                self.assertEqual(e.stats()["documents"], len(model.docs))
                check_all(self, s, model.ordered(), rng, 6)
            d.close()


if __name__ == "__main__":
    main()
