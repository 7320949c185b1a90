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
    txt = '\n\n'.join(parts)
    txt = re.sub(r'\]\(((?:tutorials/)?[\w-]+)\.ipynb\)', rf']({DOCS}/\1.html)', txt)
    (root/'README.md').write_text(txt + '\n')

if __name__ == '__main__': main()
