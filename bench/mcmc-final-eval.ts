/**
 * The final-return claims of seed 003 (#13) measured again with more episodes: each finished job's final
 * checkpoint of a sweep folder is evaluated deterministically on `--episodes` fresh episodes (seeds
 * `--seed` + i, the same for every job, none of them the runs' own evaluation episodes), and each method is
 * paired by seed with its baseline (HMC-SAC and flow-SAC with SAC, Langevin-TD3 with TD3): the mean return
 * per run, and the paired differences with 95% t-intervals. A run's final evaluation in the sweep is 10
 * episodes, so one bad episode moves it by a tenth of its return; this tells the policy from that noise.
 *
 *   node --import tsx bench/mcmc-final-eval.ts SWEEP_DIR [--episodes 100] [--seed 2000000]
 * SWEEP_DIR: a sweep folder with its job folders and their checkpoints (`varl sweep run`'s, not an archive).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluate } from '../algorithms/common/evaluate.ts';
import { loadAgent } from '../algorithms/node.ts';
import { findAlgorithm } from '../algorithms/registry.ts';
import { readSweep, jobDir } from '../algorithms/sweep/folder.ts';
import { meanInterval, pairedDifferences } from '../algorithms/sweep/stats.ts';
import { make, prepareEnv } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --import tsx bench/mcmc-final-eval.ts SWEEP_DIR [--episodes 100] [--seed 2000000]
  SWEEP_DIR       a sweep folder whose finished jobs keep their checkpoints
  --episodes N    deterministic evaluation episodes per final checkpoint (default 100)
  --seed S        episode i resets with seed S + i, for every job (default 2000000)`;

/** Each method's baseline: the paper's comparisons. */
const BASELINE: Record<string, string> = { 'hmc-sac': 'sac', 'flow-sac': 'sac', 'langevin-td3': 'td3' };

const cli = parseCli({ script: 'mcmc-final-eval', usage: USAGE, flags: { episodes: { type: 'string' }, seed: { type: 'string' } }, maxPositionals: 1 });
if (cli.positionals.length === 0) cli.fail('give the sweep folder');
const dir = path.resolve(cli.positionals[0]);
const episodes = cli.integer('episodes', 100);
const seed = cli.integer('seed', 2_000_000, { min: 0 });

const sweep = readSweep(dir);
/** Mean return per (algorithm, env) and seed. */
const returns = new Map<string, Map<number, number>>();
for (const job of sweep.jobs) {
  const folder = jobDir(dir, job);
  if (!fs.existsSync(path.join(folder, 'result.json'))) continue;
  await prepareEnv(job.envId);
  const record = findAlgorithm(job.algorithm)!;
  const agent = loadAgent(folder, () => make(job.envId), { weightsOnly: true });
  const result = evaluate(record.evaluationPolicy(agent, {}), make(job.envId), { episodes, seed });
  agent.close();
  const key = `${job.algorithm} ${job.envId}`;
  if (!returns.has(key)) returns.set(key, new Map());
  returns.get(key)!.set(job.seed, result.mean);
  process.stderr.write(`${job.id}: ${result.mean.toFixed(1)} ± ${result.std.toFixed(1)}\n`);
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
console.log(`Final checkpoints of ${sweep.name}, ${episodes} deterministic episodes each (seeds ${seed}…${seed + episodes - 1}); 95% t-intervals over seeds.\n`);
console.log('| method | env | mean return per seed | mean (seeds) | Δ against its baseline (pairs) | 95% |');
console.log('|---|---|---|---|---|---|');
for (const [key, bySeed] of [...returns].sort(([a], [b]) => a.localeCompare(b))) {
  const [algorithm, envId] = key.split(' ');
  const summary = meanInterval([...bySeed.values()]);
  const baseline = BASELINE[algorithm] ? returns.get(`${BASELINE[algorithm]} ${envId}`) : undefined;
  const paired = baseline ? meanInterval(pairedDifferences(baseline, bySeed).differences) : null;
  const perSeed = [...bySeed].sort(([a], [b]) => a - b).map(([s, r]) => `s${s} ${f(r)}`).join(', ');
  console.log(`| ${algorithm} | ${envId} | ${perSeed} | ${f(summary.mean)} ± ${f(summary.halfWidth)} (${summary.n}) | ` +
    `${paired ? `${f(paired.mean)} ± ${f(paired.halfWidth)} (${paired.n})` : ''} | ${paired ? `[${f(paired.low)}, ${f(paired.high)}]` : ''} |`);
}
