#!/usr/bin/env python3
"""PyTorch CPU peer of bench/hvp.bench.ts: the Fisher-vector product TRPO's conjugate gradient calls,
a Hessian-vector product of the mean KL of a Gaussian policy, timed on one thread (or --threads N).

Policy: MLP 3 → 64 → 64 → 1 with tanh (PyTorch's default init), a state-independent log σ (zeros);
2048 random states. KL(π_old ‖ π) with π_old the detached current policy, averaged over the states.
The graph of ∇KL is built once (create_graph); each product is ∇(∇KL · v) + damping · v, as in
varl's algorithms/policy-gradient/natural-gradient.ts.

Usage: /usr/bin/python3 bench/peers/fvp_torch.py [--calls 200] [--warmup 20] [--states 2048] [--threads 1]
Prints one JSON line: {"ms_per_call": …, "torch": version, "threads": …}.
"""
import json
import os
import sys
import time

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(variable, str(THREADS))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

torch.set_num_threads(THREADS)


def option(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main():
    calls, warmup, states_n = option("--calls", 200), option("--warmup", 20), option("--states", 2048)
    torch.manual_seed(0)
    mean_net = nn.Sequential(nn.Linear(3, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    log_std = nn.Parameter(torch.zeros(1))
    params = list(mean_net.parameters()) + [log_std]
    states = torch.randn(states_n, 3)
    mu = mean_net(states)
    old_mu, old_log_std = mu.detach(), log_std.detach()
    # KL(N(μ₀, σ₀²) ‖ N(μ, σ²)) per action dimension, summed over it, averaged over the states
    kl = (log_std - old_log_std + (torch.exp(2 * old_log_std) + (old_mu - mu) ** 2) / (2 * torch.exp(2 * log_std)) - 0.5).sum(-1).mean()
    grads = torch.autograd.grad(kl, params, create_graph=True)
    flat = torch.cat([g.reshape(-1) for g in grads])
    v = torch.sin(torch.arange(flat.numel(), dtype=torch.float32))
    damping = 0.1

    def product():
        hv = torch.autograd.grad((flat * v).sum(), params, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]) + damping * v

    for _ in range(warmup):
        product()
    start = time.perf_counter()
    for _ in range(calls):
        product()
    elapsed = time.perf_counter() - start
    print(json.dumps({"ms_per_call": 1000 * elapsed / calls, "calls": calls, "states": states_n,
                      "parameters": flat.numel(), "torch": torch.__version__, "threads": THREADS}))


if __name__ == "__main__":
    main()
