"""Attributes through the daemon: generated filters of every operator,
nested, on every type (missing and multi-valued values included) against
a brute-force evaluation over every document; sorts that page through the
whole result with no duplicate and no gap, in the order a reference sort
gives; facet counts against brute-force counts; bad schemas, documents and
requests; and all of it on a live index written, merged and restarted."""

import json
import os
import random
import signal
import tempfile
import unittest

import harness
import live_util
from harness import Searchd, main, request

SCHEMA = ("attribute lang string\nattribute year int\n"
          "attribute price float\nattribute tags string multi\n"
          "attribute nums int multi\n")
TYPES = {"lang": "string", "year": "int", "price": "float",
         "tags": "string", "nums": "int"}
MULTI = {"tags", "nums"}
LANGS = ["en", "fr", "de", "pt-BR", "x y", 'q"uote', "", "zz"]
TAGS = ["a", "b", "c", "draft", "spam", "long tag"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "fox"]


def gen_doc(rng, ident):
    d = {"id": ident, "text": " ".join(rng.choice(WORDS)
                                       for _ in range(rng.randint(1, 8)))}
    if rng.random() < 0.85:
        d["lang"] = rng.choice(LANGS)
    elif rng.random() < 0.5:
        d["lang"] = None
    if rng.random() < 0.8:
        d["year"] = rng.randint(1990, 2025)
    if rng.random() < 0.7:
        d["price"] = round(rng.uniform(-50, 500), 2)
    if rng.random() < 0.8:
        d["tags"] = rng.choices(TAGS, k=rng.randint(0, 4))
    if rng.random() < 0.6:
        d["nums"] = [rng.randint(-5, 5) for _ in range(rng.randint(0, 4))]
    return d


def values(d, attr):
    v = d.get(attr)
    if v is None:
        return []
    return list(v) if attr in MULTI else [v]


def literal(rng, attr):
    """A value for attr, as the filter's text and as Python's value."""
    t = TYPES[attr]
    if t == "int":
        v = rng.randint(1988, 2027) if attr == "year" else rng.randint(-6, 6)
        return str(v), v
    if t == "float":
        v = round(rng.uniform(-60, 520), 1)
        return repr(v), v
    v = rng.choice(LANGS + TAGS + ["nope"])
    if v.isalnum() and rng.random() < 0.5:
        return v, v
    q = rng.choice(['"', "'"])
    return q + v.replace("\\", "\\\\").replace(q, "\\" + q) + q, v


OPS = {"=": lambda a, b: a == b, "!=": None, "<": lambda a, b: a < b,
       "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
       ">=": lambda a, b: a >= b}


def gen_filter(rng, depth=0):
    """(text, predicate over a document)."""
    r = rng.random()
    if depth < 3 and r < 0.3:
        n = rng.randint(2, 3)
        kids = [gen_filter(rng, depth + 1) for _ in range(n)]
        op = rng.choice(["AND", "OR"])
        text = (" %s " % op).join("(%s)" % k[0] for k in kids)
        if op == "AND":
            return text, lambda d, ks=kids: all(k[1](d) for k in ks)
        return text, lambda d, ks=kids: any(k[1](d) for k in ks)
    if depth < 3 and r < 0.4:
        text, pred = gen_filter(rng, depth + 1)
        return "NOT (%s)" % text, lambda d: not pred(d)
    attr = rng.choice(sorted(TYPES))
    if rng.random() < 0.25:
        lits = [literal(rng, attr) for _ in range(rng.randint(0, 4))]
        neg = rng.random() < 0.4
        text = "%s %sIN [%s]" % (attr, "NOT " if neg else "",
                                 ", ".join(t for t, _ in lits))
        vals = [v for _, v in lits]

        def pin(d, attr=attr, vals=vals, neg=neg):
            hit = any(x in vals for x in values(d, attr))
            return hit != neg
        return text, pin
    op = rng.choice(sorted(OPS))
    if TYPES[attr] == "string" and op not in ("=", "!="):
        op = rng.choice([op, "="])
    t, v = literal(rng, attr)
    text = "%s %s %s" % (attr, op, t)
    if op == "!=":
        return text, lambda d, a=attr, v=v: not any(
            x == v for x in values(d, a))
    f = OPS[op]
    return text, lambda d, a=attr, v=v, f=f: any(
        f(x, v) for x in values(d, a))


def search(sock, value="", **kw):
    body = request(sock, dict({"action": "search", "value": value,
                               "limit": 1000}, **kw))[1]
    return body


def sort_key(d, attr, desc):
    vs = values(d, attr)
    if not vs:
        return None
    return max(vs) if desc else min(vs)


def byte_key(v):
    return v.encode() if isinstance(v, str) else v


def reference_sort(docs, scores, keys):
    """docs: matching documents; keys: [(attr or "_score", desc)]."""
    import functools

    def cmp(a, b):
        for attr, desc in keys:
            if attr == "_score":
                x, y = scores[a["id"]], scores[b["id"]]
            else:
                x, y = sort_key(a, attr, desc), sort_key(b, attr, desc)
                if x is None or y is None:
                    if (x is None) != (y is None):
                        return 1 if x is None else -1
                    continue
                x, y = byte_key(x), byte_key(y)
            if x != y:
                r = -1 if x < y else 1
                return -r if desc else r
        if not any(a == "_score" for a, _ in keys):
            x, y = scores[a["id"]], scores[b["id"]]
            if x != y:
                return -1 if x > y else 1
        x, y = a["id"].encode(), b["id"].encode()
        return (x > y) - (x < y)
    return [d["id"] for d in sorted(docs, key=functools.cmp_to_key(cmp))]


def facet_counts(docs, attr):
    counts = {}
    for d in docs:
        for v in set(values(d, attr)):
            counts[v] = counts.get(v, 0) + 1
    return counts


def write_jsonl(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


class Checks:
    """What every test of a live or built index asks of it."""

    def check_filters(self, sock, docs, rng, n=150):
        byid = {d["id"]: d for d in docs}
        for _ in range(n):
            text, pred = gen_filter(rng)
            want = {d["id"] for d in docs if pred(d)}
            body = search(sock, filter=text)
            self.assertNotIn("error", body, text)
            self.assertEqual({h["id"] for h in body["hits"]}, want, text)
            self.assertEqual(body["total"], len(want), text)
            word = rng.choice(WORDS)
            full = search(sock, word)
            body = search(sock, word, filter=text)
            self.assertEqual(
                [(h["id"], h["score"]) for h in body["hits"]],
                [(h["id"], h["score"]) for h in full["hits"]
                 if h["id"] in want], text)
            for h in body["hits"]:
                self.assertTrue(pred(byid[h["id"]]), text)

    def check_sorts(self, sock, docs, rng, n=30):
        for _ in range(n):
            keys = [(a, rng.random() < 0.5) for a in rng.sample(
                sorted(TYPES), rng.randint(1, 2))]
            if rng.random() < 0.3:
                keys.insert(rng.randint(0, len(keys)), ("_score", True))
            spec = ["%s:%s" % (a, "desc" if d else "asc") for a, d in keys]
            word = rng.choice(WORDS + [""])
            text, pred = gen_filter(rng)
            full = search(sock, word, filter=text)
            scores = {h["id"]: h["score"] for h in full["hits"]}
            matching = [d for d in docs if d["id"] in scores]
            want = reference_sort(matching, scores, keys)
            paged, off = [], 0
            while True:
                body = search(sock, word, filter=text, sort=spec, limit=7,
                              offset=off)
                self.assertNotIn("error", body, spec)
                self.assertEqual(body["total"], len(want))
                if not body["hits"]:
                    break
                paged += [h["id"] for h in body["hits"]]
                off += 7
            self.assertEqual(paged, want, (spec, word, text))

    def check_facets(self, sock, docs, rng, n=40):
        for _ in range(n):
            text, pred = gen_filter(rng)
            word = rng.choice(WORDS + [""])
            attrs = rng.sample(sorted(TYPES), rng.randint(1, 3))
            limit = rng.choice([1, 3, 10, 100])
            body = search(sock, word, filter=text, facets=attrs,
                          facet_limit=limit, limit=0)
            self.assertNotIn("error", body, text)
            ids = {h["id"] for h in search(sock, word, filter=text)["hits"]}
            matching = [d for d in docs if d["id"] in ids]
            self.assertEqual(sorted(body["facets"]), sorted(attrs))
            for attr in attrs:
                counts = facet_counts(matching, attr)
                want = sorted(counts.items(),
                              key=lambda kv: (-kv[1], byte_key(kv[0])))
                got = body["facets"][attr]
                self.assertEqual(got["distinct"], len(counts), attr)
                self.assertEqual([(v["value"], v["count"])
                                  for v in got["values"]], want[:limit],
                                 (attr, text, word))


class Filters(unittest.TestCase, Checks):
    @classmethod
    def setUpClass(cls):
        rng = random.Random(7)
        cls.docs = [gen_doc(rng, "d%03d" % i) for i in range(300)]
        cls.tmp = tempfile.TemporaryDirectory()
        path = os.path.join(cls.tmp.name, "c.jsonl")
        write_jsonl(path, cls.docs)
        cls.d = Searchd(config="corpus %s\ndata_dir none\n%s" %
                        (path, SCHEMA))
        cls.sock = cls.d.connect()

    @classmethod
    def tearDownClass(cls):
        cls.sock.close()
        cls.d.close()
        cls.tmp.cleanup()

    def test_filters_match_brute_force(self):
        self.check_filters(self.sock, self.docs, random.Random(1))

    def test_sorts_page_as_the_reference(self):
        self.check_sorts(self.sock, self.docs, random.Random(2))

    def test_facets_count_every_match(self):
        self.check_facets(self.sock, self.docs, random.Random(3))

    def test_filter_errors_name_the_place(self):
        cases = [
            ("yaer = 3", 'at 1: unknown attribute "yaer"'),
            ("lang = fr AND yaer >= 2020", 'at 15: unknown attribute '
             '"yaer"'),
            ("year = abc", 'at 8: year is an int attribute: "abc" is not '
             'an integer'),
            ("year = 20.5", 'at 8: year is an int attribute: "20.5" is not '
             'an integer'),
            ("price < cheap", 'at 9: price is a float attribute: "cheap" '
             'is not a number'),
            ("year = '2020'", "at 8: year is an int attribute: a number "
             "expected"),
            ("(lang = fr", 'at 11: ")" expected'),
            ("lang = fr)", 'at 10: ")" without "("'),
            ("lang fr", "at 1: lang: =, !=, <, <=, >, >=, IN or NOT IN "
             "expected after it"),
            ("lang = 'fr", "at 8: unbalanced quote"),
            ("lang =", "at 7: a value for lang expected"),
            ("lang IN fr", 'at 9: "[" expected after IN'),
            ("lang IN [fr en]", 'at 13: "," or "]" expected'),
            ("lang = fr AND", "at 14: an attribute expected at the end"),
            ("lang = fr lang = en", "at 11: AND, OR or the end expected"),
            ("lang ! fr", 'at 6: "!" without "="'),
            ("", "at 1: an empty filter"),
            ("year = 1\u00002", "at 9: a NUL byte"),
            ("NOT " * 40 + "lang = fr", "at 129: nested deeper than 32"),
        ]
        for text, message in cases:
            body = search(self.sock, filter=text)
            self.assertEqual(body["error"], {"code": "bad_filter",
                                             "message": "filter: " +
                                             message}, text)
        body = search(self.sock, filter="lang = x" + " OR lang = x" * 600)
        self.assertIn("more than 512", body["error"]["message"])
        body = search(self.sock, filter="a" * 8193)
        self.assertEqual(body["error"]["message"],
                         "filter: longer than 8192 bytes")

    def test_bad_requests(self):
        cases = [
            ({"filter": 3}, '"filter" must be a string'),
            ({"sort": "year"}, '"sort" must be an array of strings'),
            ({"sort": ["a", "b", "c", "d", "e"]}, '"sort" may name at most '
             '4'),
            ({"sort": ["yaer"]}, 'sort: unknown attribute "yaer"'),
            ({"sort": ["year:up"]}, 'sort: "year:up": after ":", asc or '
             'desc'),
            ({"facets": ["lang", "lang"]}, 'facets: "lang" twice'),
            ({"facets": ["text"]}, 'facets: unknown attribute "text"'),
            ({"facets": [1]}, '"facets" must be an array of strings'),
            ({"facet_limit": 1001}, '"facet_limit" must be an integer from '
             '0 to 1000'),
        ]
        for extra, message in cases:
            body = search(self.sock, "alpha", **extra)
            self.assertEqual(body["error"], {"code": "bad_request",
                                             "message": message}, extra)

    def test_attribute_memory_in_stats(self):
        """4 bytes a document and attribute, 8 a number, 4 a string value,
        the distinct strings once, and each one's list of documents."""
        st = self.d.stats()
        n = len(self.docs)
        want = 0
        for attr in TYPES:
            vals = [v for d in self.docs for v in values(d, attr)]
            want += (n + 1) * 4
            if TYPES[attr] == "string":
                distinct = set(vals)
                pairs = sum(len(set(values(d, attr))) for d in self.docs)
                want += len(vals) * 4 + (len(distinct) + 1) * 8 + sum(
                    len(v.encode()) for v in distinct)
                want += (len(distinct) + 1) * 4 + pairs * 4
            else:
                want += len(vals) * 8
        self.assertEqual(st["attribute_memory"], want)
        self.assertGreater(st["index_memory"], want)

    def test_empty_query_without_filter_matches_nothing(self):
        body = search(self.sock, "", facets=["lang"])
        self.assertEqual(body["total"], 0)
        self.assertEqual(body["facets"]["lang"], {"distinct": 0,
                                                  "values": []})

    def test_bad_query_with_a_filter(self):
        """The id rule alone answers a query that does not parse: with a
        filter or a sort, it is an error, not a list of everything."""
        for extra in ({"filter": "year >= 0"}, {"sort": ["year"]}):
            body = search(self.sock, '"unbalanced', **extra)
            self.assertEqual(body["error"]["code"], "bad_query", extra)

    def test_id_rule_without_filter_only(self):
        body = search(self.sock, "d007")
        self.assertEqual(body["hits"][0]["id"], "d007")
        body = search(self.sock, "d007", filter="year >= 0 OR NOT year >= 0")
        self.assertEqual(body["total"], 0)


class BadDocuments(unittest.TestCase):
    def test_corpus_line_with_a_bad_attribute(self):
        good = {"id": "1", "text": "a", "year": 2020}
        cases = [
            ({"year": "2020"}, "year: not an integer"),
            ({"year": 2020.5}, "year: not an integer"),
            ({"price": "1"}, "price: not a number"),
            ({"lang": 3}, "lang: not a string"),
            ({"tags": "a"}, "tags: not an array of strings"),
            ({"tags": ["a", 1]}, "tags: not an array of strings"),
            ({"nums": [1, 2.5]}, "nums: not an array of integers"),
            ({"lang": "x" * 1025}, "lang: a string longer than 1024 bytes"),
            ({"tags": ["t"] * 1025}, "tags: more than 1024 values"),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            for bad, message in cases:
                doc = dict({"id": "2", "text": "b"}, **bad)
                write_jsonl(path, [good, doc])
                rc, _, err = harness.run_searchd(
                    ["-D", "none"], config="corpus %s\n%s" % (path, SCHEMA))
                self.assertEqual(rc, 65, bad)
                self.assertIn("%s:2: %s" % (path, message), err, bad)

    def test_add_with_a_bad_attribute_changes_nothing(self):
        with live_util.start([], config=SCHEMA) as d, d.connect() as s:
            body = live_util.add(s, [{"id": "a", "text": "x", "year": 1},
                                     {"id": "b", "text": "y", "year": 2},
                                     {"id": "c", "text": "z",
                                      "tags": ["ok", None]}])
            self.assertEqual(body["error"], {
                "code": "bad_document",
                "message": "docs[2].tags: not an array of strings"})
            body = live_util.add(s, [{"id": "a", "text": "x",
                                      "year": "1"}])
            self.assertEqual(body["error"]["message"],
                             "docs[0].year: not an integer")
            body = request(s, {"action": "add", "doc": {
                "id": "a", "text": "x", "price": [1]}})[1]
            self.assertEqual(body["error"]["message"],
                             "doc.price: not a number")
            self.assertEqual(search(s, filter="year >= 0")["total"], 0)
            self.assertEqual(d.stats()["documents"], 0)

    def test_long_and_negative_zero_floats(self):
        docs = [{"id": "a", "text": "x", "price": float("-0.0")},
                {"id": "b", "text": "x", "price": 0},
                {"id": "c", "text": "x"}]
        text = "".join(json.dumps(d) + "\n" for d in docs)
        text = text.replace('"price": 0}', '"price": 0.%s}' % ("0" * 80))
        with Searchd(config="corpus @TMP@/c.jsonl\ndata_dir none\n" +
                     SCHEMA, files={"c.jsonl": text}) as d, \
                d.connect() as s:
            body = search(s, filter="price = 0", facets=["price"])
            self.assertEqual(sorted(h["id"] for h in body["hits"]),
                             ["a", "b"])
            self.assertEqual(body["facets"]["price"]["values"],
                             [{"value": 0, "count": 2}])

    def test_reload_without_a_data_dir_takes_new_attributes(self):
        docs = [{"id": "a", "text": "x", "year": 1999, "lang": "fr"}]
        text = "".join(json.dumps(d) + "\n" for d in docs)
        with Searchd(config="corpus @TMP@/c.jsonl\ndata_dir none\n",
                     files={"c.jsonl": text}) as d:
            with d.connect() as s:
                self.assertEqual(search(s, filter="year = 1999")["error"][
                    "code"], "bad_filter")
            with open(d.conf, "a") as f:
                f.write("attribute year int\n")
            mark = d.log_count()
            d.signal(signal.SIGHUP)
            d.wait_log(r"reload: new index in service", start=mark)
            with d.connect() as s:
                self.assertEqual(search(s, filter="year = 1999")["total"], 1)
            with open(d.conf, "a") as f:
                f.write("attribute lang string\n")
            mark = d.log_count()
            d.signal(signal.SIGHUP)
            d.wait_log(r"reload: new index in service", start=mark)
            with d.connect() as s:
                self.assertEqual(search(s, filter="lang = fr AND year = "
                                        "1999")["total"], 1)

    def test_log_replay_against_a_new_schema(self):
        with live_util.start([]) as d:
            with d.connect() as s:
                self.assertEqual(live_util.add(s, [
                    {"id": "t", "text": "x", "tag": "x"}])["result"], "ok")
            d.proc.kill()
            d.proc.wait()
            with live_util.restart(d, config="attribute tag int\n",
                                   wait=False) as d2:
                self.assertEqual(d2.proc.wait(timeout=20), 65)
                self.assertRegex(d2.log_text(), r'\.log:\d+: write 1, '
                                 r'document "t": tag: not an integer, which '
                                 r'the attributes in the configuration do '
                                 r'not allow')
            with live_util.restart(d, config="attribute tag string\n") as d3:
                with d3.connect() as s:
                    self.assertEqual(search(s, filter="tag = x")["total"], 1)

    def test_data_dir_against_a_new_schema(self):
        docs = [{"id": "a", "text": "x", "year": "nineteen"},
                {"id": "b", "text": "y", "year": 1999}]
        with live_util.start(docs) as d:
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d, config="attribute year int\n",
                                   wait=False) as d2:
                self.assertEqual(d2.proc.wait(timeout=20), 65)
                self.assertRegex(d2.log_text(), r'00000001\.seg: document '
                                 r'"a": year: not an integer, which the '
                                 r'attributes in the configuration do not '
                                 r'allow')
            with live_util.restart(d, config="attribute year string\n",
                                   wait=False) as d3:
                self.assertEqual(d3.proc.wait(timeout=20), 65)
                self.assertIn('document "b": year: not a string',
                              d3.log_text())
            with live_util.restart(d, config="attribute other int\n") as d4:
                with d4.connect() as s:
                    self.assertEqual(search(s, filter="other >= 0")[
                        "total"], 0)
                    self.assertEqual(search(s, filter="NOT other >= 0")[
                        "total"], 2)


FAULTFS = os.path.join(os.path.dirname(os.path.abspath(harness.SEARCHD)),
                       "..", "tests", "faultfs.so")


class AttributeFiles(unittest.TestCase, Checks):
    """A segment's columns are saved beside it as NNNNNNNN.att and read
    at the next start; one that is damaged, made for other attributes or
    not written at all is made again from the documents."""

    def setUp(self):
        rng = random.Random(11)
        self.docs = [gen_doc(rng, "d%03d" % i) for i in range(200)]

    def att(self, d):
        return os.path.join(d.dir, "data", "00000001.att")

    def assert_serves(self, d):
        with d.connect() as s:
            self.check_filters(s, self.docs, random.Random(5), 30)
            self.check_facets(s, self.docs, random.Random(6), 5)

    def test_saved_read_and_remade(self):
        with live_util.start(self.docs, config=SCHEMA) as d:
            self.assertTrue(os.path.exists(self.att(d)))
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d, config=SCHEMA) as d2:
                self.assertNotIn("making the columns again", d2.log_text())
                self.assert_serves(d2)
                self.assertEqual(d2.stop(), 0)
            with open(self.att(d), "r+b") as f:
                f.seek(os.path.getsize(self.att(d)) // 2)
                byte = f.read(1)
                f.seek(-1, os.SEEK_CUR)
                f.write(bytes([byte[0] ^ 0x40]))
            damaged = [("checksum mismatch", None),
                       ("made for other attributes",
                        SCHEMA + "attribute extra int\n"),
                       ("not an attribute file of this machine, or damaged",
                        "truncate")]
            for why, how in damaged:
                config = SCHEMA
                if how == "truncate":
                    os.truncate(self.att(d), 100)
                elif how is not None:
                    config = how
                with live_util.restart(d, config=config) as d3:
                    self.assertIn("00000001.att: %s; making the columns "
                                  "again from the documents" % why,
                                  d3.log_text())
                    self.assert_serves(d3)
                    self.assertEqual(d3.stop(), 0)
                if how is not None and how != "truncate":
                    # Remade for the new attributes; back to the old.
                    continue
                with live_util.restart(d, config=SCHEMA) as d4:
                    self.assertNotIn("making the columns again",
                                     d4.log_text())
                    self.assertEqual(d4.stop(), 0)

    @unittest.skipUnless(os.path.exists(FAULTFS), "tests/faultfs.so not "
                         "built")
    def test_disk_full_while_saving_loses_nothing(self):
        tmp = tempfile.TemporaryDirectory(prefix="searchd-test-")
        ctl = os.path.join(tmp.name, "faultfs.ctl")
        with open(ctl, "w") as f:
            f.write("enospc:.att")
        env = dict(os.environ, LD_PRELOAD=FAULTFS,
                   FAULTFS_DIR=os.path.join(tmp.name, "data"),
                   FAULTFS_CTL=ctl)
        rng = random.Random(13)
        model = live_util.Model()
        model.add(self.docs[:50])
        first = "".join(json.dumps(doc) + "\n" for doc in self.docs[:50])
        conf = SCHEMA + "corpus @TMP@/first.jsonl\n"
        with Searchd(config=conf + "write_buffer 64K\n", env=env, tmp=tmp,
                     files={"first.jsonl": first}) as d1:
            self.assertIn("00000001.att.tmp: write: No space left on "
                          "device; the next start makes the columns again",
                          d1.log_text())
            with d1.connect() as s:
                for i in range(600):
                    doc = gen_doc(rng, "w%03d" % i)
                    self.assertEqual(live_util.add(s, [doc])["result"], "ok")
                    model.add([doc])
                self.check_filters(s, model.ordered(), rng, 20)
            self.assertGreater(d1.stats()["flushes"], 0)
            self.assertEqual(d1.stop(), 0)
        data = os.path.join(tmp.name, "data")
        self.assertEqual([n for n in os.listdir(data) if ".att" in n], [])
        with Searchd(config=conf, tmp=tmp) as d2:
            self.assertNotIn("making the columns again", d2.log_text())
            with d2.connect() as s:
                self.check_filters(s, model.ordered(), rng, 20)
            self.assertEqual(d2.stop(), 0)
        self.assertTrue(any(n.endswith(".att") for n in os.listdir(data)))
        tmp.cleanup()

    def test_removed_with_its_segment(self):
        rng = random.Random(12)
        with live_util.start(self.docs, config=SCHEMA +
                             "write_buffer 64K\n") as d:
            with d.connect() as s:
                for _ in range(400):
                    live_util.add(s, [gen_doc(rng, "n%03d" % rng.randint(
                        0, 300)) for _ in range(5)])
            self.assertGreater(d.stats()["merges"], 0)
            self.assertEqual(d.stop(), 0)
            data = os.path.join(d.dir, "data")
            segs = {n[:8] for n in os.listdir(data) if n.endswith(".seg")}
            atts = {n[:8] for n in os.listdir(data) if n.endswith(".att")}
            self.assertEqual(atts, segs)


class LiveAttributes(unittest.TestCase, Checks):
    """Adds, replaces and deletes, flushed and merged, then a restart:
    filters, sorts and facets answer as over the documents that should be
    there."""

    def test_random_writes(self):
        rng = random.Random(20261203)
        ids = ["d%03d" % i for i in range(150)]
        first = [gen_doc(rng, i) for i in ids[:60]]
        model = live_util.Model()
        model.add(first)
        with live_util.start(first, config=SCHEMA +
                             "write_buffer 64K\n") as d:
            with d.connect() as s:
                for _ in range(3):
                    for _ in range(120):
                        if rng.random() < 0.75:
                            batch = [gen_doc(rng, rng.choice(ids))
                                     for _ in range(rng.randint(1, 10))]
                            self.assertEqual(live_util.add(s, batch)[
                                "result"], "ok")
                            model.add(batch)
                        else:
                            gone = [rng.choice(ids) for _ in range(3)]
                            live_util.delete(s, gone)
                            model.delete(gone)
                    docs = model.ordered()
                    self.check_filters(s, docs, rng, 40)
                    self.check_sorts(s, docs, rng, 8)
                    self.check_facets(s, docs, rng, 10)
            st = d.stats()
            self.assertGreater(st["flushes"], 0)
            self.assertGreater(st["merges"], 0)
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d, config=SCHEMA) as d2, \
                    d2.connect() as s:
                docs = model.ordered()
                self.check_filters(s, docs, rng, 40)
                self.check_sorts(s, docs, rng, 8)
                self.check_facets(s, docs, rng, 10)


if __name__ == "__main__":
    main()
