#!/usr/bin/env python3
"""Boots the kernel under QEMU, drives the serial console, and checks what it prints.

Steps run in order: --expect REGEX waits until the console output (since the previous match)
matches; --send TEXT writes TEXT to the console ("\\n", "\\x03" escapes work); --pause S
keeps reading for S seconds (e.g. until a command has really started). With -nographic,
QEMU's stdio is a mux whose escape character is ^A: a ^A to send is doubled (^A a). The run fails
on a timeout, on any --forbid match (PANIC by default), or if QEMU's exit status differs from
--exit (default 0). With --exit given, after the last step the harness waits for QEMU to end.
The whole console transcript is printed so `meson test` logs show it.

Values the test learns on the way: `{{NAME}}` in a step is replaced by the value of NAME,
which comes from --vars FILE (NAME=VALUE lines, e.g. facts the build computed) or from a
named group `(?P<NAME>...)` of an earlier --expect (e.g. a pid the guest printed).

The guest's ramdisk (the root filesystem the kernel writes to) can be checked on the host:
--save-ramdisk FILE copies it out of guest memory (address and size from the kernel's
`ramdisk: N KiB at 0xADDR` line, over a QMP socket, with the guest stopped for the copy);
--host-check CMD runs CMD with sh on the host and fails the test unless it exits with 0.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import tempfile
import time

import qmp


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--qemu", default="qemu-system-aarch64")
    p.add_argument("--board-args", default=os.environ.get("QEMU_BOARD_ARGS", ""))
    p.add_argument("--kernel", required=True)
    p.add_argument("--append", default="")
    p.add_argument("--initrd")
    p.add_argument("--qemu-arg", action="append", default=[])
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--exit", type=int, default=None, dest="exit_status")
    p.add_argument("--forbid", action="append", default=[])
    p.add_argument("--allow-panic", action="store_true", help="a PANIC is expected")
    p.add_argument("--expect", action="append", dest="steps", type=lambda s: ("expect", s))
    p.add_argument("--send", action="append", dest="steps", type=lambda s: ("send", s))
    p.add_argument("--pause", action="append", dest="steps", type=lambda s: ("pause", s),
                   help="keep reading the console for this many seconds")
    p.add_argument("--save-ramdisk", action="append", dest="steps",
                   type=lambda s: ("save-ramdisk", s), help="copy the guest's ramdisk to FILE")
    p.add_argument("--host-check", action="append", dest="steps",
                   type=lambda s: ("host-check", s), help="run a host command; must exit 0")
    p.add_argument("--vars", help="file of NAME=VALUE lines for {{NAME}} in steps")
    return p.parse_args()


def read_vars(path):
    values = {}
    if path:
        with open(path) as f:
            for line in f:
                name, sep, value = line.rstrip("\n").partition("=")
                if sep:
                    values[name.strip()] = value
    return values


def substitute(text, values):
    """Replaces each {{NAME}} in text by values[NAME]; an unknown NAME is an error."""
    def value(m):
        if m.group(1) not in values:
            raise KeyError("no value for {{%s}}" % m.group(1))
        return values[m.group(1)]
    return re.sub(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}", value, text)


def qemu_command(a, qmp_socket):
    cmd = [a.qemu] + a.board_args.split() + ["-kernel", a.kernel,
                                              "-semihosting-config", "enable=on,target=native"]
    if qmp_socket:
        cmd += ["-qmp", "unix:%s,server=on,wait=off" % qmp_socket]
    if a.append:
        cmd += ["-append", a.append]
    if a.initrd:
        cmd += ["-initrd", a.initrd]
    for q in a.qemu_arg:
        cmd += q.split()
    return cmd


class Console:
    def __init__(self, proc, deadline, mux):
        self.proc, self.deadline = proc, deadline
        self.mux = mux  # stdio is QEMU's mux (-nographic): ^A is its escape character
        self.text, self.pos = "", 0
        self.values = {}  # for {{NAME}} in steps

    def pump(self, wait):
        """Reads whatever QEMU printed within `wait` seconds; False once QEMU closed stdout."""
        r, _, _ = select.select([self.proc.stdout], [], [], wait)
        if not r:
            return True
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return False
        chunk = data.decode("utf-8", "replace")
        sys.stdout.write(chunk)
        sys.stdout.flush()
        self.text += chunk
        return True

    def expect(self, pattern):
        """Waits for pattern after the previous match; returns the match or None."""
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = self.deadline - time.monotonic()
            if left <= 0 or not self.pump(min(left, 0.5)):
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                return m

    def send(self, text):
        data = text.encode().decode("unicode_escape").encode("latin-1")
        if self.mux:  # ^A a: QEMU's mux passes one ^A on to the serial port
            data = data.replace(b"\x01", b"\x01\x01")
        self.proc.stdin.write(data)
        self.proc.stdin.flush()


def fail(msg):
    print("\nHARNESS FAIL: " + msg, flush=True)
    return 1


def run_step(kind, arg, con, a, qmp_socket):
    """Runs one step; returns an error message, or None when it succeeded."""
    arg = substitute(arg, con.values)
    if kind == "send":
        con.send(arg)
    elif kind == "pause":
        end = time.monotonic() + float(arg)
        while time.monotonic() < end and con.pump(max(0.05, end - time.monotonic())):
            pass
    elif kind == "expect":
        m = con.expect(arg)
        if not m:
            return "did not see /%s/ (timeout %ss or QEMU ended)" % (arg, a.timeout)
        con.values.update({k: v for k, v in m.groupdict().items() if v is not None})
    elif kind == "save-ramdisk":
        region = qmp.ramdisk_region(con.text)
        if not region:
            return "--save-ramdisk: the console shows no 'ramdisk: N KiB at 0xADDR' line"
        print("\nHARNESS: saving the ramdisk (%d KiB at %#x) to %s" %
              (region[1] >> 10, region[0], arg), flush=True)
        qmp.save_memory(qmp_socket, region[0], region[1], arg)
    elif kind == "host-check":
        p = subprocess.run(["sh", "-c", arg], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=max(1.0, con.deadline - time.monotonic()))
        print("\nHARNESS: host-check `%s` -> status %d\n%s" % (arg, p.returncode, p.stdout),
              flush=True)
        if p.returncode != 0:
            return "host check `%s` exited with status %d" % (arg, p.returncode)
    return None


def main():
    a = parse_args()
    forbid = [re.compile(f, re.M) for f in a.forbid + ([] if a.allow_panic else [r"PANIC"])]
    steps = a.steps or []
    tmpdir = tempfile.TemporaryDirectory(prefix="harness-")
    needs_qmp = any(kind == "save-ramdisk" for kind, _ in steps)
    qmp_socket = os.path.join(tmpdir.name, "qmp.sock") if needs_qmp else None
    cmd = qemu_command(a, qmp_socket)
    print("HARNESS: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    con = Console(proc, time.monotonic() + a.timeout, "-nographic" in cmd)
    con.values.update(read_vars(a.vars))
    status = 0
    try:
        for kind, arg in steps:
            try:
                error = run_step(kind, arg, con, a, qmp_socket)
            except (KeyError, OSError, qmp.QmpError, subprocess.TimeoutExpired) as e:
                error = "%s step failed: %s" % (kind, e)
            if error:
                status = fail(error)
                break
        if status == 0 and a.exit_status is not None:
            while proc.poll() is None and time.monotonic() < con.deadline:
                if not con.pump(0.5):
                    break
            try:
                proc.wait(timeout=max(0.1, con.deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                status = fail("QEMU did not exit within %ss" % a.timeout)
        if status == 0:
            for rx in forbid:
                if rx.search(con.text):
                    status = fail("console shows forbidden /%s/" % rx.pattern)
                    break
        if status == 0 and a.exit_status is not None and proc.returncode != a.exit_status:
            status = fail("QEMU exit status %s, expected %s" % (proc.returncode, a.exit_status))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        tmpdir.cleanup()
    if status == 0:
        print("\nHARNESS PASS", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
