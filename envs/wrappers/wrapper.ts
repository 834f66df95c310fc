/**
 * `Wrapper`: forwards everything to the wrapped env; subclasses override what they change.
 * Wrapper state nests the inner state: `{ wrapper: 'TimeLimit', inner: {...}, ...own fields }`.
 */
import { expectEnv, isRecord } from '../core/arguments.ts';
import type { Box } from '../core/spaces.ts';
import { EnvConfigError } from '../core/errors.ts';
import type { Action, Env, EnvMetadata, EnvState, JsonValue, ResetArgs, ResetResult, StepResult } from '../core/types.ts';
import { showValue } from '../../engine/errors.ts';

export abstract class Wrapper implements Env {
  constructor(readonly env: Env) {
    expectEnv(new.target.name, 'env', env);
  }

  get id(): string {
    return this.env.id;
  }
  get observationSpace(): Box {
    return this.env.observationSpace;
  }
  get actionSpace(): Box {
    return this.env.actionSpace;
  }
  get metadata(): EnvMetadata {
    return this.env.metadata;
  }
  get unwrapped(): Env {
    return this.env.unwrapped;
  }

  reset(args?: ResetArgs): ResetResult {
    return this.env.reset(args);
  }
  step(action: Action): StepResult {
    return this.env.step(action);
  }
  close(): void {
    this.env.close();
  }
  renderSvg(): string {
    return this.env.renderSvg();
  }

  /** This wrapper's own checkpoint fields (besides `wrapper` and `inner`). */
  protected ownState(): Record<string, JsonValue> {
    return {};
  }
  /** Inverse of `ownState()`; validate what you read. */
  protected restoreOwnState(_state: EnvState): void {}

  getState(): EnvState {
    return { wrapper: this.constructor.name, inner: this.env.getState(), ...this.ownState() };
  }

  setState(state: EnvState): void {
    if (!isRecord(state)) throw new EnvConfigError(this.id, `setState: state must be an object (what getState() returned), got ${showValue(state)}`);
    const { wrapper, inner } = state;
    if (wrapper !== this.constructor.name || inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
      throw new EnvConfigError(this.id, `setState: expected a ${this.constructor.name} state with an 'inner' object, got wrapper=${JSON.stringify(wrapper)}`);
    }
    this.env.setState(inner as EnvState);
    this.restoreOwnState(state);
  }
}

/** Reads a finite number field of a wrapper state, or throws naming the field. */
export function numberField(envId: string, state: EnvState, key: string): number {
  const value = state[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EnvConfigError(envId, `setState: '${key}' must be a finite number, got ${showValue(value)}`);
  }
  return value;
}

/** Reads an array-of-finite-numbers field of a wrapper state, optionally of a given length. */
export function numberArrayField(envId: string, state: EnvState, key: string, length?: number): number[] {
  const value = state[key];
  if (!Array.isArray(value) || (length !== undefined && value.length !== length) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new EnvConfigError(envId, `setState: '${key}' must be ${length ?? 'an array of'} finite numbers, got ${showValue(value)}`);
  }
  return value as number[];
}
