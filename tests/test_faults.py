"""What searchd does when its files are damaged or its disk fails it.

A torn last record is cut with one log line and the writes before it
kept; a bad record with valid ones after it, a damaged or truncated
segment and a damaged manifest stop the start with FILE:OFFSET (or
FILE:LINE) and the reason; --check-data says the same and --repair cuts
the log after saying what it drops.  With tests/faultfs.so preloaded, a
full disk (ENOSPC, whole or after half a write) and EIO refuse the write
with an error reply and change nothing, searches go on, and writes work
again when the disk does; a failed fsync is never retried: writes stay
refused until a restart, which replays what is on disk.
"""

import glob
import os
import random
import re
import signal
import struct
import tempfile
import time
import unittest

import harness
import live_util
from live_util import add, delete

TOP_BUILDDIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(harness.SEARCHD)), ".."))
FAULTFS = os.path.join(TOP_BUILDDIR, "tests", "faultfs.so")
DOCS = [{"id": "f%d" % i, "text": "fault word %d" % i} for i in range(10)]
LISTEN = "listen 127.0.0.1:0\n"


def log_records(path):
    """(offset, size, seq) of every record of a log file."""
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 32
    while off + 32 <= len(data):
        magic, _, length, _, seq = struct.unpack_from("<IB3xIIQ", data, off)
        if magic != 0x53444c52:
            break
        size = 32 + length + (-length % 8)
        out.append((off, size, seq))
        off += size
    return out


def the_log(data_dir):
    """The log file with the records of the writes of these tests."""
    logs = [p for p in sorted(glob.glob(os.path.join(data_dir, "*.log")))
            if log_records(p)]
    assert len(logs) == 1, logs
    return logs[0]


class Damage(unittest.TestCase):
    """Files changed behind searchd's back, between two runs."""

    def setUp(self):
        self.d = live_util.start(DOCS, config="sync always\n")
        self.data = os.path.join(self.d.dir, "data")
        with self.d.connect() as s:
            for i in range(6):
                add(s, [{"id": "w%d" % i, "text": "written %d" % i}])
        # kill -9: no final flush, the writes stay in the log.
        self.d.proc.kill()
        self.d.proc.wait()

    def tearDown(self):
        self.d.close()

    def start_fails(self, *want):
        rc, out, err = harness.run_searchd(["-D", self.data],
                                           config=LISTEN)
        self.assertEqual(rc, 65, err)
        for w in want:
            self.assertRegex(err, w)
        return err

    def check_data(self, repair=False):
        return harness.run_searchd(["-D", self.data, "--repair" if repair
                                    else "--check-data"], config=LISTEN)

    def test_torn_last_record_is_cut(self):
        log = the_log(self.data)
        off, size, seq = log_records(log)[-1]
        self.assertEqual(seq, 6)
        for cut in (size - 1, 17, 1):
            os.truncate(log, off + size)
            with open(log, "r+b") as f:
                f.truncate(off + size - cut)
            rc, out, err = self.check_data()
            self.assertEqual(rc, 0, out + err)
            self.assertIn("torn last record of %d bytes at %d" %
                          (size - cut, off), out)
        with live_util.restart(self.d) as d2:
            d2.wait_log(r"%s:%d: cut %d bytes of a torn last record" %
                        (re.escape(log), off, size - 1))
            self.assertEqual(d2.stats()["seq"], 5)
            with d2.connect() as s:
                self.assertEqual(harness.search(s, "written")["total"], 5)
                add(s, [{"id": "after", "text": "written after"}])
            self.assertEqual(d2.stats()["seq"], 6)

    def test_log_cut_short_while_being_made(self):
        # A crash between making a log file and syncing its header leaves
        # the header's temporary name, never a log without a header.
        name = "%08d.log.tmp" % 90
        with open(os.path.join(self.data, name), "wb") as f:
            f.write(b"SDLOG")
        with live_util.restart(self.d) as d2:
            d2.wait_log(r"removing %s, which no manifest needs" %
                        re.escape(name))
            self.assertEqual(d2.stats()["seq"], 6)
            with d2.connect() as s:
                self.assertEqual(harness.search(s, "written")["total"], 6)
        self.assertFalse(os.path.exists(os.path.join(self.data, name)))

    def test_garbage_after_the_last_record_is_a_torn_tail(self):
        log = the_log(self.data)
        tail = b"\0" * 4096 + b"\x52\x4c\x44\x53 partial"
        with open(log, "ab") as f:
            f.write(tail)
        with live_util.restart(self.d) as d2:
            d2.wait_log(r"cut %d bytes of a torn last record" % len(tail))
            self.assertEqual(d2.stats()["seq"], 6)

    def test_bad_record_in_the_middle_stops_the_start(self):
        log = the_log(self.data)
        off, size, seq = log_records(log)[2]
        with open(log, "r+b") as f:
            f.seek(off + 40)
            b = f.read(1)
            f.seek(off + 40)
            f.write(bytes([b[0] ^ 0xff]))
        self.start_fails(r"%s:%d: record checksum mismatch, and valid "
                         r"records follow at %d: the log is damaged" %
                         (re.escape(log), off, off + size))
        rc, out, err = self.check_data()
        self.assertEqual(rc, 65)
        self.assertIn("%s:%d: record checksum mismatch" % (log, off), out)
        self.assertIn("--repair cuts it", out)
        size_before = os.path.getsize(log)
        rc, out, err = self.check_data(repair=True)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("repair: %s: dropping %d bytes from offset %d on" %
                      (log, size_before - off, off), out)
        self.assertEqual(os.path.getsize(log), off)
        with live_util.restart(self.d) as d2:
            self.assertEqual(d2.stats()["seq"], 2)
            with d2.connect() as s:
                self.assertEqual(harness.search(s, "written")["total"], 2)

    def test_damaged_segment_stops_the_start(self):
        seg = os.path.join(self.data, "00000001.seg")
        size = os.path.getsize(seg)
        with open(seg, "r+b") as f:
            f.seek(size - 20)
            b = f.read(1)
            f.seek(size - 20)
            f.write(bytes([b[0] ^ 0x01]))
        self.start_fails(r"%s:\d+: section \w+: checksum mismatch" %
                         re.escape(seg))
        rc, out, err = self.check_data(repair=True)
        self.assertEqual(rc, 65)
        self.assertIn("restore from a backup", out)

    def test_truncated_segment_stops_the_start(self):
        seg = os.path.join(self.data, "00000001.seg")
        os.truncate(seg, os.path.getsize(seg) - 64)
        self.start_fails(r"%s:\d+: truncated" % re.escape(seg))

    def test_missing_segment_stops_the_start(self):
        os.unlink(os.path.join(self.data, "00000001.seg"))
        self.start_fails(r"00000001\.seg: open: No such file")

    def test_damaged_manifest_stops_the_start(self):
        path = os.path.join(self.data, "MANIFEST")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("checkpoint 0", "checkpoint 9"))
        self.start_fails(r"%s:\d+: checksum mismatch" % re.escape(path))


@unittest.skipUnless(os.path.exists(FAULTFS), "tests/faultfs.so not built")
class DiskFaults(unittest.TestCase):
    """A failing disk, made by tests/faultfs.so under a live searchd."""

    def start(self, sync="always", config=""):
        self.tmp = tempfile.TemporaryDirectory(prefix="searchd-test-")
        self.ctl = os.path.join(self.tmp.name, "faultfs.ctl")
        self.synclog = os.path.join(self.tmp.name, "faultfs.log")
        self.fault("")
        env = dict(os.environ, LD_PRELOAD=FAULTFS,
                   FAULTFS_DIR=os.path.join(self.tmp.name, "data"),
                   FAULTFS_CTL=self.ctl, FAULTFS_LOG=self.synclog)
        with open(os.path.join(self.tmp.name, "first.jsonl"), "w") as f:
            for doc in DOCS:
                f.write('{"id": "%s", "text": "%s"}\n' % (doc["id"],
                                                           doc["text"]))
        self.d = harness.Searchd(
            config="sync %s\n%scorpus @TMP@/first.jsonl\n" % (sync, config),
            env=env, tmp=self.tmp)
        return self.d

    def tearDown(self):
        self.d.close()
        self.tmp.cleanup()

    def fault(self, mode):
        with open(self.ctl, "w") as f:
            f.write(mode)

    def assert_searches(self, s, total):
        self.assertEqual(harness.search(s, "fault")["total"], 10)
        self.assertEqual(harness.search(s, "written")["total"], total)

    def test_disk_full_refuses_and_recovers(self):
        d = self.start()
        with d.connect() as s:
            add(s, [{"id": "ok1", "text": "written first"}])
            for mode in ("enospc", "enospc-partial", "eio"):
                self.fault(mode)
                r = add(s, [{"id": mode, "text": "written lost"}])
                self.assertEqual(r["error"]["code"], "write_failed", r)
                self.assertRegex(r["error"]["message"],
                                 r"cannot append to the log .*: (No space "
                                 r"left on device|Input/output error); the "
                                 r"write was not made")
                self.assert_searches(s, 1)
            self.fault("")
            r = add(s, [{"id": "ok2", "text": "written again"}])
            self.assertEqual((r["result"], r["seq"]), ("ok", 2))
            self.assert_searches(s, 2)
        st = d.stats()
        self.assertEqual((st["write_errors"], st["log_unusable"]),
                         (3, False))
        # The half-written record was cut: the log reads back whole.
        d.proc.kill()
        d.proc.wait()
        d2 = harness.Searchd(config="corpus @TMP@/first.jsonl\n",
                             tmp=self.tmp)
        try:
            self.assertNotIn("torn", d2.log_text())
            self.assertEqual(d2.stats()["seq"], 2)
            with d2.connect() as s:
                self.assert_searches(s, 2)
        finally:
            d2.close()

    def test_failed_fsync_is_never_retried(self):
        d = self.start("always")
        with d.connect() as s:
            add(s, [{"id": "ok1", "text": "written first"}])
            self.fault("fsync-eio")
            r = add(s, [{"id": "x", "text": "written maybe"}])
            self.assertEqual(r["error"]["code"], "log_unusable", r)
            self.assertIn("may or may not have been kept",
                          r["error"]["message"])
            self.fault("")
            for _ in range(3):
                r = add(s, [{"id": "y", "text": "written refused"}])
                self.assertEqual(r["error"]["code"], "log_unusable")
                self.assertIn("fsync of", r["error"]["message"])
            # Searches go on, on what was applied.
            self.assertEqual(harness.search(s, "fault")["total"], 10)
            self.assertEqual(harness.search(s, "refused")["total"], 0)
        self.assertTrue(d.stats()["log_unusable"])
        d.wait_log(r"writes are refused until searchd restarts")
        d.proc.kill()
        d.proc.wait()
        d2 = harness.Searchd(config="corpus @TMP@/first.jsonl\n",
                             tmp=self.tmp)
        try:
            with d2.connect() as s:
                # The unsynced write may be there or not; writes work.
                self.assertIn(harness.search(s, "maybe")["total"], (0, 1))
                r = add(s, [{"id": "z", "text": "written after restart"}])
                self.assertEqual(r["result"], "ok")
            self.assertFalse(d2.stats()["log_unusable"])
        finally:
            d2.close()

    def test_everysec_syncs_within_the_second(self):
        d = self.start("everysec")
        with d.connect() as s:
            t0 = time.monotonic()
            add(s, [{"id": "e1", "text": "written once"}])
            deadline = t0 + 5
            while time.monotonic() < deadline:
                with open(self.synclog) as f:
                    syncs = [line.split() for line in f
                             if line.startswith("fdatasync") and
                             line.rstrip().endswith(".log")]
                if [x for x in syncs if float(x[1]) >= t0]:
                    break
                time.sleep(0.05)
            after = [float(x[1]) - t0 for x in syncs if float(x[1]) >= t0]
            self.assertTrue(after, "no fdatasync of the log after a write")
            self.assertLess(after[0], 1.5)
            # A failed background fsync makes the log unusable too.
            self.fault("fsync-eio")
            add(s, [{"id": "e2", "text": "written twice"}])
            deadline = time.monotonic() + 5
            while not d.stats()["log_unusable"] and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            r = add(s, [{"id": "e3", "text": "written thrice"}])
            self.assertEqual(r["error"]["code"], "log_unusable", r)

    def test_flush_that_fails_is_tried_again(self):
        d = self.start("always", config="write_buffer 64K\n")
        with d.connect() as s:
            # Segment files cannot be written: the flush this batch makes
            # due fails, the write itself is in the log and answered.
            self.fault("enospc:.seg")
            r = add(s, [{"id": "big%d" % i,
                         "text": "written " + "x%d " % i * 40}
                        for i in range(200)])
            self.assertEqual(r["result"], "ok", r)
            d.wait_log(r"flush failed: .*No space left on device; trying "
                       r"again in 10 s", timeout=20)
            self.assertNotIn(".seg.tmp", " ".join(os.listdir(
                os.path.join(self.tmp.name, "data"))))
            self.fault("")
            self.assert_searches(s, 200)
            deadline = time.monotonic() + 20
            while d.stats()["flushes"] == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertGreater(d.stats()["flushes"], 0)
            self.assert_searches(s, 200)


if __name__ == "__main__":
    harness.main()
