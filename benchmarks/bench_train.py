"""Overhead of `fit_lacvit`: one stage-1 epoch (train + validation) through `fit_lacvit` and through a minimal
hand-written PyTorch loop doing the same work (same model, batches, views, loss, optimiser, schedule), alternated
and repeated; prints the median times and their ratio (goal: fit_lacvit at most 1.10x the plain loop).

    python benchmarks/bench_train.py [--repeats 3] [--threads 2]
"""
import argparse, math, os, statistics, time, warnings
os.environ.setdefault('HF_HUB_OFFLINE', '1')
warnings.filterwarnings('ignore')
import torch
from fastai.callback.progress import ProgressCallback
from fastai.torch_core import set_seed
from lacvit.augment import Renormalizer, find_normalize, make_views
from lacvit.datasets import digits
from lacvit.augment import ViewAugment
from lacvit.learner import lacvit_learner
from lacvit.losses import LaCViTLoss

def make(seed=0):
    set_seed(seed, reproducible=True)
    learn = lacvit_learner(digits(size=32, bs=128, seed=seed, num_workers=0), 'vit_micro_patch4_32', pretrained=False)
    learn.remove_cb(ProgressCallback)
    return learn

def plain_epoch(learn, lr=0.05, wd=1e-4, tau=0.1):
    "What stage 1 does, by hand: views, projections, loss, SGD with momentum and a cosine schedule, then validation"
    model, dls = learn.model, learn.dls
    aug, renorm, loss_fn = ViewAugment(32, n_views=2), Renormalizer(find_normalize(dls)), LaCViTLoss(tau)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    n = len(dls.train)
    model.train()
    for i, (x, y) in enumerate(dls.train):
        for g in opt.param_groups: g['lr'] = lr/1e4 + (lr - lr/1e4) * (1 + math.cos(math.pi * i / n)) / 2
        v = make_views(x, aug, renorm)
        z = model(v.flatten(0, 1), 'project').view(len(x), 2, -1)
        loss = loss_fn(z, y)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for x, y in dls.valid:
            v = make_views(x, aug, renorm)
            loss_fn(model(v.flatten(0, 1), 'project').view(len(x), 2, -1), y)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tf, tp = [], []
    make().fit_lacvit(1, 0) # warm-up
    for r in range(a.repeats):
        learn = make(r); t = time.perf_counter(); learn.fit_lacvit(1, 0, lr=0.05); tf.append(time.perf_counter() - t)
        learn = make(r); t = time.perf_counter(); plain_epoch(learn); tp.append(time.perf_counter() - t)
    n = len(learn.dls.train_ds)
    f, p = statistics.median(tf), statistics.median(tp)
    print(f"micro ViT, digits 32 px, {n} training images x 2 views, bs 128, {torch.get_num_threads()} threads, "
          f"median of {a.repeats}")
    print(f"| loop | one stage-1 epoch (s) |\n|---|---|\n| plain PyTorch | {p:.2f} |\n| fit_lacvit | {f:.2f} |")
    print(f"ratio fit_lacvit / plain: {f/p:.3f} (goal <= 1.10)")

if __name__ == '__main__': main()
