#!/usr/bin/env python
"""Build an HTML preview of the lacvit documentation site without Quarto.

1. nbdev's own processing, as `nbdev-proc-nbs` does it (without `nbdev-proc-nbs`'s attempt to install Quarto):
   `nbs/nbdev.yml` refreshed, then every notebook through nbdev's doc processors into `_proc/` (frontmatter from the
   title cell, `#| hide` cells dropped, exported code removed, `show_doc` cells executed and rendered as markdown,
   backticked names linked to their API docs). Errors are collected per notebook instead of stopping at the first.
2. nbconvert's `HTMLExporter` (basic template, no execution: the notebooks carry their saved outputs) on each
   processed notebook, inside a page shell with the sidebar of `nbs/sidebar.yml`. Quarto's cell options are applied
   (`echo`, `output`, `include`), and links are resolved as Quarto would: `.ipynb` links, `.html` links to pages
   (numbered or not), and absolute links to the hosted site all point at the produced files; headings get
   pandoc's identifiers so `page.html#name` anchors from nbdev work.

Usage: `python tools/build_preview.py [--out _preview] [--force] [--n_workers 2]`. Writes `<out>/pages.json`, the
list of pages (source notebook, html file, title), and exits non-zero when a notebook could not be processed.
"""
import argparse, html, json, multiprocessing as mp, os, re, shutil, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import nbformat, yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbcells import directives as _directives, strip_directives as _strip_directives

__all__ = ['build_preview', 'pandoc_id', 'sidebar_items']

# ---------------------------------------------------------------- step 1: nbdev's processing

def _proc_one(item):
    "Process one file the way nbdev's serve driver does; returns (source, seconds, error text or None)."
    import nbdev.serve_drv
    t0 = time.time()
    try: nbdev.serve_drv.main(item)
    except BaseException as e:
        msg = str(e).strip()
        return str(item[0]), time.time()-t0, f'{type(e).__name__}: {msg[-3000:]}'
    return str(item[0]), time.time()-t0, None

def _make_parallel(log, errors):
    def _parallel(f, items, n_workers=2, **kwargs):
        items = list(items)
        if not items: return []
        ctx = mp.get_context('spawn')
        with ProcessPoolExecutor(max(1, n_workers), mp_context=ctx, max_tasks_per_child=1) as ex:
            for src, secs, err in ex.map(_proc_one, items):
                log(f'  processed {Path(src).name} in {secs:.1f} s' + (' -- FAILED' if err else ''))
                if err: errors[src] = err
        return []
    return _parallel

def process_notebooks(n_workers=2, force=False, log=print):
    "Run nbdev's doc processing into `_proc/`; returns (proc folder, {source notebook: error})."
    from nbdev.config import get_config
    from nbdev.quarto import refresh_quarto_yml
    import nbdev.serve
    cfg = get_config()
    os.chdir(cfg.config_path)
    refresh_quarto_yml()                    # writes nbs/nbdev.yml exactly as nbdev-docs does (keeps our _quarto.yml)
    errors = {}
    orig = nbdev.serve.parallel
    nbdev.serve.parallel = _make_parallel(log, errors)
    try: cache = nbdev.serve.proc_nbs(str(cfg.nbs_path), n_workers=n_workers, force=force)
    finally: nbdev.serve.parallel = orig
    for src in errors:                      # never leave a stale page behind a notebook that now fails
        d = cache/Path(src).relative_to(cfg.nbs_path)
        d.unlink(missing_ok=True)
    return Path(cache), errors

# ---------------------------------------------------------------- step 2: html

def pandoc_id(text, seen=None):
    "Pandoc's automatic identifier for a heading's text (what Quarto gives `### Name`), made unique within `seen`."
    s = re.sub(r'[^\w\s.\-]', '', text.strip().lower(), flags=re.UNICODE)
    s = re.sub(r'\s+', '-', s)
    s = re.sub(r'^[^a-z]+', '', s) or 'section'
    if seen is not None:
        base, i = s, 1
        while s in seen: s, i = f'{base}-{i}', i+1
        seen.add(s)
    return s

_re_attr_link = re.compile(r'\[([^\]]+)\]\(([^)\s]+)\)\{([^}]*)\}')

def _pandoc_md(md):
    "Turn pandoc-only markdown that nbdev emits (links with `{attributes}`) into HTML that any renderer keeps."
    return _re_attr_link.sub(lambda m: f'<a href="{m.group(2)}" {m.group(3)}>{m.group(1)}</a>', md)

def _is_showdoc(src): return bool(re.search(r'^\s*show_doc\(', _strip_directives(src), re.M))

def _prepare(nb):
    "Apply Quarto's cell options and nbdev's markdown conventions to a processed notebook, in place; returns frontmatter."
    fm, cells = {}, []
    for c in nb.cells:
        c.metadata.pop('execution', None)
        if c.cell_type == 'raw':
            s = c.source.strip()
            if s.startswith('---') and not fm:
                fm = yaml.safe_load(s.strip('-\n')) or {}
                continue
        if c.cell_type == 'markdown': c.source = _pandoc_md(c.source)
        if c.cell_type == 'code':
            d = _directives(c.source)
            if d.get('include') == 'false': continue
            tags = set(c.metadata.get('tags', []))
            if d.get('echo') == 'false': tags.add('remove_input')
            if d.get('output') == 'false': tags.add('remove_output')
            showdoc = _is_showdoc(c.source)
            c.source = _strip_directives(c.source)
            if not c.source.strip(): tags.add('remove_input')
            c.metadata['tags'] = sorted(tags)
            for o in c.get('outputs', []):
                data = o.get('data', {})
                if 'text/markdown' not in data: continue
                md = _pandoc_md(data['text/markdown'])
                # mark each show_doc block (nbdev's markdown: rule, source link, heading, signature, docstring)
                data['text/markdown'] = f'<div class="lacvit-doc">\n\n{md}\n\n</div>' if showdoc else md
        cells.append(c)
    nb.cells = cells
    return fm

def _exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = ('remove_input',)
    c.TagRemovePreprocessor.remove_all_outputs_tags = ('remove_output',)
    c.HTMLExporter.exclude_anchor_links = True
    return HTMLExporter(config=c, template_name='basic')

def sidebar_items(path):
    "The sidebar of `path` (a Quarto `sidebar.yml`) as a nested list of dicts: {text, href} or {section, href, contents}."
    y = yaml.safe_load(Path(path).read_text())
    sb = y['website']['sidebar']
    if isinstance(sb, list): sb = sb[0]
    def norm(o):
        if isinstance(o, str): return {'href': o}
        if 'section' in o: return {'section': o['section'], 'href': o.get('href'), 'contents': [norm(x) for x in o.get('contents', [])]}
        return {'text': o.get('text'), 'href': o['href']}
    return [norm(o) for o in sb['contents']]

_re_heading = re.compile(r'<h([1-6])([^>]*)>(.*?)</h\1>', re.S)

def _fix_headings(body):
    "Give every heading pandoc's identifier (as Quarto does), so nbdev's `page.html#name` links resolve."
    seen = set()
    def f(m):
        lvl, attrs, inner = m.groups()
        text = html.unescape(re.sub(r'<[^>]+>', '', inner))
        attrs = re.sub(r'\s*id="[^"]*"', '', attrs)
        return f'<h{lvl} id="{pandoc_id(text, seen)}"{attrs}>{inner}</h{lvl}>'
    return _re_heading.sub(f, body)

_STYLE = """
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; line-height: 1.5; }
header.site { background: #2780e3; color: white; padding: .6rem 1.2rem; font-size: 1.25rem; }
header.site a { color: white; text-decoration: none; font-weight: 600; }
.layout { display: flex; align-items: flex-start; }
nav.sidebar { flex: 0 0 16rem; padding: 1rem; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; font-size: .92rem; }
nav.sidebar ul { list-style: none; padding-left: .8rem; margin: .2rem 0; }
nav.sidebar > ul { padding-left: 0; }
nav.sidebar .section { font-weight: 600; margin-top: .7rem; }
nav.sidebar a { color: #343a40; text-decoration: none; } nav.sidebar a:hover { text-decoration: underline; }
nav.sidebar a.active { color: #2780e3; font-weight: 600; }
nav.sidebar .missing { color: #b00; }
main { flex: 1 1 auto; min-width: 0; max-width: 60rem; padding: 1rem 2rem 4rem; }
main h1.title { margin-bottom: .2rem; }
p.description { font-style: italic; font-size: 1.2rem; opacity: .75; margin-top: 0; }
pre { background: #f7f7f7; padding: .6rem .8rem; overflow-x: auto; border-radius: 4px; font-size: .85rem; }
.output_area pre, .jp-OutputArea pre { background: none; border-left: 2px solid lightsalmon; border-radius: 0; margin-left: .8rem; }
.cell, .jp-Cell { margin-bottom: 1rem; }
.prompt, .jp-InputPrompt, .jp-OutputPrompt { display: none; }
.output_stderr pre { background: #fff5f5; }
.lacvit-doc { border-top: 1px solid #dee2e6; margin: 1.5rem 0; }
.lacvit-doc pre { background: #f1f5fb; border-left: none; margin-left: 0; }
.lacvit-doc hr { display: none; }
img { max-width: 100%; }
table { border-collapse: collapse; } td, th { border: 1px solid #dee2e6; padding: .2rem .5rem; }
"""

MATHJAX = Path('/usr/share/javascript/mathjax/MathJax.js')   # Debian's libjs-mathjax: math without a CDN

def _mathjax():
    if not MATHJAX.exists(): return ''
    return (f'<script type="text/x-mathjax-config">MathJax.Hub.Config({{tex2jax: {{inlineMath: [["$","$"], ["\\\\(","\\\\)"]], '
            f'processEscapes: true}}, messageStyle: "none"}});</script>'
            f'<script src="{MATHJAX.as_uri()}?config=TeX-AMS_CHTML"></script>')

def _inline_md(s):
    "Titles are markdown in Quarto: render their `code` spans."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(s))

def _page(title, description, sidebar_html, body, css, site_title):
    desc = f'<p class="description">{_inline_md(description)}</p>' if description else ''
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title.replace('`', ''))} – {html.escape(site_title)}</title>
<style>{css}</style>{_mathjax()}</head>
<body><header class="site"><a href="{{ROOT}}index.html">{html.escape(site_title)}</a></header>
<div class="layout"><nav class="sidebar" id="sidebar">{sidebar_html}</nav>
<main id="content"><h1 class="title">{_inline_md(title)}</h1>{desc}
{body}
</main></div></body></html>"""

def _rel(target, from_page):
    "Relative URL from html file `from_page` to `target` (both relative to the output root)."
    return os.path.relpath(target, os.path.dirname(from_page) or '.').replace(os.sep, '/')

def build_preview(out='_preview', n_workers=2, force=False, log=print):
    "Build the preview; returns (output folder, pages, problems)."
    from nbdev.config import get_config
    cfg = get_config()
    root = Path(cfg.config_path)
    out = (root/out).resolve() if not Path(out).is_absolute() else Path(out)
    nbs = Path(cfg.nbs_path)
    t0 = time.time()
    log(f'nbdev processing of {nbs} into _proc/ ...')
    cache, errors = process_notebooks(n_workers=n_workers, force=force, log=log)
    log(f'processing took {time.time()-t0:.0f} s')
    problems = [f'{Path(k).relative_to(nbs)}: nbdev could not process it: {v}' for k, v in errors.items()]

    # pages: every processed notebook (its frontmatter decides the html name, as Quarto does)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    for f in cache.rglob('*'):              # images and other files the pages may reference
        if f.is_file() and f.suffix not in ('.ipynb', '.yml', '.yaml') and not any(p.startswith(('.', '_')) for p in f.relative_to(cache).parts):
            d = out/f.relative_to(cache); d.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, d)
    pages, nbmap = [], {}
    for f in sorted(cache.rglob('*.ipynb')):
        rel = f.relative_to(cache)
        if any(p.startswith(('.', '_')) for p in rel.parts): continue
        nb = nbformat.read(f, as_version=4)
        fm = _prepare(nb)
        html_rel = (rel.parent/(fm.get('output-file') or rel.with_suffix('.html').name)).as_posix()
        pages.append(dict(src=str(rel), html=html_rel, title=str(fm.get('title') or rel.stem), description=str(fm.get('description') or ''), nb=nb))
        nbmap[str(rel)] = html_rel
    # names a link may use for a page: the notebook, its numbered .html, its output file
    aliases = {}
    for p in pages:
        s = Path(p['src'])
        for a in (s, s.with_suffix('.html'), Path(p['html']), s.with_suffix('.qmd'), s.with_suffix('.md')):
            aliases[str(a)] = p['html']
    site = f"{cfg.doc_host}{cfg.doc_baseurl}".rstrip('/') + '/'

    def resolve(href, page):
        "Map a link in `page` (its html path) to the produced file; None if it is not internal."
        if href.startswith(('#', 'mailto:', 'data:', 'javascript:')): return href
        if href.startswith(site): href, base = href[len(site):], ''
        elif urlsplit(href).scheme or href.startswith('//'): return href
        else: base = os.path.dirname(page['src'])
        u = urlsplit(href)
        target = os.path.normpath(os.path.join(base, u.path)).replace(os.sep, '/') if u.path else None
        if target is None: return href
        frag = f'#{u.fragment}' if u.fragment else ''
        if target in aliases: return _rel(aliases[target], page['html']) + frag
        if target in ('.', ''): return _rel('index.html', page['html']) + frag
        if (out/target).exists(): return _rel(target, page['html']) + frag
        problems.append(f"{page['src']}: link to {href} does not resolve to a page or file")
        return href

    sb_path = nbs/'sidebar.yml'
    sidebar = sidebar_items(sb_path) if sb_path.exists() else [{'href': p['src']} for p in pages]
    titles = {p['src']: p['title'] for p in pages}
    def sb_html(items, page):
        lis = []
        for it in items:
            href = it.get('href')
            src = os.path.normpath(href).replace(os.sep, '/') if href else None
            if src and src not in aliases and not (nbs/src).exists():
                if page is pages[0]: problems.append(f'sidebar.yml: {href} does not exist')
            link = ''
            if href:
                text = it.get('text') or it.get('section') or titles.get(src) or Path(href).stem
                if src in aliases:
                    cls = ' class="active"' if aliases[src] == page['html'] else ''
                    link = f'<a href="{_rel(aliases[src], page["html"])}"{cls}>{_inline_md(text)}</a>'
                else: link = f'<a class="missing" href="{html.escape(href)}">{html.escape(text)} (missing)</a>'
            if 'section' in it:
                head = link if href else html.escape(it['section'])
                lis.append(f'<li><div class="section">{head}</div>{sb_html(it["contents"], page)}</li>')
            else: lis.append(f'<li>{link}</li>')
        return '<ul>' + ''.join(lis) + '</ul>'

    exporter = _exporter()
    try:
        from pygments.formatters import HtmlFormatter
        css = _STYLE + HtmlFormatter().get_style_defs('.highlight')
    except ImportError: css = _STYLE
    if (nbs/'styles.css').exists(): css += (nbs/'styles.css').read_text()
    for p in pages:
        body, _ = exporter.from_notebook_node(p['nb'])
        body = _fix_headings(body)
        body = re.sub(r'(href|src)="([^"]+)"', lambda m: f'{m.group(1)}="{html.escape(resolve(html.unescape(m.group(2)), p), quote=True)}"' if m.group(1) == 'href' or not m.group(2).startswith('data:') else m.group(0), body)
        doc = _page(p['title'], p['description'], sb_html(sidebar, p), body, css, str(cfg.title))
        doc = doc.replace('{ROOT}', '../' * (len(Path(p['html']).parts) - 1))
        dest = out/p['html']
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(doc)
    if not (out/'index.html').exists():
        problems.append('no index.html (nbs/index.ipynb missing?)')
    manifest = [{k: v for k, v in p.items() if k != 'nb'} for p in pages]
    (out/'pages.json').write_text(json.dumps(dict(pages=manifest, problems=problems, sidebar=sidebar), indent=1))
    log(f'wrote {len(pages)} pages to {out} in {time.time()-t0:.0f} s')
    return out, manifest, problems

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default='_preview', help='output folder (relative to the project root)')
    ap.add_argument('--n_workers', type=int, default=2, help='notebooks processed at once')
    ap.add_argument('--force', action='store_true', help='reprocess every notebook, ignoring the _proc/ cache')
    a = ap.parse_args()
    out, pages, problems = build_preview(a.out, a.n_workers, a.force)
    for p in problems: print('PROBLEM:', p)
    sys.exit(1 if problems else 0)
