"""Replicas behind HAProxy, configured by etc/haproxy-searchd.cfg.

Two searchd replicas (each marks its hits with its name), a third
"server" that accepts connections but never answers (a hung replica, which
a plain TCP check would call healthy), and HAProxy, all on loopback.  The
configuration is the shipped one with test ports, a test global section
and fast checks (inter 200ms fall 2 rise 1); its health check, which
speaks searchd's protocol, is used unchanged.

10,000 search requests go through HAProxy from several client threads,
each on connections it reopens every few requests and after a failure, as
searchctl does.  One replica is killed (SIGKILL, by PID) a third of the
way through.  Every request must be answered correctly, both replicas must
have served some, the hung server none, and HAProxy must mark the killed
replica down.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import harness

HAPROXY = shutil.which("haproxy")
TOP_SRCDIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), ".."))
REQUESTS = 10000
THREADS = 8
PER_CONNECTION = 25
KILL_AFTER = REQUESTS // 3
WAIT = 20

DOCS = {
    "morpheus": "Follow the white rabbit. \U0001f430",
    "ring": "In the caves beneath the Misty Mountains. \U0001f48d",
    "ball": "\U0001f43e Playing ball! \U0001f3d0",
}
QUERIES = [("morpheus", "morpheus"), ("ring", "ring"),
           ("white rabbit", "morpheus"), ("misty mountains", "ring"),
           ("playing ball", "ball"), ("caves", "ring")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(template, front, servers, stats_sock):
    """The shipped configuration with the test's addresses and timings."""
    sections = re.split(r"^(?=\S)", template, flags=re.M)
    out = ["global\n\tmaxconn 4000\n\tnbthread 2\n"
           "\tstats socket %s mode 600 level admin\n" % stats_sock]
    for sec in sections:
        if not sec.strip() or sec.startswith("#") or \
                sec.startswith("global"):
            continue
        lines = []
        for line in sec.splitlines():
            word = line.split()[0] if line.split() else ""
            if word == "log":
                continue
            if word == "bind":
                line = "\tbind 127.0.0.1:%d" % front
            elif word == "default-server":
                line = re.sub(r"inter \S+ fall \d+ rise \d+",
                              "inter 200ms fall 2 rise 1", line)
                assert "inter 200ms" in line, line
            elif word == "server":
                continue
            lines.append(line)
        if sec.startswith("backend"):
            for name, port in servers:
                lines.append("\tserver %s 127.0.0.1:%d check" % (name, port))
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


class BlackHole:
    """Accepts connections and reads them, but never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.payloads = []
        self.lock = threading.Lock()
        self.conns = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.read, args=(c,), daemon=True).start()

    def read(self, c):
        data = b""
        c.settimeout(WAIT)
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        with self.lock:
            self.payloads.append(data)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@unittest.skipIf(HAPROXY is None, "haproxy is not installed")
class Replicas(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="searchd-haproxy-")
        self.addCleanup(self.tmp.cleanup)
        self.replicas = {}
        for name in ("A", "B"):
            corpus = os.path.join(self.tmp.name, "corpus-%s.jsonl" % name)
            with open(corpus, "w", encoding="utf-8") as f:
                for doc_id, text in DOCS.items():
                    f.write(json.dumps({"id": doc_id, "text": text,
                                        "replica": name}) + "\n")
            d = harness.Searchd(config="corpus %s\nworkers 2\n" % corpus)
            self.addCleanup(d.close)
            self.replicas[name] = d
        self.hole = BlackHole()
        self.addCleanup(self.hole.close)

        with open(os.path.join(TOP_SRCDIR, "etc", "haproxy-searchd.cfg"),
                  encoding="utf-8") as f:
            template = self.template = f.read()
        self.stats_sock = os.path.join(self.tmp.name, "haproxy.sock")
        cfg = os.path.join(self.tmp.name, "haproxy.cfg")
        for attempt in range(5):
            self.front = free_port()
            with open(cfg, "w", encoding="utf-8") as f:
                f.write(haproxy_config(
                    template, self.front,
                    [("searchd1", self.replicas["A"].port),
                     ("searchd2", self.replicas["B"].port),
                     ("hung", self.hole.port)], self.stats_sock))
            check = subprocess.run([HAPROXY, "-c", "-f", cfg],
                                   capture_output=True, timeout=WAIT)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.log = open(os.path.join(self.tmp.name, "haproxy.log"), "wb")
            self.addCleanup(self.log.close)
            self.haproxy = subprocess.Popen(
                [HAPROXY, "-db", "-f", cfg], stdin=subprocess.DEVNULL,
                stdout=self.log, stderr=subprocess.STDOUT)
            if self.wait_port(self.front):
                break
            self.stop_haproxy()      # the port was taken meanwhile: again
        else:
            self.fail("haproxy did not start: " + self.haproxy_log())
        self.addCleanup(self.stop_haproxy)

    def haproxy_log(self):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_port(self, port):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.haproxy.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop_haproxy(self):
        if self.haproxy.poll() is None:
            self.haproxy.send_signal(signal.SIGUSR1)    # soft stop
            try:
                self.haproxy.wait(10)
            except subprocess.TimeoutExpired:
                self.haproxy.kill()
                self.haproxy.wait()

    def server_status(self):
        """{server: status} from HAProxy's stats socket."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.stats_sock)
            s.sendall(b"show stat\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        lines = data.decode().splitlines()
        fields = lines[0].lstrip("# ").split(",")
        status = {}
        for line in lines[1:]:
            row = dict(zip(fields, line.split(",")))
            if row.get("pxname") == "searchd" and \
                    row.get("svname") not in ("BACKEND", "FRONTEND"):
                status[row["svname"]] = row["status"]
        return status

    def wait_status(self, want):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            status = self.server_status()
            if all(status.get(k, "").startswith(v) for k, v in want.items()):
                return status
            time.sleep(0.05)
        self.fail("servers never reached %r: %r" % (want, status))

    def test_no_request_lost(self):
        # The protocol check tells the hung server from the replicas.
        self.wait_status({"searchd1": "UP", "searchd2": "UP",
                          "hung": "DOWN"})

        lock = threading.Lock()
        next_req = [0]
        answered = [0]
        by_replica = {"A": 0, "B": 0}
        retries = [0]
        failures = []
        killed = threading.Event()
        after_kill = {"A": 0, "B": 0}

        def take():
            with lock:
                if next_req[0] >= REQUESTS:
                    return None
                next_req[0] += 1
                return next_req[0]

        def client():
            sock = None
            used = 0
            rid = take()
            tries = 0
            while rid is not None and not failures:
                query, doc = QUERIES[rid % len(QUERIES)]
                try:
                    if sock is None:
                        sock = socket.create_connection(
                            ("127.0.0.1", self.front), timeout=5)
                        used = 0
                    hdr, body = harness.request(
                        sock, {"action": "search", "value": query},
                        id=rid)
                    used += 1
                except (OSError, EOFError, ValueError) as e:
                    # Closed or reset under us: a new connection, the same
                    # request again.
                    if sock is not None:
                        sock.close()
                    sock = None
                    tries += 1
                    with lock:
                        retries[0] += 1
                    if tries > 20:
                        failures.append("request %d: %r" % (rid, e))
                    time.sleep(0.01)
                    continue
                hit = body.get("hits", [{}])[0]
                if hdr.get("id") != rid or hit.get("id") != doc or \
                        body.get("result") != DOCS[doc]:
                    failures.append("request %d: bad reply %r %r" %
                                    (rid, hdr, body))
                    break
                with lock:
                    answered[0] += 1
                    by_replica[hit["replica"]] += 1
                    if killed.is_set():
                        after_kill[hit["replica"]] += 1
                rid, tries = take(), 0
                if used >= PER_CONNECTION:
                    sock.close()
                    sock = None
            if sock is not None:
                sock.close()

        threads = [threading.Thread(target=client) for _ in range(THREADS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        victim = self.replicas["A"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not failures:
            with lock:
                if answered[0] >= KILL_AFTER:
                    break
            time.sleep(0.005)
        with lock:
            served_before = dict(by_replica)
        os.kill(victim.proc.pid, signal.SIGKILL)
        killed.set()
        victim.proc.wait(WAIT)
        for t in threads:
            t.join(90)
        elapsed = time.monotonic() - t0
        status = self.wait_status({"searchd1": "DOWN", "searchd2": "UP",
                                   "hung": "DOWN"})

        print("%d requests in %.1f s: %r, %d retried, after the kill %r, "
              "servers %r" % (answered[0], elapsed, by_replica, retries[0],
                              after_kill, status))
        self.assertEqual(failures, [])
        self.assertEqual(answered[0], REQUESTS)
        self.assertGreater(served_before["A"], 0)
        self.assertGreater(served_before["B"], 0)
        self.assertGreater(after_kill["B"], REQUESTS // 2)
        # Nothing but health checks ever reached the hung server.
        check = bytes.fromhex(re.search(r"tcp-check send-binary (\w+)",
                                        self.template).group(1))
        self.assertEqual(check, harness.frame({"action": "ping"}))
        with self.hole.lock:
            payloads = list(self.hole.payloads)
        self.assertTrue(all(p in (b"", check) for p in payloads),
                        [p[:80] for p in payloads if p not in (b"", check)])
        # The surviving replica is healthy and counted the traffic.
        stats = self.replicas["B"].stats()
        self.assertGreaterEqual(stats["requests_total"], by_replica["B"])
        self.assertEqual(self.replicas["B"].stop(), 0)


if __name__ == "__main__":
    harness.main()
