#!/usr/bin/env python3
"""End-to-end SAC on Gymnasium's Pendulum-v1 in PyTorch, single file in the style of CleanRL's
sac_continuous_action.py, with the settings `varl train --algo sac --env Pendulum-v1` uses:
SAC_DEFAULTS of algorithms/sac.ts under the Pendulum-v1 preset (RL Zoo: learning rate 1e-3,
learning starts 100) and the CLI's evaluation schedule. The peer of bench/e2e-sac.ts.

Settings (varl's name in brackets):
  networks   actor: 3→256→256 ReLU, heads mean and log σ (log σ clamped to [−20, 2]) [logStdBounds 'clamp'];
             critics: twin 4→256→256→1 ReLU with Polyak targets; PyTorch's default init (varl's too)
  optimiser  Adam 1e-3 for actor, critics and log α [learningRate 1e-3, criticLearningRate = alphaLearningRate = null]
  batch 256, buffer 1e6, learning starts 100, γ 0.99, τ 0.005, one update per env step
             (trainFrequency 1, gradientSteps 1, actorUpdateInterval 1, targetUpdateInterval 1)
  policy     a = tanh(u), u ~ N(μ, σ²); log π with the exact correction log(1 − tanh²u) = 2(log 2 − u − softplus(−2u))
             [squashCorrection 'exact'], in the units of the [−1, 1] box [entropyUnits 'normalized'];
             env action = 2a (Pendulum's torque box is [−2, 2])
  α          learned, log α = 0 at the start, loss −mean(log α · (log π + H̄)), H̄ = −|A| = −1 [alphaLoss 'logAlpha']
  actor loss mean(α log π − min(Q₁, Q₂)) [actorQReduction 'min']
  warm-up    uniform actions on [−1, 1] for the first 100 steps; an update after every env step from step 100 on
  episodes   200 steps (TimeLimit); truncation bootstraps from s' (only `terminated` cuts the target);
             only the first reset is seeded
  evaluation every 1000 env steps: the deterministic policy tanh(μ(s)) for --eval-episodes episodes on
             a separate env, episode i reset with seed (seed + 1 000 000 + i); the last one is the final return

Gymnasium is imported as installed, else from $VARL_GYMNASIUM_SRC (a folder holding the `gymnasium/`
package, e.g. a clone of Farama-Foundation/Gymnasium), else from bench/peers/gymnasium-src
(bench/peers/install.sh). It needs NumPy only.

Usage: /usr/bin/python3 bench/peers/sac_pendulum_cleanrl.py --steps 20000 --seed 0 --threads 1
Prints one JSON line at the end: steps, seconds, final evaluation, versions.
"""
import argparse
import json
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000, help="total env steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--eval-every", type=int, default=1000, help="env steps between evaluations (0: only at the end)")
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--env-id", default="Pendulum-v1")
    parser.add_argument("--buffer-size", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--learning-starts", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="actor, critics and log α")
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--tau", type=float, default=0.005)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--check", action="store_true", help="only import Gymnasium, NumPy and PyTorch and print their versions")
    return parser.parse_args()


args = parse_args()
# Thread counts are read when the native libraries load, so they are set before the imports.
os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
os.environ.setdefault("MKL_NUM_THREADS", str(args.threads))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))


from gymnasium_source import import_gymnasium  # noqa: E402

gym = import_gymnasium("sac_pendulum_cleanrl.py")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

if args.check:
    print(json.dumps({"torch": torch.__version__, "numpy": np.__version__, "gymnasium": gym.__version__, "gymnasium_path": gym.__file__}))
    sys.exit(0)

LOG_STD_MIN, LOG_STD_MAX = -20.0, 2.0
LOG_2 = float(np.log(2.0))
HALF_LOG_2PI = float(0.5 * np.log(2.0 * np.pi))


def mlp(sizes, last_activation=False):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 or last_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class SoftQNetwork(nn.Module):
    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.net = mlp([obs_dim + act_dim, hidden, hidden, 1])

    def forward(self, obs, act):
        return self.net(torch.cat([obs, act], dim=-1)).squeeze(-1)


class Actor(nn.Module):
    """Squashed Gaussian policy on the [−1, 1] box."""

    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.trunk = mlp([obs_dim, hidden, hidden], last_activation=True)
        self.mean = nn.Linear(hidden, act_dim)
        self.log_std = nn.Linear(hidden, act_dim)

    def forward(self, obs):
        h = self.trunk(obs)
        return self.mean(h), self.log_std(h).clamp(LOG_STD_MIN, LOG_STD_MAX)

    def sample(self, obs):
        """a = tanh(μ + σε) and log π(a|s) with the exact tanh correction, shapes [B, A] and [B]."""
        mean, log_std = self(obs)
        noise = torch.randn_like(mean)
        pre_tanh = mean + log_std.exp() * noise
        log_gaussian = -0.5 * noise.pow(2) - log_std - HALF_LOG_2PI
        log_det_tanh = 2.0 * (LOG_2 - pre_tanh - F.softplus(-2.0 * pre_tanh))
        return torch.tanh(pre_tanh), (log_gaussian - log_det_tanh).sum(-1)

    def deterministic(self, obs):
        return torch.tanh(self(obs)[0])


class ReplayBuffer:
    """Preallocated ring buffer of (s, a, r, s', terminated); actions on the [−1, 1] box."""

    def __init__(self, capacity, obs_dim, act_dim, rng):
        self.capacity, self.size, self.next = capacity, 0, 0
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros((capacity, act_dim), np.float32)
        self.rewards = np.zeros(capacity, np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.not_terminated = np.zeros(capacity, np.float32)
        self.rng = rng

    def add(self, obs, action, reward, next_obs, terminated):
        i = self.next
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.not_terminated[i] = next_obs, 0.0 if terminated else 1.0
        self.next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        idx = self.rng.integers(0, self.size, batch_size)
        return tuple(torch.from_numpy(x[idx]) for x in (self.obs, self.actions, self.rewards, self.next_obs, self.not_terminated))


def evaluate(actor, env, episodes, seed, to_env):
    returns = []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            with torch.no_grad():
                action = actor.deterministic(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0))[0].numpy()
            obs, reward, terminated, truncated, _ = env.step(to_env(action))
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns)), float(np.std(returns))


def main():
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()

    env = gym.make(args.env_id)
    eval_env = gym.make(args.env_id)
    obs_dim = env.observation_space.shape[0]
    act_dim = env.action_space.shape[0]
    low, high = env.action_space.low.astype(np.float32), env.action_space.high.astype(np.float32)
    center, half_width = (high + low) / 2, (high - low) / 2

    def to_env(action):
        return center + half_width * action

    actor = Actor(obs_dim, act_dim, args.hidden)
    qf1, qf2 = SoftQNetwork(obs_dim, act_dim, args.hidden), SoftQNetwork(obs_dim, act_dim, args.hidden)
    qf1_target, qf2_target = SoftQNetwork(obs_dim, act_dim, args.hidden), SoftQNetwork(obs_dim, act_dim, args.hidden)
    qf1_target.load_state_dict(qf1.state_dict())
    qf2_target.load_state_dict(qf2.state_dict())
    for p in list(qf1_target.parameters()) + list(qf2_target.parameters()):
        p.requires_grad_(False)
    q_params = list(qf1.parameters()) + list(qf2.parameters())
    q_target_params = list(qf1_target.parameters()) + list(qf2_target.parameters())
    q_optimizer = torch.optim.Adam(q_params, lr=args.learning_rate)
    actor_optimizer = torch.optim.Adam(actor.parameters(), lr=args.learning_rate)
    target_entropy = -float(act_dim)
    log_alpha = torch.zeros(1, requires_grad=True)
    alpha_optimizer = torch.optim.Adam([log_alpha], lr=args.learning_rate)

    rb = ReplayBuffer(args.buffer_size, obs_dim, act_dim, rng)
    eval_seed = args.seed + 1_000_000
    evaluations = []
    episode_returns = []
    episode_return = 0.0
    obs, _ = env.reset(seed=args.seed)
    for global_step in range(1, args.steps + 1):
        if global_step <= args.learning_starts:
            action = rng.uniform(-1.0, 1.0, act_dim).astype(np.float32)
        else:
            with torch.no_grad():
                action = actor.sample(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0))[0][0].numpy()
        next_obs, reward, terminated, truncated, _ = env.step(to_env(action))
        episode_return += float(reward)
        rb.add(obs, action, reward, next_obs, terminated)
        obs = next_obs
        if terminated or truncated:
            episode_returns.append(episode_return)
            episode_return = 0.0
            obs, _ = env.reset()

        if global_step >= args.learning_starts:
            observations, actions, rewards, next_observations, not_terminated = rb.sample(args.batch_size)
            alpha = log_alpha.detach().exp()
            # Soft Q target: y = r + γ(1 − d)(min_j Q̄_j(s', a') − α log π(a'|s')), a' ~ π(·|s').
            with torch.no_grad():
                next_actions, next_log_pi = actor.sample(next_observations)
                min_q_next = torch.min(qf1_target(next_observations, next_actions), qf2_target(next_observations, next_actions))
                target = rewards + args.gamma * not_terminated * (min_q_next - alpha * next_log_pi)
            # Critic loss: ½ mean (Q_j(s, a) − y)² for each twin.
            qf_loss = 0.5 * F.mse_loss(qf1(observations, actions), target) + 0.5 * F.mse_loss(qf2(observations, actions), target)
            q_optimizer.zero_grad(set_to_none=True)
            qf_loss.backward()
            q_optimizer.step()

            # Actor loss: mean(α log π(ã|s) − min_j Q_j(s, ã)), the critics held fixed.
            for p in q_params:
                p.requires_grad_(False)
            pi, log_pi = actor.sample(observations)
            actor_loss = (alpha * log_pi - torch.min(qf1(observations, pi), qf2(observations, pi))).mean()
            actor_optimizer.zero_grad(set_to_none=True)
            actor_loss.backward()
            actor_optimizer.step()
            for p in q_params:
                p.requires_grad_(True)

            # Temperature: −mean(log α · (log π + H̄)), the gradient through log α only.
            alpha_loss = -(log_alpha * (log_pi.detach() + target_entropy)).mean()
            alpha_optimizer.zero_grad(set_to_none=True)
            alpha_loss.backward()
            alpha_optimizer.step()

            # Targets: θ̄ ← (1 − τ)θ̄ + τθ.
            with torch.no_grad():
                torch._foreach_mul_(q_target_params, 1.0 - args.tau)
                torch._foreach_add_(q_target_params, q_params, alpha=args.tau)

        if (args.eval_every > 0 and global_step % args.eval_every == 0) or (global_step == args.steps and not evaluations):
            mean, std = evaluate(actor, eval_env, args.eval_episodes, eval_seed, to_env)
            evaluations.append({"step": global_step, "mean": mean, "std": std})

    seconds = time.perf_counter() - start
    final = evaluations[-1]
    print(json.dumps({
        "peer": "pytorch-cleanrl-sac",
        "env": args.env_id,
        "steps": args.steps,
        "seed": args.seed,
        "threads": torch.get_num_threads(),
        "seconds": seconds,
        "steps_per_s": args.steps / seconds,
        "final_eval_step": final["step"],
        "final_return_mean": final["mean"],
        "final_return_std": final["std"],
        "eval_episodes": args.eval_episodes,
        "episodes": len(episode_returns),
        "alpha": float(log_alpha.exp()),
        "evaluations": evaluations,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "gymnasium": gym.__version__,
    }))


if __name__ == "__main__":
    main()
