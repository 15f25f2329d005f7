#!/usr/bin/env python3
"""Writes an assembly file that embeds a binary: incbin.py BLOB OUTPUT_S SYMBOL"""
import os
import sys

blob, out, sym = sys.argv[1:4]
with open(out, "w") as f:
    f.write('\t.section .rodata\n\t.balign 4096\n\t.globl %s_start, %s_end\n' % (sym, sym))
    f.write('%s_start:\n\t.incbin "%s"\n%s_end:\n' % (sym, os.path.abspath(blob), sym))
