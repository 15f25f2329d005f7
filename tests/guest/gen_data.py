#!/usr/bin/env python3
"""Writes SIZE bytes of deterministic pseudo-random data (SHA-256 in counter mode over SEED)
to OUT: a large incompressible file for in-guest I/O tests whose checksum the host knows.

    gen_data.py OUT SIZE [SEED]
"""
import hashlib
import sys


def main():
    out, size = sys.argv[1], int(sys.argv[2])
    seed = (sys.argv[3] if len(sys.argv) > 3 else "exo").encode()
    with open(out, "wb") as f:
        left, counter = size, 0
        while left > 0:
            block = b"".join(hashlib.sha256(seed + (counter + i).to_bytes(8, "little")).digest()
                             for i in range(2048))  # 64 KiB
            counter += 2048
            f.write(block[:left])
            left -= len(block[:left])


if __name__ == "__main__":
    main()
