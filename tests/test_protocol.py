"""The wire protocol, end to end: the tutorial's exchanges, pipelining,
arbitrary splits, id echo, and every class of bad input followed by proof
that the daemon and other connections still work."""

import json
import socket
import struct
import sys
import threading
import time
import unittest

from harness import (Searchd, assert_closed, frame, header, main, raw_frame,
                     recv_msg, recv_raw, request, search)
import tutorial_client

MORPHEUS = "Follow the white rabbit. \U0001f430"
RING = "In the caves beneath the Misty Mountains. \U0001f48d"
DOG = "\U0001f436"
DOG_TEXT = "\U0001f43e Playing ball! \U0001f3d0"


class Base(unittest.TestCase):
    config = "workers 2\n"

    @classmethod
    def setUpClass(cls):
        cls.d = Searchd(config=cls.config)

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.d.close()
        assert rc == 0, "searchd exited %d" % rc

    def setUp(self):
        self.assertIsNone(self.d.proc.poll(), "searchd died")

    def ping_ok(self, sock=None):
        s = sock or self.d.connect()
        try:
            hdr, body = request(s, {"action": "ping"})
            self.assertEqual(body, {"result": "pong"})
        finally:
            if sock is None:
                s.close()


class TutorialTest(Base):
    def exchange(self, action, value):
        return tutorial_client.exchange(self.d.host, self.d.port, action,
                                        value)

    def assert_tutorial_header(self, raw, ctype, enc):
        (hlen,) = struct.unpack(">H", raw[:2])
        hbytes = raw[2:2 + hlen]
        content = raw[2 + hlen:]
        want = json.dumps({"byteorder": sys.byteorder, "content-type": ctype,
                           "content-encoding": enc,
                           "content-length": len(content)}).encode()
        self.assertEqual(hbytes, want)
        return content

    def test_search_morpheus(self):
        raw, out = self.exchange("search", "morpheus")
        self.assertEqual(out, ["Got result: " + MORPHEUS])
        content = self.assert_tutorial_header(raw, "text/json", "utf-8")
        self.assertTrue(content.startswith(
            b'{"result": "Follow the white rabbit. \xf0\x9f\x90\xb0"'),
            content)

    def test_search_ring_and_dog(self):
        self.assertEqual(self.exchange("search", "ring")[1],
                         ["Got result: " + RING])
        raw, out = self.exchange("search", DOG)
        self.assertEqual(out, ["Got result: " + DOG_TEXT])
        self.assertIn("\U0001f43e Playing ball! \U0001f3d0".encode(), raw)

    def test_search_miss(self):
        raw, out = self.exchange("search", "needle")
        self.assertEqual(out, ['Got result: No match for "needle".'])

    def test_binary_exact_bytes(self):
        raw, out = self.exchange("binary", "\U0001f603")
        if sys.byteorder == "little":
            self.assertEqual(raw, b'\x00\x7f{"byteorder": "little", '
                             b'"content-type": "binary/custom-server-binary'
                             b'-type", "content-encoding": "binary", '
                             b'"content-length": 37}First 10 bytes of '
                             b'request: binary\xf0\x9f\x98\x83')
        self.assertEqual(out, ["Got response: b'First 10 bytes of request: "
                               "binary\\xf0\\x9f\\x98\\x83'"])

    def test_binary_short_and_empty(self):
        with self.d.connect() as s:
            for content, want in ((b"", b""), (b"abc", b"abc"),
                                  (b"0123456789ABC", b"0123456789")):
                s.sendall(frame(content, ctype="image/png", enc="binary"))
                hdr, body = recv_msg(s)
                self.assertEqual(hdr["content-type"],
                                 "binary/custom-server-binary-type")
                self.assertEqual(hdr["content-encoding"], "binary")
                self.assertEqual(body, b"First 10 bytes of request: " + want)


class ActionsTest(Base):
    def test_ping_exact(self):
        with self.d.connect() as s:
            s.sendall(frame({"action": "ping"}))
            hbytes, content = recv_raw(s)
            self.assertEqual(content, b'{"result": "pong"}')
            self.assertEqual(json.loads(hbytes)["byteorder"], sys.byteorder)

    def test_stats(self):
        with self.d.connect() as s:
            search(s, "morpheus")
            hdr, body = request(s, {"action": "stats"})
        st = body["stats"]
        for key in ("uptime", "connections_current", "connections_total",
                    "requests_total", "errors_total", "bytes_in",
                    "bytes_out"):
            self.assertIsInstance(st[key], int, key)
        self.assertGreaterEqual(st["connections_current"], 1)
        self.assertGreaterEqual(st["requests_total"], 2)
        self.assertGreater(st["bytes_in"], 0)
        self.assertGreater(st["bytes_out"], 0)

    def test_stats_count_errors(self):
        def errors():
            with self.d.connect() as s:
                return request(s, {"action": "stats"})[1]["stats"][
                    "errors_total"]
        before = errors()
        with self.d.connect() as s:
            request(s, {"action": "nope"})
        self.assertEqual(errors(), before + 1)

    def test_invalid_action(self):
        with self.d.connect() as s:
            hdr, body = request(s, {"action": "frobnicate", "value": "x"})
            self.assertEqual(body["result"],
                             'Error: invalid action "frobnicate".')
            self.assertEqual(body["error"]["code"], "bad_action")
            self.ping_ok(s)

    def test_keepalive_many_sequential(self):
        with self.d.connect() as s:
            for i in range(200):
                self.assertEqual(search(s, "ring")["result"], RING)


class PipelineTest(Base):
    def test_pipeline_in_one_write(self):
        n = 2000
        msgs = []
        for i in range(n):
            if i % 3 == 0:
                msgs.append(frame({"action": "search", "value": "morpheus"},
                                  id=i))
            elif i % 3 == 1:
                msgs.append(frame({"action": "ping"}, id="s%d" % i))
            else:
                msgs.append(frame(b"bin%d" % i, ctype="x/y", enc="binary",
                                  id=i))
        with self.d.connect(timeout=30) as s:
            s.sendall(b"".join(msgs))
            for i in range(n):
                hdr, body = recv_msg(s)
                if i % 3 == 0:
                    self.assertEqual(hdr["id"], i)
                    self.assertEqual(body["result"], MORPHEUS)
                elif i % 3 == 1:
                    self.assertEqual(hdr["id"], "s%d" % i)
                    self.assertEqual(body, {"result": "pong"})
                else:
                    self.assertEqual(hdr["id"], i)
                    self.assertEqual(body, b"First 10 bytes of request: "
                                     + (b"bin%d" % i)[:10])

    def test_byte_at_a_time(self):
        data = frame({"action": "search", "value": "ring"}, id="slow") + \
            frame({"action": "ping"}, id=7)
        with self.d.connect() as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for b in data:
                s.sendall(bytes([b]))
                time.sleep(0.001)
            hdr, body = recv_msg(s)
            self.assertEqual((hdr["id"], body["result"]), ("slow", RING))
            hdr, body = recv_msg(s)
            self.assertEqual((hdr["id"], body), (7, {"result": "pong"}))

    def test_id_echo(self):
        with self.d.connect() as s:
            for ident in ("abc", 0, -5, 2**62, "\u00e9\U0001f436", "",
                          "q\"uote\\"):
                hdr, body = request(s, {"action": "ping"}, id=ident)
                self.assertEqual(hdr["id"], ident)
            hdr, body = request(s, {"action": "ping"})
            self.assertNotIn("id", hdr)

    def test_half_close_answers_everything(self):
        with self.d.connect() as s:
            s.sendall(b"".join(frame({"action": "ping"}, id=i)
                               for i in range(50)))
            s.shutdown(socket.SHUT_WR)
            for i in range(50):
                self.assertEqual(recv_msg(s)[0]["id"], i)
            assert_closed(s)

    def test_concurrent_connections(self):
        n = 1000
        socks = []
        try:
            for i in range(n):
                socks.append(self.d.connect(timeout=30))
            for i, s in enumerate(socks):
                s.sendall(frame({"action": "search", "value": "morpheus"},
                                id=i))
            for i, s in enumerate(socks):
                hdr, body = recv_msg(s)
                self.assertEqual(hdr["id"], i)
                self.assertEqual(body["result"], MORPHEUS)
            with self.d.connect() as s:
                st = request(s, {"action": "stats"})[1]["stats"]
            self.assertGreaterEqual(st["connections_current"], n)
        finally:
            for s in socks:
                s.close()


def jheader(**over):
    h = header(2)
    h.update(over)
    return h


class SoftErrorTest(Base):
    """Framing intact: an error reply, and the connection goes on."""

    cases = [
        (frame(b"{not json"), "bad_json"),
        (frame(b'{"action": "ping"} trailing'), "bad_json"),
        (frame(b'{"action": "pi'), "bad_json"),
        (frame(b'{"action": "\xff\xfe"}'), "bad_utf8"),
        (frame(b'[1, 2]'), "bad_request"),
        (frame(b'"ping"'), "bad_request"),
        (frame({"value": "x"}), "bad_request"),
        (frame({"action": 5}), "bad_request"),
        (frame({"action": "search"}), "bad_request"),
        (frame({"action": "search", "value": 5}), "bad_request"),
        (frame({"action": "search", "value": "x", "limit": "ten"}),
         "bad_request"),
        (frame({"action": "search", "value": "x", "limit": 1001}),
         "bad_request"),
        (frame({"action": "search", "value": "x", "offset": -1}),
         "bad_request"),
        (frame({"action": "ping"}, enc="latin-1"), "bad_encoding"),
        (frame({"action": "ping"}, order="middle"), "bad_byteorder"),
        (frame({"action": "ping"}, id=1.5), "bad_id"),
        (frame({"action": "ping"}, id=[1]), "bad_id"),
    ]

    def test_soft_errors_keep_connection(self):
        with self.d.connect() as s:
            for data, code in self.cases:
                s.sendall(data)
                hdr, body = recv_msg(s)
                self.assertEqual(hdr["content-type"], "text/json")
                self.assertEqual(body["error"]["code"], code, data)
                self.assertTrue(body["result"].startswith("Error: "))
                self.assertEqual(body["result"],
                                 "Error: " + body["error"]["message"])
                self.ping_ok(s)

    def test_soft_error_logged_with_peer(self):
        with self.d.connect() as s:
            mark = self.d.log_count()
            s.sendall(frame(b"{broken"))
            recv_msg(s)
            port = s.getsockname()[1]
            self.d.wait_log(r"127\.0\.0\.1:%d: request error bad_json" %
                            port, start=mark)


class FatalErrorTest(Base):
    """Framing lost: an error reply, then the connection is closed, and
    nothing else is disturbed."""

    config = "workers 2\nmax_message_size 1K\n"

    cases = [
        (b"\x00\x00", "bad_frame"),
        (raw_frame(b"this is not json"), "bad_header"),
        (raw_frame(b"[1,2]"), "bad_header"),
        (raw_frame(b'{"byteorder": "\xff"}'), "bad_header"),
        (raw_frame(json.dumps({"content-type": "text/json",
                               "content-encoding": "utf-8",
                               "content-length": 2}).encode()),
         "bad_header"),
        (raw_frame(json.dumps(jheader(**{"content-length": "2"})).encode()),
         "bad_header"),
        (raw_frame(json.dumps(jheader(**{"content-length": 2.5})).encode()),
         "bad_header"),
        (raw_frame(json.dumps(jheader(**{"content-length": -2})).encode()),
         "bad_header"),
        (raw_frame(json.dumps(jheader(**{"content-type": 1})).encode()),
         "bad_header"),
        (raw_frame(json.dumps(jheader(**{"content-length": 1025})).encode()),
         "too_large"),
        (raw_frame(json.dumps(jheader(**{"content-length": 10**12})).encode()),
         "too_large"),
    ]

    def test_fatal_errors_close(self):
        bystander = self.d.connect()
        self.ping_ok(bystander)
        for data, code in self.cases:
            with self.d.connect() as s:
                mark = self.d.log_count()
                s.sendall(data)
                hdr, body = recv_msg(s)
                self.assertEqual(body["error"]["code"], code, data)
                assert_closed(s)
                port = s.getsockname()[1]
                self.d.wait_log(r"127\.0\.0\.1:%d: %s" % (port, code),
                                start=mark)
            self.ping_ok(bystander)
            self.ping_ok()
        bystander.close()

    def test_error_reply_survives_unread_input(self):
        """A peer that goes on sending after a framing error still gets
        every reply before it and the error, even those still queued in
        searchd's socket: searchd shuts its side and drops the rest of
        the input instead of closing with input unread (a reset)."""
        n = 3000
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A small window keeps replies queued on searchd's side.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect(("127.0.0.1", self.d.port))
        with s:
            req = frame({"action": "search", "value": "morpheus"})
            junk = req * n + b"\x00\x00" + b"x" * 600000

            def writer():
                try:
                    s.sendall(junk)
                except OSError:
                    pass
            t = threading.Thread(target=writer, daemon=True)
            t.start()
            time.sleep(0.5)
            for i in range(n):
                hdr, body = recv_msg(s)
                self.assertEqual(body["result"], MORPHEUS, i)
            self.assertEqual(recv_msg(s)[1]["error"]["code"], "bad_frame")
            assert_closed(s)
            t.join(10)
        self.ping_ok()

    def test_linger_after_error_is_bounded(self):
        """A peer that never closes after a framing error, sending or
        not, holds its slot for CONN_LINGER (5 s), no longer."""
        quiet, chatty = self.d.connect(), self.d.connect()
        quiet.sendall(b"\x00\x00")
        chatty.sendall(b"\x00\x00")
        for s in (quiet, chatty):
            self.assertEqual(recv_msg(s)[1]["error"]["code"], "bad_frame")
        t0 = time.monotonic()
        stop = threading.Event()

        def chatter():
            while not stop.is_set():
                try:
                    chatty.sendall(b"y" * 1000)
                except OSError:
                    return
                time.sleep(0.05)
        t = threading.Thread(target=chatter, daemon=True)
        t.start()
        with self.d.connect() as s:
            while request(s, {"action": "stats"})[1]["stats"][
                    "connections_current"] > 1:
                self.assertLess(time.monotonic() - t0, 9)
                time.sleep(0.2)
        self.assertGreater(time.monotonic() - t0, 4)
        stop.set()
        t.join(10)
        quiet.close()
        chatty.close()

    def test_oversized_content_not_read(self):
        with self.d.connect() as s:
            hdr = json.dumps(jheader(**{"content-length": 50 * 1024 * 1024}))
            s.sendall(raw_frame(hdr.encode()))
            hdr, body = recv_msg(s)
            self.assertEqual(body["error"]["code"], "too_large")
            assert_closed(s)

    def test_content_at_limit_accepted(self):
        with self.d.connect() as s:
            s.sendall(frame(b"z" * 1024, ctype="a/b", enc="binary"))
            hdr, body = recv_msg(s)
            self.assertEqual(body, b"First 10 bytes of request: zzzzzzzzzz")

    def test_connection_reset_midway(self):
        s = self.d.connect()
        s.sendall(frame({"action": "ping"})[:10])
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
        self.ping_ok()


if __name__ == "__main__":
    main()
