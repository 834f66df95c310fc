/**
 * Where an HMC-SAC run that stopped on a non-finite loss went wrong (#13, mcmc-pendulum's seed 2): the run is
 * resumed from its last good checkpoint (bit-identical: same streams, same env state) in a scratch folder,
 * and every update's losses, β and PID terms are kept, with a probe of the chain on a minibatch drawn from a
 * separate generator (so the run's own streams are untouched): per-state D̂ and its parts (the log-ratio
 * log N_θ(u₀) − log N_θt(u_K) and the momentum's ½(‖ρ_K‖² − ‖ρ₀‖²)), the chain's displacement |u_K − u₀| in
 * prior σ_t, the policy mean's move |μ_θ − μ_θt| in σ_t, the policy mean |μ_θ| (pre-tanh), Q at a_K, and the
 * share of saturated actions (|a_K| > 0.999).
 * Printed as markdown tables: the whole resume per `--coarse` updates, then its last `--from` updates per `--block`.
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/mcmc-divergence.ts JOB_DIR [--steps 20000] [--coarse 100] [--block 10] [--from 400]
 *        [--seed 7] [--no-probe] [--allow-kernel-change] [--critic-next-action chain|policy]
 * JOB_DIR: a sweep job or `varl train` run folder of hmc-sac with run.json and checkpoint/ (not modified).
 * The resume is the run only under the kernels it was trained with (FMA: node --experimental-wasm-relaxed-simd);
 * `--allow-kernel-change` resumes under others all the same: the same state, rounded differently, as a control.
 * `--critic-next-action policy` resumes the same state with SAC's critic target (a' ~ π_θ and log π_θ, no chain),
 * as a control of the path from the chain's momentum into the critic (the run's own streams then part after
 * the first update, since that target draws other noise).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HMCSAC } from '../algorithms/hmc-sac.ts';
import { NonFiniteLossError } from '../algorithms/common/runner.ts';
import { TensorBatch } from '../algorithms/common/tensor-batch.ts';
import { loadAgent } from '../algorithms/node.ts';
import { readCheckpointMeta } from '../algorithms/node/checkpoint-dir.ts';
import { currentKernels, describeKernels } from '../algorithms/common/checkpoint.ts';
import { meanInterval } from '../algorithms/common/stats.ts';
import { Generator, abs, div, exp, mul, noGrad, randn, square, sub, sum, type Tensor } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

/** One update's record: the update's own losses and gauges, then the probe's statistics. */
type Row = Record<string, number>;

const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** The chain on a fresh minibatch as the update runs it (θ against the frozen θ_t, the run's β), per-state statistics. */
function probe(agent: HMCSAC, batch: TensorBatch, generator: Generator): Row {
  const c = agent.config;
  batch.sample((b) => agent.buffer.sample(generator, b));
  const obs = batch.observations;
  return noGrad(() => {
    const policy = agent.actor.forward(obs, c);
    const prior = agent.priorActor.forward(obs, c);
    const noise = { base: randn(policy.mean.shape, { generator }), momentum: randn(policy.mean.shape, { generator }) };
    const { start, end, action, distance: perState, logRatio } = agent.chainPass(obs, policy, generator, prior, noise);
    const priorStd = exp(prior.logStd);
    const momentumPart = mul(sub(sum(square(end.momentum), -1), sum(square(noise.momentum), -1)), 0.5);
    const sorted = (t: Tensor): Float64Array => Float64Array.from(t.data).sort();
    const distance = sorted(perState);
    const ratio = sorted(logRatio);
    const kinetic = sorted(momentumPart);
    const displacement = sorted(sum(div(abs(sub(end.position, start)), priorStd), -1));
    const meanShift = sorted(sum(div(abs(sub(policy.mean, prior.mean)), priorStd), -1));
    const policyMean = sorted(sum(abs(policy.mean), -1));
    const logStdChange = sorted(sum(sub(policy.logStd, prior.logStd), -1));
    const q = sorted(agent.critics.value(obs, action, c.actorQReduction));
    const last = (x: Float64Array): number => x[x.length - 1];
    return {
      probe_distance: meanInterval(Array.from(distance)).mean,
      probe_distance_p99: quantile(distance, 0.99),
      probe_distance_max: last(distance),
      probe_log_ratio: meanInterval(Array.from(ratio)).mean,
      probe_momentum_part: meanInterval(Array.from(kinetic)).mean,
      probe_momentum_part_max: last(kinetic),
      probe_displacement_max: last(displacement),
      probe_mean_shift_max: last(meanShift),
      probe_policy_mean_max: last(policyMean),
      probe_log_std_change_min: logStdChange[0],
      probe_q_min: q[0],
      probe_q_max: last(q),
      probe_saturated: Array.from(action.data).filter((a) => Math.abs(a) > 0.999).length / action.size,
    };
  });
}

const USAGE = `usage: node --experimental-wasm-relaxed-simd --import tsx bench/mcmc-divergence.ts JOB_DIR [flags]
  JOB_DIR                 a sweep job or run folder of hmc-sac with run.json and checkpoint/ (not modified)
  --steps N               env steps the resume runs to (default the run's own)
  --coarse N              updates per row of the whole resume's table (default 100)
  --block N               updates per row of the last --from updates' table (default 10)
  --from N                the last updates tabled per --block, at least --block (default 400)
  --seed N                seed of the probe's minibatches (default 7)
  --no-probe              leave out the probe of the chain
  --allow-kernel-change   resume under other kernels than the run's, as a control
  --critic-next-action A  resume with this critic target instead of the run's: chain or policy (a control)`;

async function main(): Promise<void> {
  const cli = parseCli({
    script: 'mcmc-divergence', usage: USAGE, maxPositionals: 1,
    flags: {
      'no-probe': { type: 'boolean' }, 'allow-kernel-change': { type: 'boolean' }, steps: { type: 'string' }, coarse: { type: 'string' },
      block: { type: 'string' }, from: { type: 'string' }, seed: { type: 'string' }, 'critic-next-action': { type: 'string' },
    },
  });
  const { values } = cli;
  const jobDir = cli.positionals[0] ?? cli.fail('give one HMC-SAC job folder (with run.json and checkpoint/)');
  const coarse = cli.integer('coarse', 100);
  const block = cli.integer('block', 10);
  const from = cli.integer('from', 400);
  if (from < block) cli.fail(`--from must be at least --block (${block}), got ${from}`);
  const criticNextAction = values['critic-next-action'];
  if (criticNextAction !== undefined && criticNextAction !== 'chain' && criticNextAction !== 'policy') {
    cli.fail(`--critic-next-action must be chain or policy, got ${JSON.stringify(criticNextAction)}`);
  }
  const run = JSON.parse(fs.readFileSync(path.join(jobDir, 'run.json'), 'utf8')) as RunFile;
  const totalSteps = cli.integer('steps', run.totalSteps);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mcmc-divergence-'));
  try {
    await resume(jobDir, scratch, run, totalSteps, values, { coarse, block, from });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
interface RunFile {
  readonly totalSteps: number;
  readonly evalEvery: number;
  readonly evalEpisodes: number;
  readonly evalSeed: number;
}

interface Flags {
  readonly 'no-probe'?: boolean;
  readonly 'allow-kernel-change'?: boolean;
  readonly seed?: string;
  readonly 'critic-next-action'?: string;
}

/** The tables' blocks: the whole resume by `coarse` updates, then its last `from` updates by `block`. */
interface Blocks {
  readonly coarse: number;
  readonly block: number;
  readonly from: number;
}

/** Resumes the job's checkpoint in `scratch` with every update recorded, and prints the tables. */
async function resume(jobDir: string, scratch: string, run: RunFile, totalSteps: number, values: Flags, { coarse, block, from }: Blocks): Promise<void> {
  fs.cpSync(path.join(jobDir, 'checkpoint'), path.join(scratch, 'checkpoint'), { recursive: true });
  fs.copyFileSync(path.join(jobDir, 'run.json'), path.join(scratch, 'run.json'));
  const criticNextAction = values['critic-next-action'];
  if (criticNextAction !== undefined) overrideCriticNextAction(path.join(scratch, 'checkpoint', 'meta.json'), criticNextAction);
  const envId = readCheckpointMeta(path.join(scratch, 'checkpoint')).envId as string;
  const agent = loadAgent(path.join(scratch, 'checkpoint'), make(envId), { allowKernelChange: values['allow-kernel-change'] ?? false });
  if (!(agent instanceof HMCSAC)) throw new Error(`mcmc-divergence: ${jobDir} holds a ${agent.constructor.name}, not an HMC-SAC run`);
  const startStep = agent.training.step;

  const rows: Row[] = [];
  const probeBatch = new TensorBatch(agent.config.batchSize, agent.observationSize, agent.actionSize);
  const probeGenerator = new Generator(Number(values.seed ?? 7));
  const update = agent.update.bind(agent);
  agent.update = (): Record<string, number> => {
    const losses = update();
    rows.push({ update: agent.training.updates, ...losses, beta: agent.pid.beta, ...(values['no-probe'] ? {} : probe(agent, probeBatch, probeGenerator)) });
    return losses;
  };
  const evaluations: string[] = [];
  let stopped = 'completed';
  try {
    await agent.learn({
      totalSteps, runDir: scratch, evalEnv: make(envId), evalEvery: run.evalEvery, evalEpisodes: run.evalEpisodes, evalSeed: run.evalSeed,
      checkpointEvery: 1_000_000_000, progress: false, callbacks: [{ onEvaluation: (at, result) => void evaluations.push(`${at.step}: ${result.mean.toFixed(1)}`) }],
    });
  } catch (error) {
    if (!(error instanceof NonFiniteLossError)) throw error;
    stopped = error.reason;
  }

  if (rows.length === 0) throw new Error(`mcmc-divergence: the checkpoint in ${jobDir} is at step ${startStep}, --steps ${totalSteps} leaves no update to record`);
  const columns = ['critic_loss', 'distance', 'beta', 'step_size', 'gate', 'policy_log_std', ...Object.keys(rows[0]).filter((k) => k.startsWith('probe_'))];
  const kernels = currentKernels();
  console.log(`# HMC-SAC from its last good checkpoint: ${path.basename(jobDir)}\n`);
  console.log(`Made by \`node ${kernels.fma ? '--experimental-wasm-relaxed-simd ' : ''}--import tsx bench/mcmc-divergence.ts ${jobDir} --coarse ${coarse} --block ${block} --from ${from}${values['allow-kernel-change'] ? ' --allow-kernel-change' : ''}${values['critic-next-action'] ? ` --critic-next-action ${values['critic-next-action']}` : ''}\` (what it measures: the file's header comment).\n`);
  console.log(`Resumed at env step ${startStep} under the ${describeKernels(kernels)} kernels with criticNextAction '${agent.config.criticNextAction}'; ${rows.length} updates; ended: ${stopped}\n`);
  console.log(`Evaluations (mean return of ${run.evalEpisodes} episodes): ${evaluations.join(', ') || 'none'}\n`);
  console.log(`Per block of updates: means; probe_* max/min/p99 are over the probe's states, then the block's max/min. ` +
    `First the whole resume by ${coarse} updates, then its last ${from} by ${block}.\n`);
  printBlocks(rows, columns, coarse);
  console.log('');
  printBlocks(rows.slice(Math.max(0, rows.length - from)), columns, block);
}

/** Rewrites the scratch copy's `criticNextAction`: the resumed agent is the same state under the other critic target. */
function overrideCriticNextAction(metaFile: string, criticNextAction: string): void {
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { config: Record<string, unknown> };
  meta.config.criticNextAction = criticNextAction;
  fs.writeFileSync(metaFile, JSON.stringify(meta));
}

function printBlocks(rows: readonly Row[], columns: readonly string[], block: number): void {
  const f = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 1000 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(3)) : String(x));
  console.log(`| updates | ${columns.join(' | ')} |\n|---|${columns.map(() => '---').join('|')}|`);
  for (let i = 0; i < rows.length; i += block) {
    const part = rows.slice(i, i + block);
    const cell = (k: string): string => {
      const v = part.map((r) => r[k]).filter((x) => x !== undefined);
      if (v.length === 0) return '';
      if (k.endsWith('_max') || k.endsWith('_p99')) return f(Math.max(...v));
      if (k.endsWith('_min')) return f(Math.min(...v));
      return f(v.reduce((sum, x) => sum + x, 0) / v.length);
    };
    console.log(`| ${part[0].update}–${part[part.length - 1].update} | ${columns.map(cell).join(' | ')} |`);
  }
}

await main();
