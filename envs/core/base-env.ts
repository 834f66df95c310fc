/**
 * `BaseEnv`: what every built-in environment shares, so each env file only holds its physics.
 *
 * - Episode order: `step()` before `reset()`, or after `terminated`, throws `ResetNeededError`.
 * - Action checks: wrong length, NaN or ±Infinity throw `InvalidActionError`; finite out-of-bounds
 *   values are passed to the env, which clips them exactly as its reference does.
 * - Seeding: one generator per env, reseeded only when `reset({ seed })` is given (Gymnasium's
 *   `Env.reset(seed=…)` in `gymnasium/core.py`).
 * - Buffers: `obs`, the result objects and `info` are allocated once and reused (see `types.ts`).
 * - Checkpoints: `getState()` / `setState()` cover generator words, physics state and episode phase.
 */
import { isRecord, refuseUnknownArguments } from './arguments.ts';
import { Rng, assertValidSeed } from './rng.ts';
import { Box } from './spaces.ts';
import { EnvConfigError, InvalidActionError, ResetNeededError, formatShape, formatValues } from './errors.ts';
import {
  EMPTY_INFO,
  type Action,
  type Env,
  type EnvMetadata,
  type EnvState,
  type Info,
  type MutableResetResult,
  type MutableStepResult,
  type ResetArgs,
  type ResetOptions,
  type ResetResult,
  type StepResult,
} from './types.ts';
import { showValue } from '../../engine/errors.ts';

type Phase = 'needsReset' | 'running' | 'ended';
const PHASES: readonly Phase[] = ['needsReset', 'running', 'ended'];

/**
 * Merges constructor options over defaults, rejecting unknown keys and non-finite values.
 * @example resolveConfig('Pendulum-v1', { g: 10 }, { g: 9.81 })  // { g: 9.81 }
 */
export function resolveConfig<C extends { [K in keyof C]: number }>(envId: string, defaults: C, overrides: Partial<C> | undefined): Readonly<C> {
  if (overrides !== undefined && overrides !== null && typeof overrides !== 'object') {
    throw new EnvConfigError(envId, `options must be an object, got ${showValue(overrides)}`);
  }
  const config: Record<string, number> = { ...defaults };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in defaults)) {
      throw new EnvConfigError(envId, `unknown option '${key}'; known options: ${Object.keys(defaults).join(', ') || '(none)'}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new EnvConfigError(envId, `option '${key}' must be a finite number, got ${showValue(value)}`);
    }
    config[key] = value;
  }
  return Object.freeze(config) as Readonly<C>;
}

/**
 * Throws `InvalidActionError` unless `action` has `space.size` finite numbers. Out-of-bounds finite values pass:
 * each env clips them the way its reference does.
 */
export function validateAction(envId: string, space: Box, action: Action): void {
  // Only type tests here, on every step: `instanceof Box` measured ~10 ns a call. The failure paths below check it.
  if (typeof envId !== 'string' || typeof space?.size !== 'number') refuseValidateActionArguments(envId, space);
  const size = space.size;
  if (action === null || typeof action !== 'object' || action.length !== size) {
    if (!(space instanceof Box)) refuseValidateActionArguments(envId, space);
    const got = action !== null && typeof action === 'object' && typeof action.length === 'number'
      ? `length ${action.length}: ${formatValues(action)}` : showValue(action);
    throw new InvalidActionError(envId, `action must have shape ${formatShape(space.shape)}, got ${got}`);
  }
  for (let i = 0; i < size; i++) {
    const value = action[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      if (!(space instanceof Box)) refuseValidateActionArguments(envId, space);
      throw new InvalidActionError(
        envId,
        `action[${i}] = ${showValue(value)} is not finite; expected shape ${formatShape(space.shape)} within ${space.toString()}, got ${formatValues(action)}`,
      );
    }
  }
}

function refuseValidateActionArguments(envId: unknown, space: unknown): never {
  if (typeof envId !== 'string') throw new TypeError(`validateAction: envId must be a string, got ${showValue(envId)}`);
  throw new TypeError(`validateAction: space must be a Box, got ${showValue(space)}`);
}

/** The constructor arguments a subclass passes to `super()`, checked for plain-JS subclasses. */
function checkBaseArguments(owner: string, id: unknown, observationSpace: unknown, actionSpace: unknown, renderFps: unknown): void {
  if (typeof id !== 'string' || id === '') throw new TypeError(`${owner}: id must be a non-empty string, got ${showValue(id)}`);
  if (!(observationSpace instanceof Box)) throw new TypeError(`${owner}: observationSpace must be a Box, got ${showValue(observationSpace)}`);
  if (!(actionSpace instanceof Box)) throw new TypeError(`${owner}: actionSpace must be a Box, got ${showValue(actionSpace)}`);
  if (typeof renderFps !== 'number' || !(renderFps > 0)) throw new RangeError(`${owner}: renderFps must be a number > 0, got ${showValue(renderFps)}`);
}

export abstract class BaseEnv implements Env {
  readonly metadata: EnvMetadata;
  /** The observation buffer, rewritten in place by `writeObservation()`. */
  protected readonly obs: Float32Array;
  /** The info object returned by the next reset/step; envs with diagnostics keep one object and mutate it. */
  protected info: Info = EMPTY_INFO;
  /** Keys accepted in `reset({ options })`. */
  protected abstract readonly resetOptionKeys: readonly string[];

  private rng: Rng | null = null;
  private phase: Phase = 'needsReset';
  private readonly stepResult: MutableStepResult;
  private readonly resetResult: MutableResetResult;

  constructor(
    readonly id: string,
    readonly observationSpace: Box,
    readonly actionSpace: Box,
    renderFps: number,
  ) {
    checkBaseArguments(new.target === BaseEnv ? 'BaseEnv' : `BaseEnv (${new.target.name})`, id, observationSpace, actionSpace, renderFps);
    this.metadata = Object.freeze({ renderModes: Object.freeze(['svg']), renderFps });
    this.obs = new Float32Array(observationSpace.size);
    this.stepResult = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };
    this.resetResult = { obs: this.obs, info: EMPTY_INFO };
  }

  get unwrapped(): Env {
    return this;
  }

  /** Draw an initial state from `rng` (honouring `options`). */
  protected abstract resetPhysics(rng: Rng, options: ResetOptions): void;
  /** Advance one step under a validated action; set `out.reward` and `out.terminated`. */
  protected abstract transition(action: Action, out: MutableStepResult): void;
  /** Write the current observation into `this.obs`. */
  protected abstract writeObservation(): void;
  /** The physics state as a flat list of finite numbers (for checkpoints). */
  protected abstract physicsState(): number[];
  /** Inverse of `physicsState()`. */
  protected abstract restorePhysics(values: readonly number[]): void;
  abstract renderSvg(): string;

  reset(args: ResetArgs = {}): ResetResult {
    if (!isRecord(args)) {
      const hint = typeof args === 'number' ? `; to seed, call reset({ seed: ${args} })` : '';
      throw new EnvConfigError(this.id, `reset: the argument must be { seed?, options? }, got ${showValue(args)}${hint}`);
    }
    refuseUnknownArguments(this.id, 'reset', args, ['seed', 'options']);
    const { seed, options = {} } = args;
    if (typeof options !== 'object' || options === null) throw new EnvConfigError(this.id, `reset: options must be an object, got ${showValue(options)}`);
    if (seed !== undefined) {
      assertValidSeed(seed, `${this.id}: reset`);
      if (this.rng === null) this.rng = new Rng(seed);
      else this.rng.reseed(seed);
    } else if (this.rng === null) {
      this.rng = Rng.fromEntropy();
    }
    for (const [key, value] of Object.entries(options)) {
      if (!this.resetOptionKeys.includes(key)) {
        throw new EnvConfigError(this.id, `unknown reset option '${key}'; accepted: ${this.resetOptionKeys.join(', ') || '(none)'}`);
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new EnvConfigError(this.id, `reset option '${key}' must be a finite number, got ${showValue(value)}`);
      }
    }
    this.resetPhysics(this.rng, options);
    this.writeObservation();
    this.phase = 'running';
    this.resetResult.info = this.info;
    return this.resetResult;
  }

  step(action: Action): StepResult {
    if (this.phase !== 'running') {
      throw new ResetNeededError(
        this.id,
        this.phase === 'needsReset' ? 'step() called before reset()' : 'step() called after the episode terminated; call reset() first',
      );
    }
    validateAction(this.id, this.actionSpace, action);
    const out = this.stepResult;
    out.terminated = false;
    this.transition(action, out);
    this.writeObservation();
    out.truncated = false; // time limits are the TimeLimit wrapper's job
    out.info = this.info;
    if (out.terminated) this.phase = 'ended';
    return out;
  }

  close(): void {
    // Nothing to release; kept idempotent like Gymnasium's close().
  }

  getState(): EnvState {
    return { id: this.id, phase: this.phase, rng: this.rng === null ? null : this.rng.getState(), physics: this.physicsState() };
  }

  setState(state: EnvState): void {
    if (!isRecord(state)) throw new EnvConfigError(this.id, `setState: state must be an object (what getState() returned), got ${showValue(state)}`);
    const { id, phase, rng, physics } = state;
    const expectedLength = this.physicsState().length;
    if (id !== this.id) throw new EnvConfigError(this.id, `setState: state belongs to '${String(id)}'`);
    if (typeof phase !== 'string' || !PHASES.includes(phase as Phase)) {
      throw new EnvConfigError(this.id, `setState: phase must be one of ${PHASES.join(', ')}, got ${showValue(phase)}`);
    }
    if (!Array.isArray(physics) || physics.length !== expectedLength || !physics.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new EnvConfigError(this.id, `setState: physics must be ${expectedLength} finite numbers, got ${showValue(physics)}`);
    }
    if (rng === null) {
      this.rng = null;
    } else if (Array.isArray(rng) && rng.every((w) => typeof w === 'number')) {
      (this.rng ??= new Rng(0)).setState(rng as number[]);
    } else {
      throw new EnvConfigError(this.id, `setState: rng must be null or four uint32 words, got ${showValue(rng)}`);
    }
    this.restorePhysics(physics as number[]);
    this.writeObservation();
    this.phase = phase as Phase;
  }
}
