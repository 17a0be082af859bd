"""The systemd units: what they say, systemd-analyze verify, and the
exposure score of systemd-analyze security (1.2 or lower, the "OK" band).

systemd-analyze verify needs the programs a unit runs to exist, so it
checks copies whose ExecStart= names the searchd just built.  The tests
that run systemd-analyze skip when it is not installed; .ci/deploy runs
both checks again on the units the Debian package installs.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

TOP_SRCDIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), ".."))
ANALYZE = shutil.which("systemd-analyze")
MAX_EXPOSURE = 1.2

HARDENING = (
    "NoNewPrivileges=yes", "CapabilityBoundingSet=", "ProtectSystem=strict",
    "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
    "PrivateUsers=yes", "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes", "ProtectKernelLogs=yes", "ProtectClock=yes",
    "ProtectHostname=yes", "ProtectControlGroups=yes",
    "ProtectProc=invisible", "ProcSubset=pid",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces=yes", "RestrictRealtime=yes", "LockPersonality=yes",
    "MemoryDenyWriteExecute=yes", "RemoveIPC=yes",
    "SystemCallFilter=@system-service", "SystemCallArchitectures=native",
    "UMask=0077", "IPAddressDeny=any")


def read(rel):
    with open(os.path.join(TOP_SRCDIR, rel), encoding="utf-8") as f:
        return f.read()


def unit_lines(text):
    """[(section, line)] for the directive lines, with the comment (if any)
    that heads the group of directives each belongs to."""
    out, section, comment = [], None, None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            comment = None
        elif line.startswith("#"):
            if comment is None or comment[1]:
                comment = [line, False]
            else:
                comment[0] += " " + line
        elif line.startswith("["):
            section, comment = line, None
        else:
            if comment is not None:
                comment[1] = True
            out.append((section, line, comment and comment[0]))
    return out


class Units(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.service = read("systemd/searchd.service")
        cls.socket = read("systemd/searchd.socket")
        cls.lines = unit_lines(cls.service)
        cls.directives = [line for _, line, _ in cls.lines]

    def test_service_basics(self):
        for want in ("Type=notify",
                     "ExecStart=/usr/sbin/searchd -f /etc/searchd.conf",
                     "ExecReload=/bin/kill -HUP $MAINPID",
                     "LimitNOFILE=20000", "DynamicUser=yes",
                     "StateDirectory=searchd", "WantedBy=multi-user.target"):
            self.assertIn(want, self.directives)

    def test_hardening_each_explained(self):
        for want in HARDENING:
            self.assertIn(want, self.directives)
        for section, line, comment in self.lines:
            if section == "[Service]" and line in HARDENING:
                self.assertTrue(comment, "%s has no comment" % line)
        # A network daemon: its network stays.
        self.assertNotIn("PrivateNetwork=yes", self.directives)
        self.assertIn("IPAddressAllow=localhost", self.directives)

    def test_socket_matches_default_listen(self):
        m = re.search(r"^listen (\S+)", read("etc/searchd.conf"), re.M)
        self.assertIn("ListenStream=%s" % m.group(1),
                      [line for _, line, _ in unit_lines(self.socket)])
        self.assertIn("ListenStream=127.0.0.1:65432", self.socket)
        self.assertIn("WantedBy=sockets.target", self.socket)

    def analyze(self, *args):
        p = subprocess.run([ANALYZE] + list(args), capture_output=True,
                           timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    @unittest.skipIf(ANALYZE is None, "systemd-analyze is not installed")
    def test_security_exposure(self):
        rc, out, err = self.analyze(
            "security", "--offline=true", "--no-pager",
            os.path.join(TOP_SRCDIR, "systemd", "searchd.service"))
        if rc != 0 and "offline" in err:
            self.skipTest("this systemd-analyze has no --offline: " + err)
        m = re.search(r"Overall exposure level for searchd\.service: "
                      r"([\d.]+) (\w+)", out + err)
        self.assertIsNotNone(m, out + err)
        self.assertLessEqual(float(m.group(1)), MAX_EXPOSURE, out)
        self.assertIn(m.group(2), ("OK", "SAFE"))

    @unittest.skipIf(ANALYZE is None, "systemd-analyze is not installed")
    def test_verify(self):
        with tempfile.TemporaryDirectory(prefix="searchd-unit-") as tmp:
            service = self.service.replace(
                "/usr/sbin/searchd", os.path.abspath(harness.SEARCHD))
            paths = []
            for name, text in (("searchd.service", service),
                               ("searchd.socket", self.socket)):
                paths.append(os.path.join(tmp, name))
                with open(paths[-1], "w", encoding="utf-8") as f:
                    f.write(text)
            rc, out, err = self.analyze("verify", "--man=no", *paths)
            ours = [line for line in (out + err).splitlines()
                    if "searchd" in line]
            self.assertEqual((rc, ours), (0, []), out + err)


if __name__ == "__main__":
    harness.main()
