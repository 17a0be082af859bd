"""Helpers for the searchctl tests: running searchctl, servers that
misbehave on purpose, and the tutorial-style one-shot server."""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import harness

ONESHOT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "oneshot_server.py")
RUN_TIMEOUT = 30


def run_ctl(args, stdin=b"", timeout=RUN_TIMEOUT, env=None):
    """Runs searchctl; returns (status, stdout bytes, stderr text)."""
    p = subprocess.run([harness.SEARCHCTL] + list(args), input=stdin,
                       capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def reply(content, ctype="text/json", enc="utf-8", **extra):
    """A reply frame as searchd or the tutorial server writes it."""
    if isinstance(content, (dict, list)):
        content = json.dumps(content, ensure_ascii=False).encode("utf-8")
    return harness.frame(content, ctype=ctype, enc=enc, order="little",
                         **extra)


def read_request(sock):
    """One request: (header dict, content bytes), or None at EOF."""
    try:
        hbytes, content = harness.recv_raw(sock)
    except (EOFError, OSError):
        return None
    return json.loads(hbytes), content


class FakeServer:
    """Listens on a free loopback port; handler(sock, server) runs in a
    thread per connection.  Requests seen are kept in .requests."""

    def __init__(self, handler):
        self.handler = handler
        self.requests = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(10)
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        try:
            self.handler(conn, self)
        except OSError:
            pass

    def record(self, req):
        with self.lock:
            self.requests.append(req)
            return len(self.requests)

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def serve_fixed(data):
    """A handler that answers every request with the bytes data."""
    def handler(conn, server):
        while True:
            req = read_request(conn)
            if req is None:
                return
            server.record(req)
            conn.sendall(data)
    return handler


def serve_then_hang(answers):
    """Answers the first `answers` requests (over all connections), then
    reads and never answers again."""
    def handler(conn, server):
        while True:
            req = read_request(conn)
            if req is None:
                return
            if server.record(req) <= answers:
                conn.sendall(reply({"result": "ok"}))
    return handler


class RefusedPort:
    """A loopback port that is bound but not listening: connects to it are
    refused, and no other process can take it meanwhile."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


class Oneshot:
    """tests/oneshot_server.py in a subprocess; .accepted() counts the
    connections it has taken."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-u", ONESHOT, "127.0.0.1", "0"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on "):
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            raise AssertionError("oneshot_server.py did not start: %r" %
                                 line)
        self.port = int(line.rsplit(":", 1)[1])
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.append(raw)

    def accepted(self, settle=0.5):
        time.sleep(settle)
        return len([x for x in self.lines if x.startswith(b"accepted")])

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.reader.join(5)
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

