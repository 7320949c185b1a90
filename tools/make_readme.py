"""Write README.md from nbs/index.ipynb without Quarto (which `nbdev-readme` needs): the markdown cells and the
code cells that carry no nbdev directive, with links between pages pointed at the documentation site.

    python tools/make_readme.py
"""
import re
from pathlib import Path
import nbformat

DOCS = 'https://lacvit.github.io/lacvit'

def main(root=Path(__file__).resolve().parents[1]):
    nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
    parts = []
    for c in nb.cells:
        if c.cell_type == 'markdown': parts.append(c.source)
        elif c.cell_type == 'code' and c.source.strip() and not c.source.lstrip().startswith('#|'):
            parts.append('```python\n' + c.source + '\n```')
        elif c.cell_type == 'code' and (re.search(r'^#\|\s*output:\s*asis', c.source, re.M) or
                                        any('text/markdown' in o.get('data', {}) for o in c.get('outputs', []))):
            # a table computed from saved results (shown with IPython's Markdown): its saved markdown goes in, not its code
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown') if o.get('output_type') in ('display_data', 'execute_result') else None
                if md is None and o.get('output_type') == 'stream': md = o.get('text')
                if md: parts.append(''.join(md).strip())
    txt = '\n\n'.join(parts)
    # links between pages: nbdev names a page after its notebook without the number prefix (00_losses -> losses)
    txt = re.sub(r'\]\(((?:\.\./)?(?:tutorials/)?)(?:\d+[a-z]?_)?([\w-]+)\.ipynb((?:#[\w-]+)?)\)', rf']({DOCS}/\1\2.html\3)', txt)
    (root/'README.md').write_text(txt + '\n')

if __name__ == '__main__': main()
