"""How the debugger's front ends reach their user: the one TCP client of
``--monitor=tcp:PORT`` and ``--gdb=PORT`` (127.0.0.1 only), and the check
whether input is waiting, without blocking the guest."""

import select
import socket
import sys


def readable(f):
    """True when reading ``f`` (a file or socket) would not block; False if it cannot be polled."""
    try:
        r, _, _ = select.select([f], [], [], 0)
    except (OSError, ValueError):
        return False
    return bool(r)


class LocalConnection(object):
    """Listens on 127.0.0.1:``port`` (0: any free port; ``.port`` says which) for one client."""

    def __init__(self, port):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", port))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.conn = None

    def accept(self, waiting):
        """Say ``waiting`` on stderr, take the one client, and stop listening."""
        sys.stderr.write("pcemu: %s\n" % waiting)
        sys.stderr.flush()
        self.conn, _ = self.server.accept()
        self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # replies go out at once
        self.server.close()

    def receive(self):
        """The client's next bytes; b"" once it has gone (or the connection broke)."""
        try:
            return self.conn.recv(4096)
        except OSError:
            return b""
