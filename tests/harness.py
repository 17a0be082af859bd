"""Test harness: runs the built searchd on loopback and speaks its protocol.

Every test starts its own searchd on a port the kernel picks (listen
127.0.0.1:0), reads the bound address from its log, and stops it by PID.
Every wait is bounded so a hung daemon fails the test instead of the run.
"""

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SEARCHD = os.environ.get("SEARCHD", os.path.join(
    os.path.dirname(__file__), "..", "src", "searchd"))
SEARCHCTL = os.environ.get("SEARCHCTL", os.path.join(
    os.path.dirname(__file__), "..", "src", "searchctl"))
SRCDIR = os.environ.get("srcdir", os.path.dirname(__file__) or ".")
HOST_ORDER = sys.byteorder
# Set by .ci/run for the AddressSanitizer build, whose memory use is larger,
# and for the run under valgrind, whose resident memory is valgrind's own.
SANITIZED = os.environ.get("SEARCHD_SANITIZED") == "1"
VALGRIND = os.environ.get("SEARCHD_VALGRIND") == "1"
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "WARNING: ThreadSanitizer")
START_TIMEOUT = 30


def raise_fd_limit():
    """Tests with many connections need more than the usual 1024."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


raise_fd_limit()


class Searchd:
    """A searchd process with its own config file and temporary directory."""

    def __init__(self, config="", listen=("127.0.0.1:0",), args=(),
                 env=None, wait=True, files=None, tmp=None):
        # tmp: another test's directory to run in (a restart of the same
        # data_dir); files: written into it before the start.
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.TemporaryDirectory(prefix="searchd-test-")
        self.dir = self.tmp.name
        for name, text in (files or {}).items():
            with open(os.path.join(self.dir, name), "w",
                      encoding="utf-8") as f:
                f.write(text)
        self.conf = os.path.join(self.dir, "searchd.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            for spec in listen:
                f.write("listen %s\n" % spec.replace("@TMP@", self.dir))
            f.write(config.replace("@TMP@", self.dir))
            # searchd's default data_dir is the system's: a test's own
            # unless it says otherwise.
            if not re.search(r"^\s*data_dir\s", config, re.M):
                f.write("data_dir %s/data\n" % self.dir)
        self.log_lines = []
        self.stopping = False
        self._log_cond = threading.Condition()
        if env is None and SANITIZED:
            # A small quarantine, so memory bounds mean the same under ASan.
            env = dict(os.environ, ASAN_OPTIONS=os.environ.get(
                "ASAN_OPTIONS", "quarantine_size_mb=4"))
        self.proc = subprocess.Popen(
            [SEARCHD, "-f", self.conf] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=env)
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        self.addrs = []
        if wait:
            self.wait_ready(len(listen))

    def _read_log(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._log_cond:
                self.log_lines.append(line)
                self._log_cond.notify_all()
        with self._log_cond:
            self._log_cond.notify_all()

    def wait_log(self, pattern, timeout=10, start=0):
        """Waits for a log line matching pattern; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._log_cond:
            while True:
                for line in self.log_lines[start:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and
                                 not self._reader.is_alive()):
                    raise AssertionError(
                        "no log line matching %r; log:\n%s" %
                        (pattern, "\n".join(self.log_lines)))
                self._log_cond.wait(min(left, 0.2))

    def log_count(self):
        with self._log_cond:
            return len(self.log_lines)

    def log_text(self):
        with self._log_cond:
            return "\n".join(self.log_lines)

    def wait_ready(self, nlisten=1):
        self.wait_log(r"ready", timeout=START_TIMEOUT)
        for line in self.log_lines:
            m = re.search(r"listening on (\S+)", line)
            if m:
                self.addrs.append(m.group(1))
        assert len(self.addrs) >= nlisten, self.log_text()
        tcp = [a for a in self.addrs if not a.startswith("/")]
        if tcp:
            host, port = tcp[0].rsplit(":", 1)
            self.host, self.port = host.strip("[]"), int(port)

    def connect(self, timeout=10, addr=None):
        addr = addr or ("%s:%d" % (self.host, self.port))
        if addr.startswith("/"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(addr)
            return s
        host, port = addr.rsplit(":", 1)
        host = host.strip("[]")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((host, int(port)))
        return s

    def stats(self):
        with self.connect() as s:
            return request(s, {"action": "stats"})[1]["stats"]

    def signal(self, sig):
        if sig in (signal.SIGTERM, signal.SIGINT):
            self.stopping = True
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        """SIGTERM (unless already sent) and wait; returns the exit status."""
        if self.proc.poll() is None and not self.stopping:
            self.stopping = True
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("searchd did not exit on SIGTERM")
        self._reader.join(5)
        return rc

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()
        if self.own_tmp:
            self.tmp.cleanup()
        self.check_sanitizers()

    def check_sanitizers(self):
        """A sanitizer report anywhere in the log fails the test."""
        text = self.log_text()
        for mark in SANITIZER_MARKS:
            if mark in text:
                raise AssertionError("sanitizer report in searchd's log:\n"
                                     + text[-6000:])

    def num_fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_searchd(args, config=None, timeout=20, env=None):
    """Runs searchd to completion (for -t, -h, bad configs)."""
    tmp = tempfile.TemporaryDirectory(prefix="searchd-test-")
    argv = [SEARCHD] + list(args)
    if config is not None:
        path = os.path.join(tmp.name, "searchd.conf")
        with open(path, "w", encoding="utf-8") as f:
            f.write(config.replace("@TMP@", tmp.name))
            if not re.search(r"^\s*data_dir\s", config, re.M):
                f.write("\ndata_dir %s/data\n" % tmp.name)
        argv += ["-f", path]
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, env=env)
    finally:
        tmp.cleanup()
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def header(content_len, ctype="text/json", enc="utf-8", order="big", **extra):
    h = {"byteorder": order, "content-type": ctype,
         "content-encoding": enc, "content-length": content_len}
    h.update(extra)
    return h


def frame(content, ctype="text/json", enc="utf-8", order="big", hdr=None,
          **extra):
    """A message as the tutorial's client builds it."""
    if isinstance(content, (dict, list)):
        content = json.dumps(content, ensure_ascii=False).encode(enc)
    if hdr is None:
        hdr = header(len(content), ctype, enc, order, **extra)
    hbytes = json.dumps(hdr, ensure_ascii=False).encode("utf-8")
    return struct.pack(">H", len(hbytes)) + hbytes + content


def raw_frame(hbytes, content=b""):
    return struct.pack(">H", len(hbytes)) + hbytes + content


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" %
                           (len(data), n))
        data += chunk
    return data


def recv_raw(sock):
    """One reply: (header bytes, content bytes)."""
    (hlen,) = struct.unpack(">H", recv_exact(sock, 2))
    hbytes = recv_exact(sock, hlen)
    hdr = json.loads(hbytes.decode("utf-8"))
    return hbytes, recv_exact(sock, hdr["content-length"])


def recv_msg(sock):
    """One reply: (header dict, content as dict for text/json else bytes)."""
    hbytes, content = recv_raw(sock)
    hdr = json.loads(hbytes)
    if hdr["content-type"] == "text/json":
        return hdr, json.loads(content.decode(hdr["content-encoding"]))
    return hdr, content


def request(sock, obj, **extra):
    sock.sendall(frame(obj, **extra))
    return recv_msg(sock)


def search(sock, value, **extra):
    return request(sock, {"action": "search", "value": value}, **extra)[1]


def assert_closed(sock, timeout=10):
    """The peer closed: EOF (or reset) within timeout, with no more data."""
    sock.settimeout(timeout)
    try:
        data = sock.recv(65536)
    except ConnectionResetError:
        return
    if data:
        raise AssertionError("expected close, got %r" % data[:200])


def main():
    unittest.main(verbosity=2)
