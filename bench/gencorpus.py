#!/usr/bin/env python3
"""gencorpus.py: a deterministic synthetic corpus and query set.

    gencorpus.py [--seed N] [--vocab N] [--queries N] DOCS OUTDIR

Writes OUTDIR/corpus.jsonl (one {"id", "title", "text"} object a line, ids
"d0000001"...), OUTDIR/ids.txt (every id, for exact lookups) and
OUTDIR/queries.tsv (CLASS<TAB>QUERY in searchd's syntax, --queries per
class).  The same seed gives the same bytes on any machine with the same
Python 3 (random.Random is specified to be reproducible across platforms).

The vocabulary is --vocab pronounceable pseudo-words (2 to 4
consonant-vowel syllables), drawn with Zipf frequencies, s = 1.0: the word
of rank r has probability proportional to 1/r.  Documents have 40 to 60
words, titles 3 to 6.

Query classes: common (one word of rank 1-100), rare (one word of rank
10,000 to the end of the vocabulary), and (two words of rank 10-1,000),
or (two words of rank 100-5,000), phrase (two adjacent words taken from a
random document, quoted), prefix (the first two syllables of a word of
rank 100-10,000, then "*").
"""
import argparse
import itertools
import json
import os
import random
import sys

CONSONANTS = "bcdfghjklmnprstvwxz"
VOWELS = "aeiou"
CLASSES = ("common", "rare", "and", "or", "phrase", "prefix")


def vocabulary(rng, n):
    syl = [c + v for c in CONSONANTS for v in VOWELS]
    seen = set()
    words = []
    while len(words) < n:
        k = rng.choices((2, 3, 4), weights=(2, 6, 2))[0]
        w = "".join(rng.choice(syl) for _ in range(k))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def zipf_cum(n, s=1.0):
    return list(itertools.accumulate(1.0 / (r ** s) for r in range(1, n + 1)))


def document(rng, words, cum, i):
    ntext = rng.randint(40, 60)
    ntitle = rng.randint(3, 6)
    drawn = rng.choices(words, cum_weights=cum, k=ntext + ntitle)
    title = " ".join(drawn[:ntitle]).capitalize()
    text = " ".join(drawn[ntitle:]).capitalize() + "."
    return {"id": "d%07d" % i, "title": title, "text": text}


def pick(rng, words, lo, hi):
    return words[rng.randint(lo, min(hi, len(words)) - 1)]


def queries(rng, words, phrases, nq):
    out = []
    for _ in range(nq):
        out.append(("common", pick(rng, words, 0, 100)))
    for _ in range(nq):
        out.append(("rare", pick(rng, words, 10000, len(words))))
    for _ in range(nq):
        out.append(("and", "%s %s" % (pick(rng, words, 10, 1000),
                                      pick(rng, words, 10, 1000))))
    for _ in range(nq):
        out.append(("or", "%s OR %s" % (pick(rng, words, 100, 5000),
                                        pick(rng, words, 100, 5000))))
    for p in phrases[:nq]:
        out.append(("phrase", '"%s"' % p))
    for _ in range(nq):
        out.append(("prefix", pick(rng, words, 100, 10000)[:4] + "*"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--vocab", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("docs", type=int)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words = vocabulary(rng, a.vocab)
    cum = zipf_cum(len(words))
    os.makedirs(a.outdir, exist_ok=True)
    # Phrase queries come from documents chosen up front, so they match.
    qrng = random.Random(a.seed + 1)
    want = sorted(qrng.sample(range(1, a.docs + 1), min(a.queries, a.docs)))
    phrases = {}
    with open(os.path.join(a.outdir, "corpus.jsonl"), "w") as cf, \
            open(os.path.join(a.outdir, "ids.txt"), "w") as idf:
        wi = 0
        for i in range(1, a.docs + 1):
            d = document(rng, words, cum, i)
            cf.write(json.dumps(d) + "\n")
            idf.write(d["id"] + "\n")
            if wi < len(want) and want[wi] == i:
                t = d["text"].lower().rstrip(".").split()
                j = qrng.randrange(len(t) - 1)
                phrases[i] = t[j] + " " + t[j + 1]
                wi += 1
    plist = [phrases[i] for i in want]
    qrng.shuffle(plist)
    with open(os.path.join(a.outdir, "queries.tsv"), "w") as qf:
        for cls, q in queries(qrng, words, plist, a.queries):
            qf.write("%s\t%s\n" % (cls, q))
    return 0


if __name__ == "__main__":
    sys.exit(main())
