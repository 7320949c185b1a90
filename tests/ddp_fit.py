"""Fit small LaCViT learners in every process a launcher starts, and save what each process saw.

    torchrun --standalone --nproc-per-node 2 tests/ddp_fit.py OUT lacvit 'simclr, sgd head' ce
    accelerate launch --multi_gpu --num_processes 2 tests/ddp_fit.py OUT ce

Each FIT is one of `lacvit.test_utils.DDP_FITS`, run by `lacvit.test_utils.run_ddp_fits` (the learner, the fits and
what is recorded are documented there): inside fastai's `distrib_ctx` when a launcher started several processes, in
one process without a launcher. `FIT:VARIANT` runs it with one piece of the multi-process path taken away
(`DDP_VARIANTS`; the tests show that they then fail). Process r writes OUT/<fit>.rank<r>.pt; rank 0 prints one line
per fit. `--kill FIT STAGE EPOCH` makes rank 0 kill itself after that epoch of that stage of FIT (the launcher then
stops the other processes); the same command with `--resume` goes on from FIT's checkpoints in OUT.
"""
import argparse, os, warnings
import torch

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', help='folder for checkpoints, exports and results')
    p.add_argument('fits', nargs='+', metavar='FIT[:VARIANT]', help='fits of DDP_FITS, optionally without a piece of DDP_VARIANTS')
    p.add_argument('--kill', nargs=3, metavar=('FIT', 'STAGE', 'EPOCH'), help='rank 0 kills itself there')
    p.add_argument('--resume', action='store_true', help="resume each fit from its checkpoints in OUT")
    args = p.parse_args()
    warnings.simplefilter('ignore')
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', 1)))
    from lacvit.test_utils import run_ddp_fits
    run_ddp_fits(args.out, args.fits, args.kill, args.resume)
