#!/usr/bin/env python3
"""Who may write: peers on another network, seen from searchd.

Every test builds a network namespace of its own joined to this one by a
veth pair, so a client runs from a real non-local address (10.213.N.2)
against a searchd listening on 10.213.N.1; nothing leaves the machine.
Making namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and the ip
command: without them the tests are skipped, saying which is missing.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness
import live_util
from test_searchctl_tls import OPENSSL, certs

IP = shutil.which("ip")
NET = "10.213.%d" % (20 + os.getpid() % 200)
HOST, PEER = NET + ".1", NET + ".2"


def run(*argv, check=True):
    p = subprocess.run(argv, capture_output=True, timeout=30)
    if check and p.returncode != 0:
        raise OSError("%s: %s" % (" ".join(argv),
                                  p.stderr.decode(errors="replace")))
    return p


def why_no_netns():
    if IP is None:
        return "the ip command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "making a network namespace needs root"
    return None


class Namespace:
    """A namespace holding PEER, linked to HOST in this one."""

    def __init__(self):
        tag = "sdz%d" % os.getpid()
        self.name, self.host_if, self.peer_if = tag, tag + "a", tag + "b"
        run(IP, "netns", "add", self.name)
        try:
            run(IP, "link", "add", self.host_if, "type", "veth", "peer",
                "name", self.peer_if)
            run(IP, "link", "set", self.peer_if, "netns", self.name)
            run(IP, "addr", "add", HOST + "/24", "dev", self.host_if)
            run(IP, "link", "set", self.host_if, "up")
            self.exec(IP, "addr", "add", PEER + "/24", "dev", self.peer_if)
            self.exec(IP, "link", "set", self.peer_if, "up")
            self.exec(IP, "link", "set", "lo", "up")
        except OSError:
            self.close()
            raise

    def exec(self, *argv, check=True):
        return run(IP, "netns", "exec", self.name, *argv, check=check)

    def close(self):
        run(IP, "link", "del", self.host_if, check=False)
        run(IP, "netns", "del", self.name, check=False)


def ctl(ns, port, *args, tls=()):
    """searchctl run from the namespace against HOST:port."""
    return ns.exec(harness.SEARCHCTL, "-H", HOST, "-p", str(port),
                   "--timeout", "10000", *tls, *args, check=False)


class Authorization(unittest.TestCase):
    def setUp(self):
        why = why_no_netns()
        if why:
            self.skipTest(why)
        try:
            self.ns = Namespace()
        except OSError as e:
            self.skipTest("cannot make a network namespace here: %s" % e)
        self.addCleanup(self.ns.close)
        self.tmp = tempfile.TemporaryDirectory(prefix="searchd-authz-")
        self.addCleanup(self.tmp.cleanup)
        self.docs = os.path.join(self.tmp.name, "docs.jsonl")
        live_util.write_corpus(self.docs, [{"id": "w1", "text": "written"}])

    def searchd(self, config="", listen=None):
        d = harness.Searchd(config=config,
                            listen=listen or (HOST + ":0", "127.0.0.1:0"))
        self.addCleanup(d.close)
        return d

    def port(self, d, tls=False):
        for line in d.log_text().splitlines():
            m = re.search(r"listening on %s:(\d+)( \(tls\))?" %
                          re.escape(HOST), line)
            if m and bool(m.group(2)) == tls:
                return int(m.group(1))
        raise AssertionError("no listener on %s:\n%s" % (HOST, d.log_text()))

    def written(self, d):
        """How many documents match, asked over loopback."""
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", d.log_text())
        with d.connect(addr="127.0.0.1:" + m.group(1)) as s:
            return harness.search(s, "written")["total"]

    def assertForbidden(self, d, p):
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"forbidden", p.stderr)
        self.assertIn(b"write_allow", p.stderr)
        d.wait_log(r"%s:\d+: add refused: this peer may not write "
                   r"\(write_allow\)" % re.escape(PEER))

    def test_remote_peer_may_not_write(self):
        d = self.searchd()
        port = self.port(d)
        self.assertForbidden(d, ctl(self.ns, port, "add", self.docs))
        p = ctl(self.ns, port, "delete", "w1")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"forbidden", p.stderr)
        p = ctl(self.ns, port, "backup", os.path.join(self.tmp.name, "b"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"forbidden", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "b")))
        # Reads are everyone's; nothing was written.
        p = ctl(self.ns, port, "search", "written")
        self.assertEqual((p.returncode, p.stdout),
                         (1, b'No match for "written".\n'), p.stderr)
        self.assertEqual(self.written(d), 0)
        self.assertEqual(d.stats()["seq"], 0)

    def test_write_allow_prefix(self):
        d = self.searchd("write_allow 10.213.255.0/24\n"
                         "write_allow %s.0/24\n" % NET)
        p = ctl(self.ns, self.port(d), "add", self.docs)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"added 1 documents", p.stdout + p.stderr)
        self.assertEqual(self.written(d), 1)

    def test_write_allow_other_prefix(self):
        d = self.searchd("write_allow 10.213.255.0/24\n"
                         "write_allow %s.1/32\n" % NET)
        self.assertForbidden(d, ctl(self.ns, self.port(d), "add",
                                    self.docs))
        self.assertEqual(self.written(d), 0)

    @unittest.skipIf(OPENSSL is None, "the openssl command is not installed")
    def test_client_certificate_may_write(self):
        c = certs()
        cert, key = c.signed("authz-server", "/CN=searchd authz test",
                             "subjectAltName=IP:%s\n"
                             "extendedKeyUsage=serverAuth\n" % HOST)
        d = self.searchd("tls_certificate %s\ntls_key %s\n"
                         "tls_client_ca %s\n" % (cert, key, c.ca),
                         listen=(HOST + ":0 tls", HOST + ":0",
                                 "127.0.0.1:0"))
        tls = ["--tls", "--cacert", c.ca, "--cert", c.client,
               "--key", c.client_key]
        p = ctl(self.ns, self.port(d, tls=True), "add", self.docs, tls=tls)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.written(d), 1)
        # The same peer without TLS is still refused.
        self.assertForbidden(d, ctl(self.ns, self.port(d), "add",
                                    self.docs))


if __name__ == "__main__":
    harness.main()
