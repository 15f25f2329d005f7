#!/bin/sh
# musl-sysroot.sh ROOT STAMP: unpack Debian's musl:arm64 and musl-dev:arm64 into ROOT (once;
# cached in the build directory) and write STAMP, an empty header the musl build depends
# on. Only Debian's archive is used, through apt-get download (needs the arm64 foreign
# architecture and apt lists: scripts/setup provides both). ROOT then holds:
#   usr/include/aarch64-linux-musl/   musl's headers
#   uapi/{linux,asm,asm-generic}      the kernel uapi headers (links to the cross
#                                     toolchain's copy; musl does not ship them)
#   usr/lib/aarch64-linux-musl/       crt1.o crti.o crtn.o
#   lib/ld-musl-aarch64.so.1          -> aarch64-linux-musl/libc.so (libc and loader)
set -eu
root=$1
stamp=$2
uapi_src=${MUSL_UAPI_SRC:-/usr/aarch64-linux-gnu/include}

if [ ! -e "$root/.unpacked" ]; then
    rm -rf "$root"
    mkdir -p "$root/debs"
    (cd "$root/debs" && apt-get download -q musl:arm64 musl-dev:arm64) >&2 || {
        echo "musl-sysroot: 'apt-get download musl:arm64 musl-dev:arm64' failed" \
             "(is the arm64 architecture enabled and apt-get update done? see scripts/setup)" >&2
        exit 1
    }
    for deb in "$root"/debs/*.deb; do
        dpkg-deb -x "$deb" "$root"
    done
    mkdir -p "$root/uapi"
    for d in linux asm asm-generic; do
        ln -sfn "$uapi_src/$d" "$root/uapi/$d"
    done
    for f in usr/include/aarch64-linux-musl/stdio.h usr/lib/aarch64-linux-musl/crt1.o \
             lib/aarch64-linux-musl/libc.so lib/ld-musl-aarch64.so.1; do
        [ -e "$root/$f" ] || { echo "musl-sysroot: $f missing after unpacking" >&2; exit 1; }
    done
    touch "$root/.unpacked"
fi
echo "/* musl sysroot unpacked in $root */" > "$stamp"
