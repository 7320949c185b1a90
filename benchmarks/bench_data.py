#!/usr/bin/env python
"""Share of a LaCViT stage-1 training step spent making the views.

For each setting, measured side by side (interleaved repeats) in one process:
  aug  = ViewAugment(size)(x) for a batch x [B, 3, size, size] (two views per image)
  step = forward + backward of the ViT on the 2B views
  share = aug / (aug + step)      goal: < 15%
The share is given from the medians and from the minima (the minima are the better estimate when other processes
add noise); the goal is judged on the minima.
Settings: a dim-192 depth-6 ViT at 32 px (patch 4, B=128) and timm's ViT-S/16 at 224 px (B=32).
With --kornia (and kornia importable) the equivalent kornia pipeline is timed in the same loop for comparison.

    python benchmarks/bench_data.py [--threads 2] [--repeats 3] [--bf16] [--kornia] [--quick] [--out FILE]

Besides the printed table, the results go to `benchmarks/results/bench_data.json` (`--out`).
"""
import argparse, os, statistics, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import torch
import timm
from timm.models.vision_transformer import VisionTransformer
from lacvit.augment import ViewAugment


def settings(quick):
    yield ('ViT d192 x6, 32px', lambda: VisionTransformer(img_size=32, patch_size=4, embed_dim=192, depth=6, num_heads=3, num_classes=0),
           32, 32 if quick else 128)
    yield ('ViT-S/16, 224px', lambda: timm.create_model('vit_small_patch16_224', pretrained=False, num_classes=0),
           224, 8 if quick else 32)


def kornia_views(size):
    import kornia.augmentation as K
    k = K.AugmentationSequential(K.RandomResizedCrop((size, size), scale=(0.2, 1.)), K.RandomHorizontalFlip(),
                                 K.ColorJitter(0.4, 0.4, 0.4, 0.1, p=0.8), K.RandomGrayscale(p=0.2))
    return lambda x: torch.stack([k(x) for _ in range(2)], 1)


def timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--bf16', action='store_true', help='bf16 autocast for the model step (faster step: larger share)')
    ap.add_argument('--kornia', action='store_true', help='also time kornia (if installed) on the same batches')
    ap.add_argument('--quick', action='store_true', help='small batches, 1 repeat: a smoke test')
    ap.add_argument('--out', default=None, help='JSON results file (default: benchmarks/results/bench_data.json)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    reps = 1 if a.quick else a.repeats
    use_kornia = False
    if a.kornia:
        try: import kornia; use_kornia = True  # noqa: F401
        except ImportError: print('kornia not installed: --kornia ignored')
    print(f"torch {torch.__version__}, {a.threads} thread(s), {'bf16 autocast' if a.bf16 else 'fp32'} model step, "
          f"median of {reps} interleaved repeats")
    rows = []
    for name, make, size, B in settings(a.quick):
        torch.manual_seed(0)
        model = make().train()
        aug = ViewAugment(size)
        x = torch.rand(B, 3, size, size)
        kv = kornia_views(size) if use_kornia else None

        views = aug(x).flatten(0, 1)

        def fwd_bwd():
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=a.bf16):
                out = model(views)
            out.float().pow(2).mean().backward()
            model.zero_grad(set_to_none=True)
        timed(lambda: aug(x)); timed(fwd_bwd)                    # warm-up
        if kv: timed(lambda: kv(x))
        ta, ts, tk = [], [], []
        for _ in range(reps):
            ta.append(timed(lambda: aug(x)))
            ts.append(timed(fwd_bwd))
            if kv: tk.append(timed(lambda: kv(x)))
        share_min = min(ta) / (min(ta) + min(ts))
        ta, ts = statistics.median(ta), statistics.median(ts)
        tk = statistics.median(tk) if tk else None
        rows.append((name, B, ta, ts, ta / (ta + ts), share_min, tk))
    print(f"\n{'setting':20s} {'B':>4s} {'views':>5s} {'aug ms':>9s} {'fwd+bwd ms':>11s} {'share':>7s} {'share(min)':>10s} {'goal':>6s}"
          + (f" {'kornia ms':>10s} {'ours/kornia':>11s}" if use_kornia else ''))
    for name, B, ta, ts, share, share_min, tk in rows:
        print(f"{name:20s} {B:4d} {2*B:5d} {ta*1e3:9.1f} {ts*1e3:11.1f} {share:7.1%} {share_min:10.1%} {'ok' if share_min < 0.15 else 'MISSED':>6s}"
              + (f" {tk*1e3:10.1f} {ta/tk:11.2f}" if tk else ''))
    met = all(r[5] < 0.15 for r in rows)
    worst = max(r[5] for r in rows)
    summary = (f"The views take at most {worst:.1%} of a training step (share of the minima; goal < 15%: "
               f"{'met' if met else 'NOT met'}).")
    print(summary)
    import _report
    _report.write(a.out or _report.default_out(__file__), __file__, a.threads, quick=a.quick,
                  setup=(f"two views of every image of a batch made by ViewAugment, against forward + backward of the ViT "
                         f"on those 2B views ({'bf16 autocast' if a.bf16 else 'fp32'}); times are medians of {reps} "
                         f"interleaved repeats (ms); share = aug / (aug + fwd+bwd), from the medians and from the minima"),
                  rows=[dict(setting=name, batch=B, views=2 * B, aug_ms=ta * 1e3, step_ms=ts * 1e3, share=share,
                             share_min=share_min, goal_met=share_min < 0.15,
                             kornia_ms=None if tk is None else tk * 1e3, ours_over_kornia=None if tk is None else ta / tk)
                        for name, B, ta, ts, share, share_min, tk in rows],
                  ratios=dict(max_share_min=worst, max_share=max(r[4] for r in rows)),
                  goal="the views take under 15% of a training step (aug / (aug + fwd+bwd), minima) in every setting",
                  goal_met=met, summary=summary, bf16=a.bf16, repeats=reps)


if __name__ == '__main__':
    main()
