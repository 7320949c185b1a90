"""Stage 2 with a frozen encoder: 100 linear-head epochs on cached features (what `fit_lacvit` does: one encoder pass,
then the lean head loop) versus running the frozen encoder again in every epoch (a plain `freeze` + `fit`), with the
same optimiser steps. Also shown: cached features trained in fastai's full callback loop (what `fit_lacvit` does
when stage-2 callbacks are given). Prints times, the speed-up and test accuracies, measured side by side in one run.

    python benchmarks/bench_stage2.py [--epochs 100] [--threads 2] [--seeds 1] [--no-pretrained]
"""
import argparse, os, time, warnings
os.environ.setdefault('HF_HUB_OFFLINE', '1')
warnings.filterwarnings('ignore')
import numpy as np
import torch
from fastai.callback.core import Callback
from fastai.callback.progress import ProgressCallback
from fastai.torch_core import set_seed
from lacvit.datasets import digits
from lacvit.learner import lacvit_learner, fit_sched
from lacvit.models import MICRO_WEIGHTS

class EncoderStaysInEval(Callback):
    "The naive way: the frozen encoder runs on every batch of every epoch (in eval mode, no gradient)"
    order = 0
    def before_train(self): self.learn.model.encoder.eval()

def make(pretrained, seed=0):
    set_seed(seed, reproducible=True)
    learn = lacvit_learner(digits(size=32, bs=128, seed=seed, num_workers=0), 'vit_micro_patch4_32', pretrained=pretrained)
    learn.remove_cb(ProgressCallback)
    return learn

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=100)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seeds', type=int, default=1, help='repeat with seeds 0..n-1: accuracies as mean +- std')
    ap.add_argument('--no-pretrained', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    pretrained = MICRO_WEIGHTS.exists() and not a.no_pretrained
    print(f"micro ViT ({'pretrained on Fashion-MNIST' if pretrained else 'random init'}), digits 32 px, "
          f"{a.epochs} head epochs, {torch.get_num_threads()} threads")
    make(pretrained).fit_lacvit(0, 1) # warm-up, so that no timed run pays for first-call setup
    tc, tn, tf, ac, an, af = [], [], [], [], [], []
    for seed in range(a.seeds):
        # cached: what fit_lacvit does in stage 2
        learn = make(pretrained, seed)
        t = time.perf_counter(); learn.fit_lacvit(0, a.epochs, head_lr=0.1); tc.append(time.perf_counter() - t)
        ac.append(learn.validate(ds_idx=2)[1])
        # cached features, fastai's full loop (a stage-2 callback rules the lean loop out)
        learn = make(pretrained, seed)
        t = time.perf_counter(); learn.fit_lacvit(0, a.epochs, head_lr=0.1, head_cbs=Callback()); tf.append(time.perf_counter() - t)
        af.append(learn.validate(ds_idx=2)[1])
        # naive: the frozen encoder in every epoch
        learn = make(pretrained, seed)
        learn.model.encoder.requires_grad_(False); learn.model.projector.requires_grad_(False)
        t = time.perf_counter()
        fit_sched(learn, a.epochs, 0.1, 'cos', wd=0., cbs=EncoderStaysInEval())
        tn.append(time.perf_counter() - t)
        an.append(learn.validate(ds_idx=2)[1])
    ms = lambda v: f"{np.mean(v):.4f}" + (f" +- {np.std(v, ddof=1):.4f}" if len(v) > 1 else '')
    t_cached, t_naive, t_fastai = np.median(tc), np.median(tn), np.median(tf)
    print(f"| way | time (s, median) | test accuracy ({a.seeds} seed(s)) |\n|---|---|---|\n"
          f"| encoder every epoch | {t_naive:.2f} | {ms(an)} |\n"
          f"| cached features, fastai's full loop | {t_fastai:.2f} | {ms(af)} |\n"
          f"| cached features, lean loop (fit_lacvit default) | {t_cached:.2f} | {ms(ac)} |")
    d = np.array(ac) - np.array(an)
    print(f"speed-up: {t_naive/t_cached:.1f}x (goal >= 20x; fastai's loop on cached features: {t_naive/t_fastai:.1f}x); "
          f"accuracy difference per seed {np.round(d, 4).tolist()}")

if __name__ == '__main__': main()
