#!/usr/bin/env python
"""Check that lacvit's public API is documented: one-line docstrings and a docment for every parameter.

The rule, for every module `lacvit.<name>` (those listed in `lacvit/_modidx.py`):
- the public objects are the functions and classes in the module's `__all__` that lacvit defines (their `__module__`
  is a lacvit module; names re-exported from other libraries are theirs to document), plus the methods lacvit adds to
  other classes with `@patch` (the dotted symbols of `_modidx.py`, such as `Learner.fit_lacvit`);
- each public function, class, patched method and public method of a public class (a function defined in the class
  body whose name does not start with `_`; properties excepted) has its own docstring, and it is exactly one line;
  exempt from the docstring rule are fastai callback event handlers (`before_fit`, `after_batch`, ...), since the
  class docstring says what the callback does, and methods that override a method of a base class from another
  library (`extra_repr`, `create_batches`, ...: their meaning is the base's), except `forward`, whose meaning is
  the module's own;
- every parameter of those functions and methods, and of a public class's `__init__` (when lacvit defines it, or a
  lacvit base class does), has a docment (`x:int=1, # what x is`), except `self`, `cls`, `*args` and `**kwargs`;
  the fields of a dataclass are its parameters: each has a docment or a `help` in its field metadata.
Prints one line per offence and exits 1 when there is any.
"""
import dataclasses, importlib, inspect, os, sys
from pathlib import Path

os.environ.setdefault('HF_HUB_OFFLINE', '1')
__all__ = ['api_offences']

def _own_doc(o):
    "The docstring `o` itself has (not one inherited from a base class)."
    d = o.__dict__.get('__doc__') if inspect.isclass(o) else getattr(o, '__doc__', None)
    return inspect.cleandoc(d) if isinstance(d, str) else ''

def _is_lacvit(o): return (getattr(o, '__module__', '') or '').split('.')[0] == 'lacvit'

def _events():
    try:
        from fastai.callback.core import _events
        return {f'{e}' for e in _events}
    except Exception: return set()

def _check_doc(qual, o, problems, exempt=False):
    d = _own_doc(o)
    if not d:
        if not exempt: problems.append(f'{qual}: no docstring')
    elif len(d.splitlines()) != 1: problems.append(f'{qual}: docstring has {len(d.splitlines())} lines, not one')

def _check_params(qual, f, problems):
    from fastcore.docments import docments
    try: sig = inspect.signature(f)
    except (TypeError, ValueError): return
    names = [n for n, p in sig.parameters.items()
             if n not in ('self', 'cls') and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not names: return
    try: dm = docments(f, full=True)
    except Exception as e:
        problems.append(f'{qual}: fastcore.docments could not read it ({type(e).__name__}: {e})'); return
    missing = [n for n in names if not (dm.get(n) or {}).get('docment')]
    if missing: problems.append(f'{qual}: parameter{"s" if len(missing) > 1 else ""} without a docment: {", ".join(missing)}')

def _check_dataclass_fields(qual, c, problems):
    "A dataclass's fields are its parameters: each needs a docment or a `help` in its field metadata"
    from fastcore.docments import docments
    try: dm = docments(c)
    except Exception: dm = {}
    missing = [f.name for f in dataclasses.fields(c) if not (f.metadata.get('help') or dm.get(f.name))]
    if missing: problems.append(f'{qual}: field{"s" if len(missing) > 1 else ""} without a docment or help: {", ".join(missing)}')

def _check_class(qual, c, problems, events):
    _check_doc(qual, c, problems)
    init = next((k.__dict__['__init__'] for k in c.__mro__ if '__init__' in k.__dict__), None)
    owner = next((k for k in c.__mro__ if '__init__' in k.__dict__), None)
    if dataclasses.is_dataclass(c): _check_dataclass_fields(qual, c, problems)
    elif init is not None and _is_lacvit(owner): _check_params(f'{qual}.__init__', init, problems)
    for n, m in c.__dict__.items():
        if n.startswith('_') or isinstance(m, property): continue
        if isinstance(m, (staticmethod, classmethod)): m = m.__func__
        if not inspect.isfunction(m): continue
        override = n != 'forward' and any(n in k.__dict__ and not _is_lacvit(k) for k in c.__mro__[1:])
        _check_doc(f'{qual}.{n}', m, problems, exempt=n in events or override)
        _check_params(f'{qual}.{n}', m, problems)

def api_offences(lib='lacvit'):
    "Every documentation offence in `lib`'s public API, one string each."
    modidx = importlib.import_module(f'{lib}._modidx').d
    problems, events = [], _events()
    for modname, syms in modidx['syms'].items():
        mod = importlib.import_module(modname)
        public = getattr(mod, '__all__', None)
        if public is None: problems.append(f'{modname}: no __all__'); continue
        for name in public:
            o = getattr(mod, name, None)
            qual = f'{modname}.{name}'
            if o is None: problems.append(f'{qual}: in __all__ but not defined'); continue
            if not _is_lacvit(o): continue
            if inspect.isclass(o): _check_class(qual, o, problems, events)
            elif inspect.isfunction(o) or callable(o) and inspect.isfunction(inspect.unwrap(o)):
                _check_doc(qual, o, problems)
                _check_params(qual, o, problems)
        # methods patched onto other classes: dotted symbols whose owner is not one of this module's public classes
        for sym in syms:
            rest = sym[len(modname) + 1:]
            if '.' not in rest: continue
            owner, meth = rest.split('.', 1)
            if owner in public or owner.startswith('_') or meth.startswith('_') or '.' in meth: continue
            c = getattr(mod, owner, None)
            m = inspect.getattr_static(c, meth, None) if c is not None else None
            if isinstance(m, (staticmethod, classmethod)): m = m.__func__
            if isinstance(m, property): continue
            if m is None or not inspect.isfunction(m) or not _is_lacvit(m): continue
            _check_doc(f'{modname}.{owner}.{meth}', m, problems)
            _check_params(f'{modname}.{owner}.{meth}', m, problems)
    return problems

if __name__ == '__main__':
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    probs = api_offences()
    for p in probs: print(p)
    print(f'{len(probs)} documentation offence(s) in the public API' if probs else 'public API fully documented')
    sys.exit(1 if probs else 0)
