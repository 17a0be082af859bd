"""sd_notify(3) as systemd's Type=notify sees it, with a fake NOTIFY_SOCKET.

The test binds the AF_UNIX datagram socket systemd would, starts searchd
with NOTIFY_SOCKET naming it, and checks what arrives and when: READY=1
only once the port answers, RELOADING=1 then READY=1 around SIGHUP (and
READY=1 only once the new corpus is in service), STOPPING=1 at SIGTERM.
The abstract-namespace form "@name" is checked too.
"""

import json
import os
import signal
import socket
import tempfile
import time
import unittest
import uuid

import harness

WAIT = 30


def notify_fields(data):
    fields = {}
    for line in data.decode("utf-8").split("\n"):
        if line:
            key, _, value = line.partition("=")
            fields[key] = value
    return fields


class FakeManager:
    """The receiving end of NOTIFY_SOCKET."""

    def __init__(self, address, name):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.name = name            # the NOTIFY_SOCKET value
        self.messages = []

    def recv(self, timeout=WAIT):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            raise AssertionError("no notification in %d s; had %r" %
                                 (timeout, self.messages))
        fields = notify_fields(data)
        self.messages.append(fields)
        return fields

    def expect_nothing(self, timeout=0.3):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return
        raise AssertionError("unexpected notification %r" % data)

    def close(self):
        self.sock.close()


def corpus_line(doc_id, text):
    return json.dumps({"id": doc_id, "text": text}) + "\n"


class Notify(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="searchd-notify-")
        self.addCleanup(self.tmp.cleanup)
        self.corpus = os.path.join(self.tmp.name, "corpus.jsonl")
        # Enough documents that indexing takes a moment, so a READY=1 sent
        # before the (re)load finished would be caught.
        with open(self.corpus, "w", encoding="utf-8") as f:
            for i in range(30000):
                f.write(corpus_line("doc%d" % i, "common filler words "
                                    "number %d of the first corpus" % i))

    def start(self, manager):
        env = dict(os.environ, NOTIFY_SOCKET=manager.name)
        d = harness.Searchd(config="corpus %s\ndata_dir none\n" % self.corpus,
                            env=env,
                            wait=False)
        self.addCleanup(d.close)
        return d

    def run_lifecycle(self, manager):
        d = self.start(manager)
        ready = manager.recv()
        # The port must take connections and answer by the time READY=1
        # arrives: nothing of searchd's own log is needed to find that out
        # but the address, which it logged before listening.
        self.assertEqual(ready.get("READY"), "1", ready)
        self.assertEqual(ready.get("MAINPID"), str(d.proc.pid))
        self.assertIn("STATUS", ready)
        addr = d.wait_log(r"listening on (\S+)").group(1)
        host, port = addr.rsplit(":", 1)
        d.host, d.port = host, int(port)
        with d.connect(timeout=5) as s:
            self.assertEqual(harness.request(s, {"action": "ping"})[1],
                             {"result": "pong"})
            self.assertEqual(harness.search(s, "doc7")["hits"][0]["id"],
                             "doc7")
        manager.expect_nothing()

        # Reload with a new corpus: RELOADING=1 at once, READY=1 only when
        # the new index answers.
        with open(self.corpus, "a", encoding="utf-8") as f:
            f.write(corpus_line("newdoc", "zebra appeared after the reload"))
        t0 = time.monotonic()
        d.signal(signal.SIGHUP)
        reloading = manager.recv()
        self.assertEqual(reloading.get("RELOADING"), "1", reloading)
        usec = int(reloading["MONOTONIC_USEC"])
        # CLOCK_MONOTONIC, as time.monotonic() reads it on Linux.
        self.assertLess(abs(usec / 1e6 - t0), 5, (usec, t0))
        ready = manager.recv()
        self.assertEqual(ready.get("READY"), "1", ready)
        with d.connect(timeout=5) as s:
            r = harness.search(s, "zebra")
            self.assertEqual(r["total"], 1, r)
            self.assertEqual(r["hits"][0]["id"], "newdoc")

        # A reload that fails still ends with READY=1, and says so.
        with open(self.corpus, "a", encoding="utf-8") as f:
            f.write("{not json\n")
        d.signal(signal.SIGHUP)
        self.assertEqual(manager.recv().get("RELOADING"), "1")
        ready = manager.recv()
        self.assertEqual(ready.get("READY"), "1", ready)
        self.assertIn("fail", ready.get("STATUS", ""))
        with d.connect(timeout=5) as s:
            self.assertEqual(harness.search(s, "zebra")["total"], 1)

        # SIGTERM: STOPPING=1, then a clean exit.
        d.signal(signal.SIGTERM)
        self.assertEqual(manager.recv(), {"STOPPING": "1"})
        self.assertEqual(d.stop(), 0)
        manager.expect_nothing()
        kinds = [[k for k in ("READY", "RELOADING", "STOPPING") if k in m]
                 for m in manager.messages]
        self.assertEqual(kinds, [["READY"], ["RELOADING"], ["READY"],
                                 ["RELOADING"], ["READY"], ["STOPPING"]])

    def test_path(self):
        path = os.path.join(self.tmp.name, "notify")
        manager = FakeManager(path, path)
        self.addCleanup(manager.close)
        self.run_lifecycle(manager)

    def test_abstract_namespace(self):
        name = "searchd-test-%s" % uuid.uuid4().hex
        manager = FakeManager("\0" + name, "@" + name)
        self.addCleanup(manager.close)
        self.run_lifecycle(manager)

    def test_no_socket_no_harm(self):
        """A NOTIFY_SOCKET nobody listens on is not fatal."""
        path = os.path.join(self.tmp.name, "nobody")
        env = dict(os.environ, NOTIFY_SOCKET=path)
        with harness.Searchd(env=env) as d:
            with d.connect() as s:
                self.assertEqual(harness.request(s, {"action": "ping"})[1],
                                 {"result": "pong"})
            self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    harness.main()
