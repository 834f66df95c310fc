/**
 * How an on-policy learner gets its E envs: a vector env (envs/vector/sync-vector-env.ts or
 * envs/vector/async-vector-env.ts in SAME_STEP mode, or any `VectorEnvLike`), or a function that makes one env, called E times and
 * stepped by `EnvVector` below (the same SAME_STEP semantics over the structural `ContinuousEnv`,
 * so envs written inline in a script or a spec work too). A single env instance serves when E = 1.
 */
import { showValue } from '../../engine/index.ts';
import type { ContinuousEnv } from './env.ts';
import { flatSize } from './env.ts';
import type { VectorEnvLike } from './learner.ts';

/** An env, a function making envs, or a vector env. */
export type EnvSource = ContinuousEnv | (() => ContinuousEnv) | VectorEnvLike;

/**
 * Refuses what cannot be an `EnvSource` at all (undefined, null, a number…) before any work, such as
 * reading a checkpoint, is done; the agent's constructor checks the rest.
 */
export function checkEnvSource(owner: string, env: unknown): asserts env is EnvSource {
  if (typeof env !== 'function' && (typeof env !== 'object' || env === null)) {
    throw new TypeError(`${owner}: env must be an env, a function making envs, or a vector env, got ${showValue(env)}`);
  }
}

function isVectorEnv(source: unknown): source is VectorEnvLike {
  return typeof source === 'object' && source !== null && typeof (source as VectorEnvLike).numEnvs === 'number'
    && typeof (source as VectorEnvLike).step === 'function';
}

function isEnv(source: unknown): source is ContinuousEnv {
  const e = source as Partial<ContinuousEnv> | null;
  return typeof e === 'object' && e !== null && typeof e.reset === 'function' && typeof e.step === 'function'
    && Array.isArray(e.observationSpace?.shape) && Array.isArray(e.actionSpace?.shape);
}

/** SAME_STEP autoreset over E envs: an ending step returns the reset observation, the final one in `info.finalObs`. */
export class EnvVector implements VectorEnvLike {
  readonly autoresetMode = 'SAME_STEP' as const;
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly actionSize: number;
  private readonly obs: Float32Array;
  private readonly action: Float32Array;
  private readonly result: {
    obs: Float32Array; rewards: Float64Array; terminations: Uint8Array; truncations: Uint8Array;
    info: { finalObs: Float32Array; finalObsMask: Uint8Array };
  };

  constructor(readonly envs: readonly ContinuousEnv[]) {
    if (!Array.isArray(envs) || envs.length === 0) throw new TypeError(`EnvVector: envs must be a non-empty array of envs, got ${showValue(envs)}`);
    envs.forEach((env: unknown, i) => {
      if (!isEnv(env)) throw new TypeError(`EnvVector: envs[${i}] must be an env with reset(), step(), observationSpace and actionSpace, got ${showValue(env)}`);
      const [observations, actions] = [flatSize(env.observationSpace.shape), flatSize(env.actionSpace.shape)];
      if (i > 0 && (observations !== flatSize(envs[0].observationSpace.shape) || actions !== flatSize(envs[0].actionSpace.shape))) {
        throw new RangeError(`EnvVector: envs[${i}] has observations of ${observations} and actions of ${actions} values, envs[0] of ${flatSize(envs[0].observationSpace.shape)} and ${flatSize(envs[0].actionSpace.shape)}`);
      }
    });
    this.numEnvs = envs.length;
    this.observationSize = flatSize(envs[0].observationSpace.shape);
    this.actionSize = flatSize(envs[0].actionSpace.shape);
    this.obs = new Float32Array(this.numEnvs * this.observationSize);
    this.action = new Float32Array(this.actionSize);
    this.result = {
      obs: this.obs, rewards: new Float64Array(this.numEnvs), terminations: new Uint8Array(this.numEnvs), truncations: new Uint8Array(this.numEnvs),
      info: { finalObs: new Float32Array(this.obs.length), finalObsMask: new Uint8Array(this.numEnvs) },
    };
  }

  reset(options: { seed?: number } = {}): { obs: Float32Array } {
    if (typeof options !== 'object' || options === null) throw new TypeError(`EnvVector.reset: options must be an object ({ seed? }), got ${showValue(options)}`);
    const { seed } = options;
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new RangeError(`EnvVector.reset: seed must be a safe integer, got ${showValue(seed)}`);
    this.envs.forEach((env, i) => this.obs.set(env.reset(seed === undefined ? undefined : { seed: seed + i }).obs, i * this.observationSize));
    return { obs: this.obs };
  }

  step(actions: ArrayLike<number>) {
    const { rewards, terminations, truncations, info } = this.result;
    info.finalObsMask.fill(0);
    this.envs.forEach((env, i) => {
      for (let j = 0; j < this.actionSize; j++) this.action[j] = actions[i * this.actionSize + j];
      const step = env.step(this.action);
      rewards[i] = step.reward;
      terminations[i] = step.terminated ? 1 : 0;
      truncations[i] = step.truncated ? 1 : 0;
      if (step.terminated || step.truncated) {
        info.finalObs.set(step.obs, i * this.observationSize);
        info.finalObsMask[i] = 1;
        this.obs.set(env.reset().obs, i * this.observationSize);
      } else {
        this.obs.set(step.obs, i * this.observationSize);
      }
    });
    return this.result;
  }

  /** Every env's own state (null for envs without `getState`: their episodes restart on resume). */
  getState(): unknown {
    return this.envs.map((env) => env.getState?.() ?? null);
  }

  setState(state: unknown): void {
    if (!Array.isArray(state) || state.length !== this.numEnvs) throw new RangeError(`EnvVector.setState: expected ${this.numEnvs} env states`);
    this.envs.forEach((env, i) => {
      if (state[i] !== null) env.setState?.(state[i]);
    });
  }

  close(): void {
    for (const env of this.envs) env.close?.();
  }
}

export interface ResolvedEnvs {
  readonly vector: VectorEnvLike;
  /** One env of the set, or a vector env's single spaces and id (its sub-envs may live in other threads). */
  readonly single: Pick<ContinuousEnv, 'observationSpace' | 'actionSpace'> & { readonly id?: string };
  /** Whether the envs were made here, from the caller's function (then the agent owns and closes them). */
  readonly made: boolean;
}

/**
 * The vector env of `numEnvs` envs that `source` describes, or a TypeError / RangeError naming what
 * does not fit (a single env for several, a vector env of another size or autoreset mode).
 */
export function resolveEnvs(owner: string, source: unknown, numEnvs: number): ResolvedEnvs {
  if (typeof source === 'function') {
    const envs = Array.from({ length: numEnvs }, (_, i) => {
      const env: unknown = (source as () => unknown)();
      if (!isEnv(env)) throw new TypeError(`${owner}: the env function must return an env with reset(), step() and spaces; call ${i} returned ${typeof env}`);
      return env;
    });
    return { vector: new EnvVector(envs), single: envs[0], made: true };
  }
  if (isVectorEnv(source)) {
    if (source.numEnvs !== numEnvs) throw new RangeError(`${owner}: the vector env has ${source.numEnvs} envs, config numEnvs is ${numEnvs}`);
    if (source.autoresetMode !== 'SAME_STEP') throw new RangeError(`${owner}: the vector env must use SAME_STEP autoreset, got ${source.autoresetMode}`);
    const spaces = source as unknown as { singleObservationSpace?: ContinuousEnv['observationSpace']; singleActionSpace?: ContinuousEnv['actionSpace']; envs?: ContinuousEnv[]; subEnvs?: readonly ContinuousEnv[]; id?: unknown };
    const first = spaces.subEnvs?.[0] ?? spaces.envs?.[0];
    if (first && isEnv(first)) return { vector: source, single: first, made: false };
    // A vector env whose sub-envs live elsewhere (envs/vector/async-vector-env.ts's, in worker threads) describes them by its single spaces.
    const { singleObservationSpace: observationSpace, singleActionSpace: actionSpace } = spaces;
    if (!Array.isArray(observationSpace?.shape) || !Array.isArray(actionSpace?.shape)) {
      throw new TypeError(`${owner}: the vector env must expose its sub-envs (subEnvs or envs) or singleObservationSpace and singleActionSpace`);
    }
    return { vector: source, single: { observationSpace, actionSpace, id: typeof spaces.id === 'string' ? spaces.id : undefined }, made: false };
  }
  if (isEnv(source)) {
    if (numEnvs !== 1) {
      throw new RangeError(`${owner}: config numEnvs is ${numEnvs} but a single env was given; pass a function making envs (() => make(id)) or a vector env`);
    }
    return { vector: new EnvVector([source]), single: source, made: false };
  }
  throw new TypeError(`${owner}: the first argument must be an env, a function making envs, or a SAME_STEP vector env, got ${source === null ? 'null' : typeof source}`);
}
