"""The architecture, checked: which folder of src/ may use which, and no
circles between files.

Each folder of src/ is a library with a rank: common, then proto and
engine, then store, then daemon and ctl.  A file may include headers of
its own folder and of the folders its folder may call, never of one
above.  No file's includes may come back to it, and the functions the
compiled objects call may not form a circle between file stems (match.c
with match.h is one), so the engine and the daemon can be read from the
bottom up.  The calls are read with nm(1) from the objects make built.
"""

import glob
import os
import re
import subprocess
import unittest

import harness

TOP_SRCDIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), ".."))
TOP_BUILDDIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(harness.SEARCHD)), ".."))

# What each folder may call besides itself.
MAY_CALL = {
    "common": set(),
    "proto": {"common"},
    "engine": {"common"},
    "store": {"common", "engine"},
    "daemon": {"common", "proto", "engine", "store"},
    "ctl": {"common", "proto"},
}

# The objects each folder's code is in, as make builds them.
OBJECTS = {
    "common": ["src/common/libcommon.a"],
    "proto": ["src/proto/libproto.a"],
    "engine": ["src/engine/libengine.a"],
    "store": ["src/store/libstore.a"],
    "daemon": ["src/daemon/searchd-*.o"],
    "ctl": ["src/ctl/searchctl-*.o"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def unit_of(path):
    """(folder, stem) of a source path under src/."""
    folder = os.path.basename(os.path.dirname(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    return folder, stem


def find_cycle(graph):
    """A circle in a {node: set(nodes)} graph as a list, or None."""
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def sources():
    return sorted(glob.glob(os.path.join(TOP_SRCDIR, "src", "*", "*.[ch]")))


class Includes(unittest.TestCase):
    def setUp(self):
        self.headers = {}
        for path in sources():
            if path.endswith(".h"):
                self.headers.setdefault(os.path.basename(path), []).append(
                    path)

    def test_header_names_are_unique(self):
        """One -I per folder works only if no two folders share a name."""
        for name, paths in self.headers.items():
            self.assertEqual(len(paths), 1, "%s is in %s" % (name, paths))

    def test_folders_and_circles(self):
        graph = {}
        for path in sources():
            folder, stem = unit_of(path)
            self.assertIn(folder, MAY_CALL, path)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                self.assertNotIn("/", inc, "%s includes %s" % (path, inc))
                if inc == "autoconfig.h":
                    continue
                self.assertIn(inc, self.headers,
                              "%s includes %s, not in src/" % (path, inc))
                target = unit_of(self.headers[inc][0])
                self.assertTrue(
                    target[0] == folder or target[0] in MAY_CALL[folder],
                    "%s (%s) may not include %s (%s)" %
                    (path, folder, inc, target[0]))
                # Files, not stems: foo.c may include a foo_impl.h that
                # includes foo.h.
                graph.setdefault(path, set()).add(self.headers[inc][0])
        cycle = find_cycle(graph)
        self.assertIsNone(cycle, "headers include in a circle: %s" %
                          " -> ".join(os.path.relpath(p, TOP_SRCDIR)
                                      for p in cycle or []))


class Calls(unittest.TestCase):
    def nm(self, folder):
        """{stem: (defined, undefined)} for one folder's objects."""
        out = {}
        files = []
        for pattern in OBJECTS[folder]:
            files += glob.glob(os.path.join(TOP_BUILDDIR, pattern))
        self.assertTrue(files, "no objects for %s: build first" % folder)
        res = subprocess.run(["nm", "-A"] + files, capture_output=True,
                             text=True, check=True)
        for line in res.stdout.splitlines():
            # FILE[:MEMBER]:VALUE TYPE NAME; C names have no colon.
            where, _, rest = line.rpartition(":")
            fields = rest.split()
            if len(fields) < 2:
                continue
            member = where.split(":")[-1]
            stem = os.path.splitext(os.path.basename(member))[0]
            stem = stem.rsplit("-", 1)[-1]
            kind, name = fields[-2], fields[-1]
            d, u = out.setdefault(stem, (set(), set()))
            if kind == "U":
                u.add(name)
            elif kind.isupper():
                d.add(name)
        return out

    def test_calls(self):
        owner = {}
        per = {}
        for folder in MAY_CALL:
            per[folder] = self.nm(folder)
            for stem, (defined, _) in per[folder].items():
                for name in defined:
                    owner[name] = (folder, stem)
        graph = {}
        for folder, units in per.items():
            for stem, (_, undefined) in units.items():
                for name in undefined:
                    target = owner.get(name)
                    if target is None or target == (folder, stem):
                        continue
                    self.assertTrue(
                        target[0] == folder or target[0] in MAY_CALL[folder],
                        "%s/%s calls %s of %s/%s" %
                        (folder, stem, name, target[0], target[1]))
                    graph.setdefault((folder, stem), set()).add(target)
        self.assertIn(("engine", "index"), graph[("engine", "search")])
        cycle = find_cycle(graph)
        self.assertIsNone(cycle, "files call each other in a circle: %s" %
                          " -> ".join("%s/%s" % u for u in cycle or []))


if __name__ == "__main__":
    unittest.main(verbosity=2)
