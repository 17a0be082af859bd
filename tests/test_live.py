"""Writes over the protocol, and what searchd promises of them: the reply
says what was done, a batch is all or nothing, a write is seen by every
search that starts after its reply, the index survives restarts and
searches exactly as a fresh build of what it should hold, one searchd per
data_dir, and SIGHUP leaves a data_dir's index alone."""

import json
import os
import random
import re
import signal
import threading
import time
import unittest

import harness
import live_util
from live_util import add, delete

DOCS = [{"id": "a%d" % i, "text": "alpha bravo %d" % i} for i in range(20)]


class Writes(unittest.TestCase):
    def setUp(self):
        self.d = live_util.start(DOCS, config="workers 2\n")

    def tearDown(self):
        self.d.close()

    def stats(self):
        return self.d.stats()

    def test_reply_says_what_was_done(self):
        with self.d.connect() as s:
            r = add(s, [{"id": "n1", "text": "new one"},
                        {"id": "n2", "text": "new two", "title": "T",
                         "lang": "en"}])
            self.assertEqual(r, {"result": "ok", "added": 2, "deleted": 0,
                                 "seq": 1})
            r = harness.request(s, {"action": "add", "doc": {
                "id": "n1", "text": "replaced"}})[1]
            self.assertEqual(r["seq"], 2)
            hit = harness.search(s, "n2")["hits"][0]
            self.assertEqual((hit["id"], hit["title"], hit["lang"]),
                             ("n2", "T", "en"))
            self.assertEqual(harness.search(s, "replaced")["hits"][0]["id"],
                             "n1")
            self.assertEqual(harness.search(s, "one")["total"], 0)
            r = delete(s, ["n1", "nosuch", "a3"])
            self.assertEqual(r, {"result": "ok", "added": 0, "deleted": 2,
                                 "seq": 3})
            r = harness.request(s, {"action": "delete", "id": "a4"})[1]
            self.assertEqual((r["deleted"], r["seq"]), (1, 4))
            self.assertEqual(harness.search(s, "alpha")["total"], 18)
        st = self.stats()
        self.assertEqual((st["seq"], st["documents"]), (4, 19))

    def test_batch_is_all_or_nothing(self):
        bad = [{"id": "b%d" % i, "text": "batch word"} for i in range(5)]
        bad[3] = {"id": "b3", "text": 17}
        with self.d.connect() as s:
            r = add(s, bad)
            self.assertEqual(r["error"], {
                "code": "bad_document",
                "message": "docs[3].text: not a string"})
            self.assertEqual(harness.search(s, "batch")["total"], 0)
            for docs, msg in [
                    ([{"text": "x"}], "docs[0].id: missing"),
                    ([{"id": "x", "text": "y", "title": 3}],
                     "docs[0].title: not a string"),
                    ([{"id": "x", "text": "y"}, 5],
                     "docs[1]: not a JSON object")]:
                self.assertEqual(add(s, docs)["error"]["message"], msg)
            r = harness.request(s, {"action": "add", "doc": {"id": 1,
                                    "text": "x"}})[1]
            self.assertEqual(r["error"]["message"], "doc.id: not a string")
            for req in [{"action": "add"},
                        {"action": "add", "doc": {}, "docs": []},
                        {"action": "add", "docs": {}},
                        {"action": "delete"},
                        {"action": "delete", "ids": ["a", 3]},
                        {"action": "backup"},
                        {"action": "backup", "dir": "relative/dir"}]:
                r = harness.request(s, req)[1]
                self.assertIn(r["error"]["code"],
                              ("bad_request", "bad_document"), req)
        st = self.stats()
        self.assertEqual((st["seq"], st["documents"]), (0, 20))

    def test_same_id_twice_in_a_batch_last_stays(self):
        with self.d.connect() as s:
            r = add(s, [{"id": "x", "text": "first"},
                        {"id": "y", "text": "between"},
                        {"id": "x", "text": "second"}])
            self.assertEqual(r["added"], 3)
            self.assertEqual(harness.search(s, "first")["total"], 0)
            self.assertEqual(harness.search(s, "second")["total"], 1)
        self.assertEqual(self.stats()["documents"], 22)

    def test_read_your_writes_across_workers(self):
        """A write's reply comes before any later search misses it."""
        with self.d.connect() as w, self.d.connect() as r:
            for i in range(300):
                add(w, [{"id": "ryw%d" % i, "text": "token%d" % i}])
                self.assertEqual(
                    harness.search(r, "token%d" % i)["total"], 1, i)
                if i % 3 == 0:
                    delete(w, ["ryw%d" % i])
                    self.assertEqual(
                        harness.search(r, "token%d" % i)["total"], 0, i)

    def test_pipelined_replies_in_order(self):
        reqs = []
        for i in range(40):
            reqs.append(({"action": "add", "docs": [
                {"id": "p%d" % i, "text": "pipe%d" % i}]}, "add"))
            reqs.append(({"action": "search", "value": "pipe%d" % i},
                         "search"))
        with self.d.connect() as s:
            s.sendall(b"".join(harness.frame(q, id=k)
                               for k, (q, _) in enumerate(reqs)))
            for k, (_, kind) in enumerate(reqs):
                hdr, body = harness.recv_msg(s)
                self.assertEqual(hdr["id"], k)
                if kind == "add":
                    self.assertEqual(body["result"], "ok")
                else:
                    self.assertEqual(body["total"], 1, body)

    def test_writes_while_searching(self):
        """Searches go on, with no failure, while writes stream in."""
        failures, stop = [], threading.Event()

        def searcher():
            with self.d.connect() as s:
                while not stop.is_set():
                    r = harness.search(s, "alpha")
                    if "error" in r or r["total"] < 20:
                        failures.append(r)
        t = threading.Thread(target=searcher)
        t.start()
        try:
            with self.d.connect() as s:
                for i in range(200):
                    add(s, [{"id": "w%d" % i, "text": "alpha write"}])
        finally:
            stop.set()
            t.join(30)
        self.assertEqual(failures, [])
        self.assertEqual(self.stats()["documents"], 220)


class ReadOnly(unittest.TestCase):
    def test_writes_need_a_data_dir(self):
        with harness.Searchd(config="data_dir none\n") as d, \
                d.connect() as s:
            for req in [{"action": "add", "doc": {"id": "x", "text": "y"}},
                        {"action": "delete", "id": "x"},
                        {"action": "backup", "dir": "/tmp/x"}]:
                r = harness.request(s, req)[1]
                self.assertEqual(r["error"]["code"], "read_only")
                self.assertIn("data_dir", r["error"]["message"])
            self.assertNotIn("seq", d.stats())


class Persistence(unittest.TestCase):
    def test_restart_keeps_every_write(self):
        with live_util.start(DOCS, config="sync always\n") as d:
            with d.connect() as s:
                add(s, [{"id": "k1", "text": "kept across restarts"}])
                delete(s, ["a1"])
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d) as d2:
                with d2.connect() as s:
                    self.assertEqual(harness.search(s, "kept")["total"], 1)
                    # a1's text is "alpha bravo 1": no other has a 1.
                    self.assertEqual(harness.search(s, "1")["total"], 0)
                    add(s, [{"id": "k2", "text": "kept too"}])
                st = d2.stats()
                self.assertEqual((st["seq"], st["documents"]), (3, 21))
                # kill -9: nothing to flush; the log holds it.
                d2.proc.kill()
                d2.proc.wait()
            with live_util.restart(d) as d3:
                with d3.connect() as s:
                    self.assertEqual(harness.search(s, "kept")["total"], 2)
                self.assertEqual(d3.stats()["seq"], 3)
                d3.wait_log(r"replayed writes 3 to 3 from the log")

    def test_replayed_deletes_are_saved(self):
        # The deletions a restart loads are also the record of what was
        # saved: replaying a delete must copy them, or the next checkpoint
        # thinks nothing changed and the delete is lost with the log.
        with live_util.start(DOCS, config="sync always\n") as d:
            with d.connect() as s:
                delete(s, ["a1"])
                add(s, [{"id": "n1", "text": "new"}])
            self.assertEqual(d.stop(), 0)       # saves a1's deletion
            with live_util.restart(d) as d2:
                with d2.connect() as s:
                    delete(s, ["a2"])
                d2.proc.kill()                  # a2 only in the log
                d2.proc.wait()
            with live_util.restart(d) as d3:
                d3.wait_log(r"replayed writes 3 to 3 from the log")
                with d3.connect() as s:
                    add(s, [{"id": "n2", "text": "new"}])
                self.assertEqual(d3.stop(), 0)  # a checkpoint past 3
            with live_util.restart(d) as d4:
                self.assertNotIn("replayed writes", d4.log_text())
                with d4.connect() as s:
                    # a<i>'s text is "alpha bravo <i>": no other has it.
                    for i in ("1", "2", "3"):
                        self.assertEqual(harness.search(s, i)["total"],
                                         i == "3", i)
                st = d4.stats()
                self.assertEqual((st["seq"], st["documents"]), (4, 20))

    def test_corpus_imported_into_an_empty_dir_only(self):
        with live_util.start(DOCS) as d:
            d.wait_log(r"imported 20 documents from the corpus files")
            with open(os.path.join(d.dir, "first.jsonl"), "a") as f:
                f.write(json.dumps({"id": "late", "text": "never read"}) +
                        "\n")
            mark = d.log_count()
            d.signal(signal.SIGHUP)
            d.wait_log(r"reload: configuration in service", start=mark)
            with d.connect() as s:
                self.assertEqual(harness.search(s, "never")["total"], 0)
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d) as d2, d2.connect() as s:
                self.assertEqual(harness.search(s, "never")["total"], 0)
                self.assertEqual(harness.search(s, "alpha")["total"], 20)

    def test_sighup_warns_about_corpus_changes(self):
        with live_util.start(DOCS) as d:
            with open(d.conf, "a") as f:
                f.write("corpus /nonexistent.jsonl\n")
            mark = d.log_count()
            d.signal(signal.SIGHUP)
            d.wait_log(r"corpus files are imported only into an empty "
                       r"data_dir", start=mark)
            d.wait_log(r"reload: configuration in service", start=mark)
            with d.connect() as s:
                self.assertEqual(harness.search(s, "alpha")["total"], 20)
            self.assertEqual(d.stats()["reload_failures"], 0)

    def test_one_searchd_per_data_dir(self):
        with live_util.start(DOCS) as d:
            rc, out, err = harness.run_searchd(
                ["-D", os.path.join(d.dir, "data")],
                config="listen 127.0.0.1:0\n")
            self.assertEqual(rc, 65, err)
            self.assertIn("in use by another searchd (pid %d)" % d.proc.pid,
                          err)

    def test_not_a_data_dir(self):
        with live_util.start(DOCS) as d:
            stray = os.path.join(d.dir, "stray")
            os.mkdir(stray)
            with open(os.path.join(stray, "notes.txt"), "w") as f:
                f.write("mine\n")
            rc, out, err = harness.run_searchd(
                ["-D", stray], config="listen 127.0.0.1:0\n")
            self.assertEqual(rc, 65, err)
            self.assertIn("no MANIFEST, yet it holds notes.txt", err)
            with open(os.path.join(stray, "notes.txt")) as f:
                self.assertEqual(f.read(), "mine\n")


class Exactness(unittest.TestCase):
    """Random writes, with a small write buffer so segments are flushed
    and merged many times over; after each round and after a restart,
    every query answers as a fresh build would."""

    def test_random_writes_rank_as_a_fresh_build(self):
        rng = random.Random(20261201)
        ids = ["d%d" % i for i in range(120)]
        first = [live_util.random_doc(rng, i) for i in ids[:60]]
        model = live_util.Model()
        model.add(first)
        with live_util.start(first, config="write_buffer 64K\n") as d:
            with d.connect() as s:
                for rnd in range(4):
                    for _ in range(150):
                        kind, arg = live_util.random_write(rng, ids)
                        if kind == "add":
                            self.assertEqual(add(s, arg)["result"], "ok")
                            model.add(arg)
                        else:
                            self.assertEqual(delete(s, arg)["result"],
                                             "ok")
                            model.delete(arg)
                    live_util.assert_same_as_fresh(self, d, model, rng)
            st = d.stats()
            self.assertGreater(st["flushes"], 0)
            self.assertEqual(st["documents"], len(model.docs))
            self.assertEqual(d.stop(), 0)
            with live_util.restart(d) as d2:
                live_util.assert_same_as_fresh(self, d2, model, rng)
                self.assertEqual(d2.stats()["documents"], len(model.docs))


class Backup(unittest.TestCase):
    def test_backup_and_start_from_it(self):
        rng = random.Random(7)
        model = live_util.Model()
        model.add(DOCS)
        with live_util.start(DOCS, config="write_buffer 64K\n") as d:
            with d.connect() as s:
                for i in range(60):
                    kind, arg = live_util.random_write(
                        rng, ["a%d" % j for j in range(40)])
                    (add if kind == "add" else delete)(s, arg)
                    (model.add if kind == "add" else model.delete)(arg)
                dest = os.path.join(d.dir, "backup")
                r = harness.request(s, {"action": "backup",
                                        "dir": dest})[1]
                self.assertEqual(r["result"], "ok", r)
                self.assertEqual((r["dir"], r["seq"]), (dest, 60))
                self.assertGreaterEqual(r["files"], 1)
                r = harness.request(s, {"action": "backup",
                                        "dir": dest})[1]
                self.assertEqual(r["error"]["code"], "backup_failed")
                self.assertIn("exists already", r["error"]["message"])
                # Writes after the backup are not in it.
                add(s, [{"id": "after", "text": "after the backup"}])
            with harness.Searchd(config="data_dir %s\n" % dest) as b:
                live_util.assert_same_as_fresh(self, b, model, rng)
                self.assertEqual(b.stats()["seq"], 60)


if __name__ == "__main__":
    harness.main()
