"""Robustness: one live searchd under hostile traffic from several threads
while a well-behaved client keeps asking and checking every answer.

Each test starts its own searchd with small limits, warms it up, takes a
baseline (descriptors, resident memory, stats), runs one class of hostile
traffic (or all of them mixed) next to the good client, and then holds
that: every good request was answered correctly, descriptors and memory
came back, searchd is alive, and its counters agree with what was sent.

Every loop is bounded in count and in time, all traffic is on loopback,
and random input comes from fixed seeds, so a failure replays.  Set
SEARCHD_VALGRIND=1 (see tests/valgrind-searchd) to relax time and memory
bounds for a daemon running under valgrind.
"""

import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import unittest

from harness import (SANITIZED, Searchd, frame, header, main, raw_frame,
                     recv_msg, request)
import test_protocol as tp

MORPHEUS = "Follow the white rabbit. \U0001f430"
VALGRIND = os.environ.get("SEARCHD_VALGRIND") == "1"
# Time bounds are stretched under valgrind, which is some 20-50x slower.
SLOW = 6.0 if VALGRIND else (2.0 if SANITIZED else 1.0)

MAX_CONNECTIONS = 200
READ_TIMEOUT = 2
CLIENT_TIMEOUT = 5
MAX_MESSAGE = 64 * 1024
CONFIG = ("workers 2\nmax_connections %d\nread_timeout %d\n"
          "client_timeout %d\nmax_message_size 64K\n" %
          (MAX_CONNECTIONS, READ_TIMEOUT, CLIENT_TIMEOUT))

# Resident memory may not shrink back exactly after a burst (allocator
# caches, thread arenas); more than this over the warmed-up baseline is a
# leak or an unbounded buffer.
RSS_SLACK_KIB = (64 if SANITIZED else 8) * 1024
# Growth allowed while a client pipelines megabytes without reading.
RSS_PIPELINE_KIB = (96 if SANITIZED else 32) * 1024

# Every code an error reply may carry; anything else is garbage.
ERROR_CODES = {"bad_frame", "bad_header", "too_large", "timeout",
               "bad_json", "bad_utf8", "bad_request", "bad_encoding",
               "bad_byteorder", "bad_id", "bad_action", "bad_query",
               "too_many_connections"}
FATAL_CODES = {"bad_frame", "bad_header", "too_large", "timeout"}


def jheader(**over):
    h = header(2)
    h.update(over)
    return h


def parse_replies(data):
    """Splits bytes a searchd sent into replies; anything that is not a
    well-formed reply fails.  Returns [(header, content)] and whether the
    bytes ended inside a reply."""
    replies = []
    off = 0
    while off < len(data):
        if len(data) - off < 2:
            return replies, True
        (hlen,) = struct.unpack(">H", data[off:off + 2])
        if hlen == 0:
            raise AssertionError("reply with a 0-byte header at %d" % off)
        if len(data) - off - 2 < hlen:
            return replies, True
        hdr = json.loads(data[off + 2:off + 2 + hlen].decode("utf-8"))
        for key in ("byteorder", "content-type", "content-encoding"):
            if not isinstance(hdr.get(key), str):
                raise AssertionError("reply header without %s: %r" %
                                     (key, hdr))
        clen = hdr["content-length"]
        if not isinstance(clen, int) or clen < 0:
            raise AssertionError("bad reply content-length %r" % clen)
        start = off + 2 + hlen
        if len(data) - start < clen:
            return replies, True
        content = data[start:start + clen]
        if hdr["content-type"] == "text/json":
            body = json.loads(content.decode(hdr["content-encoding"]))
            if "error" in body:
                code = body["error"].get("code")
                if code not in ERROR_CODES:
                    raise AssertionError("unknown error code %r" % code)
                if body["result"] != "Error: " + body["error"]["message"]:
                    raise AssertionError("error result/message differ: %r"
                                         % body)
            content = body
        replies.append((hdr, content))
        off = start + clen
    return replies, False


def read_to_eof(sock, timeout, limit=64 * 1024 * 1024):
    """Everything the peer sends until it closes; (bytes, how it ended)."""
    sock.settimeout(timeout)
    data = bytearray()
    deadline = time.monotonic() + timeout
    while len(data) < limit:
        if time.monotonic() > deadline:
            return bytes(data), "timeout"
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return bytes(data), "timeout"
        except ConnectionResetError:
            return bytes(data), "reset"
        if not chunk:
            return bytes(data), "eof"
        data += chunk
    return bytes(data), "limit"


def reset_close(sock):
    """Close with SO_LINGER 0: the peer gets a RST, not a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class GoodClient(threading.Thread):
    """Searches "morpheus" and pings, with ids, checking every answer.

    It keeps one connection and opens a new one every `reconnect`
    requests; while connections are flooded a new one may be refused,
    which is counted, not a failure, when allow_refusal is set.
    After `stopping` it only finishes the request in flight.  With
    tolerate_close (SIGTERM), a connection closed at a reply boundary with
    the request unanswered counts as closed_clean; a close in the middle
    of a reply, or a wrong reply, is always a failure."""

    def __init__(self, d, limit=4000, seconds=60, reconnect=50,
                 allow_refusal=False, tolerate_close=False, pause=0.002):
        super().__init__(daemon=True)
        self.d = d
        self.limit = limit
        self.seconds = seconds
        self.reconnect = reconnect
        self.allow_refusal = allow_refusal
        self.tolerate_close = tolerate_close
        self.pause = pause
        self.stopping = threading.Event()
        self.ok = 0
        self.sent = 0
        self.refused = 0
        self.closed_clean = 0
        self.failures = []
        self.stop_time = None
        self.sock = None
        self.first = threading.Event()

    def fail(self, what):
        self.failures.append(what)

    def open(self):
        while True:
            try:
                s = self.d.connect(timeout=10 * SLOW)
            except OSError as e:
                if self.tolerate_close:
                    return None
                self.fail("connect: %r" % e)
                return None
            # A refusal arrives unasked; a quick ping tells them apart.
            try:
                hdr, body = request(s, {"action": "ping"}, id="hello")
            except (OSError, EOFError, ValueError) as e:
                s.close()
                if self.tolerate_close:
                    return None
                self.fail("first ping: %r" % e)
                return None
            if body.get("error", {}).get("code") == "too_many_connections":
                s.close()
                if not self.allow_refusal:
                    self.fail("refused: %r" % body)
                    return None
                self.refused += 1
                if self.stopping.is_set():
                    return None
                time.sleep(0.05)
                continue
            if hdr.get("id") != "hello" or body != {"result": "pong"}:
                self.fail("first ping: %r %r" % (hdr, body))
            return s

    def one(self, n):
        if n % 2 == 0:
            req, ident = {"action": "search", "value": "morpheus"}, n
        else:
            req, ident = {"action": "ping"}, "p%d" % n
        self.sock.sendall(frame(req, id=ident))
        self.sent += 1
        hdr, body = recv_msg(self.sock)
        if hdr.get("id") != ident:
            self.fail("request %d: id %r" % (n, hdr.get("id")))
        elif n % 2 == 0 and body.get("result") != MORPHEUS:
            self.fail("request %d: %r" % (n, body))
        elif n % 2 == 1 and body != {"result": "pong"}:
            self.fail("request %d: %r" % (n, body))
        else:
            self.ok += 1

    def run(self):
        deadline = time.monotonic() + self.seconds
        n = 0
        try:
            while (n < self.limit and time.monotonic() < deadline and
                   not self.failures):
                if self.stopping.is_set():
                    break
                if self.sock is None or n % self.reconnect == 0:
                    if self.sock is not None:
                        self.sock.close()
                    self.sock = self.open()
                    if self.sock is None:
                        break
                try:
                    self.one(n)
                except EOFError as e:
                    # recv_exact says how far it got: 0 bytes means the
                    # close fell between replies.
                    if self.tolerate_close and " after 0 of 2 " in str(e):
                        self.closed_clean += 1
                        break
                    self.fail("request %d: %r" % (n, e))
                except (OSError, ValueError) as e:
                    if self.tolerate_close and isinstance(
                            e, (ConnectionResetError, BrokenPipeError)):
                        self.closed_clean += 1
                        break
                    self.fail("request %d: %r" % (n, e))
                self.first.set()
                n += 1
                if self.pause:
                    time.sleep(self.pause)
        finally:
            self.first.set()
            if self.sock is not None:
                self.sock.close()

    def stop(self, test):
        self.stopping.set()
        self.join(30 * SLOW)
        test.assertFalse(self.is_alive(), "good client hung")
        test.assertEqual(self.failures, [], "good client failures")
        test.assertGreater(self.ok, 0, "good client got no answer")


class Hostile:
    """The hostile traffic classes.  Each method takes a random.Random and
    a deadline, runs a bounded number of rounds, and records what it sent
    in self.counts (for the stats check); a broken expectation raises."""

    def __init__(self, d):
        self.d = d
        self.lock = threading.Lock()
        self.counts = {"fatal": 0, "soft": 0, "timeouts": 0,
                       "refused": 0, "connections": 0}

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def connect(self):
        self.count("connections")
        return self.d.connect(timeout=10 * SLOW)

    def finish(self, s, data, what):
        """Half-closes, reads to EOF; the replies must be well formed."""
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        got, how = read_to_eof(s, 15 * SLOW)
        s.close()
        if how == "timeout":
            raise AssertionError("%s: not closed after EOF" % what)
        replies, partial = parse_replies(got)
        if partial and how == "eof":
            raise AssertionError("%s: EOF inside a reply: %r" %
                                 (what, got[-200:]))
        return replies, how

    # --- classes ---------------------------------------------------------

    def random_bytes(self, rng, deadline, rounds=40):
        for i in range(rounds):
            if time.monotonic() > deadline:
                break
            n = rng.choice((1, 2, 3, 17, 300, 4096, 70000))
            data = bytes(rng.getrandbits(8) for _ in range(min(n, 4096)))
            data = (data * (n // len(data) + 1))[:n]
            with self.connect() as s:
                replies, how = self.finish(s, data, "random %d bytes" % n)
            for hdr, body in replies:
                if isinstance(body, dict) and body.get("error", {}).get(
                        "code") in FATAL_CODES:
                    self.count("fatal")

    def valid_stream(self, rng, n):
        msgs = []
        for i in range(n):
            k = rng.randrange(4)
            if k == 0:
                msgs.append(frame({"action": "search", "value": "morpheus"},
                                  id=i))
            elif k == 1:
                msgs.append(frame({"action": "ping"}, id="m%d" % i))
            elif k == 2:
                msgs.append(frame(b"bin%d" % i, ctype="x/y", enc="binary"))
            else:
                msgs.append(frame({"action": "search",
                                   "value": "a OR \"b c\" -d e*"}))
        return msgs

    @staticmethod
    def mutate(rng, data):
        data = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(6)
            if not data:
                break
            i = rng.randrange(len(data))
            if op == 0:
                data[i] ^= 1 << rng.randrange(8)
            elif op == 1:
                del data[i:]
            elif op == 2:
                j = min(len(data), i + rng.randint(1, 16))
                data[i:i] = data[i:j]
            elif op == 3:
                del data[i:i + rng.randint(1, 16)]
            elif op == 4 and len(data) >= 2:
                # Change a length prefix (they are at offsets we know
                # only for the first message; anywhere else is a flip).
                data[0:2] = struct.pack(">H", rng.choice(
                    (0, 1, 2, 0xffff, struct.unpack(">H", bytes(
                        data[0:2]))[0] + rng.choice((-1, 1)))) & 0xffff)
            else:
                # Change a declared content-length.
                m = re.search(rb'"content-length": (\d+)', bytes(data))
                if m:
                    new = str(rng.choice((0, 1, int(m.group(1)) + 1,
                                          MAX_MESSAGE, MAX_MESSAGE + 1,
                                          2**31, 2**63 - 1))).encode()
                    data[m.start(1):m.end(1)] = new
        return bytes(data)

    def mutated_frames(self, rng, deadline, rounds=60):
        for i in range(rounds):
            if time.monotonic() > deadline:
                break
            msgs = self.valid_stream(rng, rng.randint(1, 6))
            cut = rng.randrange(len(msgs))
            good = b"".join(msgs[:cut])
            data = good + self.mutate(rng, b"".join(msgs[cut:]))
            with self.connect() as s:
                replies, how = self.finish(s, data, "mutated frames")
            # The messages before the damage are answered, in order (a
            # RST for unread bytes after a fatal error may eat replies).
            if how == "eof" and len(replies) < cut:
                raise AssertionError("mutated: %d intact messages, %d "
                                     "replies" % (cut, len(replies)))
            for hdr, body in replies[cut:]:
                if isinstance(body, dict) and body.get("error", {}).get(
                        "code") in FATAL_CODES:
                    self.count("fatal")

    def bad_classes(self, rng, deadline, rounds=3):
        """Every bad-header and bad-content class of test_protocol, with
        the limit of this daemon."""
        fatal = [(data, code) for data, code in tp.FatalErrorTest.cases
                 if code != "too_large"]
        fatal += [(raw_frame(json.dumps(jheader(**{
            "content-length": MAX_MESSAGE + 1})).encode()), "too_large"),
                  (raw_frame(json.dumps(jheader(**{
                      "content-length": 10**12})).encode()), "too_large"),
                  (raw_frame(b'{"byteorder": "big"'), "bad_header"),
                  (raw_frame(b'{"a": 1} '), "bad_header"),
                  (raw_frame(b"\xef\xbb\xbf{}"), "bad_header")]
        for r in range(rounds):
            if time.monotonic() > deadline:
                break
            with self.connect() as s:
                for data, code in tp.SoftErrorTest.cases:
                    s.sendall(data)
                    hdr, body = recv_msg(s)
                    if body.get("error", {}).get("code") != code:
                        raise AssertionError("soft %r: %r" % (data, body))
                    self.count("soft")
                hdr, body = request(s, {"action": "ping"})
                if body != {"result": "pong"}:
                    raise AssertionError("ping after soft errors: %r" % body)
            for data, code in fatal:
                with self.connect() as s:
                    s.sendall(data)
                    got, how = read_to_eof(s, 15 * SLOW)
                if how == "timeout":
                    raise AssertionError("fatal %r: not closed" % data)
                replies, partial = parse_replies(got)
                if len(replies) != 1 or partial or \
                        replies[0][1]["error"]["code"] != code:
                    raise AssertionError("fatal %r: %r" % (data, got))
                self.count("fatal")

    def max_header(self, rng, deadline, rounds=4):
        """A 65535-byte header of valid JSON, padded; with a huge id, the
        reply's id is echoed whole or, if it cannot fit, left out."""
        for r in range(rounds):
            if time.monotonic() > deadline:
                break
            content = json.dumps({"action": "ping"}).encode()
            base = header(len(content))
            key = "pad" if r % 2 == 0 else "id"
            base[key] = ""
            room = 0xffff - len(json.dumps(base).encode())
            base[key] = "\u00e9" * (room // 2) + "x" * (room % 2)
            hbytes = json.dumps(base, ensure_ascii=False).encode()
            assert len(hbytes) == 0xffff, len(hbytes)
            with self.connect() as s:
                s.sendall(raw_frame(hbytes, content))
                hdr, body = recv_msg(s)
                if body != {"result": "pong"}:
                    raise AssertionError("max header: %r" % body)
                if key == "id" and hdr.get("id", base["id"]) != base["id"]:
                    raise AssertionError("max header: id mangled")
                if key == "pad" and "id" in hdr:
                    raise AssertionError("max header: id invented")

    def over_limit(self, rng, deadline, rounds=6):
        """Declared content over max_message_size: refused at once, the
        content is never read, and sending more just meets a close."""
        for r in range(rounds):
            if time.monotonic() > deadline:
                break
            n = rng.choice((MAX_MESSAGE + 1, 2 * MAX_MESSAGE, 2**40))
            hbytes = json.dumps(jheader(**{"content-length": n})).encode()
            with self.connect() as s:
                s.sendall(raw_frame(hbytes))
                hdr, body = recv_msg(s)
                if body.get("error", {}).get("code") != "too_large":
                    raise AssertionError("over limit: %r" % body)
                self.count("fatal")
                # Pour content at it; it must close, not swallow it.
                s.settimeout(10 * SLOW)
                sent = 0
                try:
                    while sent < 8 * 1024 * 1024:
                        s.sendall(b"\0" * 65536)
                        sent += 65536
                except (BrokenPipeError, ConnectionResetError,
                        socket.timeout):
                    pass
                got, how = read_to_eof(s, 10 * SLOW)
                if how == "timeout" or got:
                    raise AssertionError("over limit: %s, %r" %
                                         (how, got[:100]))

    def slowloris(self, rng, deadline, conns=4):
        """Messages dribbled a byte at a time are cut by read_timeout
        even though bytes keep coming."""
        socks = [self.connect() for _ in range(conns)]
        data = frame({"action": "search", "value": "x" * 400})
        t0 = time.monotonic()
        cut = [None] * conns
        pos = 0
        while pos < len(data) and None in cut:
            if time.monotonic() - t0 > (READ_TIMEOUT + 6) * SLOW:
                break
            for i, s in enumerate(socks):
                if cut[i] is not None:
                    continue
                # Stop sending once the reply is there, or our next byte
                # meets a closed socket and the RST may eat the reply.
                s.settimeout(0)
                try:
                    if s.recv(1, socket.MSG_PEEK) is not None:
                        cut[i] = time.monotonic()
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    cut[i] = time.monotonic()
                    continue
                try:
                    s.sendall(data[pos:pos + 1])
                except OSError:
                    cut[i] = time.monotonic()
            pos += 1
            time.sleep(0.1)
        for s in socks:
            s.settimeout(10 * SLOW)
            got, how = read_to_eof(s, 10 * SLOW)
            s.close()
            replies, partial = parse_replies(got)
            if how == "timeout" or (how == "eof" and (
                    partial or len(replies) != 1 or
                    replies[0][1]["error"]["code"] != "timeout")):
                raise AssertionError("slowloris not cut: %s %r" %
                                     (how, got[:200]))
            self.count("timeouts")
            self.count("fatal")
        if None in cut:
            raise AssertionError("slowloris: %d of %d not cut" %
                                 (cut.count(None), conns))
        took = max(cut) - t0
        # The sweep runs each second: read_timeout plus about one second.
        if took > (READ_TIMEOUT + 3) * SLOW:
            raise AssertionError("slowloris cut after %.1f s" % took)

    def resets(self, rng, deadline, rounds=30):
        """A RST with replies in flight (and requests unread)."""
        msg = frame({"action": "search", "value": "morpheus"})
        for r in range(rounds):
            if time.monotonic() > deadline:
                break
            s = self.connect()
            s.sendall(msg * rng.choice((1, 50, 500, 3000)))
            if r % 3 == 0:
                s.recv(rng.choice((1, 100, 5000)))
            elif r % 3 == 1:
                time.sleep(0.01)
            reset_close(s)

    def half_close(self, rng, deadline, rounds=20):
        """SHUT_WR after requests: all answered in order, then closed.
        A partial message after the last one is dropped silently."""
        for r in range(rounds):
            if time.monotonic() > deadline:
                break
            n = rng.randint(1, 300)
            data = b"".join(frame({"action": "ping"}, id=i)
                            for i in range(n))
            tail = frame({"action": "ping"})
            if r % 2:
                data += tail[:rng.randrange(1, len(tail))]
            with self.connect() as s:
                replies, how = self.finish(s, data, "half close")
            if how != "eof" or \
                    [h.get("id") for h, b in replies] != list(range(n)):
                raise AssertionError("half close: %d of %d answered" %
                                     (len(replies), n))
            if any(b != {"result": "pong"} for h, b in replies):
                raise AssertionError("half close: wrong reply")

    def never_reads(self, rng, deadline, total=48 * 1024 * 1024):
        """Pipelines megabytes without reading a reply: searchd stops
        reading it (memory stays bounded) and cuts it after
        client_timeout of not taking its replies."""
        s = self.connect()
        s.settimeout(1)
        msg = frame({"action": "search", "value": "morpheus"})
        chunk = msg * (65536 // len(msg))
        sent = 0
        t0 = time.monotonic()
        stalled = None
        while sent < total and time.monotonic() - t0 < 20 * SLOW:
            try:
                s.sendall(chunk)
                sent += len(chunk)
            except socket.timeout:
                stalled = time.monotonic()
                break
            except (BrokenPipeError, ConnectionResetError):
                break
        if stalled is None and sent >= total:
            reset_close(s)
            raise AssertionError("searchd read %d bytes without any being "
                                 "read back" % sent)
        # Now it sits with its output full: client_timeout cuts it.
        s.settimeout(None)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        closed = False
        limit = time.monotonic() + (CLIENT_TIMEOUT + 10) * SLOW
        # Peek without taking replies: the window stays full until the
        # close, which shows as a RST or a readable EOF after the data.
        while time.monotonic() < limit:
            try:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            except OSError:
                err = 1
            if err:
                closed = True
                break
            if self._peer_closed(s):
                closed = True
                break
            time.sleep(0.2)
        reset_close(s)
        if not closed:
            raise AssertionError("client that never reads was not cut")
        return sent

    @staticmethod
    def _peer_closed(s):
        """Whether the peer has closed, judged from TCP_INFO's state."""
        try:
            info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
        except OSError:
            return True
        # tcpi_state: 1 ESTABLISHED; CLOSE_WAIT (8) once a FIN arrived,
        # 7 CLOSE after a RST.
        return info[0] != 1 and info[0] != 4   # 4: FIN_WAIT1 (our FIN)

    def flood(self, rng, deadline, hold=None, extra=40):
        """Connections past max_connections get too_many_connections and
        are closed at once; earlier ones keep working."""
        held = []
        try:
            # Fill up to the limit (the good client has one, stats one).
            while len(held) < (hold or MAX_CONNECTIONS):
                s = self.connect()
                s.sendall(frame({"action": "ping"}, id=len(held)))
                hdr, body = recv_msg(s)
                if body.get("error", {}).get("code") == \
                        "too_many_connections":
                    self.count("refused")
                    s.close()
                    break
                if body != {"result": "pong"}:
                    raise AssertionError("flood fill: %r" % body)
                held.append(s)
            if len(held) > MAX_CONNECTIONS:
                raise AssertionError("%d connections admitted" % len(held))
            worst = 0
            for i in range(extra):
                t0 = time.monotonic()
                with self.connect() as s:
                    got, how = read_to_eof(s, 10 * SLOW)
                took = time.monotonic() - t0
                worst = max(worst, took)
                replies, partial = parse_replies(got)
                if how == "timeout" or partial or len(replies) != 1 or \
                        replies[0][1]["error"]["code"] != \
                        "too_many_connections":
                    raise AssertionError("excess connection: %s %r" %
                                         (how, got[:200]))
                self.count("refused")
            if worst > 2 * SLOW:
                raise AssertionError("excess connection took %.1f s to "
                                     "close" % worst)
            for i, s in enumerate(held):
                hdr, body = request(s, {"action": "ping"}, id=i)
                if hdr.get("id") != i or body != {"result": "pong"}:
                    raise AssertionError("held connection %d: %r" %
                                         (i, body))
        finally:
            for i, s in enumerate(held):
                if i % 2:
                    reset_close(s)
                else:
                    s.close()


class Base(unittest.TestCase):
    config = CONFIG
    # The good client opens a new connection every this many requests.
    reconnect = 50

    def setUp(self):
        self.d = Searchd(config=self.config)
        self.addCleanup(self.d.close)
        self.h = Hostile(self.d)
        # Before any connection: what searchd holds on its own.
        self.base_fds = self.d.num_fds()
        self.warm_up()
        self.base_rss = self.d.rss_kib()
        self.base_stats = self.d.stats()
        self.good = GoodClient(self.d, allow_refusal=self.allow_refusal(),
                               reconnect=self.reconnect)

    def allow_refusal(self):
        return False

    def warm_up(self):
        """Runs each path once so allocator caches and thread arenas are
        grown before the baseline is taken."""
        rng = random.Random(99)
        h = Hostile(self.d)
        far = time.monotonic() + 30 * SLOW
        h.half_close(rng, far, rounds=4)
        h.resets(rng, far, rounds=4)
        h.mutated_frames(rng, far, rounds=10)
        socks = [self.d.connect() for _ in range(MAX_CONNECTIONS // 2)]
        for s in socks:
            s.sendall(frame({"action": "search", "value": "morpheus"}))
        for s in socks:
            recv_msg(s)
            s.close()
        self.assertLessEqual(self.wait_fds(self.base_fds), self.base_fds)

    def wait_fds(self, want, timeout=None):
        """Polls searchd's descriptors until they are down to want or the
        time is up; returns the last count."""
        deadline = time.monotonic() + (timeout or
                                       (CLIENT_TIMEOUT + 15) * SLOW)
        while time.monotonic() < deadline:
            n = self.d.num_fds()
            if n <= want:
                return n
            time.sleep(0.25)
        return self.d.num_fds()

    def run_hostile(self, jobs, seconds=8, busy=3, repeat=25):
        """Runs (method, rng) jobs in threads next to the good client,
        each again and again for at least `busy` seconds (at most `repeat`
        times) and none started after `seconds`; fails with the
        exceptions any raised."""
        start = time.monotonic()
        deadline = start + seconds * SLOW
        errors = []

        def wrap(fn, rng):
            try:
                for i in range(repeat):
                    fn(rng, deadline)
                    if time.monotonic() > min(start + busy, deadline):
                        break
            except Exception as e:
                errors.append("%s: %r" % (fn.__name__, e))
        self.good.start()
        self.good.first.wait(10 * SLOW)
        threads = [threading.Thread(target=wrap, args=job, daemon=True)
                   for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds * SLOW + 60 * SLOW)
            self.assertFalse(t.is_alive(), "hostile thread hung")
        self.good.stop(self)
        self.assertEqual(errors, [])

    def settle(self, rss_slack=RSS_SLACK_KIB):
        """The after-checks every test holds."""
        if os.environ.get("ROBUST_VERBOSE"):
            print("\n  good: %d ok, %d refused; hostile: %r; fds %d/%d; "
                  "rss %d/%d KiB" % (
                      self.good.ok, self.good.refused, self.h.counts,
                      self.d.num_fds(), self.base_fds, self.d.rss_kib(),
                      self.base_rss), file=sys.stderr)
        self.assertIsNone(self.d.proc.poll(), "searchd died")
        fds = self.wait_fds(self.base_fds)
        self.assertLessEqual(fds, self.base_fds,
                             "descriptors %d, baseline %d" %
                             (fds, self.base_fds))
        if not VALGRIND:
            grown = self.d.rss_kib() - self.base_rss
            self.assertLess(grown, rss_slack, "RSS grew %d KiB" % grown)
        st = self.d.stats()
        b = self.base_stats
        c = self.h.counts
        # The stats connection itself is the one open.
        self.assertEqual(st["connections_current"], 1, st)
        for key in ("connections_total", "requests_total", "errors_total",
                    "bytes_in", "bytes_out", "timeouts", "framing_errors",
                    "connections_rejected"):
            self.assertGreaterEqual(st[key], b[key], key)
        # Admitted connections are at least those of the good client and
        # the hostile ones that were not refused.
        self.assertGreaterEqual(st["connections_total"] -
                                b["connections_total"],
                                c["connections"] - c["refused"])
        self.assertGreaterEqual(st["requests_total"] - b["requests_total"],
                                self.good.ok + c["soft"])
        self.assertGreaterEqual(st["errors_total"] - b["errors_total"],
                                c["soft"] + c["fatal"])
        self.assertGreaterEqual(st["framing_errors"] - b["framing_errors"],
                                c["fatal"])
        self.assertGreaterEqual(st["timeouts"] - b["timeouts"],
                                c["timeouts"])
        self.assertGreaterEqual(st["connections_rejected"] -
                                b["connections_rejected"], c["refused"])
        self.assertGreater(st["bytes_in"], b["bytes_in"])
        self.assertGreater(st["bytes_out"], b["bytes_out"])
        if VALGRIND:
            self.assertNotRegex(self.d.log_text(),
                                r"ERROR SUMMARY: [1-9]|definitely lost: "
                                r"[1-9]|Invalid (read|write)")

    def tearDown(self):
        if self.d.proc.poll() is None:
            rc = self.d.stop(timeout=30 * SLOW)
            self.assertEqual(rc, 0, "searchd exited %d" % rc)


class HostileTest(Base):
    def test_random_bytes(self):
        self.run_hostile([(self.h.random_bytes, random.Random(1234)),
                          (self.h.random_bytes, random.Random(1235))])
        self.settle()

    def test_mutated_valid_frames(self):
        self.run_hostile([(self.h.mutated_frames, random.Random(1234)),
                          (self.h.mutated_frames, random.Random(1235))])
        self.settle()

    def test_every_bad_header_and_content_class(self):
        self.run_hostile([(self.h.bad_classes, random.Random(1234)),
                          (self.h.bad_classes, random.Random(1235))])
        self.settle()

    def test_maximum_size_header_answered(self):
        self.run_hostile([(self.h.max_header, random.Random(1234))])
        self.settle()

    def test_content_over_limit_refused_unread(self):
        self.run_hostile([(self.h.over_limit, random.Random(1234)),
                          (self.h.over_limit, random.Random(1235))])
        self.settle()

    def test_slowloris_cut_by_read_timeout(self):
        self.run_hostile([(self.h.slowloris, random.Random(1234))],
                         seconds=READ_TIMEOUT + 8)
        self.settle()

    def test_resets_with_replies_in_flight(self):
        self.run_hostile([(self.h.resets, random.Random(1234)),
                          (self.h.resets, random.Random(1235))])
        self.settle()

    def test_half_closed_connections_answered_then_closed(self):
        self.run_hostile([(self.h.half_close, random.Random(1234)),
                          (self.h.half_close, random.Random(1235))])
        self.settle()


class PipelineTest(Base):
    def test_pipelining_without_reading_stays_bounded(self):
        """Two clients pour megabytes of requests and never read: memory
        stays bounded while they send, the good client is not held up,
        and each is cut after client_timeout."""
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                try:
                    peak[0] = max(peak[0], self.d.rss_kib())
                except OSError:
                    return
                time.sleep(0.1)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            self.run_hostile([(self.h.never_reads, random.Random(1)),
                              (self.h.never_reads, random.Random(2))],
                             seconds=CLIENT_TIMEOUT + 20)
        finally:
            stop.set()
            sampler.join(5)
        if not VALGRIND:
            grown = peak[0] - self.base_rss
            self.assertLess(grown, RSS_PIPELINE_KIB,
                            "RSS peaked %d KiB over baseline" % grown)
        self.settle()


class FloodTest(Base):
    # A reconnect would free a slot for a moment, and an excess connection
    # could take it: keep one connection.
    reconnect = 10 ** 9

    def allow_refusal(self):
        return True

    def test_connection_flood_refused_promptly(self):
        # Once: a second round could race the first one's closes.
        self.run_hostile([(self.h.flood, random.Random(1234))],
                         seconds=30, repeat=1)
        self.settle()


class SoakTest(Base):
    def allow_refusal(self):
        return True

    def test_mixed_hostile_traffic_with_sighup(self):
        """Every class at once, SIGHUP several times in the middle."""
        h = self.h
        hups = []

        def sighup(rng, deadline):
            for i in range(4):
                time.sleep(rng.uniform(0.3, 1.2))
                mark = self.d.log_count()
                self.d.signal(signal.SIGHUP)
                self.d.wait_log(r"reload: (new index|configuration) in "
                                r"service|reload failed|already in "
                                r"progress",
                                timeout=20 * SLOW, start=mark)
                hups.append(i)
        jobs = [(h.random_bytes, random.Random(1)),
                (h.mutated_frames, random.Random(2)),
                (h.bad_classes, random.Random(3)),
                (h.max_header, random.Random(4)),
                (h.over_limit, random.Random(5)),
                (h.slowloris, random.Random(6)),
                (h.resets, random.Random(7)),
                (h.half_close, random.Random(8)),
                (h.never_reads, random.Random(9)),
                (lambda rng, dl: h.flood(rng, dl, hold=120, extra=0),
                 random.Random(10)),
                (sighup, random.Random(11))]
        self.run_hostile(jobs, seconds=12)
        self.assertEqual(len(hups), 4)
        self.assertNotIn("reload failed", self.d.log_text())
        self.settle()
        self.assertGreaterEqual(self.d.stats()["reloads"], 1)


class IdEchoTest(unittest.TestCase):
    """Found by fuzz/fuzz_frame (fuzz/corpus/frame/crash-id-over-int64):
    an integer id outside int64 is accepted but echoed clamped, so two
    requests get the same, wrong id.  Either echo it exactly or refuse it
    with bad_id."""

    def test_integer_id_beyond_int64_echoed_exactly_or_refused(self):
        with Searchd(config="workers 1\n") as d:
            with d.connect() as s:
                for ident in (2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**30,
                              -2**63, -2**63 - 1):
                    hdr, body = request(s, {"action": "ping"}, id=ident)
                    if body.get("error", {}).get("code") == "bad_id":
                        continue
                    self.assertEqual(body, {"result": "pong"})
                    self.assertEqual(hdr.get("id"), ident,
                                     "id %d echoed as %r" %
                                     (ident, hdr.get("id")))
            self.assertEqual(d.stop(), 0)


class SigtermTest(Base):
    def test_sigterm_amid_hostile_traffic_exits_cleanly(self):
        """SIGTERM in the middle of it all: searchd exits 0 within the
        grace period plus a little, and every good request sent before it
        was answered correctly or its connection closed at a reply
        boundary."""
        h = self.h
        goods = [GoodClient(self.d, tolerate_close=True, allow_refusal=True,
                            pause=0.001) for _ in range(3)]
        jobs = [(h.random_bytes, random.Random(1)),
                (h.mutated_frames, random.Random(2)),
                (h.resets, random.Random(3)),
                (h.half_close, random.Random(4)),
                (h.slowloris, random.Random(5))]
        errors = []

        def wrap(fn, rng):
            try:
                fn(rng, time.monotonic() + 10)
            except (OSError, EOFError):
                pass    # searchd went away under it: expected
            except AssertionError as e:
                # After SIGTERM, closes are expected; garbage is not.
                if "garbage" in str(e) or "inside a reply" in str(e):
                    errors.append(repr(e))
            except Exception as e:
                errors.append(repr(e))
        threads = [threading.Thread(target=wrap, args=j, daemon=True)
                   for j in jobs]
        for g in goods:
            g.start()
        for t in threads:
            t.start()
        for g in goods:
            g.first.wait(10 * SLOW)
        time.sleep(1.5)
        t0 = time.monotonic()
        self.d.signal(signal.SIGTERM)
        try:
            rc = self.d.proc.wait(timeout=(5 + 5) * SLOW)
        except Exception:
            rc = None
        took = time.monotonic() - t0
        for t in threads:
            t.join(30 * SLOW)
        for g in goods:
            g.stopping.set()
            g.join(30 * SLOW)
            self.assertFalse(g.is_alive(), "good client hung")
            self.assertEqual(g.failures, [], "good client failures")
            self.assertGreater(g.ok, 0)
            if os.environ.get("ROBUST_VERBOSE"):
                print("\n  good: %d ok, %d closed cleanly" %
                      (g.ok, g.closed_clean), file=sys.stderr)
        self.assertEqual(rc, 0, "searchd exit status %r after %.1f s" %
                         (rc, took))
        self.assertEqual(errors, [])
        self.d.wait_log(r"exiting", timeout=5)


if __name__ == "__main__":
    main()
