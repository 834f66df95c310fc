/**
 * Checks varl's MJCF models (envs/mujoco/models) against Gymnasium's asset files, in the same MuJoCo wasm:
 *
 * 1. The compiled models field by field: every numeric array of MjModel (masses, inertias, body and geom
 *    poses, joint and actuator parameters, contact parameters, options, …), reporting the largest absolute
 *    difference per field. Fields that only affect drawing (colours, materials, textures, lights, cameras,
 *    names) are listed separately.
 * 2. Trajectories: the env built on each model, reset from the same seed and driven by the same uniformly random
 *    actions for `--steps` steps per seed (a new episode when one terminates), comparing qpos, qvel, the
 *    observation and the reward after every step.
 *
 * Gymnasium's XML files are read from disk and are not part of varl:
 *   npx tsx bench/mujoco-validate.ts --assets <Gymnasium checkout>/gymnasium/envs/mujoco/assets [--steps 1000] [--seeds 5]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../envs/core/rng.ts';
import { AntEnv } from '../envs/mujoco/ant.ts';
import { HalfCheetahEnv } from '../envs/mujoco/half-cheetah.ts';
import { HopperEnv } from '../envs/mujoco/hopper.ts';
import { InvertedDoublePendulumEnv } from '../envs/mujoco/inverted-double-pendulum.ts';
import { InvertedPendulumEnv } from '../envs/mujoco/inverted-pendulum.ts';
import { loadMujocoEnvs } from '../envs/mujoco/load.ts';
import type { MujocoEnv } from '../envs/mujoco/mujoco-env.ts';
import { ReacherEnv } from '../envs/mujoco/reacher.ts';
import { SwimmerEnv } from '../envs/mujoco/swimmer.ts';
import { Walker2dEnv } from '../envs/mujoco/walker2d.ts';
import { parseCli } from './cli-args.ts';

const TASKS: readonly [file: string, build: (model?: string) => MujocoEnv][] = [
  ['inverted_pendulum.xml', (model) => new InvertedPendulumEnv({}, model)],
  ['inverted_double_pendulum.xml', (model) => new InvertedDoublePendulumEnv({}, model)],
  ['half_cheetah.xml', (model) => new HalfCheetahEnv({}, model)],
  ['hopper.xml', (model) => new HopperEnv({}, model)],
  ['walker2d_v5.xml', (model) => new Walker2dEnv({}, model)],
  ['ant.xml', (model) => new AntEnv({}, model)],
  ['swimmer.xml', (model) => new SwimmerEnv({}, model)],
  ['reacher.xml', (model) => new ReacherEnv({}, model)],
];

/**
 * Fields that only change how a model is drawn or named, how much memory MuJoCo reserves (`narena`, the
 * `buffer` address), or custom data the envs never read (the reference's `<numeric>` entries).
 */
const PRESENTATION = /^(buffer|nnumeric|numeric_|name_numericadr|geom_rgba|geom_matid|geom_user|nuser_geom|site_rgba|site_matid|mat_|tex_|ntex|nmat|light_|nlight|cam_|ncam|name_|names|nnames|npaths|paths|narena|nbuffer|nstack|ntexdata|vis|skin|flex_rgba|tendon_rgba|tendon_matid)/;

interface FieldDiff {
  field: string;
  maxAbs: number;
}

function compareModels(ours: Map<string, Float64Array>, theirs: Map<string, Float64Array>): { dynamics: FieldDiff[]; presentation: FieldDiff[]; compared: number } {
  const dynamics: FieldDiff[] = [];
  const presentation: FieldDiff[] = [];
  let compared = 0;
  for (const [field, a] of ours) {
    const b = theirs.get(field);
    if (b === undefined) continue;
    compared++;
    let maxAbs = a.length === b.length ? 0 : Infinity;
    for (let i = 0; i < a.length && i < b.length; i++) {
      if (!Object.is(a[i], b[i])) maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!) || Infinity);
    }
    if (maxAbs !== 0) (PRESENTATION.test(field) ? presentation : dynamics).push({ field, maxAbs });
  }
  return { dynamics, presentation, compared };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function compareTrajectories(ours: MujocoEnv, theirs: MujocoEnv, seeds: number, steps: number) {
  let maxState = 0;
  let maxObs = 0;
  let maxReward = 0;
  let bitIdenticalSteps = 0;
  let episodes = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const actions = new Rng(1000 + seed);
    ours.reset({ seed });
    theirs.reset({ seed });
    for (let t = 0; t < steps; t++) {
      const action = Array.from(ours.actionSpace.sample(actions));
      const a = ours.step(action);
      const b = theirs.step(action);
      const stateDiff = Math.max(maxDifference(ours.data.qpos, theirs.data.qpos), maxDifference(ours.data.qvel, theirs.data.qvel));
      const obsDiff = maxDifference(a.obs, b.obs);
      const rewardDiff = Math.abs(a.reward - b.reward);
      maxState = Math.max(maxState, stateDiff);
      maxObs = Math.max(maxObs, obsDiff);
      maxReward = Math.max(maxReward, rewardDiff);
      if (stateDiff === 0 && obsDiff === 0 && rewardDiff === 0 && a.terminated === b.terminated) bitIdenticalSteps++;
      if (a.terminated || b.terminated) {
        episodes++;
        ours.reset();
        theirs.reset();
      }
    }
  }
  return { maxState, maxObs, maxReward, bitIdenticalSteps, totalSteps: seeds * steps, episodes };
}

const USAGE = `usage: npx tsx bench/mujoco-validate.ts --assets DIR [--steps N] [--seeds N]
  --assets DIR   <Gymnasium checkout>/gymnasium/envs/mujoco/assets (required)
  --steps N      steps per seed and env (default 1000)
  --seeds N      seeds per env (default 5)`;

async function main(): Promise<void> {
  const cli = parseCli({ script: 'mujoco-validate', usage: USAGE, flags: { assets: { type: 'string' }, steps: { type: 'string' }, seeds: { type: 'string' } } });
  const assets = cli.values.assets ?? cli.fail('--assets <Gymnasium checkout>/gymnasium/envs/mujoco/assets is required');
  const steps = cli.integer('steps', 1000);
  const seeds = cli.integer('seeds', 5);
  await loadMujocoEnvs();
  const rows = [];
  for (const [file, build] of TASKS) {
    const ours = build();
    const theirs = build(readFileSync(join(assets, file), 'utf8'));
    const models = compareModels(ours.modelArrays(), theirs.modelArrays());
    const run = compareTrajectories(ours, theirs, seeds, steps);
    rows.push({
      env: ours.id,
      reference: file,
      'fields compared': models.compared,
      'dynamics fields differing': models.dynamics.map((d) => `${d.field} (${d.maxAbs.toExponential(1)})`).join(', ') || 'none',
      'presentation fields differing': models.presentation.map((d) => d.field).join(', ') || 'none',
      'max |Δ qpos,qvel|': run.maxState,
      'max |Δ obs|': run.maxObs,
      'max |Δ reward|': run.maxReward,
      'bit-identical steps': `${run.bitIdenticalSteps}/${run.totalSteps}`,
      'terminations': run.episodes,
    });
    ours.close();
    theirs.close();
  }
  for (const row of rows) console.log(JSON.stringify(row));
}

await main();
