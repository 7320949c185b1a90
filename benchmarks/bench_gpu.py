"""Stage 1 at the paper's scale on one GPU: ViT-B/16 at 224 px (random weights), bf16 mixed precision, images per
second and peak GPU memory of `fit_contrastive` at 128, 256 and 1,024 images per contrastive batch, with and without
gradient caching (`chunk_size`), next to a plain PyTorch + timm loop doing the same step (the reference for overhead),
plus the image loader's images per second with 0 and N worker processes on JPEG files it writes.

The same step on both sides: two views per image from the same on-device `ViewAugment` (the 'paper' preset at 224 px),
the encoder and a projection head (Linear-ReLU-Linear, 128, L2-normalised), the LaCViT loss (fp32, tau 0.1), AdamW,
bf16 autocast; with `chunk_size`, the encoder and head run on chunks of that many views whose activations are
recomputed in backward (`torch.utils.checkpoint` in the plain loop, lacvit's gradient caching in ours). The images
are on the GPU already (one float tensor both sides index), so the loader is measured on its own. A batch size that
does not fit in memory is recorded as such and skipped. The whole run takes a few minutes on an H100.

    python benchmarks/bench_gpu.py [--steps 5] [--workers N] [--out FILE]
    python benchmarks/bench_gpu.py --quick     # the same code at 32 px with lacvit's micro ViT on the CPU (CI)

Results: `benchmarks/results/bench_gpu.json` (`--quick`: `bench_gpu_quick.json`).
"""
import argparse, gc, os, sys, tempfile, time, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault('HF_HUB_OFFLINE', '1')
warnings.filterwarnings('ignore')
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint
from fastai.callback.core import Callback, CancelFitException
from fastai.callback.progress import ProgressCallback
from fastai.data.core import DataLoaders
from fasttransform import Pipeline
from fastai.torch_core import set_seed
from lacvit.augment import default_views
from lacvit.data import TensorLoader
from lacvit.datasets import get_dls
from lacvit.learner import lacvit_learner, adamw
from lacvit.losses import LaCViTLoss
from lacvit.models import create_encoder, encoder_config
from bench_data import write_jpegs

FULL = dict(arch='vit_base_patch16_224', size=224, sizes=(128, 256, 1024), chunk=256, precision='bf16',
            n_jpeg=1024, jpeg_wh=(500, 375), loader_bs=64)
QUICK = dict(arch='vit_micro_patch4_32', size=32, sizes=(16, 32, 64), chunk=16, precision='bf16',
             n_jpeg=96, jpeg_wh=(64, 48), loader_bs=16)

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def data(n, size, dev, n_classes=10, seed=0):
    "`n` random images in [0,1] and labels, on `dev`, as fastai DataLoaders of `TensorLoader`s"
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, size, size, generator=g).to(dev)
    y = torch.randint(0, n_classes, (n,), generator=g).to(dev)
    return x, y

class StepTimer(Callback):
    "Times the training steps after `warm` warm-up steps; stops the fit after `steps` steps"
    order = 100
    def __init__(self, steps, warm): self.steps, self.warm, self.t = steps, warm, None
    def before_batch(self):
        if self.training and self.iter == self.warm: sync(self.dls.device); self.t0 = time.perf_counter()
    def after_batch(self):
        if self.training and self.iter + 1 == self.steps:
            sync(self.dls.device); self.t = time.perf_counter() - self.t0
            raise CancelFitException()

def lacvit_step(x, y, bs, cfg, dev, chunk, steps, warm):
    "Seconds of `steps - warm` stage-1 steps through `learn.fit_contrastive`"
    tl = TensorLoader(x, y, bs=bs, shuffle=False, drop_last=True, after_batch=Pipeline([]))
    dls = DataLoaders(tl, TensorLoader(x[:bs], y[:bs], bs=bs, after_batch=Pipeline([])), device=dev)
    set_seed(0)
    learn = lacvit_learner(dls, create_encoder(cfg['arch'], pretrained=False), n_classes=10, opt_func=adamw)
    learn.remove_cb(ProgressCallback); learn.logger = lambda *a, **k: None
    learn.model.to(dev)
    timer = StepTimer(steps, warm)
    with learn.no_logging():
        learn.fit_contrastive(1, lr=1e-4, chunk_size=chunk, precision=cfg['precision'], cbs=timer)
    return timer.t

def plain_step(x, y, bs, cfg, dev, chunk, steps, warm):
    "The same step by hand: timm encoder + projection head, the same views and loss, torch's AdamW, autocast in bf16"
    set_seed(0)
    enc = create_encoder(cfg['arch'], pretrained=False).to(dev)
    d = enc.num_features
    proj = nn.Sequential(nn.Linear(d, d), nn.ReLU(inplace=True), nn.Linear(d, 128)).to(dev)
    fwd = lambda v: F.normalize(proj(enc(v)), dim=-1)
    params = list(enc.parameters()) + list(proj.parameters())
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.05)
    c = encoder_config(enc)
    mean, std = torch.tensor(c['mean'], device=dev).view(1, 3, 1, 1), torch.tensor(c['std'], device=dev).view(1, 3, 1, 1)
    aug, loss_fn = default_views(None, cfg['size'], 2).to(dev), LaCViTLoss(0.1)
    for i in range(steps):
        if i == warm: sync(dev); t0 = time.perf_counter()
        xb, yb = x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs]
        with torch.no_grad(): v = ((aug(xb) - mean.unsqueeze(1)) / std.unsqueeze(1)).flatten(0, 1)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=cfg['precision'] == 'bf16'):
            if chunk is None or len(v) <= chunk: z = fwd(v)
            else: z = torch.cat([checkpoint(fwd, c, use_reentrant=False) for c in v.split(chunk)])
        loss = loss_fn(z.float().view(bs, 2, -1), yb)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    sync(dev)
    return time.perf_counter() - t0

def measure(fn, *args, dev):
    "(seconds, peak memory in GiB above what was allocated before, or 'out of memory')"
    gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(dev); m0 = torch.cuda.memory_allocated(dev)
    try: t = fn(*args)
    except torch.OutOfMemoryError: t = 'out of memory'
    peak = (torch.cuda.max_memory_allocated(dev) - m0) / 2**30 if dev.type == 'cuda' and t != 'out of memory' else None
    gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache()
    return t, peak

def loader_rates(cfg, workers):
    "Images per second of one training epoch of `get_dls('folder')` on JPEG files, per number of workers"
    rows = []
    with tempfile.TemporaryDirectory() as root:
        write_jpegs(root, cfg['n_jpeg'], cfg['jpeg_wh'], jitter=0, n_classes=2)  # bench_data's photos (a quarter portrait)
        for w in workers:
            dls = get_dls('folder', path=root, size=cfg['size'], bs=cfg['loader_bs'], seed=0, num_workers=w)
            n, t = 0, time.perf_counter()
            for xb, yb in dls.train: n += len(xb)
            t = time.perf_counter() - t
            rows.append(dict(workers=w, images=n, seconds=t, images_per_s=n / t))
            print(f"loader, {w} worker(s): {n / t:,.0f} img/s ({n} images of {cfg['jpeg_wh'][0]}x{cfg['jpeg_wh'][1]} to {cfg['size']} px)")
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help="32 px, lacvit's micro ViT, on the CPU: the same code in under a minute")
    ap.add_argument('--steps', type=int, default=None, help='steps per measurement, the first two as warm-up (default: 5, quick 3)')
    ap.add_argument('--workers', type=int, default=None, help='loader worker processes to compare with 0 (default: min(8, CPUs))')
    ap.add_argument('--threads', type=int, default=1, help='CPU threads (the quick run)')
    ap.add_argument('--out', default=None, help='JSON results file (default: benchmarks/results/bench_gpu[_quick].json)')
    a = ap.parse_args()
    cfg = QUICK if a.quick else FULL
    dev = torch.device('cpu' if a.quick or not torch.cuda.is_available() else 'cuda')
    if not a.quick and dev.type != 'cuda': sys.exit("bench_gpu.py needs a CUDA GPU (or --quick for the CPU version)")
    torch.set_num_threads(a.threads)
    steps = a.steps or (3 if a.quick else 5); warm = 1 if a.quick else 2
    workers = [0, a.workers if a.workers is not None else min(8, os.cpu_count() or 1)]
    if a.quick: workers = [0, min(2, os.cpu_count() or 1)]
    t_all = time.perf_counter()
    x, y = data(steps * max(cfg['sizes']), cfg['size'], dev)
    rows = []
    for bs in cfg['sizes']:
        for chunk in (None, cfg['chunk']):
            r = dict(images_per_batch=bs, views_per_batch=2 * bs, chunk_size=chunk)
            for name, fn in (('lacvit', lacvit_step), ('plain', plain_step)):
                t, peak = measure(fn, x, y, bs, cfg, dev, chunk, steps, warm, dev=dev)
                r[f'{name}_img_per_s'] = None if isinstance(t, str) else bs * (steps - warm) / t
                r[f'{name}_peak_gib'], r[f'{name}_status'] = peak, 'out of memory' if isinstance(t, str) else 'ok'
            ok = r['lacvit_img_per_s'] and r['plain_img_per_s']
            r['time_lacvit_over_plain'] = r['plain_img_per_s'] / r['lacvit_img_per_s'] if ok else None
            rows.append(r)
            f = lambda v, p=0: ('OOM' if dev.type == 'cuda' else 'n/a') if v is None else f"{v:,.{p}f}"
            print(f"{bs:>5} images, chunk {chunk}: lacvit {f(r['lacvit_img_per_s'])} img/s ({f(r['lacvit_peak_gib'], 1)} GiB), "
                  f"plain {f(r['plain_img_per_s'])} img/s ({f(r['plain_peak_gib'], 1)} GiB), "
                  f"ratio {f(r['time_lacvit_over_plain'], 3)}")
    del x, y
    loader = loader_rates(cfg, workers)
    total = time.perf_counter() - t_all
    ratios = [r['time_lacvit_over_plain'] for r in rows if r['time_lacvit_over_plain']]
    dev_name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'CPU'
    setup = (f"stage 1 of {cfg['arch']} (random weights) at {cfg['size']} px on {dev_name}, {cfg['precision']} mixed "
             f"precision, AdamW, two views per image, chunk size {cfg['chunk']} views where chunked, {steps - warm} timed "
             f"steps after {warm} warm-up; loader: {cfg['n_jpeg']} JPEGs of {cfg['jpeg_wh'][0]}x{cfg['jpeg_wh'][1]}, "
             f"batches of {cfg['loader_bs']}; the whole run took {total:.0f} s")
    summary = (f"fit_contrastive takes {min(ratios):.3f}x to {max(ratios):.3f}x the time of the plain loop per step."
               if ratios else "no batch size fitted in memory")
    print(setup); print(summary)
    import _report
    out = a.out or _report.default_out(__file__).replace('.json', '_quick.json' if a.quick else '.json')
    _report.write(out, __file__, torch.get_num_threads(), quick=a.quick, device=dev_name, setup=setup, rows=rows,
                  loader=loader, ratios=dict(time_lacvit_over_plain_max=max(ratios) if ratios else None),
                  goal="fit_contrastive within 1.05x of the plain loop's time per step", 
                  goal_met=bool(ratios) and max(ratios) <= 1.05, summary=summary, total_s=total, steps=steps, warm=warm)

if __name__ == '__main__': main()
