/**
 * The final-return claims of seed 003 (#13) measured again with more episodes: each finished job's final
 * checkpoint is evaluated deterministically on `--episodes` fresh episodes (seeds `--seed` + i, the same for
 * every job, none of them the runs' own evaluation episodes). In the first sweep folder each method is paired
 * by seed with its baseline (HMC-SAC and flow-SAC with SAC, Langevin-TD3 with TD3); each variant of the other
 * folders (the ablations) is paired with its algorithm's runs in the first (the reference) and with that
 * algorithm's baseline there. Printed: the mean return per run, and the paired differences with 95%
 * t-intervals. A sweep's final evaluation is 10 episodes, so one bad episode moves it by a tenth of its
 * return; this tells the policy from that noise.
 *
 *   node --import tsx bench/mcmc-final-eval.ts SWEEP_DIR [SWEEP_DIR …] [--episodes 100] [--seed 2000000]
 * SWEEP_DIR: a sweep folder with its job folders and their checkpoints (`varl sweep run`'s, not an archive).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluate } from '../algorithms/common/evaluate.ts';
import { loadAgent } from '../algorithms/node.ts';
import { findAlgorithm } from '../algorithms/registry.ts';
import { readSweep, jobDir } from '../algorithms/sweep/folder.ts';
import { describeOverrides } from '../algorithms/sweep/report.ts';
import { meanInterval, pairedDifferences } from '../algorithms/common/stats.ts';
import { make, prepareEnv } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --import tsx bench/mcmc-final-eval.ts SWEEP_DIR [SWEEP_DIR …] [--episodes 100] [--seed 2000000]
  SWEEP_DIR       sweep folders whose finished jobs keep their checkpoints; the first is the reference
  --episodes N    deterministic evaluation episodes per final checkpoint (default 100)
  --seed S        episode i resets with seed S + i, for every job (default 2000000)`;

/** Each method's baseline: the paper's comparisons. */
const BASELINE: Record<string, string> = { 'hmc-sac': 'sac', 'flow-sac': 'sac', 'langevin-td3': 'td3' };

const cli = parseCli({ script: 'mcmc-final-eval', usage: USAGE, flags: { episodes: { type: 'string' }, seed: { type: 'string' } }, maxPositionals: 100 });
if (cli.positionals.length === 0) cli.fail('give at least one sweep folder');
const episodes = cli.integer('episodes', 100);
const seed = cli.integer('seed', 2_000_000, { min: 0 });

/** Mean return per seed of each variant (`${sweep} ${variant}`), with its algorithm and env. */
interface Variant {
  readonly sweep: string;
  readonly label: string;
  readonly algorithm: string;
  readonly envId: string;
  readonly returns: Map<number, number>;
}

async function evaluateSweep(dir: string): Promise<Variant[]> {
  const sweep = readSweep(dir);
  const variants = new Map<string, Variant>();
  for (const job of sweep.jobs) {
    const folder = jobDir(dir, job);
    if (!fs.existsSync(path.join(folder, 'result.json'))) continue;
    await prepareEnv(job.envId);
    const agent = loadAgent(folder, () => make(job.envId), { weightsOnly: true });
    const result = evaluate(findAlgorithm(job.algorithm)!.evaluationPolicy(agent, {}), make(job.envId), { episodes, seed });
    agent.close();
    const label = Object.keys(job.overrides).length > 0 ? describeOverrides(job) : job.algorithm;
    const variant = variants.get(job.variant) ?? { sweep: sweep.name, label, algorithm: job.algorithm, envId: job.envId, returns: new Map() };
    variant.returns.set(job.seed, result.mean);
    variants.set(job.variant, variant);
    process.stderr.write(`${job.id}: ${result.mean.toFixed(1)} ± ${result.std.toFixed(1)}\n`);
  }
  return [...variants.values()];
}

const evaluated: Variant[][] = [];
for (const dir of cli.positionals) evaluated.push(await evaluateSweep(path.resolve(dir)));
const [reference, ...others] = evaluated;
const referenceOf = (algorithm: string, envId: string): Variant | undefined => reference.find((v) => v.algorithm === algorithm && v.envId === envId);

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
const difference = (base: Variant | undefined, v: Variant): string => {
  if (!base) return '| |';
  const d = meanInterval(pairedDifferences(base.returns, v.returns).differences);
  return `| ${f(d.mean)} ± ${f(d.halfWidth)} (${d.n}) | [${f(d.low)}, ${f(d.high)}]`;
};
console.log(`Final checkpoints, ${episodes} deterministic episodes each (seeds ${seed}…${seed + episodes - 1}); 95% t-intervals over seeds.\n`);
console.log('| sweep | variant | env | mean return per seed | mean (seeds) | Δ against its baseline (pairs) | 95% | Δ against the reference (pairs) | 95% |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const v of [...reference, ...others.flat()]) {
  const summary = meanInterval([...v.returns.values()]);
  const perSeed = [...v.returns].sort(([a], [b]) => a - b).map(([s, r]) => `s${s} ${f(r)}`).join(', ');
  const baseline = BASELINE[v.algorithm] ? referenceOf(BASELINE[v.algorithm], v.envId) : undefined;
  const ownReference = reference.includes(v) ? undefined : referenceOf(v.algorithm, v.envId);
  console.log(`| ${v.sweep} | ${v.label} | ${v.envId} | ${perSeed} | ${f(summary.mean)} ± ${f(summary.halfWidth)} (${summary.n}) ` +
    `${difference(baseline, v)} ${difference(ownReference, v)} |`);
}
