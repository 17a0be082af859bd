"""A client that behaves on the wire exactly like the sockets tutorial's
app-client.py: one non-blocking connection per request, the request built
with json.dumps(ensure_ascii=False) and the host's byteorder, the reply read
in pieces as it arrives, then the connection closed.  It prints what the
tutorial's client prints about the reply, and returns the raw reply bytes so
tests can compare them byte for byte.

usage: tutorial_client.py HOST PORT ACTION VALUE
"""

import io
import json
import selectors
import socket
import struct
import sys


def tutorial_request(action, value):
    if action == "search":
        content = json.dumps({"action": action, "value": value},
                             ensure_ascii=False).encode("utf-8")
        ctype, enc = "text/json", "utf-8"
    else:
        content = bytes(action + value, encoding="utf-8")
        ctype, enc = "binary/custom-client-binary-type", "binary"
    hdr = json.dumps({"byteorder": sys.byteorder, "content-type": ctype,
                      "content-encoding": enc,
                      "content-length": len(content)},
                     ensure_ascii=False).encode("utf-8")
    return struct.pack(">H", len(hdr)) + hdr + content


def exchange(host, port, action, value, timeout=10.0):
    """Sends one request; returns (raw reply bytes, printed lines)."""
    sel = selectors.DefaultSelector()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.connect_ex((host, port))
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    send = tutorial_request(action, value)
    recv = b""
    raw = b""
    hdrlen = hdr = None
    out = []
    try:
        while True:
            events = sel.select(timeout)
            if not events:
                raise TimeoutError("no reply")
            for _, mask in events:
                if mask & selectors.EVENT_WRITE and send:
                    send = send[sock.send(send):]
                    if not send:
                        sel.modify(sock, selectors.EVENT_READ)
                if mask & selectors.EVENT_READ:
                    data = sock.recv(4096)
                    if not data:
                        raise RuntimeError("Peer closed.")
                    recv += data
                    raw += data
            if hdrlen is None and len(recv) >= 2:
                hdrlen = struct.unpack(">H", recv[:2])[0]
                recv = recv[2:]
            if hdrlen is not None and hdr is None and len(recv) >= hdrlen:
                hdr = json.load(io.TextIOWrapper(
                    io.BytesIO(recv[:hdrlen]), encoding="utf-8", newline=""))
                recv = recv[hdrlen:]
                for key in ("byteorder", "content-length", "content-type",
                            "content-encoding"):
                    if key not in hdr:
                        raise ValueError("Missing required header %r." % key)
            if hdr is not None and len(recv) >= hdr["content-length"]:
                data = recv[:hdr["content-length"]]
                if hdr["content-type"] == "text/json":
                    obj = json.load(io.TextIOWrapper(
                        io.BytesIO(data), encoding=hdr["content-encoding"],
                        newline=""))
                    out.append("Got result: %s" % obj.get("result"))
                else:
                    out.append("Got response: %r" % data)
                return raw, out
    finally:
        sel.unregister(sock)
        sock.close()
        sel.close()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print("usage:", sys.argv[0], "<host> <port> <action> <value>")
        sys.exit(1)
    _, lines = exchange(sys.argv[1], int(sys.argv[2]), sys.argv[3],
                        sys.argv[4])
    print("\n".join(lines))
