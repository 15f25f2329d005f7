"""Writes cpio archives in the "newc" format (the one Linux unpacks as an initramfs).

No cpio binary and no root privileges are needed: device nodes are just headers. Linux
unpacks concatenated archives in order, a later file replacing an earlier one, so a small
archive appended to a big one overrides or adds files.
"""
import os
import stat

TRAILER = "TRAILER!!!"


class Writer:
    """A newc archive being written to a binary file object. Entries get fixed times (mtime)
    and owners (root) unless given, so equal trees give equal archives."""

    def __init__(self, f, mtime=0):
        self.f, self.mtime, self.ino, self.closed = f, mtime, 1, False

    def _entry(self, name, mode, data=b"", rdev=(0, 0), uid=0, gid=0, nlink=1):
        name_b = name.encode() + b"\0"
        fields = (self.ino, mode, uid, gid, nlink, self.mtime, len(data), 0, 0,
                  rdev[0], rdev[1], len(name_b), 0)
        self.ino += 1
        head = b"070701" + b"".join(b"%08X" % v for v in fields)
        self.f.write(head + name_b + _pad(len(head) + len(name_b)))
        self.f.write(data + _pad(len(data)))

    def directory(self, name, mode=0o755):
        self._entry(name, stat.S_IFDIR | mode, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name, major, minor, mode=0o600):
        self._entry(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def tree(self, root, prefix=""):
        """Adds every file, directory and symlink under root (device nodes become char or
        block entries); names are relative to root, under prefix."""
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            rel = os.path.relpath(dirpath, root)
            for n in sorted(dirs) + sorted(files):
                path = os.path.join(dirpath, n)
                name = os.path.normpath(os.path.join(prefix, rel, n))
                st = os.lstat(path)
                perm = stat.S_IMODE(st.st_mode)
                if stat.S_ISLNK(st.st_mode):
                    self.symlink(name, os.readlink(path))
                elif stat.S_ISDIR(st.st_mode):
                    self.directory(name, perm)
                elif stat.S_ISREG(st.st_mode):
                    with open(path, "rb") as f:
                        self.file(name, f.read(), perm)
                elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                    self._entry(name, st.st_mode,
                                rdev=(os.major(st.st_rdev), os.minor(st.st_rdev)))

    def close(self):
        if not self.closed:
            self._entry(TRAILER, 0)
            self.closed = True


def _pad(n):
    return b"\0" * (-n % 4)
