#!/usr/bin/env python3
"""Runs an arm64 program under Linux user-mode emulation (qemu-aarch64-static) and checks
its exit status and output: run_linux.py --exit N [--expect REGEX]... PROGRAM [ARGS...]"""
import argparse
import os
import re
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument("--exit", type=int, default=0)
p.add_argument("--expect", action="append", default=[])
p.add_argument("cmd", nargs=argparse.REMAINDER)
a = p.parse_args()
env = dict(os.environ, CORETEST_QEMU_USER="1")
try:
    r = subprocess.run(["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"] + a.cmd,
                       capture_output=True, text=True, timeout=150, env=env)
except subprocess.TimeoutExpired as e:
    out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
    print(out + "\ntimed out after 150 s")
    sys.exit(1)
sys.stdout.write(r.stdout + r.stderr)
ok = r.returncode == a.exit
if not ok:
    print("exit status %d, expected %d" % (r.returncode, a.exit))
for rx in a.expect:
    if not re.search(rx, r.stdout, re.M):
        print("output lacks /%s/" % rx)
        ok = False
sys.exit(0 if ok else 1)
