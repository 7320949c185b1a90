"""Forward+backward time and peak extra memory of `lacvit.losses.LaCViTLoss` against a straightforward
SupContrast-style formulation and pytorch-metric-learning's `SupConLoss`, measured side by side in one run.

    python benchmarks/bench_loss.py            # 512 ... 8192 views, dim 128, 2 views per image, 100 classes
    python benchmarks/bench_loss.py --quick    # smoke run: 512 and 1024 views, 2 repeats

Besides the printed table, the results go to `benchmarks/results/bench_loss.json` (`--out`).

Memory: every (size, implementation) case runs in a fresh subprocess; it is the peak resident set size during the
first forward+backward minus the resident size just before it (inputs already built, kernels warmed up on a small
batch, the kernel's peak counter reset through /proc/self/clear_refs; where that is not possible, ru_maxrss is used).
Time: per size, one subprocess warms every implementation up and then calls them round-robin (ours, naive, pml,
ours, ...), so load from other processes hits all of them alike; the table gives the median per implementation.
"""
import argparse, json, os, resource, statistics, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

IMPLS = ('ours', 'naive', 'pml')


def naive_supcon(features, labels, temperature=0.1, base_temperature=0.07):
    "Straightforward vectorised SupCon L_out (the SupContrast / authors' formulation, anchors without positive skipped)."
    import torch
    B, V, D = features.shape
    contrast = torch.cat(torch.unbind(features, dim=1), dim=0)                     # [V*B, D], view-major
    logits = contrast @ contrast.T / temperature
    logits = logits - logits.max(dim=1, keepdim=True).values.detach()
    mask = (labels[:, None] == labels[None]).float().repeat(V, V)                   # tiled positive mask
    n = V * B
    logits_mask = torch.ones_like(mask).scatter_(1, torch.arange(n).view(-1, 1), 0)  # all but self
    mask = mask * logits_mask
    exp_logits = torch.exp(logits) * logits_mask
    log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
    npos = mask.sum(1)
    mean_log_prob_pos = (mask * log_prob).sum(1) / npos.clamp(min=1)
    loss = -(temperature / base_temperature) * mean_log_prob_pos
    return loss[npos > 0].mean()


def _rss_kib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'): return int(line.split()[1])
    return None


def _hwm_kib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'): return int(line.split()[1])
    return None


def _reset_peak():
    "Reset the kernel's peak-RSS counter to the current RSS; False where that is not possible."
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')
        return True
    except OSError:
        return False


def _setup(impl, tau, base):
    "The loss call `fn(features, labels)` of one implementation."
    import torch
    if impl == 'ours':
        from lacvit.losses import LaCViTLoss
        lf = LaCViTLoss(tau, base)
        return lambda f, y: lf(f, y)
    if impl == 'naive':
        return lambda f, y: naive_supcon(f, y, tau, base)
    from pytorch_metric_learning.losses import SupConLoss
    pml = SupConLoss(temperature=tau)
    scale = tau / base                                               # pml has no tau/tau_base factor
    return lambda f, y: pml(torch.cat(torch.unbind(f, 1)), y.repeat(f.shape[1])) * scale


def _make(n, dim, n_classes, seed):
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(seed)
    B = n // 2
    f = F.normalize(torch.randn(B, 2, dim, generator=g), dim=-1).requires_grad_()
    return f, torch.randint(0, n_classes, (B,), generator=g)


def _step(fn, f, y):
    f.grad = None
    loss = fn(f, y)
    loss.backward()
    return loss.item()


def child_mem(impl, n, dim, n_classes, threads, tau=0.1, base=0.07):
    "Peak extra RSS of the first forward+backward at `n` views, in a fresh process."
    import gc, torch
    torch.set_num_threads(threads)
    fn = _setup(impl, tau, base)
    _step(fn, *_make(256, dim, n_classes, 1))                        # load kernels, thread pools, allocator
    f, y = _make(n, dim, n_classes, 0)
    gc.collect()
    exact = _reset_peak()
    before = _rss_kib() if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    value = _step(fn, f, y)
    after = _hwm_kib() if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return dict(impl=impl, n=n, mem_mib=max(after - before, 0) / 1024, exact_peak=exact, loss=value)


def child_time(impls, n, dim, n_classes, threads, repeats, max_seconds, tau=0.1, base=0.07):
    "Median forward+backward time of each implementation, calls interleaved round-robin in one process."
    import torch
    torch.set_num_threads(threads)
    fns = {i: _setup(i, tau, base) for i in impls}
    f, y = _make(n, dim, n_classes, 0)
    for fn in fns.values(): _step(fn, f, y)                          # warm-up at this size
    times, start = {i: [] for i in impls}, time.perf_counter()
    for r in range(repeats):
        for i, fn in fns.items():
            t0 = time.perf_counter(); _step(fn, f, y); times[i].append(time.perf_counter() - t0)
        if r >= 2 and time.perf_counter() - start > max_seconds: break
    return {i: dict(time=statistics.median(t), min=min(t), n_times=len(t)) for i, t in times.items()}


def _run_child(args, *child_args):
    cmd = [sys.executable, os.path.abspath(__file__), '--child', *map(str, child_args), '--dim', str(args.dim),
           '--classes', str(args.classes), '--repeats', str(args.repeats), '--threads', str(args.threads),
           '--max-seconds', str(args.max_seconds), '--impls', *args.impls]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env['PYTHONPATH'] = root + os.pathsep + env.get('PYTHONPATH', '')
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return dict(error=(out.stderr.strip().splitlines() or ['?'])[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', type=int, nargs='+', default=[512, 1024, 2048, 4096, 8192], help='numbers of views N')
    p.add_argument('--dim', type=int, default=128)
    p.add_argument('--classes', type=int, default=100)
    p.add_argument('--repeats', type=int, default=5, help='timed calls per case (median)')
    p.add_argument('--max-seconds', type=float, default=30., help='stop timing a case after this long (>= 2 calls)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--impls', nargs='+', default=list(IMPLS), choices=IMPLS)
    p.add_argument('--quick', action='store_true', help='smoke run: 512 and 1024 views, 2 repeats')
    p.add_argument('--out', default=None, help='JSON results file (default: benchmarks/results/bench_loss.json)')
    p.add_argument('--child', nargs=2, metavar=('WHAT', 'N'), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        what, n = args.child[0], int(args.child[1])
        if what == 'time':
            res = child_time(args.impls, n, args.dim, args.classes, args.threads, args.repeats, args.max_seconds)
        else:
            res = child_mem(what, n, args.dim, args.classes, args.threads)
        print(json.dumps(res))
        return
    if args.quick: args.sizes, args.repeats = [512, 1024], 2
    import torch
    load0 = os.getloadavg()
    print(f"torch {torch.__version__}, {args.threads} threads, dim {args.dim}, 2 views, {args.classes} classes; "
          f"time = median fwd+bwd, mem = peak extra RSS (MiB); one fp32 N x N matrix = 4 N^2 bytes")
    head = (f"{'N views':>8} {'NxN MiB':>8} | {'ours ms':>8} {'naive ms':>9} {'pml ms':>8} | "
            f"{'ours MiB':>9} {'naive MiB':>10} {'pml MiB':>8} | {'naive/ours':>10} {'pml/ours':>9} | "
            f"{'mem pml/ours':>12} {'mem naive/ours':>14}")
    print(head); print('-' * len(head))
    rows = []
    for n in args.sizes:
        r = {i: _run_child(args, i, n) for i in args.impls}             # memory: one fresh process per case
        t = _run_child(args, 'time', n)                                   # time: interleaved in one process
        for i in args.impls:
            r[i].update(t.get(i, {}) if 'error' not in t else {'error': t['error']})
        rows.append(r)
        for i, c in r.items():
            if 'error' in c: print(f"  {i} at N={n} failed: {c['error']}", file=sys.stderr)
        get = lambda i, k: r[i][k] if i in r and k in r[i] else float('nan')
        ratio = lambda a, b, k: get(a, k) / get(b, k) if get(b, k) > 0 else float('nan')
        print(f"{n:>8} {4 * n * n / 2**20:>8.0f} | {get('ours', 'time') * 1e3:>8.1f} {get('naive', 'time') * 1e3:>9.1f} "
              f"{get('pml', 'time') * 1e3:>8.1f} | {get('ours', 'mem_mib'):>9.0f} {get('naive', 'mem_mib'):>10.0f} "
              f"{get('pml', 'mem_mib'):>8.0f} | {ratio('naive', 'ours', 'time'):>10.2f} {ratio('pml', 'ours', 'time'):>9.2f} | "
              f"{ratio('pml', 'ours', 'mem_mib'):>12.1f} {ratio('naive', 'ours', 'mem_mib'):>14.1f}", flush=True)
        losses = [c['loss'] for c in r.values() if 'loss' in c]
        if len(losses) > 1 and max(losses) - min(losses) > 1e-4 * abs(max(losses)):
            print(f"  WARNING: the losses disagree at N={n}: " +
                  ', '.join(f"{i}={c['loss']:.6f}" for i, c in r.items() if 'loss' in c), file=sys.stderr)
    load1 = os.getloadavg()
    print(f"load average before / after: {load0[0]:.2f} / {load1[0]:.2f} on {os.cpu_count()} CPUs")
    exact = all(c.get('exact_peak', True) for r in rows for c in r.values())
    if not exact:
        print("note: /proc/self/clear_refs was not writable; memory is the ru_maxrss increase (a lower bound)")
    write_json(args, rows, exact, (load0[0], load1[0]))


def write_json(args, rows, exact, load):
    "The table, the ratios and the goal as `benchmarks/results/bench_loss.json`"
    import _report
    nan = float('nan')
    clean = lambda v: None if isinstance(v, float) and v != v else v   # NaN -> null in the JSON
    table, ratios, met = [], [], True
    for n, r in zip(args.sizes, rows):
        row = dict(n_views=n, nxn_mib=4 * n * n / 2**20)
        for i in args.impls:
            row[f'{i}_ms'] = r[i]['time'] * 1e3 if 'time' in r[i] else None
            row[f'{i}_mib'] = r[i].get('mem_mib')
            row[f'{i}_error'] = r[i].get('error')
        rat = dict(n_views=n)
        for i in args.impls:
            if i == 'ours': continue
            t = row[f'{i}_ms'] / row['ours_ms'] if row.get(f'{i}_ms') and row.get('ours_ms') else nan
            m = row[f'{i}_mib'] / row['ours_mib'] if row.get(f'{i}_mib') and row.get('ours_mib') else nan
            rat[f'time_{i}_over_ours'], rat[f'mem_{i}_over_ours'] = t, m
            met = met and t >= 1 and m >= 1                 # NaN (a failed case) fails the goal
        table.append(row); ratios.append({k: clean(v) for k, v in rat.items()})
    others = [i for i in args.impls if i != 'ours']
    goal = ("LaCViTLoss at least as fast as, and using no more memory than, " + ' and '.join(others) +
            " at every size (all ratios >= 1)")
    big = ratios[-1]
    fmt = lambda v, f: 'n/a' if v is None else format(v, f)
    summary = (f"At {big['n_views']:,} views ours is " +
               ', '.join(f"{fmt(big[f'time_{i}_over_ours'], '.2f')}x as fast as {i} and needs "
                         f"{fmt(big[f'mem_{i}_over_ours'], '.1f')}x less memory" for i in others) +
               f"; goal {'met' if met else 'NOT met'}.")
    print(summary)
    setup = (f"forward + backward of the loss on N views: N/2 images x 2 views, dim {args.dim}, {args.classes} classes; "
             f"time = median of up to {args.repeats} calls per implementation, interleaved in one process (ms); "
             f"memory = peak extra resident memory of the first call, one fresh process per case (MiB"
             + ("" if exact else ", ru_maxrss increase: a lower bound") + "); "
             "naive = SupContrast-style vectorised formulation, pml = pytorch-metric-learning's SupConLoss")
    _report.write(args.out or _report.default_out(__file__), __file__, args.threads, quick=args.quick, setup=setup,
                  rows=table, ratios=ratios, goal=goal, goal_met=met, summary=summary,
                  load_average_before_after=load, exact_peak=exact)


if __name__ == '__main__':
    main()
