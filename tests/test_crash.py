"""kill -9 at random points of a stream of writes, fifty times and more:
after each restart every acknowledged write is there, the one write in
flight at the kill is there whole or not at all, and the index searches
exactly as a fresh build of what survived.

The write buffer is small, so kills land in flushes and merges as well
as in appends.  Some rounds send SIGTERM first and kill during the final
flush.  kill -9 leaves the page cache alone, so under sync everysec too
every acknowledged write must survive here; what everysec may lose (a
second of writes) is only lost to an OS crash or a power cut, and
test_faults.py checks that the fdatasync comes within the second.
"""

import os
import random
import signal
import socket
import threading
import time
import unittest

import harness
import live_util

ROUNDS_ALWAYS = 50
ROUNDS_EVERYSEC = 12
IDS = ["c%d" % i for i in range(80)]


class Writer(threading.Thread):
    """Writes until the connection dies; what was acknowledged, in order,
    and the one write that was sent but not answered."""

    def __init__(self, d, rng):
        super().__init__(daemon=True)
        self.d, self.rng = d, rng
        self.acked, self.pending = [], None

    def run(self):
        try:
            with self.d.connect(timeout=10) as s:
                while True:
                    kind, arg = live_util.random_write(self.rng, IDS)
                    self.pending = (kind, arg)
                    req = {"action": kind, "docs" if kind == "add" else
                           "ids": arg}
                    r = harness.request(s, req)[1]
                    if r.get("result") != "ok":
                        raise AssertionError(r)
                    self.acked.append((kind, arg, r["seq"]))
                    self.pending = None
        except (OSError, EOFError, ValueError):
            pass


def apply(model, kind, arg):
    (model.add if kind == "add" else model.delete)(arg)


class Crash(unittest.TestCase):
    def run_rounds(self, sync, rounds, seed, attrs=False):
        rng = random.Random(seed)
        first = [live_util.random_doc(rng, i) for i in IDS[:40]]
        model = live_util.Model()
        model.add(first)
        config = "sync %s\nwrite_buffer 64K\nworkers 2\n" % sync
        # n is an attribute: its columns are saved, and cut, too; with
        # fields, each document's lengths per field are in the segments.
        schema = ("attribute n int\nfield title weight 2\nfield text\n"
                  if attrs else "")
        filters = ("n >= 5", "n = 3 OR NOT n >= 0") if attrs else ()
        config += schema
        seq = 0
        base = live_util.start(first, config=config)
        d = base
        try:
            for rnd in range(rounds):
                w = Writer(d, rng)
                w.start()
                time.sleep(rng.uniform(0.02, 0.3))
                if rng.random() < 0.2:
                    # Kill during the final flush of a clean stop.
                    d.signal(signal.SIGTERM)
                    time.sleep(rng.uniform(0, 0.02))
                d.proc.kill()
                d.proc.wait()
                w.join(10)
                for kind, arg, s in w.acked:
                    self.assertEqual(s, seq + 1)
                    seq = s
                    apply(model, kind, arg)
                if d is not base:
                    d.close()
                d = live_util.restart(base, config=config)
                got = d.stats()["seq"]
                if w.pending is not None and got == seq + 1:
                    apply(model, *w.pending)
                    seq = got
                self.assertEqual(got, seq, "round %d" % rnd)
                self.assertEqual(d.stats()["documents"], len(model.docs))
                live_util.assert_same_as_fresh(self, d, model, rng,
                                               nqueries=12, config=schema,
                                               filters=filters)
        finally:
            if d is not base:
                d.close()
            base.close()

    def test_sync_always(self):
        self.run_rounds("always", ROUNDS_ALWAYS, 1)

    def test_sync_everysec(self):
        self.run_rounds("everysec", ROUNDS_EVERYSEC, 2)

    def test_with_attributes_and_fields(self):
        self.run_rounds("always", ROUNDS_EVERYSEC, 3, attrs=True)


if __name__ == "__main__":
    harness.main()
