"""Stemming through the daemon: for each language tested, searches over a
generated corpus of words and their inflections rank exactly as a BM25
scorer written here, whose stems come from libstemmer itself (through
ctypes), not from searchd; exact words, prefixes, phrases and snippets;
a data_dir keeps its language; and live writes in a language rank as a
fresh build."""

import ctypes
import ctypes.util
import json
import math
import os
import random
import re
import signal
import tempfile
import unicodedata
import unittest

import harness
import live_util
from harness import Searchd, main, request

K1, B = 1.2, 0.75

VOCAB = {
    "english": ["connect", "connected", "connecting", "connection",
                "connections", "run", "runs", "running", "runner", "ran",
                "generous", "generously", "generate", "generation",
                "happy", "happiness", "happily", "argue", "argued",
                "arguing", "university", "universe", "universal", "cat",
                "cats", "fish", "fishing", "fished", "the", "of"],
    "french": ["continuer", "continua", "continuait", "continuation",
               "chanter", "chanteur", "chanté", "chantait", "été",
               "êtes", "maison", "maisons", "généreux", "généreuse",
               "Très", "le", "la"],
    "german": ["Häuser", "Haus", "häufig", "laufen", "läuft",
               "gelaufen", "Kinder", "Kind", "kindisch", "schön",
               "Schönheit", "und", "der"],
    "russian": ["книга", "книги", "книгой", "книжный", "читать",
                "читал", "читала", "чтение", "ёлка", "ёлки", "елка",
                "и", "в"],
}


class Snowball:
    """libstemmer, called directly: the reference for every stem."""

    def __init__(self):
        name = ctypes.util.find_library("stemmer") or "libstemmer.so.0d"
        self.lib = ctypes.CDLL(name)
        self.lib.sb_stemmer_new.restype = ctypes.c_void_p
        self.lib.sb_stemmer_new.argtypes = [ctypes.c_char_p,
                                            ctypes.c_char_p]
        self.lib.sb_stemmer_stem.restype = ctypes.POINTER(ctypes.c_char)
        self.lib.sb_stemmer_stem.argtypes = [ctypes.c_void_p,
                                             ctypes.c_char_p, ctypes.c_int]
        self.lib.sb_stemmer_length.argtypes = [ctypes.c_void_p]
        self.stemmers = {}

    def stem(self, lang, word):
        if lang not in self.stemmers:
            self.stemmers[lang] = self.lib.sb_stemmer_new(
                lang.encode(), b"UTF_8")
        st = self.stemmers[lang]
        raw = word.encode()
        p = self.lib.sb_stemmer_stem(st, raw, len(raw))
        return p[:self.lib.sb_stemmer_length(st)].decode()


SNOWBALL = Snowball()


def fold(word):
    """searchd's folding: NFKC, case folding, diacritics removed."""
    s = unicodedata.normalize("NFKD", unicodedata.normalize(
        "NFKC", word).casefold())
    return unicodedata.normalize(
        "NFC", "".join(c for c in s if unicodedata.category(c) != "Mn"))


def field_words(text):
    return [fold(w) for w in re.findall(r"\w+", text)]


class Reference:
    """BM25 over stems (or words as written, for exact terms), with a
    document's length in positions."""

    def __init__(self, lang, docs):
        self.lang = lang
        self.docs = docs
        self.fields = [[field_words(d.get("title", "")),
                        field_words(d["text"])] for d in docs]
        self.raw = [f[0] + f[1] for f in self.fields]
        self.stems = [[self.stem(w) for w in r] for r in self.raw]
        self.n = len(docs)
        self.avgdl = sum(len(r) for r in self.raw) / self.n

    def stem(self, w):
        return SNOWBALL.stem(self.lang, w)

    def toks(self, i, exact):
        return self.raw[i] if exact else self.stems[i]

    def key(self, word, exact):
        return fold(word) if exact else self.stem(fold(word))

    def term(self, i, t, exact):
        toks = self.toks(i, exact)
        tf = toks.count(t)
        if tf == 0:
            return 0.0
        df = sum(1 for j in range(self.n) if t in self.toks(j, exact))
        idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        return idf * tf * (K1 + 1) / (
            tf + K1 * (1 - B + B * len(toks) / self.avgdl))

    def rank(self, match, score):
        hits = [(score(i), i) for i in range(self.n) if match(i)]
        hits.sort(key=lambda h: (-h[0], h[1]))
        return [(self.docs[i]["id"], s) for s, i in hits]

    def words(self, ws, exact, any_=False):
        ts = [self.key(w, exact) for w in ws]
        test = any if any_ else all
        return self.rank(
            lambda i: test(t in self.toks(i, exact) for t in ts),
            lambda i: sum(self.term(i, t, exact) for t in ts))

    def phrase(self, ws, exact):
        ts = [self.key(w, exact) for w in ws]

        def has(i):
            for f in self.fields[i]:
                seq = f if exact else [self.stem(w) for w in f]
                if any(seq[j:j + len(ts)] == ts for j in range(len(seq))):
                    return True
            return False
        return self.rank(has, lambda i: sum(self.term(i, t, exact)
                                            for t in ts))

    def prefix(self, p):
        p = fold(p)
        ws = sorted({w for r in self.raw for w in r if w.startswith(p)})
        return self.rank(lambda i: any(w in self.raw[i] for w in ws),
                         lambda i: sum(self.term(i, w, True) for w in ws))


def gen_docs(vocab, n, seed):
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        d = {"id": "d%03d" % i,
             "text": " ".join(rng.choice(vocab)
                              for _ in range(rng.randint(2, 14)))}
        if rng.random() < 0.4:
            d["title"] = " ".join(rng.choice(vocab) for _ in range(2))
        docs.append(d)
    return docs


def write_jsonl(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


class StemmedRanking(unittest.TestCase):
    """Each language in its own searchd, over its own corpus."""

    def check(self, sock, q, want, **extra):
        body = request(sock, dict({"action": "search", "value": q,
                                   "limit": 1000}, **extra))[1]
        self.assertNotIn("error", body, q)
        self.assertEqual(body["total"], len(want), q)
        self.assertEqual([h["id"] for h in body["hits"]],
                         [i for i, _ in want], q)
        for h, (_, s) in zip(body["hits"], want):
            self.assertAlmostEqual(h["score"], s, delta=1e-9, msg=q)

    def run_language(self, lang, seed):
        vocab = VOCAB[lang]
        docs = gen_docs(vocab, 150, seed)
        ref = Reference(lang, docs)
        rng = random.Random(seed)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.jsonl")
            write_jsonl(path, docs)
            with Searchd(config="corpus %s\ndata_dir none\nlanguage %s\n"
                         % (path, lang)) as d, d.connect() as s:
                for w in vocab:
                    self.check(s, w, ref.words([w], False))
                    self.check(s, "=" + w, ref.words([w], True))
                    self.check(s, w, ref.words([w], True), exact=True)
                for _ in range(25):
                    a, b = rng.choice(vocab), rng.choice(vocab)
                    self.check(s, "%s %s" % (a, b),
                               ref.words([a, b], False))
                    self.check(s, "%s OR =%s" % (a, b), ref.rank(
                        lambda i: ref.key(a, False) in ref.toks(i, False)
                        or ref.key(b, True) in ref.toks(i, True),
                        lambda i: ref.term(i, ref.key(a, False), False)
                        + ref.term(i, ref.key(b, True), True)))
                    self.check(s, '"%s %s"' % (a, b),
                               ref.phrase([a, b], False))
                    self.check(s, '="%s %s"' % (a, b),
                               ref.phrase([a, b], True))
                    self.check(s, a[:2] + "*", ref.prefix(a[:2]))
                self.assertEqual(d.stats()["documents"], len(docs))

    def test_english(self):
        self.run_language("english", 11)

    def test_french(self):
        self.run_language("french", 12)

    def test_german(self):
        self.run_language("german", 13)

    def test_russian(self):
        self.run_language("russian", 14)


class Behaviour(unittest.TestCase):
    DOCS = [
        {"id": "1", "title": "Running shoes",
         "text": "She runs every morning; running is her joy."},
        {"id": "2", "text": "The run was long. Runners ran far."},
        {"id": "3", "text": "Connections connected; the café connects."},
    ]

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        path = os.path.join(cls.tmp.name, "c.jsonl")
        write_jsonl(path, cls.DOCS)
        cls.d = Searchd(config="corpus %s\ndata_dir none\n"
                        "language english\n" % path)
        cls.sock = cls.d.connect()

    @classmethod
    def tearDownClass(cls):
        cls.sock.close()
        cls.d.close()
        cls.tmp.cleanup()

    def search(self, q, **extra):
        return request(self.sock, dict({"action": "search", "value": q},
                                       **extra))[1]

    def test_snippets_mark_words_as_written(self):
        hit = self.search("connect")["hits"][0]
        self.assertEqual(hit["snippet"], "[Connections] [connected]; the "
                         "café [connects].")
        hit = self.search("=connects")["hits"][0]
        self.assertEqual(hit["snippet"], "Connections connected; the "
                         "café [connects].")
        hit = self.search("conn*")["hits"][0]
        self.assertIn("[Connections]", hit["snippet"])
        self.assertEqual(self.search("cafe")["hits"][0]["id"], "3")

    def test_phrase_on_stems(self):
        body = self.search('"run every morning"')
        self.assertEqual([h["id"] for h in body["hits"]], ["1"])
        self.assertEqual(self.search('="run every morning"')["total"], 0)

    def test_bad_exact(self):
        for bad in (1, "yes", None):
            body = self.search("run", exact=bad)
            self.assertEqual(body["error"]["code"], "bad_request")
            self.assertIn('"exact"', body["error"]["message"])
        self.assertEqual(self.search("=")["total"], 0)
        self.assertEqual(self.search("run = far")["total"], 1)
        self.assertEqual(self.search("running", exact=False)["total"], 2)


class DataDirLanguage(unittest.TestCase):
    def test_language_is_the_data_dirs(self):
        docs = [{"id": "a", "text": "running"}]
        with live_util.start(docs, config="language english\n") as d:
            with d.connect() as s:
                self.assertEqual(live_util.add(s, [
                    {"id": "b", "text": "the runs"}])["result"], "ok")
                body = request(s, {"action": "search", "value": "run"})[1]
                self.assertEqual(body["total"], 2)
            self.assertEqual(d.stop(), 0)
            with open(os.path.join(d.dir, "data", "MANIFEST")) as f:
                self.assertIn("\nlanguage english\n", f.read())
            for other in ("", "language none\n", "language french\n"):
                with live_util.restart(d, config=other, wait=False) as d2:
                    self.assertEqual(d2.proc.wait(timeout=20), 65)
                    self.assertRegex(d2.log_text(), r"its index is stemmed "
                                     r"in english, but the configuration "
                                     r"says language (none|french)")
            with live_util.restart(d, config="language english\n") as d3:
                with d3.connect() as s:
                    body = request(s, {"action": "search",
                                       "value": "running"})[1]
                    self.assertEqual(sorted(h["id"] for h in body["hits"]),
                                     ["a", "b"])

    def test_longest_words_reopen(self):
        """A word cut to the longest term still has room for its "=" and
        its stem: the segment file it is in opens again."""
        long_word = "running" + "x" * 200
        cyr = "\u0431" * 100
        docs = [{"id": "a", "text": "%s and %s" % (long_word, cyr)}]
        with live_util.start(docs, config="language english\n") as d:
            with d.connect() as s:
                live_util.add(s, [{"id": "b", "text": long_word + "s"}])
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d, config="language english\n") as d2:
                with d2.connect() as s:
                    for q in (long_word, "=" + long_word, cyr, "=" + cyr,
                              long_word[:130] + "*"):
                        body = request(s, {"action": "search", "value": q})[1]
                        self.assertIn("a", [h["id"] for h in body["hits"]],
                                      q[:20])
                    # Cut to the same term, both words match it.
                    body = request(s, {"action": "search",
                                       "value": "=" + long_word})[1]
                    self.assertEqual(sorted(h["id"] for h in body["hits"]),
                                     ["a", "b"])

    def test_reload_keeps_the_language(self):
        with live_util.start([{"id": "a", "text": "running"}],
                             config="language english\n") as d:
            with open(d.conf) as f:
                text = f.read()
            with open(d.conf, "w") as f:
                f.write(text.replace("language english", "language french"))
            mark = d.log_count()
            d.signal(signal.SIGHUP)
            d.wait_log(r"the language of a data_dir's index cannot change "
                       r"\(it stays english\)", start=mark)
            with d.connect() as s:
                body = request(s, {"action": "search", "value": "runs"})[1]
                self.assertEqual(body["total"], 1)


STEM_WORDS = ["connect", "connected", "connection", "run", "runs",
              "running", "happy", "happiness", "argue", "argued", "cat",
              "cats", "the", "of"]


class LiveExactness(unittest.TestCase):
    """Writes in a language, flushed and merged, rank as a fresh build in
    that language, and again after a restart."""

    def test_random_writes_rank_as_a_fresh_build(self):
        conf = "language english\n"
        rng = random.Random(20261202)
        ids = ["d%d" % i for i in range(80)]
        first = [live_util.random_doc(rng, i, STEM_WORDS) for i in ids[:40]]
        model = live_util.Model()
        model.add(first)
        with live_util.start(first, config=conf + "write_buffer 64K\n") as d:
            with d.connect() as s:
                for _ in range(3):
                    for _ in range(120):
                        kind, arg = live_util.random_write(rng, ids,
                                                           STEM_WORDS)
                        if kind == "add":
                            self.assertEqual(live_util.add(s, arg)[
                                "result"], "ok")
                            model.add(arg)
                        else:
                            live_util.delete(s, arg)
                            model.delete(arg)
                    live_util.assert_same_as_fresh(self, d, model, rng,
                                                   config=conf,
                                                   vocab=STEM_WORDS)
            self.assertGreater(d.stats()["flushes"], 0)
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d, config=conf) as d2:
                live_util.assert_same_as_fresh(self, d2, model, rng,
                                               config=conf, vocab=STEM_WORDS)


if __name__ == "__main__":
    main()
