#!/usr/bin/env python3
"""A server like the sockets tutorial's app-server.py: one reply per
connection, then close.

It answers the tutorial's search (three documents) and binary requests
and, like the tutorial, ignores anything sent after the first message on a
connection.  Usage: oneshot_server.py [HOST [PORT]]; port 0 picks a free
one.  It prints "listening on HOST:PORT" once ready and "accepted N" for
each connection, so a test can count reconnects.
"""

import json
import selectors
import socket
import struct
import sys

REQUEST_SEARCH = {
    "morpheus": "Follow the white rabbit. \U0001f430",
    "ring": "In the caves beneath the Misty Mountains. \U0001f48d",
    "\U0001f436": "\U0001f43e Playing ball! \U0001f3d0",
}


def create_message(content, content_type, content_encoding):
    hdr = {
        "byteorder": sys.byteorder,
        "content-type": content_type,
        "content-encoding": content_encoding,
        "content-length": len(content),
    }
    hbytes = json.dumps(hdr, ensure_ascii=False).encode("utf-8")
    return struct.pack(">H", len(hbytes)) + hbytes + content


def create_response(jsonheader, request):
    if jsonheader["content-type"] == "text/json":
        if request.get("action") == "search":
            query = request.get("value")
            answer = REQUEST_SEARCH.get(query) or f'No match for "{query}".'
            content = {"result": answer}
        else:
            content = {"result": f'Error: invalid action "{request.get("action")}".'}
        return create_message(
            json.dumps(content, ensure_ascii=False).encode("utf-8"),
            "text/json", "utf-8")
    return create_message(b"First 10 bytes of request: " + request[:10],
                          "binary/custom-server-binary-type", "binary")


class Message:
    """One connection: read one request, write one reply, close."""

    def __init__(self, sel, sock):
        self.sel = sel
        self.sock = sock
        self.recv_buffer = b""
        self.send_buffer = b""
        self.jsonheader = None
        self.responded = False

    def process_events(self, mask):
        if mask & selectors.EVENT_READ:
            self.read()
        if mask & selectors.EVENT_WRITE:
            self.write()

    def read(self):
        data = self.sock.recv(4096)
        if not data:
            raise RuntimeError("peer closed")
        self.recv_buffer += data
        if len(self.recv_buffer) < 2:
            return
        (hlen,) = struct.unpack(">H", self.recv_buffer[:2])
        if self.jsonheader is None and len(self.recv_buffer) >= 2 + hlen:
            self.jsonheader = json.loads(self.recv_buffer[2:2 + hlen])
            self.recv_buffer = self.recv_buffer[2 + hlen:]
        if self.jsonheader is None:
            return
        clen = self.jsonheader["content-length"]
        if len(self.recv_buffer) < clen:
            return
        data = self.recv_buffer[:clen]
        if self.jsonheader["content-type"] == "text/json":
            request = json.loads(data.decode(
                self.jsonheader["content-encoding"]))
        else:
            request = data
        self.send_buffer = create_response(self.jsonheader, request)
        self.sel.modify(self.sock, selectors.EVENT_WRITE, data=self)

    def write(self):
        sent = self.sock.send(self.send_buffer)
        self.send_buffer = self.send_buffer[sent:]
        if sent and not self.send_buffer:
            self.close()

    def close(self):
        self.sel.unregister(self.sock)
        self.sock.close()


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    sel = selectors.DefaultSelector()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, port))
    lsock.listen(128)
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, data=None)
    print("listening on %s:%d" % lsock.getsockname(), flush=True)
    accepted = 0
    while True:
        for key, mask in sel.select(timeout=None):
            if key.data is None:
                conn, _ = lsock.accept()
                conn.setblocking(False)
                accepted += 1
                print("accepted %d" % accepted, flush=True)
                sel.register(conn, selectors.EVENT_READ,
                             data=Message(sel, conn))
                continue
            try:
                key.data.process_events(mask)
            except (OSError, RuntimeError, ValueError):
                key.data.close()


if __name__ == "__main__":
    main()
