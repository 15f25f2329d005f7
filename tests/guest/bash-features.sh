#!/bin/bash
# bash language features for in-guest tests (installed as /usr/local/bin/bash-features.sh):
# arrays, associative arrays, functions with locals and recursion, arithmetic, string
# operations, [[ ]], case, here-documents and -strings, read, subshells and $(...).
# It uses builtins only, so it runs unchanged under qemu-aarch64-static on the host, where
# Linux is the oracle for its output; the last line is a summary of what it counted.
set -u

fib() {
    local n=$1
    if ((n < 2)); then
        echo "$n"
    else
        echo $(($(fib $((n - 1))) + $(fib $((n - 2)))))
    fi
}

primes=()
for ((i = 2; ${#primes[@]} < 10; i++)); do
    prime=1
    for p in "${primes[@]}"; do
        ((i % p == 0)) && { prime=0; break; }
    done
    ((prime)) && primes+=("$i")
done
echo "primes: ${primes[*]} (${#primes[@]}, last ${primes[-1]})"

declare -A colour=([apple]=red [banana]=yellow [cherry]=red)
reds=0
for k in "${!colour[@]}"; do
    [[ ${colour[$k]} == red ]] && ((reds++))
done
echo "assoc: ${#colour[@]} keys, $reds red, banana=${colour[banana]}"

echo "fib: $(fib 10)"
echo "arith: $((2 ** 10)) $((17 / 5)) $((17 % 5)) $((-7 >> 1)) $((0x1f | 0100)) $((3 > 2 ? 9 : 8))"

s="Hello, exo kernel"
echo "string: ${#s} ${s:7:3} ${s/kernel/World} ${s^^} ${s,,} ${s##*, }"
[[ $s =~ ^Hello,\ ([a-z]+) ]] && echo "regex: ${BASH_REMATCH[1]}"

classify() {
    case $1 in
        [0-9]*) echo number ;;
        *.sh) echo script ;;
        *) echo other ;;
    esac
}
echo "case: $(classify 42) $(classify run.sh) $(classify x)"

count=0
while read -r word rest; do
    count=$((count + ${#word}))
done <<END
alpha one
beta two
gamma three
END
read -r a b <<<"left right"
echo "read: $count $b $a"

outer=1
(outer=2; echo "subshell: $outer")
echo "after: $outer"
sum=0
for x in $(seq_n() { local i; for ((i = 1; i <= $1; i++)); do echo $i; done; }; seq_n 100); do
    sum=$((sum + x))
done
echo "sum: $sum"
echo "summary: ${#primes[@]} primes, fib $(fib 10), sum $sum"
