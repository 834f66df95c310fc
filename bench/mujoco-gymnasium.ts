/**
 * Runs varl's MuJoCo v5 task logic side by side with Gymnasium's own (`gymnasium/envs/mujoco/*_v5.py`):
 * observations, rewards, terminations, `info` terms and the reset noise's distributions and draw order.
 *
 * No Python build of MuJoCo is needed: varl steps each env with random actions and records, after every
 * reset and step, the MuJoCo arrays that the task code reads (qpos, qvel, body and site positions, contact
 * forces, constraint forces), its noise draws and what the env returned. `peers/gymnasium_mujoco_replay.py`
 * then runs Gymnasium's env classes, unmodified, over a stand-in `mujoco` module that serves those recorded
 * arrays at each `mj_forward` / `mj_step` / `mj_rnePostConstraint` and a stand-in `np_random` that serves the
 * recorded draws. The stand-ins check what Gymnasium asks of them: the controls written before `mj_step`, the
 * state written before `mj_forward`, the frame skip, and each draw's distribution and bounds. The physics itself
 * is checked separately (`mujoco-validate.ts`: varl's models against Gymnasium's XML in the same MuJoCo).
 *
 * Actions are drawn uniformly from 1.2 × the action box, so some lie outside it (the control cost uses the
 * action as given, MuJoCo clamps the controls), and are rounded to float32 as an agent's would be.
 *
 *   node --import tsx bench/mujoco-gymnasium.ts [--seeds 3] [--steps 1000] [--out bench/results/mujoco-gymnasium.json]
 *
 * Gymnasium's source is found as by `peers/sac_pendulum_cleanrl.py` (installed package, $VARL_GYMNASIUM_SRC,
 * or `peers/gymnasium-src/` from `peers/install.sh`); NumPy is required.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../envs/core/rng.ts';
import type { Info } from '../envs/core/types.ts';
import { loadMujocoEnvs } from '../envs/mujoco/load.ts';
import type { MujocoEnv } from '../envs/mujoco/mujoco-env.ts';
import type { DataViews } from '../envs/mujoco/runtime.ts';
import { envSpec } from '../envs/registry.ts';
import { parseCli } from './cli-args.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.VARL_PYTHON ?? '/usr/bin/python3';

/** varl id → Gymnasium module and class. */
const TASKS: readonly [id: string, module: string, className: string][] = [
  ['InvertedPendulum-v5', 'inverted_pendulum_v5', 'InvertedPendulumEnv'],
  ['InvertedDoublePendulum-v5', 'inverted_double_pendulum_v5', 'InvertedDoublePendulumEnv'],
  ['HalfCheetah-v5', 'half_cheetah_v5', 'HalfCheetahEnv'],
  ['Hopper-v5', 'hopper_v5', 'HopperEnv'],
  ['Walker2d-v5', 'walker2d_v5', 'Walker2dEnv'],
  ['Ant-v5', 'ant_v5', 'AntEnv'],
  ['Swimmer-v5', 'swimmer_v5', 'SwimmerEnv'],
  ['Reacher-v5', 'reacher_v5', 'ReacherEnv'],
];

/** The data arrays Gymnasium's v5 task code and MujocoEnv read. */
const RECORDED_FIELDS = ['qpos', 'qvel', 'ctrl', 'xpos', 'site_xpos', 'qfrc_constraint', 'cfrc_ext'] as const satisfies readonly (keyof DataViews)[];
type Snapshot = Record<(typeof RECORDED_FIELDS)[number], number[]>;

interface Draw {
  kind: 'uniform' | 'normal';
  /** [low, high] or [mean, std]. */
  args: [number, number];
  value: number;
}

interface RecordedStep {
  action: number[];
  physics: Snapshot;
  obs: number[];
  reward: number;
  terminated: boolean;
  info: Record<string, number>;
}

interface RecordedEpisode {
  draws: Draw[];
  reset: { physics: Snapshot; obs: number[]; info: Record<string, number> };
  steps: RecordedStep[];
}

interface RecordedTask {
  id: string;
  module: string;
  className: string;
  model: { nq: number; nv: number; nu: number; nbody: number; timestep: number; frameSkip: number; qpos0: number[]; ctrlRange: number[] };
  episodes: RecordedEpisode[];
}

/** Every call of `Rng.prototype.uniform` / `normal` while `into` is set (the env's reset noise). */
class DrawRecorder {
  into: Draw[] | null = null;

  constructor() {
    const recorder = this;
    const { uniform, normal } = Rng.prototype;
    Rng.prototype.uniform = function (this: Rng, low = 0, high = 1) {
      const value = uniform.call(this, low, high);
      recorder.into?.push({ kind: 'uniform', args: [low, high], value });
      return value;
    };
    Rng.prototype.normal = function (this: Rng, mean = 0, std = 1) {
      const value = normal.call(this, mean, std);
      recorder.into?.push({ kind: 'normal', args: [mean, std], value });
      return value;
    };
  }
}

function snapshot(env: MujocoEnv): Snapshot {
  const data = env.data;
  return Object.fromEntries(RECORDED_FIELDS.map((field) => [field, Array.from(data[field])])) as Snapshot;
}

function plainInfo(info: Info): Record<string, number> {
  return Object.fromEntries(Object.entries(info).map(([key, value]) => [key, Number(value)]));
}

function recordTask(id: string, module: string, className: string, seeds: number, steps: number, draws: DrawRecorder): RecordedTask {
  const env = envSpec(id).create({}) as MujocoEnv;
  const low = Array.from(env.actionSpace.low);
  const high = Array.from(env.actionSpace.high);
  const { nq, nv, nu, nbody, timestep } = env.model;
  const model = { nq, nv, nu, nbody, timestep, frameSkip: env.frameSkip, qpos0: Array.from(env.data.qpos), ctrlRange: low.flatMap((l, i) => [l, high[i]!]) };
  const episodes: RecordedEpisode[] = [];
  const reset = (seed?: number): RecordedEpisode => {
    const noise: Draw[] = [];
    draws.into = noise;
    const { obs, info } = env.reset(seed === undefined ? {} : { seed });
    draws.into = null;
    const episode: RecordedEpisode = { draws: noise, reset: { physics: snapshot(env), obs: Array.from(obs), info: plainInfo(info) }, steps: [] };
    episodes.push(episode);
    return episode;
  };
  for (let seed = 0; seed < seeds; seed++) {
    const actions = new Rng(10_000 + seed);
    let episode = reset(seed);
    for (let t = 0; t < steps; t++) {
      const action = Float32Array.from(low, (l, i) => {
        const mid = (l + high[i]!) / 2;
        const half = ((high[i]! - l) / 2) * 1.2;
        return actions.uniform(mid - half, mid + half);
      });
      const result = env.step(action);
      episode.steps.push({
        action: Array.from(action),
        physics: snapshot(env),
        obs: Array.from(result.obs),
        reward: result.reward,
        terminated: result.terminated,
        info: plainInfo(result.info),
      });
      if (result.terminated && t + 1 < steps) episode = reset();
    }
  }
  env.close();
  return { id, module, className, model, episodes };
}

interface TaskComparison {
  id: string;
  steps: number;
  resets: number;
  terminations: number;
  maxObsAbs: number;
  /** Observation entries where varl's float32 is not Gymnasium's float64 value rounded to float32. */
  obsNotFloat32Equal: number;
  obsEntries: number;
  maxRewardAbs: number;
  terminationMismatches: number;
  maxInfoAbs: Record<string, number>;
  infoKeysOnlyVarl: string[];
  infoKeysOnlyGymnasium: string[];
  protocolMismatches: string[];
}

const USAGE = `usage: node --import tsx bench/mujoco-gymnasium.ts [--seeds N] [--steps N] [--out FILE]
  --seeds N    reset seeds 0 … N−1 per task (default 3)
  --steps N    steps per seed (default 1000)
  --out FILE   the comparison's JSON (default bench/results/mujoco-gymnasium.json)`;

async function main(): Promise<void> {
  const cli = parseCli({ script: 'mujoco-gymnasium', usage: USAGE, flags: { seeds: { type: 'string' }, steps: { type: 'string' }, out: { type: 'string' } } });
  const seeds = cli.integer('seeds', 3);
  const steps = cli.integer('steps', 1000);
  const out = cli.values.out ?? join(here, 'results', 'mujoco-gymnasium.json');
  await loadMujocoEnvs();
  const draws = new DrawRecorder();
  const folder = mkdtempSync(join(tmpdir(), 'varl-gymnasium-'));
  try {
    const tracePath = join(folder, 'trace.json');
    const tasks = TASKS.map(([id, module, className]) => recordTask(id, module, className, seeds, steps, draws));
    writeFileSync(tracePath, JSON.stringify(tasks));
    const run = spawnSync(PYTHON, [join(here, 'peers', 'gymnasium_mujoco_replay.py'), tracePath], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`mujoco-gymnasium: ${PYTHON} gymnasium_mujoco_replay.py exited with ${run.status}:\n${run.stderr}`);
    const report = JSON.parse(run.stdout) as { gymnasium: string; numpy: string; tasks: TaskComparison[] };
    writeFileSync(out, `${JSON.stringify({ seeds, steps, ...report }, null, 1)}\n`);
    console.log(`Gymnasium ${report.gymnasium} (NumPy ${report.numpy}), ${seeds} seeds × ${steps} steps per task\n`);
    console.log('| env | steps (resets) | terminations (mismatches) | max \\|Δ obs\\| | obs entries ≠ float32(Gymnasium) | max \\|Δ reward\\| | largest info \\|Δ\\| | info keys only in varl / Gymnasium | stand-in checks failed |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const t of report.tasks) {
      const [infoKey, infoMax] = Object.entries(t.maxInfoAbs).reduce((a, b) => (b[1] > a[1] ? b : a), ['–', 0]);
      console.log(
        `| ${t.id} | ${t.steps} (${t.resets}) | ${t.terminations} (${t.terminationMismatches}) | ${t.maxObsAbs.toExponential(2)} | ${t.obsNotFloat32Equal}/${t.obsEntries} | ` +
          `${t.maxRewardAbs.toExponential(2)} | ${infoKey} ${infoMax.toExponential(2)} | ${t.infoKeysOnlyVarl.join(', ') || 'none'} / ${t.infoKeysOnlyGymnasium.join(', ') || 'none'} | ` +
          `${t.protocolMismatches.length === 0 ? 'none' : t.protocolMismatches.slice(0, 3).join('; ')} |`,
      );
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
