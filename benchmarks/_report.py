"""What every benchmark writes next to its printed table: `benchmarks/results/<script>.json`.

The file holds the setup, the rows, the ratios, the goal and whether it was met, plus how the numbers were made:
the exact command, the date, the torch version, the threads, the machine. The notebooks render their tables from it.
"""
import datetime, json, os, platform, shlex, sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent/'results'

def default_out(script:str) -> str:
    "`benchmarks/results/<script name>.json`"
    return str(RESULTS/(Path(script).stem + '.json'))

def _cpu_name():
    try:
        with open('/proc/cpuinfo') as f:
            return next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def command(script:str) -> str:
    "The command line that ran `script`, with the script's path relative to the repository root"
    root = Path(__file__).resolve().parents[1]
    rel = os.path.relpath(Path(script).resolve(), root)
    return shlex.join(['python', rel, *sys.argv[1:]])

def write(out:str, script:str, threads:int, **fields) -> dict:
    "Write the result `fields` with the run's provenance to `out` (JSON); returns the dict"
    import torch
    res = dict(benchmark=Path(script).stem, command=command(script),
               date=datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
               torch=torch.__version__, threads=threads,
               machine=f"{platform.machine()}, {os.cpu_count()} CPUs ({_cpu_name()})",
               python=platform.python_version(), **fields)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(res, indent=1) + '\n')
    print(f"results written to {out}")
    return res
