#!/bin/sh
# fileops.sh DIR [CHECK...]: everyday file operations (all checks, or the CHECKs named) on
# the file system holding DIR (installed as /usr/local/bin/fileops.sh; the in-guest tests
# run it on the ext4 root and on tmpfs). Each check runs in a fresh directory and compares
# what the programs did with an independent source of truth (the original file,
# /dev/zero, a listing taken before) and prints `ok NAME` or `FAIL NAME: why`; the last
# line is `fileops DIR: N ok, M failed` and the exit status is the number of failures
# (at most 255). DIR/fileops.$$ is made and removed.
set -u
dir=${1:?usage: fileops.sh DIR [CHECK...]}
shift
w=$dir/fileops.$$
src=/usr/local/share/exo-tests/big.bin
all="mkdir-p cp mv-file mv-dir symlink hardlink rm dd-zero dd-blocks tar tar-meta"
passed=0
failed=0

# check NAME: runs t_NAME (with - as _) in a fresh directory $w/NAME, records the result.
check() {
    if out=$(mkdir "$w/$1" && cd "$w/$1" && "t_$(echo "$1" | tr - _)" 2>&1); then
        passed=$((passed + 1))
        echo "ok $1"
    else
        failed=$((failed + 1))
        echo "FAIL $1: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
    fi
}

t_mkdir_p() {
    mkdir -p a/b/c && [ -d a/b/c ] && mkdir -p a/b/c && mkdir -p a/b/d && [ -d a/b/d ]
}

t_cp() {
    cp /etc/passwd passwd && cmp /etc/passwd passwd && cp "$src" big && cmp "$src" big &&
        cp big big2 && cmp "$src" big2
}

t_mv_file() {
    mkdir d && cp /etc/passwd d/passwd && mv d/passwd moved && [ ! -e d/passwd ] &&
        cmp /etc/passwd moved && cp "$src" big && mv -f moved big && cmp /etc/passwd big
}

t_mv_dir() {
    mkdir -p a/b/c e && mv a/b e/b2 && [ ! -e a/b ] && [ -d e/b2/c ]
}

t_symlink() {
    cp /etc/passwd target && ln -s target link && [ -L link ] &&
        [ "$(readlink link)" = target ] && cmp /etc/passwd link &&
        ln -s /no/such dangling && [ -L dangling ] && [ ! -e dangling ]
}

t_hardlink() {
    cp "$src" big && ln big big.hard && [ "$(stat -c %h big)" = 2 ] &&
        [ "$(stat -c %i big)" = "$(stat -c %i big.hard)" ] && rm big &&
        [ "$(stat -c %h big.hard)" = 1 ] && cmp "$src" big.hard
}

t_rm() {
    cp /etc/passwd f && rm f && [ ! -e f ] && mkdir -p d/e && cp "$src" d/e/big &&
        rm -r d && [ ! -e d ] && [ -z "$(ls -A)" ]
}

# dd from /dev/zero: the size is bs * count and every byte is zero.
t_dd_zero() {
    dd if=/dev/zero of=zeros bs=64k count=40 2>/dev/null &&
        [ "$(wc -c <zeros)" = $((64 * 1024 * 40)) ] && cmp -n $((64 * 1024 * 40)) zeros /dev/zero
}

# dd with a block size that is not a power of two, and skip in blocks.
t_dd_blocks() {
    dd if="$src" of=copy bs=1000 2>/dev/null && cmp "$src" copy &&
        dd if="$src" of=part bs=4096 skip=3 count=5 2>/dev/null &&
        [ "$(wc -c <part)" = 20480 ] && tail -c +12289 "$src" | head -c 20480 | cmp - part
}

make_tree() {
    mkdir -p tree/sub/deeper && cp /etc/passwd /etc/group tree/ && cp "$src" tree/sub/ &&
        echo small >tree/sub/deeper/small && : >tree/empty
}

t_tar() {
    make_tree && tar -cf tree.tar tree && mkdir out && tar -xf tree.tar -C out &&
        diff -r tree out/tree
}

# Permissions and symbolic links survive the round trip (tar restores them with chmod
# and symlink).
t_tar_meta() {
    make_tree && chmod 0640 tree/passwd && chmod 0700 tree/sub/deeper &&
        ln -s sub/deeper/small tree/link && tar -cf tree.tar tree && mkdir out &&
        tar -xf tree.tar -C out && listing . >l1 && listing out >l2 && cmp l1 l2
}

# listing DIR: name, permissions, size and link target of everything under DIR/tree.
listing() {
    (cd "$1" && find tree | sort | while read -r f; do
        echo "$f $(stat -c '%A %s' "$f") $([ -L "$f" ] && readlink "$f")"
    done)
}

mkdir "$w" || { echo "fileops $dir: cannot make $w"; exit 255; }
for name in ${*:-$all}; do
    check "$name"
done
if rm -r "$w" && [ ! -e "$w" ]; then
    passed=$((passed + 1))
    echo "ok cleanup"
else
    failed=$((failed + 1))
    echo "FAIL cleanup: $w remains"
fi
echo "fileops $dir: $passed ok, $failed failed"
[ "$failed" -gt 255 ] && failed=255
exit "$failed"
