#!/usr/bin/env python3
"""PyTorch CPU peer of bench/sac-update.bench.ts: the same SAC update, timed on one thread (or --threads N).

One update = sample a minibatch from a replay buffer of random transitions, then
  critic:  y = r + γ(1−d)(min_j Q̄_j(s', a') − α log π(a'|s')),  a' ~ π(s')   (no grad)
           L_Q = ½ mean (Q₁(s,a) − y)² + ½ mean (Q₂(s,a) − y)²,  Adam step
  actor:   L_π = mean(α log π(ã|s) − min_j Q_j(s, ã)),  ã = tanh(μ + σ ε)    (critics frozen)
  α:       L_α = −mean(log α · stopgrad(log π + H̄)),  H̄ = −|A|
  targets: θ̄ ← (1 − τ) θ̄ + τ θ
as in varl's algorithms/sac.ts with its defaults (log-std clamped to [−20, 2], exact tanh
correction 2(log 2 − u − softplus(−2u)), min of the Qs, the log-α loss).

Usage: /usr/bin/python3 bench/peers/sac_update_torch.py [--updates 300] [--batch 256] [--hidden 256] [--threads 1]
Prints one JSON line: {"updates_per_s": …, "ms_per_update": …, "torch": version, "threads": 1, …}.
--threads sets torch's intra-op threads and OMP/OpenBLAS threads (a threaded OpenBLAS, such as
Debian's libopenblas0-pthread, is needed for its GEMMs to use them).
"""
import argparse
import json
import math
import os
import time

import sys  # noqa: E402

# the thread count must be in the environment before torch (and its BLAS) load
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(variable, str(THREADS))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(THREADS)


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.trunk = nn.Sequential(mlp([obs_dim, hidden, hidden]), nn.ReLU())
        self.mean = nn.Linear(hidden, act_dim)
        self.log_std = nn.Linear(hidden, act_dim)

    def sample(self, obs):
        h = self.trunk(obs)
        mean = self.mean(h)
        log_std = self.log_std(h).clamp(-20.0, 2.0)
        std = log_std.exp()
        eps = torch.randn_like(mean)
        u = mean + std * eps
        action = torch.tanh(u)
        log_normal = -0.5 * eps.pow(2) - log_std - 0.5 * math.log(2 * math.pi)
        log_det = 2.0 * (math.log(2.0) - u - F.softplus(-2.0 * u))
        log_prob = (log_normal - log_det).sum(-1)
        return action, log_prob


class Critic(nn.Module):
    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.net = mlp([obs_dim + act_dim, hidden, hidden, 1])

    def forward(self, obs, act):
        return self.net(torch.cat([obs, act], dim=-1)).squeeze(-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--obs", type=int, default=3)
    parser.add_argument("--act", type=int, default=1)
    parser.add_argument("--buffer", type=int, default=20000)
    args = parser.parse_args()
    torch.manual_seed(0)
    obs_dim, act_dim, hidden, batch = args.obs, args.act, args.hidden, args.batch
    gamma, tau, lr = 0.99, 0.005, 3e-4
    target_entropy = -float(act_dim)

    actor = Actor(obs_dim, act_dim, hidden)
    q1, q2 = Critic(obs_dim, act_dim, hidden), Critic(obs_dim, act_dim, hidden)
    q1_t, q2_t = Critic(obs_dim, act_dim, hidden), Critic(obs_dim, act_dim, hidden)
    q1_t.load_state_dict(q1.state_dict())
    q2_t.load_state_dict(q2.state_dict())
    for p in list(q1_t.parameters()) + list(q2_t.parameters()):
        p.requires_grad_(False)
    critic_params = list(q1.parameters()) + list(q2.parameters())
    target_params = list(q1_t.parameters()) + list(q2_t.parameters())
    log_alpha = torch.zeros(1, requires_grad=True)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=lr)
    critic_opt = torch.optim.Adam(critic_params, lr=lr)
    alpha_opt = torch.optim.Adam([log_alpha], lr=lr)

    n = args.buffer
    buf_obs = torch.rand(n, obs_dim) * 2 - 1
    buf_act = torch.rand(n, act_dim) * 2 - 1
    buf_rew = torch.rand(n) * -16
    buf_next = torch.rand(n, obs_dim) * 2 - 1
    buf_not_done = torch.ones(n)

    def update():
        idx = torch.randint(0, n, (batch,))
        s, a, r, s2, nd = buf_obs[idx], buf_act[idx], buf_rew[idx], buf_next[idx], buf_not_done[idx]
        alpha = log_alpha.detach().exp()
        with torch.no_grad():
            a2, logp2 = actor.sample(s2)
            q_next = torch.min(q1_t(s2, a2), q2_t(s2, a2)) - alpha * logp2
            y = r + gamma * nd * q_next
        critic_loss = 0.5 * (q1(s, a) - y).pow(2).mean() + 0.5 * (q2(s, a) - y).pow(2).mean()
        critic_opt.zero_grad(set_to_none=True)
        critic_loss.backward()
        critic_opt.step()

        for p in critic_params:
            p.requires_grad_(False)
        a_pi, logp = actor.sample(s)
        actor_loss = (alpha * logp - torch.min(q1(s, a_pi), q2(s, a_pi))).mean()
        actor_opt.zero_grad(set_to_none=True)
        actor_loss.backward()
        actor_opt.step()
        for p in critic_params:
            p.requires_grad_(True)

        alpha_loss = -(log_alpha * (logp.detach() + target_entropy)).mean()
        alpha_opt.zero_grad(set_to_none=True)
        alpha_loss.backward()
        alpha_opt.step()

        with torch.no_grad():
            torch._foreach_mul_(target_params, 1 - tau)
            torch._foreach_add_(target_params, critic_params, alpha=tau)
        return critic_loss.item()

    for _ in range(args.warmup):
        update()
    start = time.perf_counter()
    for _ in range(args.updates):
        update()
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "peer": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": batch,
        "hidden": [hidden, hidden],
        "obs": obs_dim,
        "act": act_dim,
        "updates": args.updates,
        "seconds": elapsed,
        "updates_per_s": args.updates / elapsed,
        "ms_per_update": 1000 * elapsed / args.updates,
    }))


if __name__ == "__main__":
    main()
