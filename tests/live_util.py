"""What the tests of writes share: a model of what the index should hold,
random documents and writes, and the check that matters most: the index
searches exactly as a fresh build of the documents it should hold, in the
order they were last written."""

import json
import os
import random

import harness

WORDS = ["rabbit", "white", "follow", "cat", "catalog", "dog", "door",
         "deep", "river", "rain", "rainbow", "the", "a", "of", "night",
         "north", "mountain", "misty", "caves", "ring"]


def add(sock, docs, **extra):
    return harness.request(sock, {"action": "add", "docs": docs}, **extra)[1]


def delete(sock, ids, **extra):
    return harness.request(sock, {"action": "delete", "ids": ids},
                           **extra)[1]


class Model:
    """The live documents, and when each was last written."""

    def __init__(self):
        self.docs = {}
        self.clock = 0

    def add(self, docs):
        for d in docs:
            self.clock += 1
            self.docs[d["id"]] = (self.clock, d)

    def delete(self, ids):
        for i in ids:
            self.docs.pop(i, None)

    def ordered(self):
        return [d for _, d in sorted(self.docs.values(),
                                     key=lambda x: x[0])]


def start(docs=(), config="", **kw):
    """A searchd with a data_dir in its directory, filled from docs at the
    first start (none: an empty index, not the tutorial's)."""
    text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    return harness.Searchd(config=config + "corpus @TMP@/first.jsonl\n",
                           files={"first.jsonl": text}, **kw)


def restart(d, config="", **kw):
    """The same data_dir and directory again, once d has stopped."""
    return harness.Searchd(config=config + "corpus @TMP@/first.jsonl\n",
                           tmp=d.tmp, **kw)


def random_doc(rng, ident, vocab=WORDS):
    n = rng.randint(1, 25)
    words = [vocab[min(int(rng.expovariate(0.25)), len(vocab) - 1)]
             for _ in range(n)]
    d = {"id": ident, "text": " ".join(words)}
    if rng.random() < 0.3:
        d["title"] = " ".join(rng.choice(vocab) for _ in range(2))
    if rng.random() < 0.2:
        d["n"] = rng.randint(0, 9)
    return d


def random_write(rng, ids, vocab=WORDS):
    """An add batch or a delete, as (action, payload)."""
    if rng.random() < 0.7:
        return "add", [random_doc(rng, rng.choice(ids), vocab)
                       for _ in range(rng.randint(1, 12))]
    return "delete", [rng.choice(ids) for _ in range(rng.randint(1, 4))]


def queries(rng, n, vocab=WORDS):
    out = ["d%d" % rng.randint(0, 50)]
    for _ in range(n):
        a, b = rng.choice(vocab), rng.choice(vocab)
        out.append(rng.choice([a, "%s %s" % (a, b), "%s OR %s" % (a, b),
                               '"%s %s"' % (a, b), a[:2] + "*",
                               "%s -%s" % (a, b), "=%s %s" % (a, b)]))
    return out


def results(sock, q, limit=50, **extra):
    r = harness.request(sock, dict({"action": "search", "value": q,
                                    "limit": limit}, **extra))[1]
    if "error" in r:
        return ("error", r["error"]["code"])
    return (r["total"], [(h["id"], h["score"]) for h in r["hits"]])


def write_corpus(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


def assert_same_as_fresh(test, d, model, rng, nqueries=40, config="",
                         vocab=WORDS, filters=()):
    """Every query answers on d as on a fresh build of the model (with
    config's settings, such as its language and attributes), and so does
    each filter, alone and with a word, with facets."""
    path = os.path.join(d.dir, "fresh.jsonl")
    write_corpus(path, model.ordered())
    with harness.Searchd(config="corpus %s\ndata_dir none\n%s" %
                         (path, config)) as f:
        with d.connect() as s1, f.connect() as s2:
            for q in queries(rng, nqueries, vocab):
                got, want = results(s1, q), results(s2, q)
                test.assertEqual(got[0], want[0], q)
                if got[0] == "error":
                    continue
                test.assertEqual([i for i, _ in got[1]],
                                 [i for i, _ in want[1]], q)
                for (_, a), (_, b) in zip(got[1], want[1]):
                    test.assertAlmostEqual(a, b, delta=1e-9, msg=q)
            for flt in filters:
                for q in ("", rng.choice(vocab)):
                    got = harness.request(s1, {
                        "action": "search", "value": q, "filter": flt,
                        "limit": 1000, "facets": ["n"]})[1]
                    want = harness.request(s2, {
                        "action": "search", "value": q, "filter": flt,
                        "limit": 1000, "facets": ["n"]})[1]
                    for body in (got, want):
                        body.pop("took_us")
                    test.assertEqual(got, want, flt)
        f.stop()
