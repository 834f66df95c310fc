/**
 * How far the learned chains move the action (#13): on the states of one deterministic evaluation episode of
 * each finished run, the distance |a_K − a₀| from the policy's action to the one applied, in the env's units.
 *
 * - HMC-SAC, acting deterministically: the chain from u₀ = μ_θ(s), ρ₀ = 0 (what `predict` applies);
 * - HMC-SAC, exploring (what training stores and (17) scores): u₀ ~ π_θ(·|s), ρ₀ ~ N(0, I), `--samples` draws
 *   per state, beside the policy's own spread |tanh u₀ − tanh μ_θ(s)| on the same draws;
 * - Langevin-TD3: the flow from a₀ = tanh z_θ(s) to a_K, as it acts (before exploration noise).
 *
 * Per run: the median and 95th percentile over states (and draws) in env units, and for exploring HMC-SAC the
 * ratio of the chain's median move to the policy's median spread. It tells what the chain adds to the action
 * beside what the policy network already gives, which the K ∈ {1, 3, 5} and gradient ablations measure in return.
 *
 *   node --import tsx bench/mcmc-chain-moves.ts JOB_DIR [JOB_DIR …] [--samples 16] [--seed 0]
 * JOB_DIR: a sweep job or `varl train` run folder of hmc-sac or langevin-td3 with its checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HMCSAC } from '../algorithms/hmc-sac.ts';
import { LangevinTD3 } from '../algorithms/langevin-td3.ts';
import { inspectActions } from '../algorithms/inspect.ts';
import { checkpointIn, loadAgent, readCheckpointMeta } from '../algorithms/node.ts';
import { observationTensor } from '../algorithms/common/networks.ts';
import { Generator, noGrad, tanh } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --import tsx bench/mcmc-chain-moves.ts JOB_DIR [JOB_DIR …] [--samples 16] [--seed 0]
  JOB_DIR         a sweep job or run folder of hmc-sac or langevin-td3 with its checkpoint
  --samples N     exploring chains drawn per state (HMC-SAC; default 16)
  --seed S        seed of those draws (default 0)`;

interface Moves {
  readonly run: string;
  readonly deterministic: number[];
  readonly exploring: number[];
  readonly spread: number[];
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/** The evaluation episode's seed as the run's own evaluations draw it (run.json's evalSeed), else 0. */
function evaluationSeed(runDir: string): number {
  try {
    const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { evalSeed?: number };
    return Number.isSafeInteger(run.evalSeed) ? run.evalSeed! : 0;
  } catch {
    return 0;
  }
}

function movesOf(runDir: string, samples: number, seed: number): Moves {
  const env = make(readCheckpointMeta(checkpointIn(runDir)).envId);
  const loaded = loadAgent(runDir, env, { weightsOnly: true });
  if (!(loaded instanceof HMCSAC) && !(loaded instanceof LangevinTD3)) throw new Error(`mcmc-chain-moves: ${runDir} holds ${loaded.algorithm}, not HMC-SAC or Langevin-TD3`);
  const scale = Array.from(loaded.scaler.scale);
  const envUnits = (a: number, b: number, d: number): number => Math.abs(a - b) * scale[d];
  const generator = new Generator(seed);
  const moves: Moves = { run: runDir, deterministic: [], exploring: [], spread: [] };
  let { obs } = env.reset({ seed: evaluationSeed(runDir) });
  for (;;) {
    const view = inspectActions(loaded, obs, { resolution: 2 });
    const [first, last] = [view.iterates[0].action, view.iterates[view.iterates.length - 1].action];
    first.forEach((a, d) => moves.deterministic.push(envUnits(last[d], a, d)));
    if (loaded instanceof HMCSAC) {
      noGrad(() => {
        const state = observationTensor(obs, loaded.observationSize);
        const policy = loaded.actor.forward(state, loaded.config);
        const mu = tanh(policy.mean).data;
        for (let k = 0; k < samples; k++) {
          const pass = loaded.chainPass(state, policy, generator);
          const start = tanh(pass.start).data;
          start.forEach((a, d) => {
            moves.exploring.push(envUnits(pass.action.data[d], a, d));
            moves.spread.push(envUnits(a, mu[d], d));
          });
        }
      });
    }
    const step = env.step(loaded.predict(obs, { deterministic: true }));
    if (step.terminated || step.truncated) break;
    obs = step.obs;
  }
  loaded.close();
  return moves;
}

const cli = parseCli({ script: 'mcmc-chain-moves', usage: USAGE, flags: { samples: { type: 'string' }, seed: { type: 'string' } }, maxPositionals: 1000 });
if (cli.positionals.length === 0) cli.fail('give at least one JOB_DIR');
const samples = cli.integer('samples', 16);
const seed = cli.integer('seed', 0, { min: 0 });
const f = (x: number): string => (Number.isNaN(x) ? '—' : x.toPrecision(3));
console.log(`|Δa| = |a_K − a₀| in env units over the states of one deterministic evaluation episode; exploring: ${samples} draws per state\n`);
console.log('| run | acting: median | acting: p95 | exploring: median | exploring: p95 | policy spread: median | chain / spread |');
console.log('|---|---|---|---|---|---|---|');
for (const dir of cli.positionals) {
  const m = movesOf(dir, samples, seed);
  const ratio = m.spread.length > 0 ? quantile(m.exploring, 0.5) / quantile(m.spread, 0.5) : NaN;
  console.log(`| ${path.basename(dir)} | ${f(quantile(m.deterministic, 0.5))} | ${f(quantile(m.deterministic, 0.95))} | ` +
    `${f(quantile(m.exploring, 0.5))} | ${f(quantile(m.exploring, 0.95))} | ${f(quantile(m.spread, 0.5))} | ${f(ratio)} |`);
}
