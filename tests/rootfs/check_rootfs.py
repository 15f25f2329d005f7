#!/usr/bin/env python3
"""Checks build/rootfs.img and its staging tree: the image is a clean ext4 file system
holding the skeleton, and the image's programs run (under qemu-aarch64-static on the host).

    check_rootfs.py --image IMG --staging DIR
"""
import argparse
import os
import subprocess
import sys

failures = []


def check(what, ok, detail=""):
    print("%s: %s%s" % ("ok" if ok else "FAIL", what, "" if ok else "\n    " + detail),
          flush=True)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)
    return p.returncode, p.stdout + p.stderr


def check_image(image):
    rc, out = run(["e2fsck", "-fn", image])
    check("e2fsck finds the image clean", rc == 0, out)
    rc, out = run(["dumpe2fs", "-h", image])
    check("ext4 with 4 KiB blocks, label rootfs",
          "Block size:               4096" in out and "volume name:   rootfs" in out, out)
    for path, want in [("/etc/hostname", "exo"), ("/sbin/init", "init: rootfs ready"),
                       ("/etc/passwd", "root:x:0:0:"), ("/etc/profile", "PS1=")]:
        rc, out = run(["debugfs", "-R", "cat " + path, image])
        check("image holds %s (%r)" % (path, want), rc == 0 and want in out, out[-400:])
    for path in ["/proc", "/dev", "/tmp", "/sys", "/root", "/mnt"]:
        rc, out = run(["debugfs", "-R", "stat " + path, image])
        check("image has mount point " + path, "Type: directory" in out, out[-400:])


def check_layout(st):
    for d in ["bin", "sbin", "lib"]:
        check("/%s -> usr/%s (merged /usr)" % (d, d),
              os.path.islink(os.path.join(st, d)) and os.readlink(os.path.join(st, d)) ==
              "usr/" + d)
    ld = os.path.join(st, "lib/ld-linux-aarch64.so.1")
    check("/lib/ld-linux-aarch64.so.1 resolves in the tree",
          os.path.isfile(ld) and os.path.realpath(ld).startswith(os.path.realpath(st)))
    check("/lib/ld-musl-aarch64.so.1 resolves in the tree",
          os.path.isfile(os.path.join(st, "lib/ld-musl-aarch64.so.1")))
    check("/bin/sh is busybox", os.path.realpath(os.path.join(st, "bin/sh")) ==
          os.path.realpath(os.path.join(st, "usr/bin/busybox")))
    check("/bin/ls is coreutils, not busybox", not os.path.islink(os.path.join(st, "bin/ls")))
    check("/sbin/init is the skeleton's script",
          open(os.path.join(st, "sbin/init"), "rb").read(2) == b"#!")
    check("terminfo for top (ncurses-base)",
          os.path.exists(os.path.join(st, "usr/share/terminfo/v/vt100")) or
          os.path.exists(os.path.join(st, "lib/terminfo/v/vt100")))
    check("no documentation left", not os.path.exists(os.path.join(st, "usr/share/doc")))


def check_programs(st):
    q = ["qemu-aarch64-static", "-L", st]
    cases = [
        ("busybox (static) runs an applet", ["usr/bin/busybox", "echo", "hello"], "hello"),
        ("busybox sh", ["usr/bin/busybox", "sh", "-c", "echo $((6 * 7))"], "42"),
        ("bash (glibc, dynamic)", ["usr/bin/bash", "--version"], "GNU bash, version 5"),
        ("bash runs a script", ["usr/bin/bash", "-c", "a=(x y z); echo ${#a[@]}"], "3"),
        ("coreutils ls", ["usr/bin/ls", "-1", os.path.join(st, "etc")], "passwd"),
        ("procps ps", ["usr/bin/ps", "--version"], "procps-ng"),
        ("strace", ["usr/bin/strace", "-V"], "strace -- version"),
        ("musl's dynamic linker", ["usr/lib/ld-musl-aarch64.so.1", "--version"], "musl libc"),
    ]
    for what, argv, want in cases:
        rc, out = run(q + [os.path.join(st, argv[0])] + argv[1:])
        check(what, want in out, "%s -> status %d:\n%s" % (" ".join(argv), rc, out[-400:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--staging", required=True)
    a = ap.parse_args()
    check_image(a.image)
    check_layout(a.staging)
    check_programs(a.staging)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
