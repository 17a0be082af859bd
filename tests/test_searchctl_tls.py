"""searchctl --tls against searchd's TLS listeners, and those listeners
seen from Python's ssl module: old protocol versions, clients that never
handshake, and plaintext clients on a TLS port.

Certificates are made at test time with the openssl command: a CA, a
server certificate for IP 127.0.0.1 and DNS localhost signed by it, an
unrelated self-signed certificate for the same names, and a client
certificate signed by the CA.  Without the openssl command every test is
skipped."""

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import unittest
import warnings

import harness
from searchctl_fakes import FakeServer, read_request, reply, run_ctl

OPENSSL = shutil.which("openssl")
NO_OPENSSL = "the openssl command is not installed"
MORPHEUS = "Follow the white rabbit. \U0001f430"
RING = "In the caves beneath the Misty Mountains. \U0001f48d"
READ_TIMEOUT = 1

_certs = None


class Certs:
    """The test PKI in a temporary directory; paths as attributes."""

    KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes"]

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="searchctl-tls-")
        self.dir = self.tmp.name
        self.ca, self.ca_key = self.path("ca.pem"), self.path("ca.key")
        self.openssl("req", "-x509", *self.KEY, "-keyout", self.ca_key,
                     "-out", self.ca, "-days", "2", "-subj",
                     "/CN=searchd test CA")
        self.server, self.server_key = self.signed(
            "server", "/CN=localhost",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "extendedKeyUsage=serverAuth\n")
        self.client, self.client_key = self.signed(
            "client", "/CN=searchctl test client",
            "extendedKeyUsage=clientAuth\n")
        self.other, self.other_key = (self.path("other.pem"),
                                      self.path("other.key"))
        self.openssl("req", "-x509", *self.KEY, "-keyout", self.other_key,
                     "-out", self.other, "-days", "2", "-subj",
                     "/CN=localhost", "-addext",
                     "subjectAltName=IP:127.0.0.1,DNS:localhost")

    def path(self, name):
        return os.path.join(self.dir, name)

    def openssl(self, *args):
        p = subprocess.run([OPENSSL] + list(args), capture_output=True,
                           timeout=60)
        if p.returncode != 0:
            raise AssertionError("openssl %s failed:\n%s" %
                                 (args[0], p.stderr.decode(errors="replace")))

    def signed(self, name, subject, ext):
        """A key and a certificate for it signed by the CA."""
        cert, key = self.path(name + ".pem"), self.path(name + ".key")
        csr, extfile = self.path(name + ".csr"), self.path(name + ".ext")
        with open(extfile, "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + ext)
        self.openssl("req", *self.KEY, "-keyout", key, "-out", csr,
                     "-subj", subject)
        self.openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey",
                     self.ca_key, "-CAcreateserial", "-out", cert, "-days",
                     "2", "-extfile", extfile)
        return cert, key


def certs():
    global _certs
    if _certs is None:
        _certs = Certs()
    return _certs


def tearDownModule():
    if _certs is not None:
        _certs.tmp.cleanup()


def tls_config(cert, key, client_ca=None):
    conf = "tls_certificate %s\ntls_key %s\nread_timeout %d\n" % (
        cert, key, READ_TIMEOUT)
    if client_ca is not None:
        conf += "tls_client_ca %s\n" % client_ca
    return conf


def tls_addrs(d):
    """searchd's TLS and plaintext listen addresses, from its log."""
    tls, plain = [], []
    for line in d.log_text().splitlines():
        m = re.search(r"listening on (\S+)( \(tls\))?", line)
        if m:
            (tls if m.group(2) else plain).append(m.group(1))
    return tls, plain


def port_of(addr):
    return addr.rsplit(":", 1)[1]


def search_lines(i):
    """A batch query and the line searchd answers it with."""
    if i % 3 == 0:
        return "morpheus", MORPHEUS
    if i % 3 == 1:
        return "ring", RING
    return "nosuch%d" % i, 'No match for "nosuch%d".' % i


class TLSBase(unittest.TestCase):

    def assertOneLine(self, err):
        self.assertEqual(len(err.splitlines()), 1, err)

    def assertUnavailable(self, r, *needles):
        rc, out, err = r
        self.assertEqual(rc, 69, err)
        self.assertOneLine(err)
        for n in needles:
            self.assertIn(n, err)
        self.assertEqual(out, b"")


@unittest.skipIf(OPENSSL is None, NO_OPENSSL)
class SearchctlTLSTest(TLSBase):
    """searchctl against a searchd with a TLS and a plaintext listener."""

    @classmethod
    def setUpClass(cls):
        cls.c = certs()
        cls.d = harness.Searchd(
            config=tls_config(cls.c.server, cls.c.server_key),
            listen=("127.0.0.1:0 tls", "127.0.0.1:0"))
        tls, plain = tls_addrs(cls.d)
        cls.tls_addr, cls.plain_addr = tls[0], plain[0]
        cls.tls_port, cls.plain_port = port_of(tls[0]), port_of(plain[0])

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def ctl(self, *args, tls=True, cacert=True, port=None, **kw):
        argv = ["-H", "127.0.0.1", "-p", port or self.tls_port]
        if tls:
            argv.append("--tls")
        if cacert:
            argv += ["--cacert", self.c.ca]
        return run_ctl(argv + list(args), **kw)

    def test_search(self):
        rc, out, err = self.ctl("search", "morpheus")
        self.assertEqual(rc, 0, err)
        got = out.decode().splitlines()
        self.assertEqual(got[0], MORPHEUS)
        self.assertRegex(got[-1], r"^1 of 1 hits, \d+ us$")
        self.assertEqual(err, "")

    def test_ping(self):
        rc, out, err = self.ctl("ping")
        self.assertEqual((rc, out, err), (0, b"pong\n", ""))

    def test_stats(self):
        rc, out, err = self.ctl("stats")
        self.assertEqual(rc, 0, err)
        self.assertIn("connections_total", json.loads(out))

    def test_json_and_no_match(self):
        rc, out, err = self.ctl("--json", "search", "ring")
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["result"], RING)
        rc, out, err = self.ctl("search", "nosuchword")
        self.assertEqual(rc, 1, err)

    def test_dns_name(self):
        rc, out, err = run_ctl(["-H", "localhost", "-p", self.tls_port,
                                "--tls", "--cacert", self.c.ca, "ping"])
        self.assertEqual((rc, out), (0, b"pong\n"), err)

    def test_system_ca_refuses_private_ca(self):
        r = self.ctl("ping", cacert=False)
        self.assertUnavailable(r, self.tls_addr, "TLS handshake failed",
                               "certificate verify failed")

    def test_unrelated_ca(self):
        r = self.ctl("--cacert", self.c.other, "ping", cacert=False)
        self.assertUnavailable(r, self.tls_addr, "certificate verify failed")

    def test_insecure(self):
        rc, out, err = self.ctl("--insecure", "ping", cacert=False)
        self.assertEqual((rc, out, err), (0, b"pong\n", ""))

    def test_servername_mismatch(self):
        r = self.ctl("--servername", "example.com", "ping")
        self.assertUnavailable(r, self.tls_addr, "certificate verify failed",
                               "hostname mismatch")
        r = self.ctl("--servername", "127.0.0.2", "ping")
        self.assertUnavailable(r, "IP address mismatch")

    def test_servername_match(self):
        rc, out, err = self.ctl("--servername", "localhost", "ping")
        self.assertEqual((rc, out), (0, b"pong\n"), err)

    def test_batch_in_order(self):
        queries, want = zip(*(search_lines(i) for i in range(1000)))
        rc, out, err = self.ctl("search", "-",
                                stdin=("\n".join(queries) + "\n").encode())
        self.assertEqual(rc, 1, err)  # some had no match
        self.assertEqual(out.decode().splitlines(), list(want))
        self.assertEqual(err, "")

    def test_tutorial_form(self):
        rc, out, err = run_ctl(["--tls", "--cacert", self.c.ca,
                                "127.0.0.1", self.tls_port, "search",
                                "morpheus"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.decode().splitlines()[0], MORPHEUS)

    def bench(self, *args):
        rc, out, err = self.ctl("bench", "--json", *args, timeout=120)
        self.assertEqual(rc, 0, err)
        r = json.loads(out)
        self.assertEqual((r["errors"], r["aborted"], r["tls"]),
                         (0, False, True), r)
        self.assertEqual(r["completed"], r["sent"])
        self.assertGreater(r["handshake_us"]["max"], 0)
        return r

    def test_bench(self):
        r = self.bench("-n", "2000", "-c", "8")
        self.assertEqual(r["completed"], 2000)
        self.assertEqual(r["handshakes"], 8)

    def test_bench_reconnect(self):
        r = self.bench("-n", "200", "-c", "4", "--reconnect")
        self.assertEqual(r["completed"], 200)
        self.assertEqual(r["handshakes"], 200)

    def test_bench_bad_certificate(self):
        rc, out, err = self.ctl("bench", "-n", "100", "-c", "4",
                                cacert=False)
        self.assertEqual(rc, 69, err)
        self.assertIn("certificate verify failed", err)

    def test_plaintext_client_on_tls_port(self):
        t0 = time.monotonic()
        rc, out, err = self.ctl("--timeout", "3", "ping", tls=False,
                                cacert=False)
        self.assertIn(rc, (69, 70), err)
        self.assertOneLine(err)
        self.assertIn(self.tls_addr, err)
        self.assertLess(time.monotonic() - t0, 10)

    def test_tls_client_on_plaintext_port(self):
        r = self.ctl("--timeout", "3", "ping", port=self.plain_port)
        self.assertUnavailable(r, self.plain_addr, "TLS handshake")

    def test_config_listen_tls(self):
        """A tls listen line in the configuration file means --tls."""
        conf = self.c.path("searchctl.conf")
        with open(conf, "w") as f:
            f.write("listen %s tls\n" % self.tls_addr)
            f.write(tls_config(self.c.server, self.c.server_key))
        rc, out, err = run_ctl(["-c", conf, "--cacert", self.c.ca, "ping"])
        self.assertEqual((rc, out), (0, b"pong\n"), err)
        r = run_ctl(["-c", conf, "ping"])
        self.assertUnavailable(r, "certificate verify failed")

    def test_usage(self):
        for args, needle in (
                (["--cacert", self.c.ca, "ping"], "--cacert needs --tls"),
                (["--tls", "--key", self.c.client_key, "ping"],
                 "--key needs --cert"),
                (["--tls", "--cacert", self.c.path("none.pem"), "ping"],
                 "none.pem"),
                (["--tls", "--cacert", self.c.ca, "--cert", self.c.client,
                  "--key", self.c.server_key, "ping"], "does not match"),
                (["--tls", "-U", self.c.path("s.sock"), "ping"],
                 "--servername")):
            rc, out, err = run_ctl(["-p", self.tls_port] + args
                                   if "-U" not in args else args)
            self.assertEqual(rc, 2, (args, err))
            self.assertOneLine(err)
            self.assertIn(needle, err)

    def test_help(self):
        rc, out, _ = run_ctl(["-h"])
        self.assertEqual(rc, 0)
        for word in ("--tls", "--cacert", "--cert", "--key", "--insecure",
                     "--servername", "DANGEROUS", "handshake"):
            self.assertIn(word, out.decode())


@unittest.skipIf(OPENSSL is None, NO_OPENSSL)
class SelfSignedTest(TLSBase):
    """A searchd whose certificate is its own issuer."""

    def test_self_signed(self):
        c = certs()
        with harness.Searchd(config=tls_config(c.other, c.other_key),
                             listen=("127.0.0.1:0 tls",)) as d:
            port = str(d.port)
            r = run_ctl(["-p", port, "--tls", "--cacert", c.ca, "ping"])
            self.assertUnavailable(r, "certificate verify failed "
                                   "(self-signed certificate)")
            rc, out, err = run_ctl(["-p", port, "--tls", "--cacert",
                                    c.other, "ping"])
            self.assertEqual((rc, out), (0, b"pong\n"), err)


@unittest.skipIf(OPENSSL is None, NO_OPENSSL)
class ClientCertTest(TLSBase):
    """A searchd with tls_client_ca: only the CA's clients are served."""

    @classmethod
    def setUpClass(cls):
        cls.c = certs()
        cls.d = harness.Searchd(
            config=tls_config(cls.c.server, cls.c.server_key, cls.c.ca),
            listen=("127.0.0.1:0 tls", "@TMP@/tls.sock tls"))
        tls, _ = tls_addrs(cls.d)
        cls.sock = [a for a in tls if a.startswith("/")][0]
        cls.base = ["-p", str(cls.d.port), "--tls", "--cacert", cls.c.ca]

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_no_client_certificate(self):
        r = run_ctl(self.base + ["ping"])
        self.assertUnavailable(r, "%s:%d" % (self.d.host, self.d.port),
                               "client certificate")

    def test_client_certificate(self):
        rc, out, err = run_ctl(self.base + ["--cert", self.c.client,
                                            "--key", self.c.client_key,
                                            "search", "morpheus"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.decode().splitlines()[0], MORPHEUS)

    def test_unknown_client_certificate(self):
        r = run_ctl(self.base + ["--cert", self.c.other, "--key",
                                 self.c.other_key, "ping"])
        rc, out, err = r
        self.assertEqual(rc, 69, err)
        self.assertOneLine(err)

    def test_bench_client_certificate(self):
        rc, out, err = run_ctl(self.base + ["--cert", self.c.client, "--key",
                                            self.c.client_key, "bench",
                                            "--json", "-n", "500", "-c",
                                            "4", "--reconnect", "-P", "5"])
        self.assertEqual(rc, 0, err)
        r = json.loads(out)
        self.assertEqual((r["completed"], r["errors"], r["handshakes"]),
                         (500, 0, 100))

    def test_bench_no_client_certificate(self):
        t0 = time.monotonic()
        rc, out, err = run_ctl(self.base + ["bench", "-n", "100", "-c",
                                            "4"])
        self.assertEqual(rc, 69, err)
        self.assertIn("client certificate", err)
        self.assertLess(time.monotonic() - t0, 4)

    def test_unix_socket(self):
        key = ["--cert", self.c.client, "--key", self.c.client_key]
        rc, out, err = run_ctl(["-U", self.sock, "--tls", "--cacert",
                                self.c.ca, "--servername", "localhost"] +
                               key + ["ping"])
        self.assertEqual((rc, out), (0, b"pong\n"), err)
        r = run_ctl(["-U", self.sock, "--tls", "--cacert", self.c.ca,
                     "--servername", "example.com"] + key + ["ping"])
        self.assertUnavailable(r, self.sock, "hostname mismatch")


@unittest.skipIf(OPENSSL is None, NO_OPENSSL)
class OneshotTLSTest(TLSBase):
    """A TLS server in the tutorial's style: one reply per connection."""

    def test_batch_reconnects(self):
        c = certs()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(c.server, c.server_key)

        def handler(conn, server):
            with ctx.wrap_socket(conn, server_side=True) as s:
                req = read_request(s)
                if req is None:
                    return
                server.record(req)
                hdr, content = req
                value = json.loads(content)["value"]
                s.sendall(reply({"result": "got " + value},
                                id=hdr.get("id")))

        with FakeServer(handler) as srv:
            queries = ["q%d" % i for i in range(20)]
            rc, out, err = run_ctl(["-p", str(srv.port), "--tls",
                                    "--cacert", c.ca, "search", "-"],
                                   stdin="\n".join(queries).encode())
            self.assertEqual(rc, 0, err)
            self.assertEqual(out.decode().splitlines(),
                             ["got " + q for q in queries])
            # One handshake per reply after the first connection's.
            self.assertGreaterEqual(len(srv.requests), 20)


@unittest.skipIf(OPENSSL is None, NO_OPENSSL)
class ServerTLSTest(TLSBase):
    """searchd's TLS listener seen from Python's ssl module."""

    @classmethod
    def setUpClass(cls):
        cls.c = certs()
        cls.d = harness.Searchd(
            config=tls_config(cls.c.server, cls.c.server_key),
            listen=("127.0.0.1:0 tls",))

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def client_ctx(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.c.ca)
        return ctx

    def tls_connect(self, ctx=None):
        s = self.d.connect()
        return (ctx or self.client_ctx()).wrap_socket(
            s, server_hostname="127.0.0.1")

    def assertServes(self):
        with self.tls_connect() as s:
            self.assertEqual(harness.search(s, "morpheus")["result"],
                             MORPHEUS)

    def test_tls12_served(self):
        ctx = self.client_ctx()
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with self.tls_connect(ctx) as s:
            self.assertEqual(s.version(), "TLSv1.2")
            self.assertEqual(harness.request(s, {"action": "ping"})[1],
                             {"result": "pong"})

    def test_tls11_refused(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            # TLS 1.1's ciphers are below the default security level.
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as e:
            self.skipTest("the local OpenSSL cannot offer TLS 1.1: %s" % e)
        s = self.d.connect()
        try:
            with self.assertRaises((ssl.SSLError, ConnectionError)) as cm:
                ctx.wrap_socket(s).close()
        finally:
            s.close()
        if "NO_PROTOCOLS_AVAILABLE" in str(cm.exception):
            self.skipTest("the local OpenSSL refuses to offer TLS 1.1")
        self.assertServes()

    def test_no_handshake_closed_after_read_timeout(self):
        with self.d.connect() as s:
            t0 = time.monotonic()
            harness.assert_closed(s, timeout=READ_TIMEOUT + 9)
            took = time.monotonic() - t0
        self.assertGreater(took, READ_TIMEOUT * 0.5)
        self.assertLess(took, READ_TIMEOUT + 5)
        self.assertServes()

    def test_stalled_handshake_does_not_block_others(self):
        with self.d.connect() as s:
            s.sendall(b"\x16\x03\x01")  # a record header, cut short
            self.assertServes()
            rc, out, err = run_ctl(["-p", str(self.d.port), "--tls",
                                    "--cacert", self.c.ca, "ping"])
            self.assertEqual((rc, out), (0, b"pong\n"), err)
            harness.assert_closed(s, timeout=READ_TIMEOUT + 9)

    def test_plaintext_tutorial_client(self):
        with self.d.connect() as s:
            t0 = time.monotonic()
            s.sendall(harness.frame({"action": "search",
                                     "value": "morpheus"}))
            s.settimeout(READ_TIMEOUT + 9)
            data = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
            self.assertLess(time.monotonic() - t0, READ_TIMEOUT + 5)
            # Nothing that reads as a reply: at most a TLS alert record.
            self.assertNotIn(b"rabbit", data)
            if data:
                self.assertEqual(data[:2], b"\x15\x03", data)
        self.assertServes()

    def test_plaintext_clients_meanwhile(self):
        """Many half-sent plaintext frames do not hold up TLS clients."""
        socks = [self.d.connect() for _ in range(20)]
        try:
            for s in socks:
                s.sendall(harness.frame({"action": "ping"})[:5])
            for _ in range(5):
                self.assertServes()
        finally:
            for s in socks:
                s.close()
        self.assertEqual(self.d.proc.poll(), None)


@unittest.skipIf(OPENSSL is None, NO_OPENSSL)
class TLSReloadTest(TLSBase):
    """SIGHUP replaces the certificate, and a bad one keeps the old."""

    def setUp(self):
        self.c = certs()
        self.d = harness.Searchd(
            config=tls_config(self.c.server, self.c.server_key) +
            "data_dir none\n", listen=("127.0.0.1:0", "127.0.0.1:0 tls"))
        tls, plain = tls_addrs(self.d)
        self.tls_addr, self.plain_addr = tls[0], plain[0]

    def tearDown(self):
        self.d.close()

    def served_cert(self):
        """The DER certificate the TLS listener presents now."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(self.d.connect(addr=self.tls_addr)) as s:
            return s.getpeercert(binary_form=True)

    def stats(self):
        with self.d.connect(addr=self.plain_addr) as s:
            return harness.request(s, {"action": "stats"})[1]["stats"]

    def reload(self, cert, key, expect):
        with open(self.d.conf, "w") as f:
            f.write("listen %s\nlisten %s tls\n" % (self.plain_addr,
                                                     self.tls_addr))
            f.write(tls_config(cert, key) + "data_dir none\n")
        mark = self.d.log_count()
        self.d.signal(signal.SIGHUP)
        self.d.wait_log(expect, start=mark)
        self.d.wait_log(r"reload: new index in service", start=mark)

    def pem_to_der(self, path):
        with open(path) as f:
            return ssl.PEM_cert_to_DER_cert(f.read())

    def test_certificate_replaced_and_bad_one_kept(self):
        self.assertEqual(self.served_cert(), self.pem_to_der(self.c.server))
        self.reload(self.c.other, self.c.other_key,
                    r"reload: TLS certificate and key reloaded")
        self.assertEqual(self.served_cert(), self.pem_to_der(self.c.other))
        st = self.stats()
        self.assertEqual((st["reloads"], st["reload_failures"]), (1, 0))

        # A key that is not the certificate's: the reload fails once, as
        # one failure and no success, and the listener keeps serving the
        # certificate it had.
        self.reload(self.c.server, self.c.other_key,
                    r"reload: TLS: .*keeping the current certificate")
        self.assertEqual(self.served_cert(), self.pem_to_der(self.c.other))
        st = self.stats()
        self.assertEqual((st["reloads"], st["reload_failures"]), (1, 1))
        self.assertTrue(st["last_reload_error"].startswith("TLS: "),
                        st["last_reload_error"])


if __name__ == "__main__":
    harness.main()
