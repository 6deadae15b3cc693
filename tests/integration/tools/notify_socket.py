#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The service manager's end of systemd's readiness protocol (sd_notify), for tests.

usage: notify_socket.py SOCKET OUT [--watch FILE]

Binds an AF_UNIX datagram socket at SOCKET (mode 0777, as systemd's /run/systemd/notify,
so a daemon that dropped root can still write to it), with SO_PASSCRED so every message
comes with its sender's pid and uid, as systemd receives them. Runs until SIGTERM.

OUT gets one line per datagram, flushed at once, fields separated by tabs:
    pid=PID  uid=UID  watched=yes|no  KEY=value  KEY=value ...
`watched` says whether FILE (a pid file) existed and was not empty when the message
arrived: READY=1 must come after the daemon serves. "# ready" is the first line, written
once the socket is bound.

Also a module: NotifySocket does the same in a thread of the test process.
"""

import argparse
import os
import signal
import socket
import struct
import sys
import threading

SCM_CREDENTIALS = 2
SO_PASSCRED = 16


def file_filled(path):
    try:
        return path is not None and os.path.getsize(path) > 0
    except OSError:
        return False


class Message:
    """One datagram: the sender's credentials and its KEY=value fields, in order."""

    def __init__(self, pid, uid, watched, text):
        self.pid, self.uid, self.watched, self.text = pid, uid, watched, text
        self.fields = []
        for line in text.split("\n"):
            if "=" in line:
                key, value = line.split("=", 1)
                self.fields.append((key, value))

    def get(self, key):
        for k, v in self.fields:
            if k == key:
                return v
        return None

    def line(self):
        parts = [f"pid={self.pid}", f"uid={self.uid}", f"watched={'yes' if self.watched else 'no'}"]
        parts += [f"{k}={v}" for k, v in self.fields]
        return "\t".join(parts)

    def __repr__(self):
        return self.line().replace("\t", " ")


def bind(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
    sock.bind(path)
    os.chmod(path, 0o777)
    return sock


def receive(sock, watch):
    """The next datagram as a Message (blocks; None when the socket was shut down).
    `watch()` names the file to look at when it has arrived."""
    data, ancillary, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(12))
    watched = file_filled(watch())
    if not data and not ancillary:
        return None
    pid = uid = -1
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == SCM_CREDENTIALS and len(payload) >= 12:
            pid, uid, _gid = struct.unpack("iII", payload[:12])
    return Message(pid, uid, watched, data.decode(errors="replace"))


class NotifySocket:
    """In-process: every message is kept in `messages` (a list, appended by a thread)."""

    def __init__(self, path, watch=None):
        self.path, self.watch = path, watch
        self.sock = bind(path)
        self.messages = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            try:
                m = receive(self.sock, lambda: self.watch)
            except OSError:
                return
            if m is None:
                return
            with self._lock:
                self.messages.append(m)

    def snapshot(self):
        with self._lock:
            return list(self.messages)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("socket")
    parser.add_argument("out")
    parser.add_argument("--watch")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = bind(args.socket)
    try:
        with open(args.out, "w", buffering=1) as out:
            out.write("# ready\n")
            while True:
                m = receive(sock, lambda: args.watch)
                if m is not None:
                    out.write(m.line() + "\n")
    finally:
        os.unlink(args.socket)


if __name__ == "__main__":
    main()
