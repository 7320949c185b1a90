"""Stage-2 linear head: `lacvit.linear.fit_linear_head` against scikit-learn's `LogisticRegression`, the same search.

Both fit multinomial logistic regression on standardised features along `WD_GRID` (scikit-learn's C = 1/(wd N)),
strong to weak, keep the one with the best validation accuracy, and score it on the test features. `fit_linear_head`
stops once three weaker weight decays in a row did worse (its default); a second row runs it over every value.
scikit-learn runs every value twice: as a user would write it (a fresh fit per C) and warm-started along the grid.
The data are synthetic "encoder features": 10,000 training, 2,000 validation and 5,000 test rows of dimension 768 in
100 classes (class means plus noise through a ReLU, so not linearly separable). Timed side by side in one run, in
interleaved rounds (medians), the standardisation included.

    python benchmarks/bench_head.py [--threads 2] [--repeats 3] [--out benchmarks/results/bench_head.json]
"""
import argparse, json, os, platform, time
from pathlib import Path

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--threads', type=int, default=2)
p.add_argument('--n', type=int, default=10_000)
p.add_argument('--dim', type=int, default=768)
p.add_argument('--classes', type=int, default=100)
p.add_argument('--repeats', type=int, default=3, help='rounds, each solver once per round in turn; medians reported')
p.add_argument('--out', default=str(Path(__file__).parent/'results'/'bench_head.json'))
args = p.parse_args()
for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'): os.environ[v] = str(args.threads)

import numpy as np, torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from lacvit.linear import fit_linear_head, WD_GRID
torch.set_num_threads(args.threads)

rng = np.random.default_rng(0)
means = rng.normal(size=(args.classes, args.dim)) * 0.12
def make(n):
    y = rng.integers(0, args.classes, n)
    x = np.maximum(means[y] + rng.normal(size=(n, args.dim)), 0) * 1.5 + 0.1
    return x.astype(np.float32), y
(xtr, ytr), (xva, yva), (xte, yte) = make(args.n), make(args.n // 5), make(args.n // 2)
N = len(ytr)

def ours(patience=3):
    h = fit_linear_head(torch.from_numpy(xtr), torch.from_numpy(ytr), torch.from_numpy(xva), torch.from_numpy(yva),
                        args.classes, patience=patience)
    with torch.no_grad(): te = (h.linear(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean()
    return dict(valid_acc=h.chosen['valid_acc'], test_acc=float(te), wd=h.wd, n_wd=len(h.search))

def sklearn(warm):
    sc = StandardScaler().fit(xtr)
    a, b, c = sc.transform(xtr), sc.transform(xva), sc.transform(xte)
    m, best = LogisticRegression(max_iter=1000, warm_start=warm), None
    for wd in sorted(WD_GRID, reverse=True):
        m.set_params(C=1 / (wd * N)).fit(a, ytr)
        va = m.score(b, yva)
        if best is None or va > best[0]: best = (va, wd, m.score(c, yte))
    return dict(valid_acc=float(best[0]), test_acc=float(best[2]), wd=best[1], n_wd=len(WD_GRID))

solvers = [('lacvit fit_linear_head (torch L-BFGS, float32, warm start, stops after 3 worse)', ours),
           ('lacvit fit_linear_head, every weight decay (patience=None)', lambda: ours(None)),
           ('scikit-learn LogisticRegression (lbfgs, a fresh fit per C)', lambda: sklearn(False)),
           ('scikit-learn LogisticRegression (lbfgs, warm_start=True)', lambda: sklearn(True))]
times, res = {n: [] for n, _ in solvers}, {}
for rep in range(args.repeats):                    # interleaved: a change of machine load hits every solver alike
    for name, fn in solvers:
        t0 = time.perf_counter(); res[name] = fn(); times[name].append(time.perf_counter() - t0)
runs = []
for name, _ in solvers:
    r = dict(name=name, **res[name], time_s=float(np.median(times[name])), times_s=times[name]); runs.append(r)
    print(f"{name}: {r['time_s']:.2f} s (median of {args.repeats}), {r['n_wd']} weight decays, valid {r['valid_acc']:.4f}, "
          f"test {r['test_acc']:.4f}, wd {r['wd']:g}", flush=True)
best_sk = min(runs[2:], key=lambda r: r['time_s'])
speedup = best_sk['time_s'] / runs[0]['time_s']
full = runs[1]['time_s']
summary = (f"fit_linear_head is {speedup:.2f}x as fast as the faster scikit-learn search (goal: at least 1x; "
           f"{best_sk['time_s'] / full:.2f}x when it too tries every weight decay); "
           f"test accuracy {runs[0]['test_acc']:.4f} vs {best_sk['test_acc']:.4f} "
           f"(difference {runs[0]['test_acc'] - best_sk['test_acc']:+.4f}).")
print(summary)
import sys; sys.path.insert(0, str(Path(__file__).parent))
import _report
_report.write(args.out, __file__, args.threads,
              setup=(f"{N:,} x {args.dim} training features, {args.classes} classes, {len(WD_GRID)} weight decays, "
                     f"{args.threads} threads on {platform.machine()} ({os.cpu_count()} cores seen), torch {torch.__version__}"),
              runs=runs, speedup=speedup, goal='at least as fast as scikit-learn, same test accuracy (within 0.01)',
              goal_met=bool(speedup >= 1 and abs(runs[0]['test_acc'] - best_sk['test_acc']) <= 0.01), summary=summary)
