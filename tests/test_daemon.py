"""searchd as a process: command line, configuration errors, listening
addresses, limits, timeouts, backpressure and signals."""

import os
import re
import signal
import socket
import threading
import time
import unittest

from harness import (SANITIZED, VALGRIND, Searchd, assert_closed, frame,
                     main, recv_msg, request, run_searchd, search)

MORPHEUS = "Follow the white rabbit. \U0001f430"


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def ping_when_admitted(d, req=None, timeout=5):
    """The reply to req on a new connection, retrying while refused."""
    deadline = time.monotonic() + timeout
    while True:
        with d.connect() as s:
            body = request(s, req or {"action": "ping"})[1]
        refused = body.get("error", {}).get("code") == "too_many_connections"
        if not refused or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


class CommandLineTest(unittest.TestCase):
    def test_help(self):
        rc, out, err = run_searchd(["-h"])
        self.assertEqual(rc, 0)
        self.assertIn("usage: searchd", out)
        for opt in ("-d", "-f file", "-h", "-t", "-V"):
            self.assertIn(opt, out)

    def test_version(self):
        rc, out, err = run_searchd(["-V"])
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^searchd \d+\.\d+\.\d+\n$")

    def test_bad_option(self):
        rc, out, err = run_searchd(["-z"])
        self.assertEqual(rc, 64)
        self.assertIn("usage: searchd", err)
        rc, out, err = run_searchd(["extra"])
        self.assertEqual(rc, 64)

    def test_check_ok(self):
        rc, out, err = run_searchd(["-t"], config="workers 2\n")
        self.assertEqual(rc, 0)
        self.assertIn("configuration OK", err)

    def test_config_error_exit_78(self):
        rc, out, err = run_searchd(
            ["-t"], config="# fine\nworkers 2\nlisten nowhere\n")
        self.assertEqual(rc, 78)
        self.assertRegex(err, r"searchd\.conf:3: listen: bad address "
                         r"\"nowhere\"")
        rc, out, err = run_searchd([], config="\nfrobnicate yes\n")
        self.assertEqual(rc, 78)
        self.assertRegex(err, r"searchd\.conf:2: unknown key \"frobnicate\"")

    def test_missing_config_file(self):
        rc, out, err = run_searchd(["-f", "/nonexistent/searchd.conf"])
        self.assertEqual(rc, 78)
        self.assertIn("/nonexistent/searchd.conf: No such file or directory",
                      err)

    def test_listen_in_use_exit_71(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            rc, out, err = run_searchd(
                [], config="listen 127.0.0.1:%d\n" % port)
        self.assertEqual(rc, 71)
        self.assertIn("127.0.0.1:%d: Address already in use" % port, err)


class ListenTest(unittest.TestCase):
    def test_port_zero_logged(self):
        with Searchd() as d:
            self.assertNotEqual(d.port, 0)
            with d.connect() as s:
                self.assertEqual(search(s, "morpheus")["result"], MORPHEUS)
            self.assertEqual(d.stop(), 0)

    def test_unix_socket(self):
        with Searchd(listen=("127.0.0.1:0", "@TMP@/searchd.sock")) as d:
            path = os.path.join(d.dir, "searchd.sock")
            self.assertIn(path, d.addrs)
            with d.connect(addr=path) as s:
                self.assertEqual(search(s, "morpheus")["result"], MORPHEUS)
            self.assertEqual(d.stop(), 0)
            self.assertFalse(os.path.exists(path), "socket not removed")

    def test_unix_socket_stale_and_live(self):
        with Searchd(listen=("@TMP@/s.sock",)) as d:
            path = os.path.join(d.dir, "s.sock")
            rc, out, err = run_searchd(
                [], config="listen %s\n" % path)
            self.assertEqual(rc, 71)
            self.assertIn("in use by another process", err)
            d.proc.kill()
            d.proc.wait()
            self.assertTrue(os.path.exists(path))
            with Searchd(listen=(path,)) as d2:
                with d2.connect(addr=path) as s:
                    self.assertEqual(request(s, {"action": "ping"})[1],
                                     {"result": "pong"})

    @unittest.skipUnless(has_ipv6_loopback(), "no IPv6 loopback here")
    def test_ipv6(self):
        with Searchd(listen=("[::1]:0",)) as d:
            self.assertEqual(d.host, "::1")
            with d.connect() as s:
                self.assertEqual(s.family, socket.AF_INET6)
                self.assertEqual(search(s, "ring")["result"][:11],
                                 "In the cave")


class LimitsTest(unittest.TestCase):
    def test_max_connections(self):
        with Searchd(config="max_connections 5\nworkers 1\n") as d:
            held = [d.connect() for _ in range(5)]
            for s in held:
                self.assertEqual(request(s, {"action": "ping"})[1],
                                 {"result": "pong"})
            extra = d.connect()
            hdr, body = recv_msg(extra)
            self.assertEqual(body["error"]["code"], "too_many_connections")
            self.assertIn("max_connections 5", body["result"])
            assert_closed(extra)
            extra.close()
            for s in held:
                self.assertEqual(request(s, {"action": "ping"})[1],
                                 {"result": "pong"})
            # A closed slot is free again once searchd has seen the close.
            held.pop().close()
            self.assertEqual(ping_when_admitted(d), {"result": "pong"})
            for s in held:
                s.close()
            st = ping_when_admitted(d, {"action": "stats"})["stats"]
            self.assertGreaterEqual(st["connections_rejected"], 1)

    def test_client_that_never_reads(self):
        """Output past the high mark stops reading: memory stays bounded
        and every reply arrives, in order, once the client reads."""
        with Searchd(config="workers 1\n") as d:
            rss0 = d.rss_kib()
            # 30 MB of requests asking for 100 MB of replies.
            n = 400000
            msg = frame({"action": "search", "value": "morpheus"})
            s = d.connect(timeout=60)
            sent = threading.Event()

            def writer():
                s.sendall(msg * n)
                sent.set()
            t = threading.Thread(target=writer, daemon=True)
            t.start()
            time.sleep(2)
            self.assertFalse(sent.is_set(), "server read everything")
            grown = d.rss_kib() - rss0
            # Without backpressure searchd would hold 100 MB of replies.
            bound = (64 if SANITIZED else 80 if VALGRIND else 32) * 1024
            self.assertLess(grown, bound, "RSS grew %d KiB" % grown)
            for i in range(n):
                hdr, body = recv_msg(s)
                if i % 10000 == 0:
                    self.assertEqual(body["result"], MORPHEUS)
            self.assertEqual(d.stats()["requests_total"], n)
            t.join(30)
            self.assertTrue(sent.is_set())
            s.close()
            with d.connect() as s2:
                self.assertEqual(request(s2, {"action": "ping"})[1],
                                 {"result": "pong"})


class TimeoutTest(unittest.TestCase):
    def test_idle_timeout(self):
        with Searchd(config="client_timeout 1\n") as d:
            s = d.connect()
            self.assertEqual(request(s, {"action": "ping"})[1],
                             {"result": "pong"})
            t0 = time.monotonic()
            assert_closed(s, timeout=10)
            self.assertGreater(time.monotonic() - t0, 0.5)
            s.close()
            d.wait_log(r"idle timeout")

    def test_read_timeout_slowloris(self):
        """A message dribbled a byte at a time is cut after read_timeout
        even though bytes keep arriving."""
        with Searchd(config="read_timeout 1\nclient_timeout 30\n") as d:
            s = d.connect()
            data = frame({"action": "search", "value": "x" * 200})
            t0 = time.monotonic()
            got = None
            for b in data:
                try:
                    s.sendall(bytes([b]))
                except OSError:
                    break
                s.settimeout(0.2)
                try:
                    got = s.recv(65536, socket.MSG_PEEK)
                    if got:
                        break
                except socket.timeout:
                    pass
                if time.monotonic() - t0 > 10:
                    break
            s.settimeout(5)
            hdr, body = recv_msg(s)
            self.assertEqual(body["error"]["code"], "timeout")
            assert_closed(s)
            s.close()
            self.assertLess(time.monotonic() - t0, 8)
            with d.connect() as s2:
                st = request(s2, {"action": "stats"})[1]["stats"]
            self.assertGreaterEqual(st["timeouts"], 1)


    def test_read_timeout_is_per_message(self):
        """A pipelining client whose every send ends inside a message is
        not cut: each message that completes restarts the clock."""
        with Searchd(config="read_timeout 1\nclient_timeout 30\n") as d:
            s = d.connect(timeout=10)
            msg = frame({"action": "ping"})
            # 3 messages and 1 byte per send: a send ends on a message
            # boundary only every len(msg) sends, far past read_timeout.
            step = 3 * len(msg) + 1
            data = msg * (step * 100 // len(msg) + 2)
            off = 0
            t0 = time.monotonic()
            while time.monotonic() - t0 < 3:
                s.sendall(data[off:off + step])
                off += step
                time.sleep(0.05)
            s.sendall(data[off:off + len(msg) - off % len(msg)])
            off += len(msg) - off % len(msg)
            for _ in range(off // len(msg)):
                self.assertEqual(recv_msg(s)[1], {"result": "pong"})
            self.assertEqual(request(s, {"action": "stats"})[1]["stats"]
                             ["timeouts"], 0)
            s.close()

class SignalTest(unittest.TestCase):
    def test_sigterm_finishes_message_in_flight(self):
        with Searchd() as d:
            s = d.connect()
            idle = d.connect()
            self.assertEqual(request(idle, {"action": "ping"})[1],
                             {"result": "pong"})
            data = frame({"action": "search", "value": "morpheus"}, id=1)
            s.sendall(data[:20])
            time.sleep(0.3)
            d.signal(signal.SIGTERM)
            d.wait_log(r"shutting down")
            assert_closed(idle)
            idle.close()
            s.sendall(data[20:])
            hdr, body = recv_msg(s)
            self.assertEqual((hdr["id"], body["result"]), (1, MORPHEUS))
            assert_closed(s)
            s.close()
            self.assertEqual(d.stop(), 0)
            refused = False
            try:
                d.connect(timeout=2).close()
            except OSError:
                refused = True
            self.assertTrue(refused, "still accepting after shutdown")

    def test_sigterm_with_pipeline_in_flight(self):
        with Searchd(config="workers 2\n") as d:
            s = d.connect(timeout=20)
            n = 5000
            s.sendall(b"".join(frame({"action": "ping"}, id=i)
                               for i in range(n)))
            first = recv_msg(s)
            self.assertEqual(first[0]["id"], 0)
            d.signal(signal.SIGTERM)
            got = 1
            try:
                while True:
                    hdr, body = recv_msg(s)
                    self.assertEqual(hdr["id"], got)
                    self.assertEqual(body, {"result": "pong"})
                    got += 1
            except (EOFError, ConnectionResetError):
                pass
            # Replies came in order and whole until searchd closed the
            # connection (a timeout would have raised above); none after.
            s.close()
            self.assertEqual(d.stop(), 0)
            self.assertLessEqual(got, n)

    def test_sigint_exits_zero(self):
        with Searchd() as d:
            d.signal(signal.SIGINT)
            self.assertEqual(d.proc.wait(15), 0)

    def test_sighup_reloads_settings(self):
        with Searchd(config="client_timeout 60\ndata_dir none\n") as d:
            with open(d.conf, "a") as f:
                f.write("client_timeout 1\n")
            mark = d.log_count()
            d.signal(signal.SIGHUP)
            d.wait_log(r"reload failed: .*client_timeout: given twice",
                       start=mark)
            with d.connect() as s:
                st = request(s, {"action": "stats"})[1]["stats"]
            self.assertEqual(st["reload_failures"], 1)
            self.assertIn("given twice", st["last_reload_error"])
            with open(d.conf, "w") as f:
                f.write("listen 127.0.0.1:%d\nclient_timeout 1\ndata_dir none\n"
                        % d.port)
            mark = d.log_count()
            d.signal(signal.SIGHUP)
            d.wait_log(r"reload: client_timeout 60 -> 1", start=mark)
            d.wait_log(r"reload: new index in service", start=mark)
            s = d.connect()
            self.assertEqual(request(s, {"action": "ping"})[1],
                             {"result": "pong"})
            assert_closed(s, timeout=10)
            s.close()
            self.assertEqual(d.stats()["reloads"], 1)
            self.assertEqual(d.stop(), 0)

    def test_sigpipe_ignored(self):
        with Searchd() as d:
            for _ in range(20):
                s = d.connect()
                s.sendall(b"".join(frame({"action": "search",
                                          "value": "morpheus"})
                                   for _ in range(500)))
                s.close()
            with d.connect() as s:
                self.assertEqual(request(s, {"action": "ping"})[1],
                                 {"result": "pong"})
            self.assertIsNone(d.proc.poll())


if __name__ == "__main__":
    main()
