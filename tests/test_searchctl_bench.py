"""searchctl bench: short runs against searchd, and against servers that
stop answering, checking the report's accounting."""

import json
import os
import pty
import subprocess
import tempfile
import time
import unittest

import harness
from searchctl_fakes import FakeServer, RefusedPort, run_ctl, \
    serve_then_hang

PCTS = ("min", "p50", "p90", "p99", "p99.9", "max")


class BenchTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.d = harness.Searchd()
        cls.addr = ["-p", str(cls.d.port)]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def bench(self, *args, status=0):
        rc, out, err = run_ctl(self.addr + ["bench", "--json"] + list(args))
        self.assertEqual(rc, status, err)
        r = json.loads(out)
        self.assertEqual(r["completed"] + r["errors"], r["sent"])
        lat = [r["latency_us"][k] for k in PCTS]
        self.assertEqual(lat, sorted(lat), lat)
        return r

    def assertClean(self, r):
        self.assertGreater(r["completed"], 0)
        self.assertEqual(r["errors"], 0)
        self.assertFalse(r["aborted"])
        self.assertGreater(r["requests_per_s"], 0)
        self.assertGreater(r["latency_us"]["max"], 0)

    def test_requests(self):
        r = self.bench("-n", "2000", "-c", "8")
        self.assertClean(r)
        self.assertEqual(r["sent"], 2000)
        self.assertEqual(r["latency_from"], "send")

    def test_duration(self):
        t0 = time.monotonic()
        r = self.bench("-d", "1", "-c", "4")
        self.assertClean(r)
        self.assertGreaterEqual(r["duration_s"], 1.0)
        self.assertLess(time.monotonic() - t0, 10)

    def test_pipeline(self):
        r = self.bench("-n", "2000", "-c", "4", "-P", "16")
        self.assertClean(r)
        self.assertEqual((r["sent"], r["pipeline"]), (2000, 16))

    def test_reconnect(self):
        r = self.bench("-n", "2000", "-c", "8", "--reconnect")
        self.assertClean(r)
        self.assertEqual(r["sent"], 2000)

    def test_reconnect_pipeline(self):
        r = self.bench("-n", "2000", "-c", "4", "-P", "16", "--reconnect")
        self.assertClean(r)

    def test_open_loop(self):
        r = self.bench("-r", "2000", "-d", "1", "-c", "4")
        self.assertClean(r)
        self.assertEqual((r["mode"], r["latency_from"]),
                         ("open-loop", "due"))
        # The schedule, not the server, sets the pace.
        self.assertAlmostEqual(r["sent"], 2000, delta=100)

    def test_file_queries(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("morpheus\n\nring\n")
            f.flush()
            r = self.bench("-n", "500", "-c", "2", "-f", f.name)
        self.assertClean(r)

    def test_text_report(self):
        rc, out, err = run_ctl(self.addr + ["bench", "-n", "500", "-c", "2"])
        self.assertEqual(rc, 0, err)
        text = out.decode()
        for word in ("500 sent", "500 completed", "0 errors", "requests/s",
                     "send time", "p99.9", "max"):
            self.assertIn(word, text)
        self.assertEqual(err, "")     # no progress line off a terminal

    def test_progress_on_terminal(self):
        master, slave = pty.openpty()
        try:
            p = subprocess.run([harness.SEARCHCTL] + self.addr +
                               ["bench", "-d", "1.5", "-c", "2", "--json"],
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=slave,
                               timeout=30)
            os.close(slave)
            slave = None
            err = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                err += chunk
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"req/s", err)
        self.assertIn(b"completed", err)
        json.loads(p.stdout)


class BenchFailureTest(unittest.TestCase):

    def test_server_stops_answering(self):
        with FakeServer(serve_then_hang(100)) as srv:
            t0 = time.monotonic()
            rc, out, err = run_ctl(["-p", str(srv.port), "bench", "--json",
                                    "-n", "100000", "-c", "4",
                                    "--timeout", "0.5"])
            elapsed = time.monotonic() - t0
        self.assertEqual(rc, 69, err)
        self.assertLess(elapsed, 10)
        r = json.loads(out)
        self.assertEqual(r["completed"], 100)
        self.assertGreater(r["errors"], 0)
        self.assertEqual(r["completed"] + r["errors"], r["sent"])
        self.assertTrue(r["aborted"])
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("no reply", err)

    def test_duration_with_silent_server(self):
        with FakeServer(serve_then_hang(0)) as srv:
            t0 = time.monotonic()
            rc, out, _ = run_ctl(["-p", str(srv.port), "bench", "--json",
                                  "-d", "1", "-c", "3", "-P", "2",
                                  "--timeout", "0.5"])
            self.assertLess(time.monotonic() - t0, 10)
        r = json.loads(out)
        self.assertEqual(rc, 69)
        self.assertEqual((r["completed"], r["errors"], r["sent"]), (0, 6, 6))

    def test_refused(self):
        with RefusedPort() as p:
            rc, out, err = run_ctl(["-p", str(p.port), "bench", "-n", "10"])
        self.assertEqual((rc, out), (69, b""))
        self.assertEqual(err, "searchctl: 127.0.0.1:%d: connection refused "
                         "(is searchd running?)\n" % p.port)

    def test_missing_file(self):
        rc, _, err = run_ctl(["bench", "-f", "/nonexistent/q.txt"])
        self.assertEqual(rc, 2)
        self.assertIn("/nonexistent/q.txt", err)


if __name__ == "__main__":
    harness.main()
