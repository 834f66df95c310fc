/**
 * `checkEnv(env)`: the checks of Gymnasium's `utils/env_checker.py::check_env` that apply here (spaces,
 * reset signature and seed determinism, reset options, the passive checks of one step, step determinism,
 * render, double close), plus checkpoint round-trips. Throws `EnvCheckError` naming the env and the failed check. The env is left reset.
 *
 * Observations are copied before comparing, because envs reuse their observation buffer.
 */
import { showValue } from '../../engine/errors.ts';
import { expectEnv, isRecord } from './arguments.ts';
import { EnvCheckError } from './errors.ts';
import { Rng } from './rng.ts';
import { Box } from './spaces.ts';
import type { Env, Info } from './types.ts';

interface Transition {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: string;
}

export interface CheckEnvOptions {
  /** Steps compared in the trajectory-determinism and checkpoint checks (default 20). */
  trajectoryLength?: number;
  /** Skip `close()` checks, e.g. for an env that will be used afterwards. */
  skipClose?: boolean;
}

/**
 * @example checkEnv(make('Pendulum-v1'))  // throws EnvCheckError('Pendulum-v1', 'reset-seed-determinism', …) on failure
 */
export function checkEnv(env: Env, options: CheckEnvOptions = {}): void {
  expectEnv('checkEnv', 'env', env);
  if (!isRecord(options)) throw new TypeError(`checkEnv: options must be { trajectoryLength?, skipClose? }, got ${showValue(options)}`);
  const { trajectoryLength = 20, skipClose = false } = options;
  if (!Number.isInteger(trajectoryLength) || trajectoryLength < 0) {
    throw new RangeError(`checkEnv: trajectoryLength must be an integer ≥ 0, got ${showValue(trajectoryLength)}`);
  }
  const fail = (check: string, detail: string): never => {
    throw new EnvCheckError(env.id, check, detail);
  };

  // 1. The members the checks below call (Gymnasium first asserts that env is a gymnasium.Env).
  if (typeof env.id !== 'string' || env.id === '') fail('api', `id must be a non-empty string, got ${showValue(env.id)}`);
  for (const method of ['getState', 'setState', 'renderSvg', 'close'] as const) {
    if (typeof env[method] !== 'function') fail('api', `${method} must be a method, got ${showValue(env[method])}`);
  }
  if (typeof env.unwrapped !== 'object' || env.unwrapped === null) fail('api', `unwrapped must be the innermost env, got ${showValue(env.unwrapped)}`);
  const sameArrays = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

  // 2. Spaces are Boxes with consistent, non-NaN bounds of the declared shape.
  for (const [name, space] of [['observationSpace', env.observationSpace], ['actionSpace', env.actionSpace]] as const) {
    if (!(space instanceof Box)) fail('spaces', `${name} must be a Box, got ${String(space)}`);
    const size = space.shape.reduce((a, b) => a * b, 1);
    if (space.low.length !== size || space.high.length !== size) fail('spaces', `${name} bounds do not match shape [${space.shape.join(', ')}]`);
    for (let i = 0; i < size; i++) {
      if (Number.isNaN(space.low[i]) || Number.isNaN(space.high[i]) || !(space.low[i]! <= space.high[i]!)) {
        fail('spaces', `${name} has low[${i}] = ${space.low[i]}, high[${i}] = ${space.high[i]}`);
      }
    }
    const expectedArray = space.dtype === 'float32' ? Float32Array : Float64Array;
    if (!(space.low instanceof expectedArray)) fail('spaces', `${name} bounds are not stored as ${space.dtype}`);
  }
  if (env.observationSpace.dtype !== 'float32') fail('spaces', `observationSpace dtype must be float32, got ${env.observationSpace.dtype}`);

  // 4. reset() returns { obs ∈ space, info: object }.
  const checkObservation = (obs: unknown, where: string): Float32Array => {
    if (!(obs instanceof Float32Array)) return fail('observation-type', `${where} returned ${Object.prototype.toString.call(obs)}, expected Float32Array`);
    if (!env.observationSpace.contains(obs)) fail('observation-in-space', `${where} returned [${Array.from(obs).join(', ')}], not in ${env.observationSpace.toString()}`);
    return obs.slice();
  };
  // Infos are compared as JSON, without RecordEpisodeStatistics' wall-clock `episode` entry.
  const checkInfo = (info: unknown, where: string): string => {
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail('info-type', `${where} info must be a plain object, got ${String(info)}`);
    return JSON.stringify({ ...(info as Info), episode: undefined });
  };
  // The RNG and physics live in the unwrapped env (Gymnasium compares `env.unwrapped._np_random`).
  const rawState = () => JSON.stringify(env.unwrapped.getState());
  const reset = (seed?: number) => {
    const result = env.reset(seed === undefined ? {} : { seed });
    return { obs: checkObservation(result.obs, `reset(${seed ?? ''})`), info: checkInfo(result.info as Info, 'reset') };
  };

  // 5. Seeded reset determinism; an unseeded reset continues the stream; a new seed changes it.
  const first = reset(123);
  const stateAfterFirst = rawState();
  const second = reset(123);
  if (!sameArrays(first.obs, second.obs)) fail('reset-seed-determinism', `reset({ seed: 123 }) twice gave [${first.obs.join(', ')}] and [${second.obs.join(', ')}]`);
  if (rawState() !== stateAfterFirst) fail('reset-seed-determinism', 'reset({ seed: 123 }) twice left different states (RNG or physics)');
  reset();
  if (rawState() === stateAfterFirst) fail('reset-seed-determinism', 'an unseeded reset() after reset({ seed: 123 }) restarted the same stream');
  reset(456);
  if (rawState() === stateAfterFirst) fail('reset-seed-determinism', 'reset({ seed: 456 }) gave the same state as seed 123');

  // 6. reset accepts options.
  try {
    env.reset({ seed: 123, options: {} });
  } catch (error) {
    fail('reset-options', `reset({ seed, options: {} }) threw ${String(error)}`);
  }

  // 7 + 8. Step types and seeded trajectory determinism under a fixed action sequence.
  const actionRng = new Rng(0);
  const actions = Array.from({ length: trajectoryLength }, () => Array.from(env.actionSpace.sample(actionRng)));
  const rollout = (seed: number): Transition[] => {
    env.reset({ seed });
    const transitions: Transition[] = [];
    for (const action of actions) {
      const { obs, reward, terminated, truncated, info } = env.step(action);
      if (typeof terminated !== 'boolean' || typeof truncated !== 'boolean') {
        fail('step-flags', `terminated/truncated must be booleans, got ${String(terminated)}/${String(truncated)}`);
      }
      if (typeof reward !== 'number' || !Number.isFinite(reward)) fail('step-reward', `reward must be a finite number, got ${showValue(reward)}`);
      transitions.push({ obs: checkObservation(obs, 'step'), reward, terminated, truncated, info: checkInfo(info, 'step') });
      if (terminated || truncated) break;
    }
    return transitions;
  };
  const same = (a: Transition[], b: Transition[]) =>
    a.length === b.length &&
    a.every((t, i) => sameArrays(t.obs, b[i]!.obs) && Object.is(t.reward, b[i]!.reward) && t.terminated === b[i]!.terminated && t.truncated === b[i]!.truncated && t.info === b[i]!.info);
  const trajectory = rollout(123);
  if (trajectory.length > 0 && trajectory[0]!.truncated && trajectory.length === 1) fail('step-determinism', 'the episode was truncated after one step');
  if (!same(trajectory, rollout(123))) fail('step-determinism', `two rollouts from reset({ seed: 123 }) under the same ${actions.length} actions differ`);

  // Checkpoints: setState(getState()) mid-episode reproduces the continuation.
  env.reset({ seed: 7 });
  const half = Math.floor(actions.length / 2);
  let ended = false;
  for (let i = 0; i < half && !ended; i++) {
    const r = env.step(actions[i]!);
    ended = r.terminated || r.truncated;
  }
  if (!ended) {
    const checkpoint = JSON.parse(JSON.stringify(env.getState())) as ReturnType<Env['getState']>;
    const continueFrom = () => {
      const out: Transition[] = [];
      for (let i = half; i < actions.length; i++) {
        const r = env.step(actions[i]!);
        out.push({ obs: r.obs.slice(), reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: checkInfo(r.info, 'step') });
        if (r.terminated || r.truncated) break;
      }
      return out;
    };
    const original = continueFrom();
    env.setState(checkpoint);
    if (!same(original, continueFrom())) fail('checkpoint', 'setState(getState()) did not reproduce the rest of the episode');
  }

  // Rendering produces an SVG document.
  const svg = env.renderSvg();
  if (typeof svg !== 'string' || !svg.startsWith('<svg') || !svg.trimEnd().endsWith('</svg>')) fail('render', 'renderSvg() must return an <svg>…</svg> document');

  env.reset({ seed: 123 });
  // 9. close() twice does not throw.
  if (!skipClose) {
    try {
      env.close();
      env.close();
    } catch (error) {
      fail('close', `close() twice threw ${String(error)}`);
    }
  }
}
