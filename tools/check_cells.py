#!/usr/bin/env python
"""Check that every export cell of the notebooks is under the line limit, so that pages read one public symbol at a
time: a cell that defines it, then its `show_doc` and a short example.

Usage: `python tools/check_cells.py [NOTEBOOKS...] [--max-lines N]` (default: every notebook under nbs/, 80 lines).
Prints one line per export cell over the limit (notebook, cell number, line count, first definition) and exits 1
when there is any.
"""
import argparse, json, re, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from nbcells import directives

__all__ = ['long_cells']

def long_cells(path:Path, max_lines:int=80) -> list:
    "(cell number, lines, first definition) of each export cell of notebook `path` with `max_lines` lines or more"
    out = []
    for i, c in enumerate(json.loads(Path(path).read_text()).get('cells', [])):
        src = ''.join(c.get('source', []))
        if c.get('cell_type') != 'code' or not any(k in directives(src) for k in ('export', 'exports')): continue
        n = len(src.splitlines())
        if n >= max_lines:
            m = re.search(r'^(?:class|def)\s+(\w+)', src, re.M)
            out.append((i, n, m.group(1) if m else '?'))
    return out

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='*', help='notebooks to check (default: nbs/**/*.ipynb)')
    p.add_argument('--max-lines', type=int, default=80, help='an export cell must have fewer lines than this (default: 80)')
    a = p.parse_args()
    root = Path(__file__).parent.parent
    nbs = [Path(n) for n in a.notebooks] or sorted((root/'nbs').rglob('*.ipynb'))
    bad = [(nb, *c) for nb in nbs if '.ipynb_checkpoints' not in nb.parts for c in long_cells(nb, a.max_lines)]
    for nb, i, n, name in bad: print(f"{nb.relative_to(root) if nb.is_absolute() else nb}: cell {i} ({name}...) has {n} lines, "
                                     f"{a.max_lines} or more: one cell per public symbol")
    print(f"{len(bad)} export cell(s) of {a.max_lines} lines or more" if bad else f"every export cell is under {a.max_lines} lines")
    sys.exit(1 if bad else 0)
