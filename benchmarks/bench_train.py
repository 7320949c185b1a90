"""Overhead of the fastai path: one stage-1 epoch (train + validation) through `learn.fit_contrastive` and through a
minimal hand-written PyTorch loop doing the same work, alternated and repeated; prints the median times and their
ratio (goal: fit_contrastive at most 1.10x the plain loop).

The same work on both sides: the micro ViT on scikit-learn's digits at 32 px (batches of 128, the same fastai
DataLoaders), two views per image from the views the data declare (`default_views`), the LaCViT loss on the
projections, AdamW (fastai's: betas 0.9/0.99, eps 1e-5, decoupled weight decay 0.05, none on norm layers and biases)
with the one-cycle schedule of `fit_one_cycle` (learning rate from lr/25 up to lr over the first 25% of the steps,
then down to lr/1e5 by cosine; momentum 0.95 -> 0.85 -> 0.95), then validation: the loss and the leave-one-out kNN
accuracy of the first view's projections (k = 20), the metric `fit_contrastive` reports. Not in the plain loop: what
the fastai path adds on top (its callbacks, the recorder, and `NonFiniteGuard`'s finite-gradient check each step).

    python benchmarks/bench_train.py [--repeats 3] [--threads 2] [--lr 4e-3] [--out FILE]

Besides the printed table, the results go to `benchmarks/results/bench_train.json` (`--out`).
"""
import argparse, os, statistics, sys, time, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault('HF_HUB_OFFLINE', '1')
warnings.filterwarnings('ignore')
import torch
from torch import nn
from fastai.callback.progress import ProgressCallback
from fastai.torch_core import set_seed
from lacvit.augment import Renormalizer, find_normalize, make_views, default_views
from lacvit.datasets import digits
from lacvit.evaluation import knn_accuracy
from lacvit.learner import lacvit_learner, adamw
from lacvit.losses import LaCViTLoss

def make(seed=0):
    "A fresh learner: micro ViT (random init) on the digits at 32 px, batches of 128"
    set_seed(seed, reproducible=True)
    learn = lacvit_learner(digits(size=32, bs=128, seed=seed, num_workers=0), 'vit_micro_patch4_32', pretrained=False)
    learn.remove_cb(ProgressCallback)
    return learn

def fastai_epoch(learn, lr):
    "Stage 1 through the library: one epoch of `fit_contrastive` with AdamW and one-cycle"
    with learn.no_logging(): learn.fit_contrastive(1, lr=lr, opt_func=adamw)

def _no_decay(model):
    "Parameters fastai leaves out of weight decay (`wd_bn_bias=False`): those of norm layers, and every bias"
    from fastai.torch_core import norm_bias_params
    return {id(p) for p in norm_bias_params(model)}

def plain_epoch(learn, lr, wd=0.05, tau=0.1, n_views=2, knn_k=20):
    "What `fit_contrastive` does, by hand: views, projections, LaCViT loss, AdamW with one-cycle, then validation"
    model, dls = learn.model, learn.dls
    aug, renorm, loss_fn = default_views(dls, 32, n_views), Renormalizer(find_normalize(dls)), LaCViTLoss(tau)
    skip = _no_decay(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([dict(params=[p for p in params if id(p) not in skip], weight_decay=wd),
                             dict(params=[p for p in params if id(p) in skip], weight_decay=0.)],
                            lr=lr, betas=(0.95, 0.99), eps=1e-5)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=len(dls.train), pct_start=0.25,
                                                anneal_strategy='cos', div_factor=25., final_div_factor=1e5 / 25.,
                                                cycle_momentum=True, base_momentum=0.85, max_momentum=0.95)
    model.train()
    for x, y in dls.train:
        v = make_views(x, aug, renorm)
        z = model(v.flatten(0, 1), 'project').view(len(x), n_views, -1)
        loss = loss_fn(z, y)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    model.eval()
    feats, ys, losses = [], [], []
    with torch.no_grad():
        for x, y in dls.valid:
            v = make_views(x, aug, renorm)
            z = model(v.flatten(0, 1), 'project').view(len(x), n_views, -1)
            losses.append(loss_fn(z, y).item()); feats.append(z[:, 0]); ys.append(y)
    f, y = torch.cat(feats), torch.cat(ys)
    return knn_accuracy(f, y, f, y, k=min(knn_k, len(y) - 1), exclude_self=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--lr', type=float, default=4e-3, help='peak learning rate (the default of fit_contrastive)')
    ap.add_argument('--out', default=None, help='JSON results file (default: benchmarks/results/bench_train.json)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tf, tp = [], []
    fastai_epoch(make(), a.lr); plain_epoch(make(), a.lr)        # warm-up
    for r in range(a.repeats):
        learn = make(r); t = time.perf_counter(); fastai_epoch(learn, a.lr); tf.append(time.perf_counter() - t)
        learn = make(r); t = time.perf_counter(); plain_epoch(learn, a.lr); tp.append(time.perf_counter() - t)
    n, nb = len(learn.dls.train_ds), len(learn.dls.train)
    f, p = statistics.median(tf), statistics.median(tp)
    ratio = f / p
    setup = (f"one stage-1 epoch (training and validation) of the micro ViT on scikit-learn's digits at 32 px: {n:,} "
             f"training images x 2 views in {nb} batches of 128, AdamW and one-cycle at lr {a.lr:g}, "
             f"{torch.get_num_threads()} thread(s); median of {a.repeats} alternated repeats")
    print(setup)
    print(f"| loop | one stage-1 epoch (s) |\n|---|---|\n| plain PyTorch | {p:.2f} |\n| fit_contrastive | {f:.2f} |")
    summary = f"fit_contrastive takes {ratio:.3f}x the time of the plain loop (goal <= 1.10: {'met' if ratio <= 1.10 else 'NOT met'})."
    print(summary)
    import _report
    _report.write(a.out or _report.default_out(__file__), __file__, a.threads, quick=False, setup=setup,
                  rows=[dict(loop='plain PyTorch', time_s=p, times_s=tp), dict(loop='fit_contrastive', time_s=f, times_s=tf)],
                  ratios=dict(fastai_over_plain=ratio), goal="fit_contrastive at most 1.10x the time of the plain loop",
                  goal_met=ratio <= 1.10, summary=summary, repeats=a.repeats, lr=a.lr)

if __name__ == '__main__': main()
