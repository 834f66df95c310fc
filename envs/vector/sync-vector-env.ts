/**
 * `SyncVectorEnv`: steps `numEnvs` copies of an env one after another and batches the results
 * (Gymnasium `vector/sync_vector_env.py`). Observations are one Float32Array of `numEnvs × obsSize`, row i for
 * sub-env i. Results are reused between calls like a single env's (copy what you keep).
 *
 * Autoreset modes (Gymnasium 1.x `AutoresetMode`; pick one explicitly, training code differs):
 * - `'NEXT_STEP'` (Gymnasium's default): when sub-env i ends at call t, call t returns its true final
 *   observation, reward and flags; call t+1 ignores action i, resets the sub-env and returns the reset
 *   observation with reward 0 and both flags false. `info.autoreset[i] === 1` marks those calls: do not
 *   store the transition (obs_t → reset obs).
 * - `'SAME_STEP'`: the reset happens inside call t. `obs` row i is already the reset observation; the final
 *   observation is in `info.finalObs` row i with `info.finalObsMask[i] === 1`, and the final info in
 *   `info.finalInfos[i]`. Rewards and flags are those of the ending step.
 * - `'DISABLED'`: a sub-env is never reset by the vector env; reset the ended ones with `reset({ resetMask })`
 *   (stepping one before that throws the sub-env's ResetNeededError).
 * Either way the final observation of every episode reaches the caller exactly once.
 *
 * Seeding: `reset({ seed })` seeds sub-env i with `seed + i`; an array gives one seed per sub-env.
 */
import { showValue } from '../../engine/errors.ts';
import { expectEnv, isRecord, refuseUnknownArguments } from '../core/arguments.ts';
import { EnvConfigError, InvalidActionError, formatShape } from '../core/errors.ts';
import { Box } from '../core/spaces.ts';
import type { Env, EnvState, Info, ResetOptions } from '../core/types.ts';

export type AutoresetMode = 'NEXT_STEP' | 'SAME_STEP' | 'DISABLED';

export interface VectorInfo {
  /** The info of each sub-env's last step (or reset, in SAME_STEP after an ending step / NEXT_STEP autoreset). */
  readonly envInfos: readonly Info[];
  /** NEXT_STEP: 1 where this call reset sub-env i instead of stepping it. All zeros in SAME_STEP. */
  readonly autoreset: Uint8Array;
  /** SAME_STEP: final observations, row i valid where `finalObsMask[i] === 1`. Unused in NEXT_STEP. */
  readonly finalObs: Float32Array;
  readonly finalObsMask: Uint8Array;
  /** SAME_STEP: a copy of the ending step's info for sub-envs that ended this call, else null. */
  readonly finalInfos: readonly (Info | null)[];
}

export interface VectorResetResult {
  readonly obs: Float32Array;
  readonly infos: readonly Info[];
}

export interface VectorStepResult {
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  /** 1 where sub-env i terminated this call. */
  readonly terminations: Uint8Array;
  /** 1 where sub-env i was truncated this call. */
  readonly truncations: Uint8Array;
  readonly info: VectorInfo;
}

/** The arrays one vector step writes, rows indexed by the sub-env's place in the vector env. */
export interface SubEnvStepBuffers {
  readonly obs: Float32Array;
  readonly rewards: Float64Array;
  readonly terminations: Uint8Array;
  readonly truncations: Uint8Array;
  readonly autoreset: Uint8Array;
  readonly finalObs: Float32Array;
  readonly finalObsMask: Uint8Array;
}

/**
 * Sub-env `i`'s part of a vector step with Gymnasium's autoreset modes, shared by SyncVectorEnv and
 * AsyncVectorEnv's workers. NEXT_STEP: a sub-env that ended last call is reset instead of stepped
 * (autoreset 1, reward 0). SAME_STEP: one that ends is reset at once; its final observation goes to
 * `finalObs` and a copy of its final info is returned. DISABLED: only steps. `needsReset[k]`
 * is the sub-env's own flag.
 * Returns the info of the observation now in `obs`, and the final info (or null).
 */
export function stepSubEnv(
  env: Env, i: number, k: number, actions: ArrayLike<number>, action: Float32Array | Float64Array, mode: AutoresetMode, needsReset: Uint8Array,
  out: SubEnvStepBuffers,
): { readonly info: Info; readonly finalInfo: Info | null } {
  const obsSize = out.obs.length / out.rewards.length;
  out.autoreset[i] = 0;
  out.finalObsMask[i] = 0;
  if (mode === 'NEXT_STEP' && needsReset[k] === 1) {
    const { obs, info } = env.reset();
    out.obs.set(obs, i * obsSize);
    out.rewards[i] = 0;
    out.terminations[i] = 0;
    out.truncations[i] = 0;
    out.autoreset[i] = 1;
    needsReset[k] = 0;
    return { info, finalInfo: null };
  }
  for (let j = 0; j < action.length; j++) action[j] = actions[i * action.length + j]!;
  const result = env.step(action);
  out.rewards[i] = result.reward;
  out.terminations[i] = result.terminated ? 1 : 0;
  out.truncations[i] = result.truncated ? 1 : 0;
  const ended = result.terminated || result.truncated;
  if (ended && mode === 'SAME_STEP') {
    out.finalObs.set(result.obs, i * obsSize);
    out.finalObsMask[i] = 1;
    const finalInfo = { ...result.info }; // the reset below may reuse the sub-env's info object
    const { obs, info } = env.reset();
    out.obs.set(obs, i * obsSize);
    return { info, finalInfo };
  }
  out.obs.set(result.obs, i * obsSize);
  needsReset[k] = ended ? 1 : 0;
  return { info: result.info, finalInfo: null };
}

export interface VectorResetArgs {
  /** One base seed (sub-env i gets seed + i) or one seed per sub-env. */
  seed?: number | readonly number[];
  options?: ResetOptions;
  /** Gymnasium's `reset_mask`: reset only the sub-envs where it is true (their rows change, the others keep theirs). */
  resetMask?: ArrayLike<boolean | number>;
}

/**
 * Throws unless `args` is `{ seed?, options?, resetMask? }` with a seed that is a number or an array (the sub-envs
 * check the values). Shared with AsyncVectorEnv.
 */
export function checkVectorResetArgs(label: string, args: unknown): void {
  if (!isRecord(args)) {
    const hint = typeof args === 'number' ? `; to seed, call reset({ seed: ${args} })` : '';
    throw new EnvConfigError(label, `reset: the argument must be { seed?, options? }, got ${showValue(args)}${hint}`);
  }
  refuseUnknownArguments(label, 'reset', args as object, ['seed', 'options', 'resetMask']);
  const { seed } = args as { seed?: unknown };
  if (seed !== undefined && typeof seed !== 'number' && !Array.isArray(seed)) {
    throw new RangeError(`${label}: reset: seed must be a number (sub-env i gets seed + i) or one seed per sub-env, got ${showValue(seed)}`);
  }
}

export class SyncVectorEnv {
  readonly numEnvs: number;
  readonly autoresetMode: AutoresetMode;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Box;
  /** Batched spaces of shape [numEnvs, …single shape]. */
  readonly observationSpace: Box;
  readonly actionSpace: Box;

  private readonly envs: Env[];
  private readonly obsSize: number;
  private readonly actionSize: number;
  private readonly actionBuffers: Float64Array[];
  private readonly needsReset: Uint8Array;
  private readonly envInfos: Info[];
  private readonly finalInfos: (Info | null)[];
  private readonly obs: Float32Array;
  private readonly stepResult: VectorStepResult & { info: VectorInfo };
  private readonly resetResult: VectorResetResult;

  /**
   * @example new SyncVectorEnv(Array.from({ length: 4 }, () => () => make('Pendulum-v1')), { autoresetMode: 'SAME_STEP' })
   */
  constructor(envFns: readonly (() => Env)[], options: { autoresetMode?: AutoresetMode } = {}) {
    if (!Array.isArray(envFns)) throw new TypeError(`SyncVectorEnv: envFns must be an array of functions that make an env, got ${showValue(envFns)}`);
    const odd = envFns.findIndex((fn) => typeof fn !== 'function');
    if (odd >= 0) {
      throw new TypeError(`SyncVectorEnv: envFns[${odd}] must be a function that makes an env, such as () => make('Pendulum-v1'), got ${showValue(envFns[odd])}`);
    }
    if (envFns.length === 0) throw new RangeError('SyncVectorEnv: needs at least one env');
    if (!isRecord(options)) throw new TypeError(`SyncVectorEnv: options must be { autoresetMode? }, got ${showValue(options)}`);
    const { autoresetMode = 'NEXT_STEP' } = options;
    if (autoresetMode !== 'NEXT_STEP' && autoresetMode !== 'SAME_STEP' && autoresetMode !== 'DISABLED') {
      throw new RangeError(`SyncVectorEnv: autoresetMode must be 'NEXT_STEP', 'SAME_STEP' or 'DISABLED', got ${showValue(autoresetMode)}`);
    }
    this.envs = envFns.map((fn, i) => {
      const env: unknown = fn();
      expectEnv('SyncVectorEnv', `envFns[${i}]()`, env);
      return env;
    });
    this.numEnvs = this.envs.length;
    this.autoresetMode = autoresetMode;
    const first = this.envs[0]!;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    for (const env of this.envs) {
      if (env.observationSpace.size !== first.observationSpace.size || env.actionSpace.size !== first.actionSpace.size) {
        throw new EnvConfigError(env.id, `SyncVectorEnv: sub-env spaces differ from ${first.id}'s`);
      }
    }
    this.observationSpace = SyncVectorEnv.batch(first.observationSpace, this.numEnvs);
    this.actionSpace = SyncVectorEnv.batch(first.actionSpace, this.numEnvs);
    this.obsSize = first.observationSpace.size;
    this.actionSize = first.actionSpace.size;
    this.actionBuffers = this.envs.map(() => new Float64Array(this.actionSize));
    this.needsReset = new Uint8Array(this.numEnvs);
    this.envInfos = this.envs.map(() => ({}));
    this.finalInfos = this.envs.map(() => null);
    this.obs = new Float32Array(this.numEnvs * this.obsSize);
    const info: VectorInfo = {
      envInfos: this.envInfos,
      autoreset: new Uint8Array(this.numEnvs),
      finalObs: new Float32Array(this.numEnvs * this.obsSize),
      finalObsMask: new Uint8Array(this.numEnvs),
      finalInfos: this.finalInfos,
    };
    this.stepResult = {
      obs: this.obs,
      rewards: new Float64Array(this.numEnvs),
      terminations: new Uint8Array(this.numEnvs),
      truncations: new Uint8Array(this.numEnvs),
      info,
    };
    this.resetResult = { obs: this.obs, infos: this.envInfos };
  }

  private static batch(space: Box, numEnvs: number): Box {
    const tile = (values: ArrayLike<number>) => Array.from({ length: numEnvs * values.length }, (_, i) => values[i % values.length]!);
    return new Box({ low: tile(space.low), high: tile(space.high), shape: [numEnvs, ...space.shape], dtype: space.dtype });
  }

  /** The sub-envs, e.g. to render one. */
  get subEnvs(): readonly Env[] {
    return this.envs;
  }

  private get label(): string {
    return `SyncVectorEnv(${this.envs[0]!.id} ×${this.numEnvs})`;
  }

  reset(args: VectorResetArgs = {}): VectorResetResult {
    checkVectorResetArgs(this.label, args);
    const { seed, options, resetMask } = args;
    if (Array.isArray(seed) && seed.length !== this.numEnvs) {
      throw new RangeError(`${this.label}: got ${seed.length} seeds for ${this.numEnvs} sub-envs`);
    }
    if (resetMask !== undefined && (resetMask === null || typeof resetMask !== 'object' || resetMask.length !== this.numEnvs)) {
      throw new RangeError(`${this.label}: resetMask must have one entry per sub-env (${this.numEnvs}), got ${showValue(resetMask)}`);
    }
    for (let i = 0; i < this.numEnvs; i++) {
      if (resetMask !== undefined && !resetMask[i]) continue;
      const envSeed = seed === undefined ? undefined : typeof seed === 'number' ? seed + i : (seed as readonly number[])[i];
      const { obs, info } = this.envs[i]!.reset({ seed: envSeed, options });
      this.obs.set(obs, i * this.obsSize);
      this.envInfos[i] = info;
      this.needsReset[i] = 0;
    }
    return this.resetResult;
  }

  /** @param actions `numEnvs × actionSize` numbers, row i for sub-env i. */
  step(actions: ArrayLike<number>): VectorStepResult {
    if (typeof actions !== 'object' || actions === null || actions.length !== this.numEnvs * this.actionSize) {
      throw new InvalidActionError(
        this.label,
        `actions must have shape ${formatShape(this.actionSpace.shape)} (${this.numEnvs * this.actionSize} numbers), got ${typeof actions !== 'object' || actions === null || typeof actions.length !== 'number' ? showValue(actions) : `length ${actions.length}`}`,
      );
    }
    const { rewards, terminations, truncations, info } = this.stepResult;
    const out: SubEnvStepBuffers = {
      obs: this.obs, rewards, terminations, truncations, autoreset: info.autoreset, finalObs: info.finalObs, finalObsMask: info.finalObsMask,
    };
    for (let i = 0; i < this.numEnvs; i++) {
      const result = stepSubEnv(this.envs[i]!, i, i, actions, this.actionBuffers[i]!, this.autoresetMode, this.needsReset, out);
      this.envInfos[i] = result.info;
      this.finalInfos[i] = result.finalInfo;
    }
    return this.stepResult;
  }

  close(): void {
    for (const env of this.envs) env.close();
  }

  getState(): EnvState {
    return { autoresetMode: this.autoresetMode, needsReset: Array.from(this.needsReset), envs: this.envs.map((env) => env.getState()) };
  }

  setState(state: EnvState): void {
    if (!isRecord(state)) throw new EnvConfigError(this.label, `setState: state must be an object (what getState() returned), got ${showValue(state)}`);
    const { autoresetMode, needsReset, envs } = state;
    if (autoresetMode !== this.autoresetMode || !Array.isArray(needsReset) || !Array.isArray(envs) || envs.length !== this.numEnvs || needsReset.length !== this.numEnvs) {
      throw new EnvConfigError(this.label, `setState: expected a ${this.autoresetMode} state for ${this.numEnvs} sub-envs`);
    }
    envs.forEach((envState, i) => this.envs[i]!.setState(envState as EnvState));
    needsReset.forEach((flag, i) => (this.needsReset[i] = flag === 1 ? 1 : 0));
  }
}
