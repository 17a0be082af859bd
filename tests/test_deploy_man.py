"""The manual pages: mdoc that mandoc finds clean, and documentation that
keeps up with the code.

The configuration keys come from the parser itself (tests/print_config_keys
prints config_keys[]); searchd.conf(5) and etc/searchd.conf must document
exactly those, and the ranges the page gives must be the ones searchd -t
accepts.  The options of searchd -h and searchctl -h, the error codes in
src/*/, and the counters of the stats action must all be in the pages.
"""

import glob
import os
import re
import shutil
import subprocess
import unittest

import harness

TOP_SRCDIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), ".."))
TOP_BUILDDIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(harness.SEARCHD)), ".."))
PRINT_CONFIG_KEYS = os.path.join(TOP_BUILDDIR, "tests", "print_config_keys")
PAGES = ("man/searchd.8", "man/searchctl.1", "man/searchd.conf.5")


def read(rel):
    with open(os.path.join(TOP_SRCDIR, rel), encoding="utf-8") as f:
        return f.read()


def section(page, name):
    """The text of one .Sh section of an mdoc page."""
    m = re.search(r"^\.Sh %s\n(.*?)(?=^\.Sh |\Z)" % re.escape(name), page,
                  re.M | re.S)
    if m is None:
        raise AssertionError("no .Sh %s section" % name)
    return m.group(1)


def key_entries(page):
    """{key: its text} for the .It Ic KEY entries of searchd.conf(5)."""
    text = section(page, "KEYS")
    entries = {}
    parts = re.split(r"^\.It Ic (\S+).*\n", text, flags=re.M)
    for i in range(1, len(parts), 2):
        entries[parts[i]] = parts[i + 1]
    return entries


def plain(mdoc_text):
    """Roughly the words of some mdoc text, macros and escapes removed."""
    out = []
    for line in mdoc_text.splitlines():
        if line.startswith("."):
            line = re.sub(r"^\.\S+\s*", "", line)
            line = re.sub(r"\b(Ns|Cm|Ar|Fl|Pq|Po|Pc|Ql|Dq|Qq|No|Li)\b", "",
                          line)
        out.append(line)
    return re.sub(r"\s+", " ", " ".join(out))


class ParserKeys(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        p = subprocess.run([PRINT_CONFIG_KEYS], capture_output=True,
                           timeout=10, check=True)
        cls.keys = p.stdout.decode().split()
        cls.page = read("man/searchd.conf.5")
        cls.entries = key_entries(cls.page)

    def test_parser_has_keys(self):
        self.assertIn("listen", self.keys)
        self.assertEqual(len(self.keys), len(set(self.keys)))

    def test_man_page_documents_exactly_the_parser_keys(self):
        self.assertEqual(sorted(self.entries), sorted(self.keys),
                         "searchd.conf(5) KEYS vs config_keys[]")

    def test_sample_config_documents_exactly_the_parser_keys(self):
        sample = set(re.findall(r"^#?([a-z][a-z_]*)[ \t]+\S",
                                read("etc/searchd.conf"), re.M))
        self.assertEqual(sorted(sample), sorted(self.keys),
                         "keys in etc/searchd.conf vs config_keys[]")

    def test_every_key_has_a_default(self):
        for key, text in self.entries.items():
            self.assertIn("Default", text, "%s: no default" % key)

    def test_sample_config_parses(self):
        rc, _, err = harness.run_searchd(
            ["-t", "-f", os.path.join(TOP_SRCDIR, "etc", "searchd.conf")])
        self.assertEqual(rc, 0, err)

    def check(self, key, value):
        rc, _, err = harness.run_searchd(["-t"], config="%s %s\n" %
                                         (key, value))
        return rc, err

    def test_documented_ranges_are_the_parsers(self):
        """Each "Range A to B": A and B pass searchd -t, A-1 and B+1 fail
        with status 78."""
        mult = {"": 1, "K": 1024, "M": 1024 * 1024, "s": 1, "m": 60,
                "h": 3600}
        checked = 0
        for key, text in self.entries.items():
            m = re.search(r"Range (\d+)([KMsmh]?) to (\d+)([KMsmh]?)",
                          plain(text))
            if m is None:
                continue
            lo = int(m.group(1)) * mult[m.group(2)]
            hi = int(m.group(3)) * mult[m.group(4)]
            for value in (m.group(1) + m.group(2), m.group(3) + m.group(4),
                          str(lo), str(hi)):
                rc, err = self.check(key, value)
                self.assertEqual(rc, 0, "%s %s: %s" % (key, value, err))
            rc, err = self.check(key, str(hi + 1))
            self.assertEqual(rc, 78, "%s %d accepted" % (key, hi + 1))
            if lo > 0:
                rc, err = self.check(key, str(lo - 1))
                self.assertEqual(rc, 78, "%s %d accepted" % (key, lo - 1))
            checked += 1
        self.assertGreaterEqual(checked, 4, "too few ranges found")

    def test_documented_defaults_are_the_parsers(self):
        """The defaults in the page are what searchd reports running."""
        want = {}
        for key, text in self.entries.items():
            m = re.search(r"Default: (\S+?)\.? ", plain(text) + " ")
            if m:
                want[key] = m.group(1)
        self.assertEqual(want.get("max_connections"), "10000")
        with harness.Searchd() as d:
            line = d.wait_log(r"ready: (\d+) workers, max_connections (\d+),"
                              r" max_message_size (\d+)")
            self.assertEqual(line.group(2), want["max_connections"])
            self.assertEqual(int(line.group(3)),
                             int(want["max_message_size"].rstrip("M")) *
                             1024 * 1024)
            self.assertEqual(int(line.group(1)), os.cpu_count()
                             if want["workers"] == "auto" else
                             int(want["workers"]))
            d.stop()
        self.assertEqual(want["client_timeout"], "60")
        self.assertEqual(want["read_timeout"], "10")
        self.assertEqual(want["log_level"], "info")

    def test_workers_range(self):
        for value in ("auto", "1", "256"):
            self.assertEqual(self.check("workers", value)[0], 0, value)
        for value in ("0", "257", "many"):
            self.assertEqual(self.check("workers", value)[0], 78, value)


class Pages(unittest.TestCase):

    def test_mandoc_lint(self):
        mandoc = shutil.which("mandoc")
        if mandoc is None:
            self.skipTest("mandoc is not installed")
        for page in PAGES:
            p = subprocess.run([mandoc, "-Tlint", "-W", "warning",
                                os.path.join(TOP_SRCDIR, page)],
                               capture_output=True, timeout=30)
            self.assertEqual(p.returncode, 0, "%s:\n%s%s" % (
                page, p.stdout.decode(), p.stderr.decode()))

    def test_searchd_options(self):
        page = read("man/searchd.8")
        out = subprocess.run([harness.SEARCHD, "-h"], capture_output=True,
                             timeout=10).stdout.decode()
        opts = re.findall(r"^  -(\w)\b", out, re.M)
        self.assertGreaterEqual(len(opts), 5)
        for o in opts:
            self.assertRegex(page, r"\.It Fl %s\b" % o)

    def test_searchctl_options(self):
        page = read("man/searchctl.1")
        out = subprocess.run([harness.SEARCHCTL, "-h"], capture_output=True,
                             timeout=10).stdout.decode()
        longs = set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", out))
        shorts = set(re.findall(r"^\s+-(\w),", out, re.M))
        self.assertGreaterEqual(len(longs), 10)
        for o in longs:
            self.assertRegex(page, r"Fl -%s\b" % o, "--" + o)
        for o in shorts:
            self.assertRegex(page, r"Fl %s\b" % o, "-" + o)
        for cmd in ("search", "ping", "stats", "binary", "bench"):
            self.assertRegex(page, r"\.It Cm %s\b" % cmd)
        for status in re.findall(r"^  (\d+)  ", out, re.M):
            self.assertRegex(section(page, "EXIT STATUS"),
                             r"\.It %s\n" % status)

    def test_searchd_exit_statuses(self):
        text = read("src/daemon/daemon.h")
        codes = re.findall(r"#define SEARCHD_EXIT_\w+\s+(\d+)", text)
        self.assertIn("78", codes)
        exits = section(read("man/searchd.8"), "EXIT STATUS")
        for code in codes:
            self.assertRegex(exits, r"\.It %s\n" % code)

    def test_error_codes(self):
        """Every error code the sources can send is in searchd(8)."""
        codes = set()
        for path in glob.glob(os.path.join(TOP_SRCDIR, "src", "*", "*.c")):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            codes.update(re.findall(
                r"(?:request_errorf?\(\s*[^,]+,\s*(?:[^,]+,\s*)?|"
                r"frame_error_set\([^,]+,\s*|server_refuse\([^,]+,[^,]+,\s*|"
                r"\.code = )\"([a-z_0-9]+)\"", text))
        self.assertTrue({"bad_frame", "bad_json", "too_many_connections",
                         "timeout"} <= codes, codes)
        page = section(read("man/searchd.8"), "ERROR REPLIES")
        for code in sorted(codes):
            self.assertIsNotNone(re.search(r"\.It Cm %s\n" % code, page),
                                 "error code %s is not in searchd(8)" % code)

    def test_stats_keys(self):
        page = read("man/searchd.8")
        with harness.Searchd() as d:
            stats = d.stats()
            d.stop()
        self.assertIn("requests_total", stats)
        for key in stats:
            self.assertRegex(page, r"\.Cm %s\b" % key)

    def test_tutorial_example_bytes(self):
        """The worked example's request is what the tutorial sends, and
        searchd answers it with the reply header the page shows."""
        page = read("man/searchd.8")
        req = (b'\x00d{"byteorder": "big", "content-type": "text/json", '
               b'"content-encoding": "utf-8", "content-length": 41}'
               b'{"action": "search", "value": "morpheus"}')
        self.assertEqual(len(req), 143)
        self.assertIn("143 bytes", page)
        with harness.Searchd() as d, d.connect() as s:
            s.sendall(req)
            hbytes, content = harness.recv_raw(s)
            d.stop()
        self.assertEqual(len(hbytes), 104)
        self.assertIn("104-byte header", page)
        self.assertTrue(content.startswith(
            b'{"result": "Follow the white rabbit. \xf0\x9f\x90\xb0", '
            b'"hits": [{"id": "morpheus"'), content)
        m = re.search(r"^\\ex00h(\{.*?\})$", page, re.M | re.S)
        self.assertIsNotNone(m, "reply header not shown")
        shown = m.group(1).replace("\n", " ").encode()
        # The page shows a little-endian host's reply; the length varies.
        got = hbytes.replace(b'"byteorder": "big"', b'"byteorder": "little"')
        strip = re.compile(rb'"content-length": \d+')
        self.assertEqual(strip.sub(b"", got), strip.sub(b"", shown))

if __name__ == "__main__":
    harness.main()
