#!/usr/bin/env python
"""Check the documentation site in a real browser: the HTML preview of `tools/build_preview.py` in headless Chromium.

For every notebook page (expectations read from the source notebooks in nbs/, not from the preview):
- the page exists, its <title> and H1 are the notebook's title, and it has text;
- every `show_doc(X)` call of the notebook is rendered as a documentation block headed `X`, with its signature as
  code and no markdown left unrendered;
- every plot saved in the notebook is on the page, and every image has loaded (naturalWidth > 0);
- no cell output shows a Python traceback;
- every internal link (sidebar included) resolves to a file that exists, and its #anchor to an element of that page.
Screenshots of the home page and a method page go to $CI_ARTIFACTS/screenshots (default ci-artifacts/screenshots).

Uses Debian's chromium and chromium-driver (`apt-get install -y chromium chromium-driver`) through Selenium; installs
nothing. Where Debian's libjs-mathjax is installed the pages typeset their math, and TeX left raw is a failure. Without them it prints SKIPPED and exits 0, or exits 1 with `--require-browser` (what CI passes).
Usage: `python tools/check_docs.py [--build] [--preview _preview] [--require-browser]`.
"""
import argparse, ast, json, os, re, shutil, sys, tempfile, time
from pathlib import Path
from urllib.parse import urlsplit, unquote

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbcells import directives as _directives

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, DRIVER = '/usr/bin/chromium', '/usr/bin/chromedriver'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-dev-shm-usage', '--window-size=1280,1000']

# ---------------------------------------------------------------- expectations from the source notebooks

def _showdoc_names(src):
    "Names documented by the top-level `show_doc(...)` calls of a cell, as their doc heading will read."
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith('%')))
    except SyntaxError: return []
    res = []
    for t in tree.body:
        if isinstance(t, ast.Expr) and isinstance(t.value, ast.Call) and getattr(t.value.func, 'id', None) == 'show_doc':
            name = next((k.value.value for k in t.value.keywords if k.arg == 'name' and isinstance(k.value, ast.Constant)), None)
            if name is None and t.value.args: name = ast.unparse(t.value.args[0])
            if name: res.append(name)
    return res

def expectations(nb_path):
    "Title, show_doc names and number of saved plots of a source notebook, as its page must show them."
    nb = nbformat.read(nb_path, as_version=4)
    title, names, n_img = None, [], 0
    for c in nb.cells:
        if c.cell_type == 'markdown' and title is None:
            m = re.search(r'^#\s+(.+)$', c.source, re.M)
            if m: title = m.group(1).strip()
        if c.cell_type == 'raw' and title is None:
            m = re.search(r'^title:\s*(.+)$', c.source, re.M)
            if m: title = m.group(1).strip().strip('"\'')
        if c.cell_type != 'code': continue
        d = _directives(c.source)
        if any(k in d for k in ('hide', 'export', 'exporti')) or d.get('include') == 'false' or d.get('output') == 'false': continue
        names += _showdoc_names(c.source)
        n_img += sum(1 for o in c.get('outputs', []) if any(k.startswith('image/') for k in o.get('data', {})))
    return dict(title=title, names=names, n_img=n_img)

# ---------------------------------------------------------------- the browser

def make_driver(profile):
    "Headless Debian Chromium through its own chromedriver; never downloads anything."
    os.environ['SE_OFFLINE'] = 'true'      # Selenium Manager must not fetch drivers or browsers
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in FLAGS + [f'--user-data-dir={profile}']: opts.add_argument(a)
    return webdriver.Chrome(options=opts, service=Service(executable_path=DRIVER))

_JS_PAGE = r"""
const done = arguments[arguments.length - 1];
const imgs = [...document.images];
const typeset = () => new Promise(r => (window.MathJax && MathJax.Hub) ? MathJax.Hub.Queue(r) : r());
Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; setTimeout(r, 5000); })))
.then(typeset).then(() => {
  const main = document.querySelector('main') || document.body;
  const bare = main.cloneNode(true);                 // the prose: code, scripts and typeset math left out
  bare.querySelectorAll('pre, code, script, .MathJax, .MathJax_Display, .MathJax_Preview, mjx-container').forEach(e => e.remove());
  document.body.appendChild(bare); bare.style.display = 'block';
  const prose = bare.innerText; bare.remove();
  const outs = [...document.querySelectorAll('.output_subarea, .jp-OutputArea-output')];
  done({
    title: document.title,
    h1: (document.querySelector('h1') || {}).innerText || '',
    text_len: main.innerText.length,
    mathjax: !!(window.MathJax && MathJax.Hub),
    raw_tex: (prose.match(/\$[^$\n]{0,80}\\[a-zA-Z]+[^$\n]{0,40}\$?/g) || []).slice(0, 3),
    docs: [...document.querySelectorAll('.lacvit-doc')].map(d => ({
      heading: ((d.querySelector('h1,h2,h3,h4,h5,h6') || {}).innerText || '').trim(),
      has_code: !!d.querySelector('pre'),
      raw_md: /```|^#{1,6} /m.test(d.innerText),
      text: d.innerText.slice(0, 200)})),
    imgs: imgs.map(i => ({src: i.src.slice(0, 80), w: i.naturalWidth, out: !!i.closest('.output_area, .jp-OutputArea')})),
    tracebacks: outs.filter(o => /Traceback \(most recent call last\)/.test(o.innerText)
        || o.classList.contains('output_error')
        || ((o.classList.contains('output_stderr') || o.dataset.mimeType == 'application/vnd.jupyter.stderr')
            && /^\w*(Error|Exception)\b/m.test(o.innerText)))
        .map(o => o.innerText.slice(0, 300)),
    links: [...document.querySelectorAll('a[href]')].map(a => ({href: a.href, raw: a.getAttribute('href'), text: a.innerText.slice(0, 60), missing: a.classList.contains('missing')})),
    ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.getAttribute('name')),
  });
});
"""

def screenshot(driver, dest, full=True, max_h=5000):
    "Screenshot of the current page, the whole page down to `max_h` px when `full`."
    dest.parent.mkdir(parents=True, exist_ok=True)
    if full:
        h = min(max_h, driver.execute_script('return document.documentElement.scrollHeight'))
        driver.set_window_size(1280, max(h, 800))
        time.sleep(0.3)
    driver.save_screenshot(str(dest))
    driver.set_window_size(1280, 1000)

def check_site(preview, shots=None, log=print):
    "Check every page of the preview in Chromium; returns the list of failures."
    from nbdev.config import get_config, nbpath2html
    cfg = get_config()
    nbs, site = Path(cfg.nbs_path), f"{cfg.doc_host}{cfg.doc_baseurl}".rstrip('/') + '/'
    failures = []
    srcs = sorted(p for p in nbs.rglob('*.ipynb') if not any(x.startswith(('.', '_')) for x in p.relative_to(nbs).parts))
    pages = {}
    for s in srcs:
        rel = s.relative_to(nbs)
        pages[rel.as_posix()] = (rel.parent/nbpath2html(rel).name).as_posix()
    profile = tempfile.mkdtemp(prefix='lacvit-chromium-')
    driver = make_driver(profile)
    seen = {}
    try:
        driver.set_script_timeout(30)
        for src, html_rel in pages.items():
            f = preview/html_rel
            if not f.exists(): failures.append(f'{src}: no page {html_rel} in the preview'); continue
            exp = expectations(nbs/src)
            driver.get(f.as_uri())
            r = driver.execute_async_script(_JS_PAGE)
            seen[f.resolve()] = set(r['ids'])
            r['src'], r['file'] = src, f
            fails = []
            if not exp['title']: fails.append('the notebook has no "# Title" in its first markdown cell')
            elif exp['title'].replace('`', '') not in r['title'] or r['h1'].strip() != exp['title'].replace('`', ''):
                fails.append(f"title {r['title']!r} / H1 {r['h1']!r}, expected {exp['title']!r}")
            if r['mathjax'] and r['raw_tex']: fails.append(f"math left as TeX: {r['raw_tex']}")
            if r['text_len'] < 300: fails.append(f"only {r['text_len']} characters of text")
            heads = [d['heading'] for d in r['docs']]
            for n in exp['names']:
                if n not in heads: fails.append(f'show_doc({n}) is not rendered as a documentation block (blocks: {heads})')
            for d in r['docs']:
                if not d['heading'] or not d['has_code'] or d['raw_md']:
                    fails.append(f"badly rendered documentation block: {d['text']!r}")
            bad = [i['src'] for i in r['imgs'] if i['w'] == 0]
            if bad: fails.append(f'{len(bad)} image(s) did not load: {bad}')
            n_out = sum(i['out'] for i in r['imgs'])
            if n_out < exp['n_img']: fails.append(f"{exp['n_img']} plot(s) saved in the notebook, {n_out} on the page")
            for t in r['tracebacks']: fails.append(f'an output shows a traceback: {t!r}')
            log(f"{'ok  ' if not fails else 'FAIL'} {src} -> {html_rel}: {len(r['docs'])} doc blocks "
                f"({len(exp['names'])} show_doc), {len(r['imgs'])} images, {len(r['links'])} links")
            failures += [f'{src}: {x}' for x in fails]
            seen[f.resolve()] = r
        # links, once every page's ids are known
        sidebar_missing = set()
        for f, r in list(seen.items()):
            if not isinstance(r, dict) or 'links' not in r: continue
            broken = set()
            for l in r['links']:
                u = urlsplit(l['href'])
                if l['missing']: sidebar_missing.add(l['raw']); continue
                if l['href'].startswith(site): broken.add(f"{l['raw']} points at the hosted site, not at the page here"); continue
                if u.scheme != 'file': continue
                t = Path(unquote(u.path)).resolve()
                if not t.exists(): broken.add(f"{l['raw']} -> {t} does not exist"); continue
                if u.fragment:
                    if t not in seen:
                        driver.get(t.as_uri())
                        seen[t] = {'ids': driver.execute_script("return [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.getAttribute('name'))")}
                    ids = set(seen[t]['ids'] if isinstance(seen[t], dict) else seen[t])
                    if unquote(u.fragment) not in ids: broken.add(f"{l['raw']}: no #{u.fragment} in {t.name}")
            failures += [f"{r['src']}: link {b}" for b in sorted(broken)]
        failures += [f'sidebar: {h} has no page' for h in sorted(sidebar_missing)]
        if shots is not None:
            home = preview/'index.html'
            method = preview/pages.get('00_losses.ipynb', 'losses.html')
            for name, f in (('home', home), ('method_losses', method)):
                if f.exists():
                    driver.get(f.as_uri()); driver.execute_async_script(_JS_PAGE)
                    screenshot(driver, shots/f'{name}.png')
                    log(f'screenshot {shots/(name + ".png")}')
            if method.exists():                 # a closer look at the first documentation block
                driver.get(method.as_uri())
                els = driver.find_elements('css selector', '.lacvit-doc')
                if els:
                    driver.execute_script('arguments[0].scrollIntoView()', els[0])
                    els[0].screenshot(str(shots/'method_losses_show_doc.png'))
                    log(f"screenshot {shots/'method_losses_show_doc.png'}")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return failures

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--preview', default='_preview', help='the preview folder (relative to the project root)')
    ap.add_argument('--build', action='store_true', help='build the preview first with tools/build_preview.py')
    ap.add_argument('--require-browser', action='store_true', help='fail (instead of skipping) without Chromium')
    a = ap.parse_args()
    os.chdir(ROOT)
    if not (shutil.which(CHROMIUM) and shutil.which(DRIVER)):
        msg = f'{CHROMIUM} or {DRIVER} missing: apt-get install -y chromium chromium-driver'
        if a.require_browser: print('FAILED:', msg); sys.exit(1)
        print('SKIPPED:', msg); sys.exit(0)
    failures = []
    preview = (ROOT/a.preview).resolve()
    if a.build:
        sys.path.insert(0, str(ROOT/'tools'))
        from build_preview import build_preview
        _, _, problems = build_preview(a.preview)
        failures += [f'build: {p}' for p in problems]
    if not (preview/'index.html').exists(): print(f'no preview in {preview}: run tools/build_preview.py'); sys.exit(1)
    art = Path(os.environ.get('CI_ARTIFACTS') or ROOT/'ci-artifacts')
    t0 = time.time()
    failures += check_site(preview, shots=art/'screenshots')
    print(f'browser checks took {time.time()-t0:.0f} s')
    for f in failures: print('FAIL:', f)
    print(f'{len(failures)} problem(s) in the documentation site' if failures else 'documentation site OK')
    sys.exit(1 if failures else 0)
