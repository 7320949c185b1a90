"""Peak memory and time of one contrastive training step (forward, LaCViT loss, backward) for a batch of 1,024 images
with 2 views each (2,048 views), computed at once and with gradient caching (`lacvit.gradcache.chunked_forward`,
chunks of 64 views), measured side by side in one run.

    python benchmarks/bench_scale.py                 # 1,024 images x 2 views, chunks of 64 views, micro ViT
    python benchmarks/bench_scale.py --quick         # smoke run: 256 images, 2 timed steps
    python benchmarks/bench_scale.py --arch small    # the dim-192 depth-6 ViT instead of the micro ViT (slow on CPU)

Model: timm VisionTransformer at 32 px, patch 4 ('micro': dim 64, depth 2, 2 heads; 'small': dim 192, depth 6,
3 heads), drop-path 0.1, train mode, followed by a Linear-ReLU-Linear projection to 128 and L2 normalisation; loss
`LaCViTLoss(0.1, 0.07)` with labels from 100 classes. Every case runs in a fresh subprocess. Memory: the growth of
the peak resident set size (`resource.getrusage(RUSAGE_SELF).ru_maxrss`) during the first full step over its value
just before it (model, data and a warm-up step on 64 views already done). Time: median of the following steps.
Children run with OMP_WAIT_POLICY=PASSIVE (unless it is set already): when other processes compete for the cores,
OpenMP threads that spin while waiting make every small parallel region fight them, which slowed the chunked step
(many smaller regions) up to 4x in a way unrelated to the method; without competition the setting changes little.
Each case runs `--repeats` times, alternating, and the smallest time and peak are kept (other processes on the
machine only ever add to them). Goals: peak memory with chunks at most 1/4 of the whole-batch peak, time at most 1.5x.
Besides the printed table, the results go to `benchmarks/results/bench_scale.json` (`--out`).
"""
import argparse, json, os, resource, statistics, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ARCHS = {'micro': dict(embed_dim=64, depth=2, num_heads=2), 'small': dict(embed_dim=192, depth=6, num_heads=3)}


def child(mode, n_images, n_views, chunk, arch, steps, threads):
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    import torch, torch.nn as nn, torch.nn.functional as F
    from timm.models.vision_transformer import VisionTransformer
    from lacvit.losses import LaCViTLoss
    from lacvit.gradcache import chunked_forward
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = ARCHS[arch]
    enc = VisionTransformer(img_size=32, patch_size=4, num_classes=0, drop_path_rate=0.1, **cfg)
    d = cfg['embed_dim']
    model = nn.Sequential(enc, nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 128)).train()
    crit = LaCViTLoss(0.1, 0.07)
    x = torch.rand(n_images * n_views, 3, 32, 32)        # views, sample-major, as the contrastive callback makes them
    y = torch.randint(0, 100, (n_images,))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    k = chunk if mode == 'chunked' else None

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        z = F.normalize(chunked_forward(model, xb, k), dim=-1).view(len(yb), n_views, -1)
        loss = crit(z, yb)
        loss.backward()
        opt.step()
        return loss.item()

    step(x[:64], y[:64 // n_views])                      # warm-up: kernels, allocator, optimiser state
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter(); step(x, y); first = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(steps):
        t0 = time.perf_counter(); step(x, y); times.append(time.perf_counter() - t0)
    return dict(mode=mode, peak_mib=(peak - base) / 1024, step_s=statistics.median(times) if times else first,
                first_s=first)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--images', type=int, default=1024)
    p.add_argument('--views', type=int, default=2)
    p.add_argument('--chunk', type=int, default=64, help='views per chunk')
    p.add_argument('--arch', choices=list(ARCHS), default='micro')
    p.add_argument('--steps', type=int, default=3, help='timed steps after the first one')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--repeats', type=int, default=2, help='fresh processes per case, alternating; the best is kept')
    p.add_argument('--quick', action='store_true', help='smoke run: 256 images, 2 timed steps, 1 repeat')
    p.add_argument('--out', default=None, help='JSON results file (default: benchmarks/results/bench_scale.json)')
    p.add_argument('--child', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.quick: a.images, a.steps, a.repeats = 256, 2, 1
    if a.child:
        print(json.dumps(child(a.child, a.images, a.views, a.chunk, a.arch, a.steps, a.threads)))
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get('PYTHONPATH', '')]),
               OMP_NUM_THREADS=str(a.threads), OMP_WAIT_POLICY=os.environ.get('OMP_WAIT_POLICY', 'PASSIVE'))
    print(f"{a.images} images x {a.views} views = {a.images * a.views} views, {a.arch} ViT at 32 px, "
          f"chunks of {a.chunk} views, {a.threads} threads, OMP_WAIT_POLICY={env['OMP_WAIT_POLICY']}")
    runs = {'full': [], 'chunked': []}
    for mode in [m for _ in range(a.repeats) for m in ('full', 'chunked')]:
        out = subprocess.run([sys.executable, __file__, '--child', mode, '--images', str(a.images), '--views', str(a.views),
                              '--chunk', str(a.chunk), '--arch', a.arch, '--steps', str(a.steps), '--threads', str(a.threads)],
                             env=env, capture_output=True, text=True)
        if out.returncode: sys.exit(f"{mode} failed:\n{out.stderr[-3000:]}")
        runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    res = {m: dict(peak_mib=min(r['peak_mib'] for r in rs), step_s=min(r['step_s'] for r in rs)) for m, rs in runs.items()}
    for m, rs in runs.items():
        print(f"  {m}: peaks {[round(r['peak_mib']) for r in rs]} MiB, times {[round(r['step_s'], 2) for r in rs]} s")
    print(f"{'':28s} {'peak memory':>12s} {'time/step':>10s}")
    for mode, name in (('full', 'whole batch at once'), ('chunked', f'chunks of {a.chunk} (grad cache)')):
        r = res[mode]
        print(f"{name:28s} {r['peak_mib']:9.0f} MiB {r['step_s']:9.2f} s")
    mem = res['chunked']['peak_mib'] / res['full']['peak_mib']
    tim = res['chunked']['step_s'] / res['full']['step_s']
    print(f"ratio chunked/full: memory {mem:.3f} (goal <= 0.25: {'met' if mem <= 0.25 else 'NOT met'}), "
          f"time {tim:.2f}x (goal <= 1.5: {'met' if tim <= 1.5 else 'NOT met'})")
    import _report
    cfg = ARCHS[a.arch]
    _report.write(a.out or _report.default_out(__file__), __file__, a.threads, quick=a.quick,
                  setup=(f"one contrastive training step (forward, LaCViT loss, backward, SGD step) on {a.images:,} images x "
                         f"{a.views} views = {a.images * a.views:,} views of 32 px through the {a.arch} ViT (dim "
                         f"{cfg['embed_dim']}, depth {cfg['depth']}) and a projection to 128, whole batch at once and in "
                         f"chunks of {a.chunk} views (gradient caching); memory = growth of the peak resident memory during "
                         f"the first step, time = median of the {a.steps} steps after it; best of {a.repeats} fresh "
                         f"processes per case"),
                  rows=[dict(mode='whole batch at once', **res['full']),
                        dict(mode=f'chunks of {a.chunk} views (gradient caching)', **res['chunked'])],
                  runs=runs, ratios=dict(memory_chunked_over_full=mem, time_chunked_over_full=tim),
                  goal="chunked peak memory <= 0.25x the whole batch's, chunked time <= 1.5x",
                  goal_met=bool(mem <= 0.25 and tim <= 1.5), goal_memory_met=bool(mem <= 0.25), goal_time_met=bool(tim <= 1.5),
                  summary=(f"Chunks of {a.chunk} views need {mem:.3f}x the memory of the whole batch at {tim:.2f}x its "
                           f"time (goals <= 0.25x and <= 1.5x: {'met' if mem <= 0.25 and tim <= 1.5 else 'NOT met'})."),
                  images=a.images, views=a.views, chunk=a.chunk, arch=a.arch,
                  omp_wait_policy=env['OMP_WAIT_POLICY'])


if __name__ == '__main__':
    main()
