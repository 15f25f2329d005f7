#!/usr/bin/env python3
"""Boots the kernel under QEMU, drives the serial console, and checks what it prints.

Steps run in order: --expect REGEX waits until the console output (since the previous match)
matches; --send TEXT writes TEXT to the console ("\\n", "\\x03" escapes work); --pause S
keeps reading for S seconds (e.g. until a command has really started). The run fails
on a timeout, on any --forbid match (PANIC by default), or if QEMU's exit status differs from
--exit (default 0). With --exit given, after the last step the harness waits for QEMU to end.
The whole console transcript is printed so `meson test` logs show it.
"""
import argparse
import os
import re
import select
import subprocess
import sys
import time


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
    return p.parse_args()


def qemu_command(a):
    cmd = [a.qemu] + a.board_args.split() + ["-kernel", a.kernel,
                                              "-semihosting-config", "enable=on,target=native"]
    if a.append:
        cmd += ["-append", a.append]
    if a.initrd:
        cmd += ["-initrd", a.initrd]
    for q in a.qemu_arg:
        cmd += q.split()
    return cmd


class Console:
    def __init__(self, proc, deadline):
        self.proc, self.deadline = proc, deadline
        self.text, self.pos = "", 0

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
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return True
            left = self.deadline - time.monotonic()
            if left <= 0 or not self.pump(min(left, 0.5)):
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return True
                return False

    def send(self, text):
        self.proc.stdin.write(text.encode().decode("unicode_escape").encode("latin-1"))
        self.proc.stdin.flush()


def fail(msg):
    print("\nHARNESS FAIL: " + msg, flush=True)
    return 1


def main():
    a = parse_args()
    forbid = [re.compile(f, re.M) for f in a.forbid + ([] if a.allow_panic else [r"PANIC"])]
    cmd = qemu_command(a)
    print("HARNESS: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    con = Console(proc, time.monotonic() + a.timeout)
    status = 0
    try:
        for kind, arg in a.steps or []:
            if kind == "send":
                con.send(arg)
            elif kind == "pause":
                end = time.monotonic() + float(arg)
                while time.monotonic() < end and con.pump(max(0.05, end - time.monotonic())):
                    pass
            elif not con.expect(arg):
                status = fail("did not see /%s/ (timeout %ss or QEMU ended)" % (arg, a.timeout))
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
    if status == 0:
        print("\nHARNESS PASS", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
