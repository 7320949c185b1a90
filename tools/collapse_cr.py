#!/usr/bin/env python
"""Make saved stream outputs read as a terminal shows them at the end: each carriage return (`\\r`) goes back to the
start of its line and the text after it overwrites what was there (progress bars redraw themselves this way).

fastai's console progress bar, which it uses when a notebook runs outside Jupyter (as `nbdev-test --save` runs it),
leaves hundreds of redraws in a cell's saved output; the docs should show the final table instead.

Usage: `python tools/collapse_cr.py nbs/*.ipynb [--check]`; with `--check` nothing is written and the exit status is 1
if any saved output still holds a carriage return.
"""
import argparse, json, sys
from pathlib import Path

def overlay_line(line:str) -> str:
    "What a terminal shows for one line whose text contains carriage returns"
    buf = []
    for seg in line.split('\r'):
        buf[:len(seg)] = seg # each segment overwrites from column 0; a shorter one leaves the rest visible
    return ''.join(buf).rstrip()

def collapse(text:str) -> str:
    "`text` with every line overlaid (see `overlay_line`); lines without a carriage return are unchanged"
    return '\n'.join(overlay_line(l) if '\r' in l else l for l in text.split('\n'))

def process(path:Path, check:bool=False) -> bool:
    "Collapse the stream outputs of notebook `path`; True if it had carriage returns"
    nb = json.loads(path.read_text())
    found = False
    for cell in nb.get('cells', []):
        for out in cell.get('outputs', []):
            if out.get('output_type') != 'stream': continue
            text = ''.join(out['text']) if isinstance(out['text'], list) else out['text']
            if '\r' not in text: continue
            found = True
            new = collapse(text)
            out['text'] = new.splitlines(keepends=True)
    if found and not check: path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return found

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('paths', nargs='+', type=Path)
    ap.add_argument('--check', action='store_true', help='write nothing; exit 1 if a carriage return is left')
    a = ap.parse_args()
    hits = [p for p in a.paths if process(p, a.check)]
    for p in hits: print(f"{'carriage returns in' if a.check else 'collapsed'}: {p}")
    if a.check and hits: sys.exit(1)

if __name__ == '__main__': main()
