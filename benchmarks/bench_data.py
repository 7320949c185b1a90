#!/usr/bin/env python
"""Share of a LaCViT stage-1 training step spent making the views.

For each setting, measured side by side (interleaved repeats) in one process:
  aug  = ViewAugment(size)(x) for a batch x [B, 3, size, size] (two views per image)
  step = forward + backward of the ViT on the 2B views
  share = aug / (aug + step)      goal: < 15%
The share is given from the medians and from the minima (the minima are the better estimate when other processes
add noise); the goal is judged on the minima.
Settings: a dim-192 depth-6 ViT at 32 px (patch 4, B=128) and timm's ViT-S/16 at 224 px (B=32), its views made
from 224 px images or from uint8 full-resolution sources of 500 x 375 (half of them portrait, padded to 500 x 500).
With --kornia (and kornia importable) the equivalent kornia pipeline is timed in the same loop for comparison.

    python benchmarks/bench_data.py [--threads 2] [--repeats 3] [--bf16] [--kornia] [--quick] [--out FILE]

With --loader it measures the loader instead: one epoch of lacvit's training loader (full-resolution sources, with
and without PIL's JPEG draft mode), of its resized loader and of torchvision's ImageFolder + Resize((224, 224)) +
ToTensor, over JPEG files it writes (--n-files of about 500 x 375, a sixth as many of about 2000 x 1500), with 0
and 2 workers, one thread per process, interleaved; results in `benchmarks/results/bench_loader.json`.

    python benchmarks/bench_data.py --loader [--n-files 1200] [--loader-repeats 3] [--quick]

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
    yield ('ViT-S/16, 224px, from 500x375 sources', lambda: timm.create_model('vit_small_patch16_224', pretrained=False, num_classes=0),
           224, 8 if quick else 32)


def batch(name, size, B):
    "The batch the views are made from: `size` images in [0, 1], or uint8 sources of 500 x 375 (half portrait), padded"
    if 'sources' not in name: return torch.rand(B, 3, size, size)
    from fastai.torch_core import TensorImage
    x = TensorImage((torch.rand(B, 3, 500, 500) * 255).to(torch.uint8))
    x.source_hw = torch.tensor([[375, 500], [500, 375]] * (B // 2))
    return x


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
    ap.add_argument('--loader', action='store_true', help='instead: the loader benchmark (JPEG files, one epoch per loader)')
    ap.add_argument('--n-files', type=int, default=1200, help='--loader: JPEGs of about 500 x 375 (and a sixth as many of 2000 x 1500)')
    ap.add_argument('--loader-repeats', type=int, default=3, help='--loader: interleaved epochs per loader')
    a = ap.parse_args()
    if a.loader: return main_loader(a)
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
        x = batch(name, size, B)
        kv = kornia_views(size) if use_kornia and 'sources' not in name else None

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


# ---- the loader: lacvit's training loader against torchvision's ImageFolder on JPEG files ------------------------

def write_jpegs(root, n:int, size=(500, 375), jitter:float=0.1, seed:int=0, n_classes:int=4):
    "`n` JPEG photos of about `size` (w, h; a quarter of them portrait) in `n_classes` class folders, cut from scikit-learn's sample photos"
    import numpy as np
    from pathlib import Path
    from PIL import Image
    from sklearn.datasets import load_sample_images
    photos = [Image.fromarray(a) for a in load_sample_images().images]
    rng, root = np.random.default_rng(seed), Path(root)
    for i in range(n):
        im = photos[i % len(photos)]
        w, h = (int(round(s * rng.uniform(1 - jitter, 1 + jitter))) for s in size)
        if i % 4 == 3: w, h = h, w
        cw, ch = int(im.width * rng.uniform(0.6, 1)), int(im.height * rng.uniform(0.6, 1))
        l, t = int(rng.integers(0, im.width - cw + 1)), int(rng.integers(0, im.height - ch + 1))
        out = root/f'class_{i % n_classes}'/f'img_{i:05d}.jpg'
        out.parent.mkdir(parents=True, exist_ok=True)
        im.crop((l, t, l + cw, t + ch)).resize((w, h), Image.BICUBIC).save(out, quality=90)
    return root


def loader_makers(root, size:int, bs:int, workers:int):
    "name -> function giving an iterable over one epoch of batches, for each loader compared"
    import torchvision
    from torch.utils.data import DataLoader
    from lacvit.datasets import folder
    from lacvit.data import _real
    tv = torchvision.datasets.ImageFolder(str(root), transform=torchvision.transforms.Compose(
        [torchvision.transforms.Resize((size, size)), torchvision.transforms.ToTensor()]))
    dls = folder(root, size=size, bs=bs, num_workers=workers, valid_pct=0.01, test_pct=0.01, verify=False)
    src = dls.train.sources()
    load = _real(dls.train.dataset.tls[0].tfms.fs)[-1]
    def lacvit(draft):
        def epoch(): load.draft = draft; return src
        return epoch
    return {'torchvision ImageFolder + Resize + ToTensor': lambda: DataLoader(tv, bs, shuffle=True, num_workers=workers),
            'lacvit training sources (draft)': lacvit(True),
            'lacvit training sources (no draft)': lacvit(False),
            'lacvit resized to size (validation path)': lambda: dls.train}, len(src.dataset)


def bench_loader(a):
    "Images per second of one epoch of each loader, 0 and 2 workers, interleaved repeats; rows for the report"
    import tempfile
    from pathlib import Path
    rows, tmp = [], Path(tempfile.mkdtemp())
    sets = [('about 500 x 375', write_jpegs(tmp/'small', a.n_files, (500, 375))),
            ('about 2000 x 1500', write_jpegs(tmp/'large', max(a.n_files // 6, 128), (2000, 1500), seed=1))]
    for label, root in sets:
        for workers in (0, 2):
            makers, n = loader_makers(root, 224, 64, workers)
            times = {k: [] for k in makers}
            for k, f in makers.items():                                   # warm-up: one batch each
                next(iter(f()))
            for _ in range(a.loader_repeats):                                # interleaved: every loader once per repeat
                for k, f in makers.items():
                    t = time.perf_counter(); seen = sum(len(b[0]) for b in f())
                    times[k].append(seen / (time.perf_counter() - t))
            base = statistics.median(times[next(iter(makers))])
            for k, r in times.items():
                rows.append(dict(files=label, n_files=n, workers=workers, loader=k, img_s=statistics.median(r),
                                 img_s_best=max(r), ratio=statistics.median(r) / base))
                print(f"{label:18s} {workers:2d} workers  {k:42s} {statistics.median(r):8.0f} img/s  "
                      f"{statistics.median(r) / base:5.2f}x torchvision")
    return rows


def main_loader(a):
    torch.set_num_threads(1)                      # one thread per process: the main one and each worker
    if a.quick: a.n_files, a.loader_repeats = 192, 1
    print(f"torch {torch.__version__}, 1 thread per process, batch 64, 224 px, median of {a.loader_repeats} interleaved epochs")
    rows = bench_loader(a)
    key = lambda files, w, name: next(r for r in rows if r['files'] == files and r['workers'] == w and r['loader'] == name)
    ratios = {f"{files}, {w} workers, {name.split('(')[1][:-1]}": key(files, w, f'lacvit training sources ({name.split("(")[1]}')['ratio']
              for files in ('about 500 x 375',) for w in (0, 2) for name in ('(draft)', '(no draft)')}
    draft_gain = {f"{files}, {w} workers": key(files, w, 'lacvit training sources (draft)')['img_s'] /
                  key(files, w, 'lacvit training sources (no draft)')['img_s'] for files in ('about 500 x 375', 'about 2000 x 1500') for w in (0, 2)}
    worst = min(key('about 500 x 375', w, 'lacvit training sources (draft)')['ratio'] for w in (0, 2))
    met = worst >= 0.9
    summary = (f"On photos of about 500 x 375, lacvit's training loader (full-resolution sources) runs at "
               f"{worst:.2f}x torchvision's images/s or better with 0 and 2 workers (goal >= 0.9x: {'met' if met else 'NOT met'}). "
               "Draft mode changes the images/s by " + ", ".join(f"{v:.2f}x ({k})" for k, v in draft_gain.items()) + ".")
    print(summary)
    import _report
    _report.write(a.out or str(_report.RESULTS/'bench_loader.json'), __file__, 1, quick=a.quick,
                  setup=(f"one epoch of each loader over {a.n_files} JPEGs of about 500 x 375 (and "
                         f"{max(a.n_files // 6, 128)} of about 2000 x 1500), cut from scikit-learn's sample photos, a "
                         "quarter portrait; batch 64, 224 px, shuffled; images/s = images delivered / wall time, median of "
                         f"{a.loader_repeats} interleaved epochs; one thread per process; ratio = images/s / torchvision's "
                         "(ImageFolder + Resize((224, 224)) + ToTensor, torch DataLoader) with the same workers"),
                  rows=rows, ratios=dict(sources_over_torchvision=ratios, draft_over_no_draft=draft_gain),
                  goal="lacvit's training loader >= 0.9x torchvision's images/s with 0 and 2 workers (photos of about 500 x 375)",
                  goal_met=met, summary=summary, repeats=a.loader_repeats)


if __name__ == '__main__':
    main()
