#!/usr/bin/env python3
"""Checks that the layout check leaves nothing out.

usage: check_layout_coverage.py SOURCE_ROOT CROSS_CC [CC_ARGS...]

1. Every object-like LINUX_X constant of libos/include/libos/abi/*.h is named in
   tests/host/abi/layout_*.c by CONST(X), CONST_AS(X, ...), RUNTIME(X), REBOOT(X) or
   UNCHECKED(X, "why").
2. lib/errno.h and layout_errno.c name every errno of the uapi headers, and each other's.
3. syscalls.def names every __NR_ syscall of the uapi headers.
"""
import pathlib
import re
import subprocess
import sys


def uapi_macros(cc, header):
    """Names of the macros the cross compiler's headers define after #include <header>."""
    out = subprocess.run(cc + ['-dM', '-E', '-x', 'c', '-'], input=f'#include <{header}>\n',
                         capture_output=True, text=True, check=True).stdout
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r'^#define (\w+)(?:[ \t]+(.*))?$', out, re.M)}


def main():
    root = pathlib.Path(sys.argv[1])
    cc = sys.argv[2:]
    abi = root / 'libos/include/libos/abi'
    tests = root / 'tests/host/abi'
    problems = []

    ours = set()
    for h in sorted(abi.glob('*.h')):
        ours |= set(re.findall(r'^#define LINUX_(\w+)(?=\s|$)', h.read_text(), re.M))
    checks = ''.join(p.read_text() for p in sorted(tests.glob('layout_*.c')))
    named = set(re.findall(r'\b(?:CONST|CONST_AS|RUNTIME|REBOOT|UNCHECKED)\(\s*(\w+)', checks))
    for x in sorted(ours - named):
        problems.append(f'LINUX_{x} is not compared with the system headers in layout_*.c '
                        f'(add CONST({x}) or UNCHECKED({x}, "why"))')

    errno_h = (root / 'lib/include/lib/errno.h').read_text()
    our_errnos = set(re.findall(r'^#define (E\w+)', errno_h, re.M)) - {
        'ERESTARTSYS', 'ERESTARTNOINTR', 'ERESTARTNOHAND', 'ERESTART_RESTARTBLOCK'}
    listed = set(re.findall(r'X\((E\w+)\)', (tests / 'layout_errno.c').read_text()))
    uapi_errnos = {n for n in uapi_macros(cc, 'asm-generic/errno.h') if re.fullmatch(r'E[A-Z0-9]+', n)}
    for n in sorted(uapi_errnos - our_errnos):
        problems.append(f'{n} of the uapi headers is missing from lib/errno.h')
    for n in sorted(our_errnos ^ listed):
        problems.append(f'{n}: lib/errno.h and layout_errno.c list different errnos')

    syscalls_def = (abi / 'syscalls.def').read_text()
    our_syscalls = set(re.findall(r'^SYSCALL\d\(\d+, (\w+),', syscalls_def, re.M))
    nrs = {n[len('__NR_'):] for n in uapi_macros(cc, 'asm/unistd.h') if n.startswith('__NR_')}
    nrs -= {'syscalls', 'arch_specific_syscall'}
    for n in sorted(nrs - our_syscalls):
        problems.append(f'syscall {n} of the uapi headers is missing from syscalls.def')

    for p in problems:
        print(p)
    print(f'{len(ours)} constants, {len(uapi_errnos)} errnos, {len(nrs)} syscalls checked; '
          f'{len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
