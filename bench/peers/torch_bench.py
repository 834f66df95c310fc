#!/usr/bin/env python3
"""PyTorch CPU peer of `npm run bench` (bench/index.ts): the same workloads, one thread.

Workloads (as bench/workloads.ts):
  gemm-<n>-<nn|nt|tn>   C = A·B, A·Bᵀ, Aᵀ·B on n×n float32 matrices
  qnet-train-step       Q-net 64→256→256→1 ReLU, batch 256: forward, MSE, backward, Adam(lr 1e-3)
  qnet-grad-x           ∇ₓ Σ_b Q(x_b)
  qnet-grad-theta-grad-x-sq   ∇θ ‖∇ₓQ‖² (create_graph=True)
  elementwise-<op>-64k  add, relu, tanh, exp on a [256, 256] tensor

Usage: /usr/bin/python3 bench/peers/torch_bench.py [--time 1.0] [--only REGEX] [--engine NAME]
Prints one JSON array of {"workload", "engine", "medianMs", "gflops"?, "blas"}.
"""
import argparse
import json
import os
import re
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(1)


def median_ms(fn, budget_s, min_runs=3, max_runs=10000):
    """Median wall time of fn() in ms: warm up for a fifth of the budget, then sample for the rest."""
    end = time.perf_counter() + budget_s / 5
    fn()
    while time.perf_counter() < end:
        fn()
    samples = []
    end = time.perf_counter() + budget_s
    while (len(samples) < min_runs or time.perf_counter() < end) and len(samples) < max_runs:
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples)


def gemm(n, layout):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    if layout == "nn":
        return lambda: torch.mm(a, b)
    if layout == "nt":
        return lambda: torch.mm(a, b.t())
    return lambda: torch.mm(a.t(), b)


def qnet():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 1),
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(256, 64)
    y = torch.randn(256, 1)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()

    def grad_x():
        xx = x.detach().requires_grad_()
        (g,) = torch.autograd.grad(net(xx).sum(), xx)
        return g

    def second_order():
        xx = x.detach().requires_grad_()
        (g,) = torch.autograd.grad(net(xx).sum(), xx, create_graph=True)
        return torch.autograd.grad(g.square().sum(), list(net.parameters()), allow_unused=True)

    return {"qnet-train-step": train_step, "qnet-grad-x": grad_x, "qnet-grad-theta-grad-x-sq": second_order}


def elementwise(op):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(256, 256, generator=g)
    b = torch.randn(256, 256, generator=g)
    return {"add": lambda: a + b, "relu": lambda: torch.relu(a), "tanh": lambda: torch.tanh(a), "exp": lambda: torch.exp(a)}[op]


def blas_library():
    """The BLAS that libblas.so.3 resolves to in this process (from /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return ", ".join(sorted(os.path.basename(l) for l in libs)) or "unknown"
    except OSError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--time", type=float, default=1.0, help="seconds of sampling per workload")
    parser.add_argument("--only", default="", help="regular expression on workload names")
    parser.add_argument("--engine", default="pytorch")
    parser.add_argument("--gemm-sizes", default="64,256,512,1024")
    args = parser.parse_args()

    tasks = []
    for n in [int(s) for s in args.gemm_sizes.split(",") if s]:
        for layout in ("nn", "nt", "tn"):
            tasks.append((f"gemm-{n}-{layout}", gemm(n, layout), 2 * n ** 3))
    flops = 2 * 256 * (64 * 256 + 256 * 256 + 256) * 2 + 2 * 256 * (256 * 256 + 256)
    for name, fn in qnet().items():
        tasks.append((name, fn, flops if name == "qnet-train-step" else None))
    for op in ("add", "relu", "tanh", "exp"):
        tasks.append((f"elementwise-{op}-64k", elementwise(op), None))

    only = re.compile(args.only) if args.only else None
    records = []
    for name, fn, flop_count in tasks:
        if only and not only.search(name):
            continue
        ms = median_ms(fn, args.time)
        record = {"workload": name, "engine": args.engine, "medianMs": ms}
        if flop_count:
            record["gflops"] = flop_count / (ms * 1e6)
        records.append(record)
    blas = blas_library()
    for r in records:
        r["blas"] = blas
        r["torch"] = torch.__version__
    print(json.dumps(records))


if __name__ == "__main__":
    main()
