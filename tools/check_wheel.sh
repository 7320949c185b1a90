#!/usr/bin/env bash
# Build lacvit's wheel, install it into a fresh virtual environment (torch from the local wheel cache first) and run
# the `lacvit` command from a folder outside the source tree: what a user gets from `pip install lacvit`.
# Checks the shipped pretrained micro ViT is inside the wheel. Needs the `build` package (dev extra).
# Usage: tools/check_wheel.sh   (PYTHON=python3.11 to choose the interpreter; KEEP=1 keeps the temporary folder;
#        DEPS_SITE=<site-packages> takes the dependencies from an installed environment instead of the index)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
py=${PYTHON:-python3}
asset=lacvit/assets/vit_micro_patch4_32.fmnist.safetensors
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s)
step() { echo "check_wheel: $* ($(( $(date +%s) - t0 )) s)"; }

[ -f "$asset" ] || { echo "check_wheel: $asset is missing from the source tree"; exit 1; }
# build from a copy, so that build/ and *.egg-info never land in the working tree; with the build tools of this
# environment (no isolated environment to download them into)
mkdir "$tmp/src"
tar --exclude=./.git --exclude=./.venv --exclude=./_proc --exclude=./_docs --exclude=./_preview --exclude=./ci-artifacts \
    --exclude='*.egg-info' --exclude=./build --exclude=./dist -cf - . | tar -xf - -C "$tmp/src"
"$py" -m build --wheel --no-isolation --outdir "$tmp/dist" "$tmp/src" > "$tmp/build.log" 2>&1 || { tail -n 40 "$tmp/build.log"; exit 1; }
whl=$(ls "$tmp"/dist/lacvit-*.whl)
step "built $(basename "$whl") ($(du -k "$whl" | cut -f1) KiB)"
"$py" - "$whl" "$asset" "$root/$asset" <<'PY'
import sys, zipfile, hashlib
whl, name, src = sys.argv[1:]
z = zipfile.ZipFile(whl)
if name not in z.namelist(): sys.exit(f'check_wheel: {name} is not in the wheel: {[n for n in z.namelist() if "assets" in n]}')
if hashlib.sha256(z.read(name)).digest() != hashlib.sha256(open(src, 'rb').read()).digest():
    sys.exit(f'check_wheel: {name} in the wheel differs from the source tree')
mods = sorted(n for n in z.namelist() if n.startswith('lacvit/') and n.endswith('.py'))
print(f'check_wheel: the wheel holds {name} and {len(mods)} modules')
PY

"$py" -m venv "$tmp/venv"
pip="$tmp/venv/bin/pip"
if [ -n "${DEPS_SITE:-}" ]; then
  # CI: the dependencies come from an environment installed moments ago (DEPS_SITE, its site-packages, added to the new
  # environment's path after its own), the wheel alone is installed; the wheel's declared requirements are then
  # checked against what that environment holds
  site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$DEPS_SITE" > "$site/_deps.pth"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$pip" install -q --no-deps "$whl"
  step "wheel installed (dependencies from $DEPS_SITE)"
  "$tmp/venv/bin/python" - <<'PY'
import importlib.metadata as md, re
from packaging.requirements import Requirement
bad = []
for r in map(Requirement, md.requires('lacvit') or []):
    if r.marker and not r.marker.evaluate({'extra': ''}): continue
    try: v = md.version(r.name)
    except md.PackageNotFoundError: bad.append(f'{r} (not installed)'); continue
    if v not in r.specifier: bad.append(f'{r} (found {v})')
if bad: raise SystemExit('check_wheel: requirements of the wheel not met: ' + ', '.join(bad))
print('check_wheel: every requirement of the wheel is met')
PY
else
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$pip" install -q torch==2.14.1 torchvision==0.29.1
  step "torch installed"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$pip" install -q "$whl"
  step "wheel installed"
fi

mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere"        # no lacvit source next to the command
export HF_HUB_OFFLINE=1 MPLBACKEND=Agg
"$tmp/venv/bin/python" -c "import lacvit, os; assert '$root' not in lacvit.__file__, lacvit.__file__; print('check_wheel: lacvit', lacvit.__version__, 'from', os.path.dirname(lacvit.__file__))"
"$tmp/venv/bin/lacvit" --help > help.txt
grep -q "train" help.txt || { cat help.txt; echo "check_wheel: 'lacvit --help' does not mention train"; exit 1; }
step "lacvit --help works"
"$tmp/venv/bin/lacvit" train --epochs 1 --n-per-class 10 --bs 16 --out "$tmp/run"
[ -n "$(ls -A "$tmp/run" 2>/dev/null)" ] || { echo "check_wheel: lacvit train wrote no report in $tmp/run"; exit 1; }
step "lacvit train wrote $(ls "$tmp/run" | tr '\n' ' ')"
echo "check_wheel: OK in $(( $(date +%s) - t0 )) s"
