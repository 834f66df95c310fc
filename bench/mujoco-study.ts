/**
 * The MuJoCo v5 studies: SAC and TD3 (#12's item 8), PPO and TRPO at 1M steps (#14). Reports the sweeps
 * (bench/sweeps/mujoco-balance.yaml, mujoco-locomotion.yaml, on-policy-mujoco.yaml) with `varl sweep report`
 * into bench/results/<name>.md (+ .json, curves), and writes bench/results/mujoco-study.md: our 95%
 * intervals beside published learning-curve values at the same env steps, each with its source.
 *
 *   varl sweep run bench/sweeps/mujoco-balance.yaml --jobs 2
 *   varl sweep run bench/sweeps/mujoco-locomotion.yaml --jobs 2
 *   varl sweep run bench/sweeps/on-policy-mujoco.yaml --jobs 2
 *   node --import tsx bench/mujoco-study.ts [--balance DIR] [--locomotion DIR] [--on-policy DIR] [--hopper-control DIR]
 *   (default sweeps/<name>; the PPO control on Hopper-v5, on-policy-hopper-control.yaml, is reported when its folder exists)
 *
 * Unfinished jobs are counted, not used: the report can be written while the sweeps run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { meanInterval, writeReport, type SweepReport, type VariantSummary } from '../algorithms/sweep/index.ts';
import { formatNumber } from '../algorithms/sweep/report.ts';
import { loadMujocoEnvs } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';
import { runDistance } from './locomotion.ts';

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

/**
 * Published values at a given number of env steps. Computed from the raw evaluation files of the
 * named repositories (not read off figures):
 * - SB3: DLR-RM/rl-trained-agents (commit 6da6faf, 2021), `<algo>/<Env>-v3_1/evaluations.npz`, the
 *   RL Zoo agents' EvalCallback logs: ONE training run each, 20 deterministic episodes per evaluation
 *   (every 10k steps; TD3 Hopper every 25k); learning_starts 10000. ± is over episodes, not seeds.
 * - TD3 paper: sfujim/TD3 (commit 34770cc) learning_curves/<Env>/TD3_<Env>-v1_<seed>.npy, the curves of
 *   Fujimoto et al. (2018) Table 1 (their maxima reproduce it): 10 seeds, 10 deterministic episodes per
 *   evaluation every 5000 steps, gym v1 MuJoCo; 1000 random steps first (10000 for HalfCheetah). ± is the
 *   standard deviation over seeds.
 */
interface PublishedPoint {
  readonly source: string;
  readonly value: string;
}

const AT_100K: Record<string, Record<string, PublishedPoint[]>> = {
  'Hopper-v5': {
    sac: [{ source: 'SB3 RL Zoo agent, Hopper-v3, 1 run', value: '897.0 (20k: 224.9, 50k: 451.5, 90k: 499.6, 110k: 657.0)' }],
    td3: [
      { source: 'SB3 RL Zoo agent, Hopper-v3, 1 run', value: '350.4 (50k: 350.5, 125k: 488.5)' },
      { source: 'TD3 paper curves, Hopper-v1, 10 seeds', value: '659.5 ± 752.3 (sd)' },
    ],
  },
  'HalfCheetah-v5': {
    sac: [{ source: 'SB3 RL Zoo agent, HalfCheetah-v3, 1 run', value: '4960.8 (50k: 3043.8, 90k: 4665.7)' }],
    td3: [
      { source: 'SB3 RL Zoo agent, HalfCheetah-v3, 1 run', value: '5217.0 (50k: 3308.9, 90k: 4961.7)' },
      { source: 'TD3 paper curves, HalfCheetah-v1, 10 seeds', value: '5513.5 ± 553.7 (sd)' },
    ],
  },
};

/**
 * PPO and TRPO at 1M steps. SB3 log: the same rl-trained-agents evaluation files as above (every 25k for PPO,
 * 50k for TRPO); SB3 final: RL Zoo's benchmark.md (DLR-RM/rl-baselines3-zoo), the finished agent run for
 * ~150k steps (150 episodes), ± the sd over those episodes; CleanRL: docs/benchmark/ppo_continuous_action.md
 * (vwxyzjn/cleanrl, tag pr-424), `ppo_continuous_action.py` with CleanRL's own settings (not RL Zoo's: 2048
 * steps per rollout, 10 epochs, lr 3e-4), MuJoCo v4, mean return of training episodes, 3 seeds.
 */
const AT_1M: Record<string, Record<string, PublishedPoint[]>> = {
  'Hopper-v5': {
    ppo: [
      { source: 'SB3 RL Zoo agent\'s evaluation log, Hopper-v3, 1 run', value: '2334.9 (250k: 107.0, 500k: 33.5, 750k: 247.9; best 2780.3 at 975k)' },
      { source: 'RL Zoo benchmark.md, that agent after training, 150 episodes', value: '2410.4 ± 10.0 (sd over episodes)' },
      { source: 'CleanRL PPO, Hopper-v4, 3 seeds, training episodes', value: '2382.9 ± 271.7' },
    ],
    trpo: [
      { source: 'SB3 RL Zoo agent\'s evaluation log, Hopper-v3, 1 run', value: '3561.6 (250k: 3273.0, 500k: 3308.4, 750k: 3550.7)' },
      { source: 'RL Zoo benchmark.md, that agent after training, 152 episodes', value: '3618.4 ± 356.8 (sd over episodes)' },
    ],
  },
  'HalfCheetah-v5': {
    ppo: [
      { source: 'SB3 RL Zoo agent\'s evaluation log, HalfCheetah-v3, 1 run', value: '5728.1 (250k: 3843.7, 500k: 5232.8, 750k: 5427.4)' },
      { source: 'RL Zoo benchmark.md, that agent after training, 150 episodes', value: '5819.1 ± 663.5 (sd over episodes)' },
      { source: 'CleanRL PPO, HalfCheetah-v4, 3 seeds, training episodes', value: '1442.6 ± 46.0' },
    ],
    trpo: [
      { source: 'SB3 RL Zoo agent\'s evaluation log, HalfCheetah-v3, 1 run', value: '1783.4 (250k: 1469.8, 500k: 1338.3, 750k: 1723.1)' },
      { source: 'RL Zoo benchmark.md, that agent after training, 150 episodes', value: '1785.5 ± 68.7 (sd over episodes)' },
    ],
  },
};

const TO_THRESHOLD: Record<string, Record<string, PublishedPoint[]>> = {
  'InvertedPendulum-v5': {
    td3: [{ source: 'TD3 paper curves, InvertedPendulum-v1, 10 seeds (1000 random steps first)', value: 'first evaluation ≥ 950 at 15k (2 seeds), 20k (4), 25k (4); the mean at 25k' }],
  },
  'InvertedDoublePendulum-v5': {
    td3: [{ source: 'TD3 paper curves, InvertedDoublePendulum-v1, 10 seeds (1000 random steps first)', value: 'first evaluation ≥ 9100 at 15k (6 seeds), 20k (4); the mean at 20k, unstable later (100k: 7180.5 ± 3383.7)' }],
  },
};

/** mean ± the 95% half-width, or the mean and `alone` where there is no interval (one seed). */
function withHalfWidth({ mean, halfWidth }: { mean: number; halfWidth: number }, format: (x: number) => string = formatNumber, alone = ''): string {
  return Number.isFinite(halfWidth) ? `${format(mean)} ± ${format(halfWidth)}` : `${format(mean)}${alone}`;
}

function plusMinus(v: VariantSummary): string {
  return v.seeds.length === 0 ? '–' : withHalfWidth(v.final, formatNumber, ' (1 seed)');
}

function reached(v: VariantSummary): string {
  const steps = v.stopAtReturn?.reachedAt ?? [];
  const hits = steps.filter((s): s is number => s !== null).sort((a, b) => a - b);
  if (v.seeds.length === 0) return '–';
  return `${hits.length}/${v.seeds.length}${hits.length ? `: ${hits.map((s) => `${s / 1000}k`).join(', ')}` : ''}`;
}

function published(table: Record<string, Record<string, PublishedPoint[]>>, v: VariantSummary): string {
  const points = table[v.envId]?.[v.algorithm] ?? [];
  return points.length ? points.map((p) => `${p.value} — ${p.source}`).join('<br>') : 'none found (no SB3, CleanRL or paper curve for this task)';
}

/** Our mean ± 95% half-width at `step`, where every finished seed was evaluated there. */
function atStep(v: VariantSummary, step: number): string {
  const point = v.curve.find((p) => p.step === step);
  return point ? withHalfWidth(point) : '–';
}

/** Mean ± 95% half-width over the finished seeds of how far their final policies carry the torso (bench/locomotion.ts). */
function distance(sweepDir: string, v: VariantSummary): string {
  const values = v.seeds.map((seed) => runDistance(path.join(sweepDir, 'jobs', `${v.variant}-s${seed}`), v.envId)).filter((d): d is number => d !== null);
  return values.length === 0 ? '–' : withHalfWidth(meanInterval(values), (x) => x.toFixed(1));
}

function perSeed(v: VariantSummary): string {
  return v.seeds.length ? v.finalReturns.map((r) => formatNumber(r)).join(', ') : '–';
}

function section(title: string, report: SweepReport, header: string, row: (v: VariantSummary) => string): string[] {
  return [`## ${title}`, '', `${report.finished} of ${report.jobs} jobs finished.`, '', header, ...report.variants.map(row), ''];
}

const USAGE = `usage: node --import tsx bench/mujoco-study.ts [--balance DIR] [--locomotion DIR] [--on-policy DIR] [--hopper-control DIR]
  --balance DIR          sweep folder of mujoco-balance.yaml (default sweeps/mujoco-balance)
  --locomotion DIR       sweep folder of mujoco-locomotion.yaml (default sweeps/mujoco-locomotion)
  --on-policy DIR        sweep folder of on-policy-mujoco.yaml (default sweeps/on-policy-mujoco)
  --hopper-control DIR   sweep folder of on-policy-hopper-control.yaml, if any (default sweeps/on-policy-hopper-control)`;

async function main(): Promise<void> {
  const { values } = parseCli({
    script: 'mujoco-study', usage: USAGE,
    flags: { balance: { type: 'string' }, locomotion: { type: 'string' }, 'on-policy': { type: 'string' }, 'hopper-control': { type: 'string' } },
  });
  const balanceDir = values.balance ?? path.join('sweeps', 'mujoco-balance');
  const locomotionDir = values.locomotion ?? path.join('sweeps', 'mujoco-locomotion');
  const onPolicyDir = values['on-policy'] ?? path.join('sweeps', 'on-policy-mujoco');
  // Optional: PPO on Hopper-v5 with generic settings (bench/sweeps/on-policy-hopper-control.yaml), reported when planned.
  const controlDir = values['hopper-control'] ?? path.join('sweeps', 'on-policy-hopper-control');
  for (const [dir, flag] of [[balanceDir, '--balance'], [locomotionDir, '--locomotion'], [onPolicyDir, '--on-policy']]) {
    if (!fs.existsSync(path.join(dir, 'sweep.json'))) throw new Error(`mujoco-study: no sweep folder at ${dir} (plan or run its sweep file first, or pass ${flag})`);
  }
  await loadMujocoEnvs();
  const balance = writeReport(balanceDir, path.join(RESULTS, 'mujoco-balance.md')).report;
  const locomotion = writeReport(locomotionDir, path.join(RESULTS, 'mujoco-locomotion.md')).report;
  const onPolicy = writeReport(onPolicyDir, path.join(RESULTS, 'on-policy-mujoco.md')).report;
  const control = fs.existsSync(path.join(controlDir, 'sweep.json')) ? writeReport(controlDir, path.join(RESULTS, 'on-policy-hopper-control.md')).report : null;
  const onPolicyRow = (dir: string, v: VariantSummary, label: string, publishedCell: string): string =>
    `| ${v.envId} | ${label} | ${v.seeds.length}/${v.jobs} | ${atStep(v, 250_000)} | ${atStep(v, 500_000)} | ${plusMinus(v)} | ${perSeed(v)} | ${distance(dir, v)} | ${publishedCell} |`;
  const lines = [
    '# SAC, TD3, PPO and TRPO on the MuJoCo v5 tasks',
    '',
    'Made by `node --import tsx bench/mujoco-study.ts` from the sweeps `bench/sweeps/mujoco-balance.yaml`,',
    '`bench/sweeps/mujoco-locomotion.yaml` and `bench/sweeps/on-policy-mujoco.yaml` (`varl sweep run <file> --jobs 2`);',
    'per-variant tables, paired differences and curves: [mujoco-balance.md](mujoco-balance.md),',
    '[mujoco-locomotion.md](mujoco-locomotion.md), [on-policy-mujoco.md](on-policy-mujoco.md).',
    'Our numbers: deterministic evaluation (10 episodes) of each seed, mean over seeds ± the 95% Student-t',
    'half-width. Published values come from raw evaluation files, not figures: SB3 = the RL Zoo agents of',
    'DLR-RM/rl-trained-agents (one run per entry, v3 MuJoCo, 20 episodes per evaluation); TD3 paper = the',
    'learning curves in sfujim/TD3 (10 seeds, gym v1 MuJoCo). Those versions are not v5: Gymnasium notes that',
    'v4 and v5 learning curves differ except for HalfCheetah (and Swimmer), so the other rows compare in scale only.',
    '',
    ...section('Until solved (Gymnasium reward thresholds: 950 and 9100)', balance,
      '| task | algorithm | seeds | return at stop | seeds that reached it: at step | published |\n|---|---|---|---|---|---|',
      (v) => `| ${v.envId} | ${v.algorithm.toUpperCase()} | ${v.seeds.length}/${v.jobs} | ${plusMinus(v)} | ${reached(v)} | ${published(TO_THRESHOLD, v)} |`),
    'SAC learns after 5k random steps and TD3 after 25k (CleanRL\'s defaults, no Zoo entry exists for these',
    'tasks); the TD3 paper started learning after 1000 random steps. Steps-to-threshold include the random',
    'steps: compare our TD3\'s minus 25k with the paper\'s minus 1k.',
    '',
    ...section('Locomotion at 100k env steps (RL Zoo settings, learning starts 10k)', locomotion,
      '| task | algorithm | seeds | return at 100k | distance (m) | published at 100k |\n|---|---|---|---|---|---|',
      (v) => `| ${v.envId} | ${v.algorithm.toUpperCase()} | ${v.seeds.length}/${v.jobs} | ${plusMinus(v)} | ${distance(locomotionDir, v)} | ${published(AT_100K, v)} |`),
    '## PPO and TRPO at 1M env steps (RL Zoo settings, without gSDE)',
    '',
    `${onPolicy.finished} of ${onPolicy.jobs} jobs finished${control ? `; the control: ${control.finished} of ${control.jobs}` : ''}.`,
    '',
    '| task | algorithm | seeds | at 250k | at 500k | return at 1M | per seed | distance (m) | published at 1M |',
    '|---|---|---|---|---|---|---|---|---|',
    ...onPolicy.variants.map((v) => onPolicyRow(onPolicyDir, v, v.algorithm.toUpperCase(), published(AT_1M, v))),
    ...(control?.variants ?? []).map((v) => onPolicyRow(controlDir, v, 'PPO, generic settings (control)', 'as PPO above')),
    '',
    ...(control ? [
      'The control is PPO on Hopper-v5 with SB3\'s defaults plus observation and reward normalization and an annealed',
      'step size, CleanRL\'s settings as far as SB3\'s PPO has them (bench/sweeps/on-policy-hopper-control.yaml): the',
      'RL Zoo tuning (γ 0.999, log σ₀ −2, 512-step rollouts of 32-sample minibatches) left out.',
      '',
    ] : []),
    'Distance: how far the final deterministic policy carries the torso along x in one episode (reset seed 4242), mean over',
    'seeds; a Hopper that only stands earns ≈ 1000 at a distance near 0 (bench/locomotion.ts).',
    'CleanRL\'s PPO runs its own settings and reports training (stochastic) episodes, so it compares in scale',
    'only; the RL Zoo rows use the same settings as ours, evaluated deterministically as ours are.',
  ];
  fs.writeFileSync(path.join(RESULTS, 'mujoco-study.md'), lines.join('\n') + '\n');
  process.stdout.write(`wrote ${path.join(RESULTS, 'mujoco-study.md')}\n`);
}

await main();
