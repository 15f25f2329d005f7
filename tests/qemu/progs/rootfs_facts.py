#!/usr/bin/env python3
"""Computes on the host what the in-guest program tests must see, from the root filesystem's
staging tree (the image's contents), and writes NAME=VALUE lines for harness.py --vars.

    rootfs_facts.py --staging DIR --data FILE --script FILE -o OUT

- so_count: entries named *.so* anywhere in the tree (what `find / -name '*.so*' | wc -l`
  counts in the guest; symbolic links are not followed, as find does not follow them).
- data_size, data_sha256: size and SHA-256 of the --data file (installed in the image).
- script_sha256, script_lines: SHA-256 and line count of what the --script (a bash script
  using builtins only) prints when the image's own bash runs it under qemu-aarch64-static:
  Linux is the oracle for its output.
"""
import argparse
import fnmatch
import hashlib
import os
import subprocess
import sys


def count_so(root):
    n = 0
    for _, dirs, files in os.walk(root):  # os.walk does not descend into symlinked dirs
        n += sum(1 for name in dirs + files if fnmatch.fnmatchcase(name, "*.so*"))
    return n


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def script_output(staging, script):
    bash = os.path.join(staging, "usr/bin/bash")
    p = subprocess.run(["qemu-aarch64-static", "-L", staging, bash, script],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        sys.exit("rootfs_facts: %s under qemu-aarch64-static failed (%d): %s" %
                 (script, p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--staging", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args()
    out = script_output(a.staging, a.script)
    facts = {
        "so_count": count_so(a.staging),
        "data_size": os.path.getsize(a.data),
        "data_sha256": sha256_file(a.data),
        "script_sha256": hashlib.sha256(out).hexdigest(),
        "script_lines": out.count(b"\n"),
    }
    with open(a.out, "w") as f:
        f.writelines("%s=%s\n" % kv for kv in facts.items())


if __name__ == "__main__":
    main()
