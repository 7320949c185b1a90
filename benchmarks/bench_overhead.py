"""Overhead of the fastai path at 224 px on the CPU: stage-1 training steps of ViT-Ti/16 (random weights) through
`learn.fit_contrastive` and through a plain PyTorch + timm loop doing the same step, interleaved in one run on one
thread; prints the median time per step of each and their ratio (goal: fit_contrastive at most 1.05x the plain loop).

The two steps are `bench_gpu.py`'s, on the CPU: two views per image from the same `ViewAugment` (the 'paper' preset),
the encoder and projection head, the LaCViT loss, AdamW (fastai's on our side, torch's on the plain side), fp32 or
`--precision bf16`. The images are in memory, so the step is measured, not the loader.

    python benchmarks/bench_overhead.py [--bs 32] [--steps 4] [--repeats 3] [--precision fp32] [--out FILE]

Results: `benchmarks/results/bench_overhead.json`.
"""
import argparse, os, statistics, sys, time, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.filterwarnings('ignore')
import torch
from bench_gpu import data, lacvit_step, plain_step

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--arch', default='vit_tiny_patch16_224')
    ap.add_argument('--bs', type=int, default=32, help='images per contrastive batch (two views each)')
    ap.add_argument('--steps', type=int, default=4, help='steps per measurement, the first one as warm-up')
    ap.add_argument('--repeats', type=int, default=3, help='alternated repeats of the two loops')
    ap.add_argument('--precision', default='fp32', choices=('fp32', 'bf16'))
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=None, help='JSON results file (default: benchmarks/results/bench_overhead.json)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev, warm = torch.device('cpu'), 1
    cfg = dict(arch=a.arch, size=224, precision=a.precision)
    x, y = data(a.steps * a.bs, 224, dev)
    times = dict(lacvit=[], plain=[])
    t_all = time.perf_counter()
    for r in range(a.repeats):
        order = (('lacvit', lacvit_step), ('plain', plain_step))
        for name, fn in (order if r % 2 == 0 else order[::-1]):    # alternated, so that neither always goes first
            t = fn(x, y, a.bs, cfg, dev, None, a.steps, warm) / (a.steps - warm)
            times[name].append(t)
            print(f"repeat {r}: {name} {t:.3f} s per step")
    f, p = statistics.median(times['lacvit']), statistics.median(times['plain'])
    ratio = f / p
    setup = (f"stage-1 steps of {a.arch} (random weights) at 224 px on the CPU, {a.bs} images x 2 views per step, "
             f"{a.precision}, AdamW, {a.threads} thread(s); {a.steps - warm} timed steps after {warm} warm-up per "
             f"measurement, median of {a.repeats} alternated repeats; the run took {time.perf_counter() - t_all:.0f} s")
    summary = f"fit_contrastive takes {ratio:.3f}x the time of the plain loop per step (goal <= 1.05: {'met' if ratio <= 1.05 else 'NOT met'})."
    print(setup)
    print(f"| loop | s per step | images/s |\n|---|---:|---:|\n| plain PyTorch + timm | {p:.3f} | {a.bs / p:.1f} |\n"
          f"| fit_contrastive | {f:.3f} | {a.bs / f:.1f} |")
    print(summary)
    import _report
    _report.write(a.out or _report.default_out(__file__), __file__, a.threads, quick=False, setup=setup,
                  rows=[dict(loop='plain PyTorch + timm', s_per_step=p, times_s=times['plain'], img_per_s=a.bs / p),
                        dict(loop='fit_contrastive', s_per_step=f, times_s=times['lacvit'], img_per_s=a.bs / f)],
                  ratios=dict(fastai_over_plain=ratio), goal="fit_contrastive at most 1.05x the time of the plain loop per step",
                  goal_met=ratio <= 1.05, summary=summary, bs=a.bs, steps=a.steps, repeats=a.repeats, precision=a.precision)

if __name__ == '__main__': main()
