"""Socket activation, as searchd.socket sets it up.

1. systemd-socket-activate listens, and starts searchd only when the first
   client connects: that client, and others that connect while searchd
   starts, are served, and the configured listen lines are not used.
2. A restart with the same listening socket, as systemd does for a
   socket-activated service: this test holds the socket, passes it to
   searchd as descriptor 3 with LISTEN_FDS/LISTEN_PID, stops searchd
   (SIGTERM, then SIGKILL the next one) and starts it again while clients
   keep connecting.  No connection attempt is refused: the ones made while
   no searchd runs wait in the listen backlog and are answered by the next.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness

WAIT = 30
ACTIVATE = shutil.which("systemd-socket-activate")

# Puts the socket at descriptor 3 and sets LISTEN_PID to its own PID, which
# exec keeps: what systemd does between fork and exec.
TRAMPOLINE = (
    "import os, sys\n"
    "fd = int(sys.argv[1])\n"
    "if fd != 3:\n"
    "    os.dup2(fd, 3)\n"
    "    os.close(fd)\n"
    "os.environ['LISTEN_FDS'] = '1'\n"
    "os.environ['LISTEN_PID'] = str(os.getpid())\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_file(path, pattern, proc, timeout=WAIT):
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < deadline:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if rx.search(text):
            return text
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    with open(path, encoding="utf-8", errors="replace") as f:
        raise AssertionError("no %r in the log:\n%s" % (pattern, f.read()))


def ping(port, rid, timeout=WAIT):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        hdr, body = harness.request(s, {"action": "ping"}, id=rid)
    if body != {"result": "pong"} or hdr.get("id") != rid:
        raise AssertionError("bad reply %r %r" % (hdr, body))


class Process:
    """A process of ours with its output in a file; stopped by PID."""

    def __init__(self, argv, log, env=None, pass_fds=()):
        self.log = log
        self.out = open(log, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.out,
                                     env=env, pass_fds=pass_fds)

    def wait_log(self, pattern):
        return wait_file(self.log, pattern, self.proc)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(15)
        finally:
            self.close()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()


class Activation(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="searchd-activate-")
        self.addCleanup(self.tmp.cleanup)
        self.unused = os.path.join(self.tmp.name, "unused.sock")
        self.conf = os.path.join(self.tmp.name, "searchd.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            # Passed sockets replace the listen lines: this one must not
            # be created.
            f.write("listen %s\nworkers 2\ndata_dir %s\n" %
                    (self.unused, os.path.join(self.tmp.name, "data")))

    @unittest.skipIf(ACTIVATE is None,
                     "systemd-socket-activate is not installed")
    def test_started_by_first_connection(self):
        for attempt in range(5):
            port = free_port()
            act = Process([ACTIVATE, "-l", "127.0.0.1:%d" % port,
                           harness.SEARCHD, "-f", self.conf],
                          os.path.join(self.tmp.name, "activate.log"))
            try:
                act.wait_log(r"Listening on")
                break
            except AssertionError:
                act.close()       # the port was taken meanwhile: again
        else:
            self.fail("systemd-socket-activate did not start")
        self.addCleanup(act.close)
        with open(act.log, encoding="utf-8") as f:
            self.assertNotIn("searchd: info", f.read())   # not started yet

        # Clients connect before searchd runs; their requests wait.
        errors = []

        def client(i):
            try:
                ping(port, i)
            except Exception as e:     # noqa: BLE001 (reported below)
                errors.append("client %d: %r" % (i, e))

        threads = [threading.Thread(target=client, args=(i,))
                   for i in range(20)]
        for t in threads:
            t.start()
            time.sleep(0.005)
        for t in threads:
            t.join(WAIT)
        self.assertEqual(errors, [])
        log = act.wait_log(r"ready")
        self.assertIn("using 1 sockets passed by the service manager", log)
        self.assertIn("listening on 127.0.0.1:%d" % port, log)
        self.assertFalse(os.path.exists(self.unused))
        # systemd-socket-activate exec'd searchd: same PID, clean stop.
        self.assertEqual(act.stop(), 0)

    def test_restart_keeps_the_socket(self):
        lsock = socket.socket()
        self.addCleanup(lsock.close)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4096)
        port = lsock.getsockname()[1]
        fd = lsock.fileno()
        starts = [0]

        def start():
            starts[0] += 1
            p = Process([sys.executable, "-c", TRAMPOLINE, str(fd),
                         harness.SEARCHD, "-f", self.conf],
                        os.path.join(self.tmp.name, "s%d.log" % starts[0]),
                        pass_fds=(fd,))
            self.addCleanup(p.close)
            text = p.wait_log(r"ready")
            self.assertIn("using 1 sockets passed by the service manager",
                          text)
            return p

        stop = threading.Event()
        lock = threading.Lock()
        counts = {"ok": 0, "refused": 0, "retried": 0}
        failures = []
        served = []      # (connect time, reply time) per request

        def client(cid):
            n = 0
            while not stop.is_set():
                n += 1
                rid = "%d-%d" % (cid, n)
                for _ in range(50):
                    t0 = time.monotonic()
                    try:
                        ping(port, rid)
                        break
                    except ConnectionRefusedError:
                        with lock:
                            counts["refused"] += 1
                        time.sleep(0.05)
                    except (ConnectionResetError, BrokenPipeError,
                            EOFError):
                        # Accepted by the searchd being stopped, then
                        # closed unanswered: send it again, as searchctl.
                        with lock:
                            counts["retried"] += 1
                    except Exception as e:   # noqa: BLE001
                        failures.append("%s: %r" % (rid, e))
                        return
                else:
                    failures.append("%s: no answer in 50 tries" % rid)
                    return
                with lock:
                    counts["ok"] += 1
                    served.append((t0, time.monotonic()))

        def wait_ok(n):
            deadline = time.monotonic() + WAIT
            with lock:
                target = counts["ok"] + n
            while time.monotonic() < deadline and not failures:
                with lock:
                    if counts["ok"] >= target:
                        return
                time.sleep(0.01)
            self.fail("clients stalled: %r %r" % (counts, failures))

        first = start()
        threads = [threading.Thread(target=client, args=(i,))
                   for i in range(4)]
        for t in threads:
            t.start()
        try:
            gaps = []
            wait_ok(200)
            for proc, sig in ((first, signal.SIGTERM),
                              (None, signal.SIGKILL)):
                proc = proc or self.current
                rc = proc.stop(sig)
                self.assertEqual(rc, 0 if sig == signal.SIGTERM else -sig)
                down = time.monotonic()
                # Nobody accepts for a while; connections made now must
                # still succeed, and be answered once searchd is back.
                probes = []
                for i in range(5):
                    c = socket.create_connection(("127.0.0.1", port),
                                                 timeout=WAIT)
                    self.addCleanup(c.close)
                    c.sendall(harness.frame({"action": "ping"},
                                            id="probe%d" % i))
                    probes.append(c)
                    time.sleep(0.1)
                restart = time.monotonic()
                self.current = start()
                gaps.append((down, restart))
                for i, c in enumerate(probes):
                    hdr, body = harness.recv_msg(c)
                    self.assertEqual((hdr["id"], body),
                                     ("probe%d" % i, {"result": "pong"}))
                wait_ok(200)
        finally:
            stop.set()
            for t in threads:
                t.join(WAIT)
        print("clients: %r" % counts, file=sys.stderr)
        self.assertEqual(failures, [])
        self.assertEqual(counts["refused"], 0, counts)
        # Requests that connected before the new searchd started were
        # answered after: they waited in the backlog, through the gap.
        for _, restart in gaps:
            waited = [t for t in served if t[0] < restart < t[1]]
            self.assertGreater(len(waited), 0, "nothing waited in the gap")
        self.assertEqual(self.current.stop(), 0)


if __name__ == "__main__":
    harness.main()
