#!/usr/bin/env python
"""Cell options of notebook cells, read one way for every tool (`check_docs.py`, `build_preview.py`).

A code cell starts with its options, one per line: Quarto's `#| key: value` and nbdev's bare flags (`#| hide`,
`#| export`), which read as `'true'`. Reading stops at the first line that is neither an option nor blank.
"""
import re

__all__ = ['directives', 'strip_directives']

_re_dir = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def directives(src:str) -> dict:
    "The options at the top of cell source `src`: {key: value}, values lower-cased and unquoted, bare flags 'true'."
    d = {}
    for line in src.splitlines():
        m = _re_dir.match(line)
        if m: d[m.group(1)] = (m.group(2) or 'true').strip().strip('"\'').lower()
        elif line.strip(): break
    return d

def strip_directives(src:str) -> str:
    "Cell source `src` without the option lines at its top."
    lines = src.splitlines()
    while lines and re.match(r'^\s*#\|', lines[0]): lines.pop(0)
    return '\n'.join(lines)
