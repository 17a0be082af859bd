"""searchctl against a live searchd, and against servers that misbehave."""

import json
import os
import re
import socket
import tempfile
import time
import unittest

import harness
from searchctl_fakes import (FakeServer, RefusedPort, reply, run_ctl,
                             serve_fixed)

MORPHEUS = "Follow the white rabbit. \U0001f430"
RING = "In the caves beneath the Misty Mountains. \U0001f48d"
DOG = "\U0001f436"
DOG_RESULT = "\U0001f43e Playing ball! \U0001f3d0"


def lines(out):
    return out.decode("utf-8").splitlines()


class LiveTest(unittest.TestCase):
    """Commands and exit statuses against one searchd for the class."""

    @classmethod
    def setUpClass(cls):
        cls.d = harness.Searchd()
        cls.addr = ["-H", cls.d.host, "-p", str(cls.d.port)]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def ctl(self, *args, **kw):
        return run_ctl(self.addr + list(args), **kw)

    def assertOneLine(self, err):
        self.assertEqual(len(err.splitlines()), 1, err)

    def test_search_found(self):
        rc, out, err = self.ctl("search", "morpheus")
        self.assertEqual(rc, 0, err)
        got = lines(out)
        self.assertEqual(got[0], MORPHEUS)
        self.assertRegex(got[1], r"^\s+1\. morpheus\s+[0-9.]+\s+Follow")
        self.assertRegex(got[-1], r"^1 of 1 hits, \d+ us$")
        self.assertEqual(err, "")

    def test_search_words_joined(self):
        rc, out, err = self.ctl("--json", "search", "white", "rabbit")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["result"], MORPHEUS)

    def test_search_emoji(self):
        rc, out, _ = self.ctl("search", DOG)
        self.assertEqual(rc, 0)
        self.assertEqual(lines(out)[0], DOG_RESULT)

    def test_search_no_match(self):
        rc, out, err = self.ctl("search", "nosuchword")
        self.assertEqual(rc, 1, err)
        self.assertEqual(lines(out), ['No match for "nosuchword".'])
        self.assertEqual(err, "")

    def test_error_reply(self):
        rc, out, err = self.ctl("search", '"unbalanced')
        self.assertEqual(rc, 1)
        self.assertOneLine(err)
        self.assertIn("%s:%d" % (self.d.host, self.d.port), err)
        self.assertIn("bad_query", err)
        self.assertEqual(out, b"")

    def test_json_exact_bytes(self):
        with self.d.connect() as s:
            s.sendall(harness.frame({"action": "search",
                                     "value": "morpheus"}))
            _, want = harness.recv_raw(s)
        rc, out, _ = self.ctl("--json", "search", "morpheus")
        self.assertEqual(rc, 0)
        norm = re.compile(rb'"took_us": \d+')
        self.assertEqual(norm.sub(b"T", out), norm.sub(b"T", want) + b"\n")

    def test_ping(self):
        rc, out, _ = self.ctl("ping")
        self.assertEqual((rc, out), (0, b"pong\n"))
        rc, out, _ = self.ctl("--json", "ping")
        self.assertEqual((rc, out), (0, b'{"result": "pong"}\n'))

    def test_stats(self):
        rc, out, err = self.ctl("stats")
        self.assertEqual(rc, 0, err)
        self.assertIsInstance(json.loads(out), dict)
        rc, out, _ = self.ctl("stats", "--json")
        self.assertEqual(rc, 0)
        self.assertIsInstance(json.loads(out)["stats"], dict)

    def test_binary(self):
        rc, out, _ = self.ctl("binary", "X")
        self.assertEqual((rc, out), (0, b"First 10 bytes of request: X\n"))

    def test_binary_escaped(self):
        rc, out, _ = self.ctl("binary", "a\x1b[2J\\\x01")
        self.assertEqual(rc, 0)
        self.assertEqual(
            out, b"First 10 bytes of request: a\\x1b[2J\\\\\\x01\n")
        rc, out, _ = self.ctl("--json", "binary", "a\x1b")
        self.assertEqual(json.loads(out), {
            "content-type": "binary/custom-server-binary-type",
            "content": "First 10 bytes of request: a\\x1b"})

    def test_tutorial_form(self):
        rc, out, _ = run_ctl([self.d.host, str(self.d.port), "search",
                              "morpheus"])
        self.assertEqual(rc, 0)
        self.assertEqual(lines(out)[0], MORPHEUS)
        rc, out, _ = run_ctl([self.d.host, str(self.d.port), "binary", "X"])
        self.assertEqual((rc, out),
                         (0, b"First 10 bytes of request: binaryX\n"))

    def test_limit_offset(self):
        rc, out, _ = self.ctl("--json", "--limit", "0", "search", "ring")
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out)["hits"], [])

    def test_return(self):
        rc, out, _ = self.ctl("--json", "--return", " text ,, snippet",
                              "search", "ring")
        self.assertEqual(rc, 0)
        hit = json.loads(out)["hits"][0]
        self.assertEqual(sorted(hit), ["id", "score", "snippet", "text"])
        self.assertEqual(hit["text"], RING)
        rc, out, _ = self.ctl("--json", "--return", "", "search", "ring")
        self.assertEqual(sorted(json.loads(out)["hits"][0]), ["id", "score"])
        rc, out, _ = self.ctl("--return", "text", "search", "ring")
        self.assertEqual(rc, 0)
        self.assertIn(RING, lines(out)[1])

    def test_config_pickup(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("# test\nlisten %s:%d\n" % (self.d.host, self.d.port))
            f.flush()
            rc, out, err = run_ctl(["-c", f.name, "ping"])
        self.assertEqual((rc, out, err), (0, b"pong\n", ""))

    def test_config_explicit_bad(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("listen nonsense\n")
            f.flush()
            rc, out, err = run_ctl(["-c", f.name, "ping"])
            self.assertEqual(rc, 2)
            self.assertOneLine(err)
            self.assertIn(f.name + ":1", err)
        rc, _, err = run_ctl(["-c", "/nonexistent/searchd.conf", "ping"])
        self.assertEqual(rc, 2)
        self.assertIn("/nonexistent/searchd.conf", err)

    def test_batch_in_order(self):
        queries = []
        for i in range(10000):
            queries.append(["morpheus", "ring", DOG, "miss%d" % i][i % 4])
        stdin = "".join(q + "\n" for q in queries).encode("utf-8")
        rc, out, err = self.ctl("search", "-", stdin=stdin)
        self.assertEqual(rc, 1, err)
        want = {"morpheus": MORPHEUS, "ring": RING, DOG: DOG_RESULT}
        got = lines(out)
        self.assertEqual(len(got), len(queries))
        for q, line in zip(queries, got):
            self.assertEqual(line, want.get(q, 'No match for "%s".' % q))

    def test_batch_all_match_json(self):
        stdin = b"morpheus\r\nring\n" + DOG.encode() + b"\n"
        rc, out, err = self.ctl("--json", "search", "-", stdin=stdin)
        self.assertEqual(rc, 0, err)
        got = [json.loads(x)["result"] for x in out.splitlines()]
        self.assertEqual(got, [MORPHEUS, RING, DOG_RESULT])

    def test_batch_empty_input(self):
        rc, out, _ = self.ctl("search", "-", stdin=b"")
        self.assertEqual((rc, out), (0, b""))


class AttributesTest(unittest.TestCase):
    """--filter, --sort, --facets, --facet-limit and --exact."""

    DOCS = [
        {"id": "1", "text": "running shoes", "lang": "en", "year": 2021,
         "tags": ["sport", "shoes"]},
        {"id": "2", "text": "le chat court", "lang": "fr", "year": 2019,
         "tags": ["animal"]},
        {"id": "3", "text": "runs far", "lang": "en", "year": 2023,
         "tags": ["sport"]},
        {"id": "4", "text": "un chien court", "lang": "fr", "year": 2022,
         "tags": ["animal", "draft"]},
    ]

    @classmethod
    def setUpClass(cls):
        text = "".join(json.dumps(d) + "\n" for d in cls.DOCS)
        cls.d = harness.Searchd(
            config="corpus @TMP@/c.jsonl\ndata_dir none\nlanguage english\n"
            "attribute lang string\nattribute year int\n"
            "attribute tags string multi\n", files={"c.jsonl": text})
        cls.addr = ["-H", cls.d.host, "-p", str(cls.d.port)]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def ctl(self, *args):
        return run_ctl(self.addr + list(args))

    def test_filter_sort_facets(self):
        rc, out, err = self.ctl("--json", "--filter", "year >= 2020",
                                "--sort", "year:desc", "--facets",
                                "lang, tags", "--facet-limit", "2",
                                "search", "")
        self.assertEqual((rc, err), (0, ""))
        body = json.loads(out)
        self.assertEqual([h["id"] for h in body["hits"]], ["3", "4", "1"])
        self.assertEqual(body["facets"]["tags"], {
            "distinct": 4, "values": [{"value": "sport", "count": 2},
                                      {"value": "animal", "count": 1}]})
        rc, out, err = self.ctl("--filter", "lang = fr", "--facets", "tags",
                                "search", "court")
        self.assertEqual(rc, 0)
        self.assertEqual(lines(out)[-6:], [
            "2 of 2 hits, %s us" % lines(out)[-6].split()[-2], "",
            "tags      count", "  animal  2", "  draft   1",
            "  (2 values)"])

    def test_exact(self):
        rc, out, _ = self.ctl("--json", "search", "running")
        self.assertEqual(json.loads(out)["total"], 2)
        rc, out, _ = self.ctl("--json", "--exact", "search", "running")
        self.assertEqual(json.loads(out)["total"], 1)

    def test_errors(self):
        rc, _, err = self.ctl("--filter", "yaer = 1", "search", "x")
        self.assertEqual(rc, 1)
        self.assertIn('bad_filter: filter: at 1: unknown attribute "yaer"',
                      err)
        rc, _, err = self.ctl("--facet-limit", "1001", "search", "x")
        self.assertEqual(rc, 2)
        self.assertIn("--facet-limit", err)


class FieldsTest(unittest.TestCase):
    """--fields, and NAME:word in the query."""

    @classmethod
    def setUpClass(cls):
        docs = [{"id": "1", "title": "rabbit", "text": "a hole"},
                {"id": "2", "title": "hole", "text": "a rabbit"},
                {"id": "3", "text": "x", "summary": "rabbit hole"}]
        text = "".join(json.dumps(d) + "\n" for d in docs)
        cls.d = harness.Searchd(
            config="corpus @TMP@/c.jsonl\ndata_dir none\n"
            "field title weight 2\nfield text\nfield summary\n",
            files={"c.jsonl": text})
        cls.addr = ["-H", cls.d.host, "-p", str(cls.d.port)]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def ids(self, *args):
        rc, out, err = run_ctl(self.addr + ["--json"] + list(args))
        self.assertEqual((rc, err), (0, ""))
        return sorted(h["id"] for h in json.loads(out)["hits"])

    def test_fields(self):
        self.assertEqual(self.ids("search", "rabbit"), ["1", "2", "3"])
        self.assertEqual(self.ids("--fields", "title", "search", "rabbit"),
                         ["1"])
        self.assertEqual(self.ids("--fields", " text, summary ", "search",
                                  "rabbit"), ["2", "3"])
        self.assertEqual(self.ids("search", "summary:rabbit"), ["3"])
        rc, _, err = run_ctl(self.addr + ["--fields", "body", "search",
                                          "rabbit"])
        self.assertEqual(rc, 1)
        self.assertIn('bad_request: fields: unknown field "body"', err)


class AddressTest(unittest.TestCase):

    def test_unix_socket(self):
        with harness.Searchd(listen=("127.0.0.1:0", "@TMP@/s.sock")) as d:
            path = os.path.join(d.dir, "s.sock")
            rc, out, err = run_ctl(["-U", path, "ping"])
            self.assertEqual((rc, out), (0, b"pong\n"), err)
            rc, out, _ = run_ctl(["-U", path, "search", "ring"])
            self.assertEqual((rc, lines(out)[0]), (0, RING))
            # The config file's first listen may be the socket.
            conf = os.path.join(d.dir, "client.conf")
            with open(conf, "w") as f:
                f.write("listen %s\n" % path)
            rc, out, _ = run_ctl(["-c", conf, "ping"])
            self.assertEqual((rc, out), (0, b"pong\n"))

    def test_ipv6(self):
        try:
            with socket.socket(socket.AF_INET6) as s:
                s.bind(("::1", 0))
        except OSError as e:
            self.skipTest("no ::1 on this machine: %s" % e)
        with harness.Searchd(listen=("[::1]:0",)) as d:
            for host in ("::1", "[::1]"):
                rc, out, err = run_ctl(["-H", host, "-p", str(d.port),
                                        "ping"])
                self.assertEqual((rc, out), (0, b"pong\n"), err)
            rc, out, _ = run_ctl(["::1", str(d.port), "search", "morpheus"])
            self.assertEqual((rc, lines(out)[0]), (0, MORPHEUS))


class FailureTest(unittest.TestCase):
    """Exit statuses 2, 69 and 70, each with one line on stderr."""

    def assertFails(self, args, status, pattern, stdin=b""):
        rc, out, err = run_ctl(args, stdin=stdin)
        self.assertEqual(rc, status, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertRegex(err, pattern)
        return out

    def test_usage(self):
        for args in ([], ["frobnicate"], ["search"], ["ping", "x"],
                     ["binary"], ["-Z", "ping"], ["--timeout", "0", "ping"],
                     ["--timeout", "abc", "ping"], ["-p"],
                     ["-U", "/x", "-H", "h", "ping"],
                     ["-p", "99999", "ping"],
                     ["bench", "-n", "10", "-d", "1"],
                     ["bench", "-c", "0"], ["-H", "h", "h", "1", "a", "b"]):
            with self.subTest(args=args):
                self.assertFails(args, 2, r"^searchctl: ")

    def test_help_and_version(self):
        rc, out, _ = run_ctl(["-h"])
        self.assertEqual(rc, 0)
        text = out.decode()
        for word in ("search VALUE", "search -", "ping", "stats", "binary",
                     "HOST PORT ACTION VALUE", "bench", "-H", "-p", "-U",
                     "-c", "--json", "--timeout", "-P", "-n", "-d", "-r",
                     "--reconnect", "-f", "Exit status", "69", "70",
                     "Examples", "coordinated", "send time",
                     "scheduled", "p99.9"):
            self.assertIn(word, text)
        rc, out, _ = run_ctl(["-V"])
        self.assertEqual(rc, 0)
        self.assertRegex(out.decode(), r"^searchctl \(searchd\) \d+\.\d+")

    def test_refused(self):
        with RefusedPort() as p:
            self.assertFails(["-p", str(p.port), "ping"], 69,
                             r"^searchctl: 127\.0\.0\.1:%d: connection "
                             r"refused \(is searchd running\?\)$" % p.port)
            self.assertFails(["search", "-", "-p", str(p.port)], 69,
                             "connection refused", stdin=b"a\n")

    def test_unix_missing(self):
        self.assertFails(["-U", "/nonexistent/s.sock", "ping"], 69,
                         r"^searchctl: /nonexistent/s\.sock: no such socket")

    def test_garbage_reply(self):
        with FakeServer(serve_fixed(b"\x00\x05hello")) as srv:
            self.assertFails(["-p", str(srv.port), "search", "x"], 70,
                             r"^searchctl: 127\.0\.0\.1:%d: bad reply: "
                             % srv.port)

    def test_bad_json_reply(self):
        with FakeServer(serve_fixed(reply(b"not json"))) as srv:
            self.assertFails(["-p", str(srv.port), "ping"], 70,
                             "not a JSON object")
            self.assertFails(["-p", str(srv.port), "search", "-"], 70,
                             "not a JSON object", stdin=b"a\nb\n")

    def test_closed_without_reply(self):
        with FakeServer(lambda conn, srv: conn.close()) as srv:
            self.assertFails(["-p", str(srv.port), "ping"], 69,
                             "closed the connection")

    def test_timeout(self):
        def hang(conn, srv):
            srv.record(conn.recv(4096))
            srv.stopping.wait(10)
        with FakeServer(hang) as srv:
            t0 = time.monotonic()
            self.assertFails(["--timeout", "0.3", "-p", str(srv.port),
                              "ping"], 69, r"no reply within 0\.3 s$")
            self.assertLess(time.monotonic() - t0, 3)


class FakeReplyTest(unittest.TestCase):
    """What searchctl sends, and how it shows odd replies."""

    def test_request_bytes(self):
        with FakeServer(serve_fixed(reply({"result": "r"}))) as srv:
            rc, out, _ = run_ctl(["-p", str(srv.port), "search", "white",
                                  "rabbit"])
            self.assertEqual((rc, out), (0, b"r\n"))
            hdr, content = srv.requests[0]
        self.assertEqual(content,
                         b'{"action": "search", "value": "white rabbit"}')
        self.assertEqual(hdr["content-type"], "text/json")
        self.assertEqual(hdr["content-encoding"], "utf-8")
        self.assertEqual(hdr["content-length"], len(content))
        self.assertNotIn("id", hdr)

    def test_tutorial_binary_request(self):
        with FakeServer(serve_fixed(reply(b"ok", "binary/x", "binary"))) \
                as srv:
            rc, _, _ = run_ctl(["127.0.0.1", str(srv.port), "act", "val"])
            self.assertEqual(rc, 0)
            hdr, content = srv.requests[0]
        self.assertEqual(content, b"actval")
        self.assertEqual(hdr["content-type"],
                         "binary/custom-client-binary-type")
        self.assertEqual(hdr["content-encoding"], "binary")

    def test_json_passthrough(self):
        odd = b'{ "result" :"a\\u001bb" ,"total":3}'
        with FakeServer(serve_fixed(reply(odd))) as srv:
            rc, out, _ = run_ctl(["-p", str(srv.port), "--json", "search",
                                  "x"])
            self.assertEqual((rc, out), (0, odd + b"\n"))
            rc, out, _ = run_ctl(["-p", str(srv.port), "search", "x"])
            self.assertEqual((rc, out), (0, b"a\\x1bb\n"))

    def test_terminal_safety(self):
        text = "ok \u00e9\u0085\u202e\x7f" + "\U0001f430"
        with FakeServer(serve_fixed(reply({"result": text}))) as srv:
            rc, out, _ = run_ctl(["-p", str(srv.port), "ping"])
        self.assertEqual(rc, 1)
        self.assertEqual(out, "ok \u00e9\\xc2\\x85\\xe2\\x80\\xae\\x7f"
                         "\U0001f430\n".encode())

    def test_batch_ids(self):
        def echo_ids(conn, srv):
            while True:
                req = harness.recv_raw(conn)
                hdr = json.loads(req[0])
                srv.record(hdr)
                conn.sendall(reply({"result": "r%d" % hdr["id"],
                                    "total": 1}, id=hdr["id"]))
        with FakeServer(echo_ids) as srv:
            rc, out, err = run_ctl(["-p", str(srv.port), "search", "-"],
                                   stdin=b"a\nb\nc\n")
            self.assertEqual((rc, out), (0, b"r0\nr1\nr2\n"), err)
            self.assertEqual([h["id"] for h in srv.requests], [0, 1, 2])

    def test_batch_wrong_id(self):
        def wrong(conn, srv):
            harness.recv_raw(conn)
            conn.sendall(reply({"result": "r"}, id=7))
        with FakeServer(wrong) as srv:
            rc, _, err = run_ctl(["-p", str(srv.port), "search", "-"],
                                 stdin=b"a\n")
        self.assertEqual(rc, 70)
        self.assertIn("out of order", err)


if __name__ == "__main__":
    harness.main()
