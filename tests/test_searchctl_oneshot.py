"""searchctl against a server like the tutorial's app-server.py, which
answers one message per connection and then closes it."""

import json
import unittest

import harness
from searchctl_fakes import Oneshot, run_ctl

MORPHEUS = "Follow the white rabbit. \U0001f430"
RING = "In the caves beneath the Misty Mountains. \U0001f48d"


class OneshotTest(unittest.TestCase):

    def setUp(self):
        self.srv = Oneshot()
        self.addr = ["-p", str(self.srv.port)]

    def tearDown(self):
        self.srv.close()

    def test_single_search(self):
        rc, out, err = run_ctl(self.addr + ["search", "morpheus"])
        self.assertEqual((rc, out.decode()), (0, MORPHEUS + "\n"), err)
        rc, out, _ = run_ctl(self.addr + ["search", "nobody"])
        self.assertEqual((rc, out), (1, b'No match for "nobody".\n'))

    def test_tutorial_form(self):
        rc, out, _ = run_ctl(["127.0.0.1", str(self.srv.port), "binary",
                              "\u03c0\u0178\u02dc\u0192"])
        self.assertEqual(rc, 0)
        self.assertEqual(out.decode(),
                         "First 10 bytes of request: binary\u03c0\u0178\n")

    def test_batch_reconnects(self):
        n = 200
        queries = [["morpheus", "ring", "miss%d" % i][i % 3]
                   for i in range(n)]
        stdin = "".join(q + "\n" for q in queries).encode()
        rc, out, err = run_ctl(self.addr + ["search", "-"], stdin=stdin)
        self.assertEqual(rc, 1, err)
        want = {"morpheus": MORPHEUS, "ring": RING}
        got = out.decode().splitlines()
        self.assertEqual(got, [want.get(q, 'No match for "%s".' % q)
                               for q in queries])
        self.assertGreaterEqual(self.srv.accepted(), n)

    def test_batch_json(self):
        stdin = b"ring\nmorpheus\n"
        rc, out, err = run_ctl(self.addr + ["--json", "search", "-"],
                               stdin=stdin)
        self.assertEqual(rc, 0, err)
        self.assertEqual([json.loads(x) for x in out.splitlines()],
                         [{"result": RING}, {"result": MORPHEUS}])

    def test_bench_reconnect(self):
        rc, out, err = run_ctl(self.addr + ["bench", "--reconnect", "-n",
                                            "300", "-c", "4", "--json"])
        self.assertEqual(rc, 0, err)
        r = json.loads(out)
        self.assertEqual((r["sent"], r["completed"], r["errors"]),
                         (300, 300, 0))


if __name__ == "__main__":
    harness.main()
