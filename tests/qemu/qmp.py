"""A minimal QMP (QEMU Machine Protocol) client, used by harness.py to copy guest memory.

QEMU is started with `-qmp unix:SOCKET,server=on,wait=off`; Qmp(SOCKET) connects, reads the
greeting and enters command mode. Commands are one JSON object a line; replies carry
"return" or "error", and asynchronous events ("event") may arrive in between.
"""
import json
import os
import re
import socket


class QmpError(Exception):
    pass


class Qmp:
    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self._reply("greeting", key="QMP")
        self.execute("qmp_capabilities")

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise QmpError("QEMU closed the QMP socket")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def _reply(self, what, key="return"):
        """Returns the next message holding key, skipping events; raises on an error reply."""
        while True:
            msg = self._line()
            if "error" in msg:
                raise QmpError("%s: %s" % (what, msg["error"].get("desc", msg["error"])))
            if key in msg:
                return msg[key]

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        return self._reply(command)


RAMDISK_LINE = re.compile(r"^ramdisk: ([0-9]+) KiB at (0x[0-9a-f]+)", re.M)


def ramdisk_region(console_text):
    """(physical address, bytes) of the ramdisk, from the kernel's boot line
    `ramdisk: N KiB at 0xADDR`; None if the console does not show it."""
    m = RAMDISK_LINE.search(console_text)
    if not m:
        return None
    return int(m.group(2), 16), int(m.group(1)) * 1024


def save_memory(sock_path, addr, size, out_path):
    """Copies guest physical memory [addr, addr + size) into out_path, with the guest's CPUs
    stopped so that the copy is one consistent moment."""
    q = Qmp(sock_path)
    try:
        q.execute("stop")
        try:
            q.execute("pmemsave", val=addr, size=size, filename=out_path)
        finally:
            q.execute("cont")
    finally:
        q.close()
    # QEMU replies to pmemsave once the file is written.
    got = os.path.getsize(out_path) if os.path.exists(out_path) else -1
    if got != size:
        raise QmpError("pmemsave wrote %d of %d bytes to %s" % (got, size, out_path))
