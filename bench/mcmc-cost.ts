/**
 * Cost per update of the MCMC policies of seed 003 against SAC and TD3, at Pendulum sizes
 * (|S| = 3, |A| = 1, batch 256, 2×256 ReLU networks, the algorithms' other defaults), on one thread.
 * Each agent's buffer holds 20 000 random Pendulum-shaped transitions; after `--warmup` updates,
 * `--updates` updates are timed and ms/update is printed, with the ratio to SAC (or TD3). TD3 and
 * Langevin-TD3 update the actor every second call (policyDelay 2), so their numbers average a critic-only
 * and a full update. Also reported: the ms of one acting step (batch 1), where the chain runs too.
 *
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/mcmc-cost.ts [--updates 30] [--warmup 10] [--prewarm 60] [--only hmc-sac-K5,sac]
 * The warm-up matters: the first updates touch fresh pages of the wasm heap (an HMC update allocates
 * far more than a SAC update), so a short warm-up overstates the chain's cost.
 */
import { FlowSAC } from '../algorithms/flow-sac.ts';
import { HMCSAC } from '../algorithms/hmc-sac.ts';
import { LangevinTD3 } from '../algorithms/langevin-td3.ts';
import { SAC, TD3, type OffPolicyAgent } from '../algorithms/index.ts';
import type { OffPolicyConfig } from '../algorithms/common/learner.ts';
import { kernels } from '../engine/index.ts';
import { make } from '../envs/index.ts';

type AnyAgent = OffPolicyAgent<OffPolicyConfig>;

const NETWORK = { seed: 0, batchSize: 256, hiddenSizes: [256, 256], bufferSize: 50_000 };

const AGENTS: Record<string, { baseline: string; build: () => AnyAgent }> = {
  sac: { baseline: 'sac', build: () => new SAC(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent },
  'hmc-sac-K1': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 1 }) as unknown as AnyAgent },
  'hmc-sac-K3': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 3 }) as unknown as AnyAgent },
  'hmc-sac-K5': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 5 }) as unknown as AnyAgent },
  'hmc-sac-K5-joint': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 5, chainUpdate: 'joint' }) as unknown as AnyAgent },
  'hmc-sac-K5-fast': { baseline: 'sac', build: () => new HMCSAC(make('Pendulum-v1'), { ...NETWORK, leapfrogSteps: 5, chainUpdate: 'joint', chainCritic: 'first' }) as unknown as AnyAgent },
  'flow-sac': { baseline: 'sac', build: () => new FlowSAC(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent },
  td3: { baseline: 'td3', build: () => new TD3(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent },
  'langevin-td3-K5': { baseline: 'td3', build: () => new LangevinTD3(make('Pendulum-v1'), NETWORK) as unknown as AnyAgent },
};

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Fills the buffer with random transitions from a fixed LCG (the same for every agent). */
function fill(agent: AnyAgent): void {
  const obs = new Float32Array(3);
  const next = new Float32Array(3);
  const action = new Float32Array(1);
  let u = 12345;
  const uniform = (): number => ((u = (Math.imul(u, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < 20_000; i++) {
    for (let j = 0; j < 3; j++) {
      obs[j] = uniform();
      next[j] = uniform();
    }
    action[0] = uniform();
    agent.store(obs, action, -8 + 8 * uniform(), next, false);
  }
}

function measure(agent: AnyAgent, updates: number, warmup: number): { update: number; act: number } {
  for (let i = 0; i < warmup; i++) {
    agent.update();
    agent.training.updates++;
  }
  const start = performance.now();
  for (let i = 0; i < updates; i++) {
    agent.update();
    agent.training.updates++;
  }
  const update = (performance.now() - start) / updates;
  const obs = Float32Array.of(0.1, -0.2, 0.3);
  const out = new Float32Array(1);
  const actStart = performance.now();
  for (let i = 0; i < 200; i++) agent.exploreAction(obs, out);
  return { update, act: (performance.now() - actStart) / 200 };
}

const updates = Number(flag('--updates', '30'));
const warmup = Number(flag('--warmup', '10'));
const only = flag('--only', '').split(',').filter(Boolean);
const names = Object.keys(AGENTS).filter((n) => only.length === 0 || only.includes(n));
// The first agent of the process would also pay for the wasm heap's first page touches and V8's
// warm-up: cycle the heap with untimed SAC updates before measuring anything.
const prewarm = AGENTS.sac.build();
fill(prewarm);
measure(prewarm, 0, Number(flag('--prewarm', '60')));
const results: Record<string, { update: number; act: number }> = {};
console.log(`kernels ${kernels().name}, ${updates} timed updates after ${warmup}, Pendulum sizes, batch 256, 2×256`);
console.log('| agent | ms/update | × baseline | ms/act |');
console.log('|---|---|---|---|');
for (const name of names) {
  const agent = AGENTS[name].build();
  fill(agent);
  results[name] = measure(agent, updates, warmup);
  const base = results[AGENTS[name].baseline];
  const ratio = base ? (results[name].update / base.update).toFixed(1) : '—';
  console.log(`| ${name} | ${results[name].update.toFixed(1)} | ${ratio} | ${results[name].act.toFixed(2)} |`);
}
