/**
 * `TimeLimit` (Gymnasium `wrappers/common.py`): after `maxEpisodeSteps` steps it sets `truncated = true`,
 * never `terminated` (both may be true together). Stepping an ended episode throws until `reset()`.
 */
import { showValue } from '../../engine/errors.ts';
import { EnvConfigError, ResetNeededError } from '../core/errors.ts';
import { EMPTY_INFO, type Action, type Env, type EnvState, type JsonValue, type MutableStepResult, type ResetArgs, type ResetResult, type StepResult } from '../core/types.ts';
import { Wrapper, numberField } from './wrapper.ts';

export class TimeLimit extends Wrapper {
  private elapsedSteps = 0;
  private ended = false;
  private readonly result: MutableStepResult = { obs: new Float32Array(0), reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };

  /** @param maxEpisodeSteps integer > 0 */
  constructor(
    env: Env,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new EnvConfigError(env.id, `TimeLimit: maxEpisodeSteps must be an integer > 0, got ${showValue(maxEpisodeSteps)}`);
    }
  }

  /** Steps taken since the last reset. */
  get elapsed(): number {
    return this.elapsedSteps;
  }

  override reset(args?: ResetArgs): ResetResult {
    const result = this.env.reset(args);
    this.elapsedSteps = 0;
    this.ended = false;
    return result;
  }

  override step(action: Action): StepResult {
    if (this.ended) {
      throw new ResetNeededError(this.id, `step() called after the episode ended (step ${this.elapsedSteps} of ${this.maxEpisodeSteps}); call reset() first`);
    }
    const inner = this.env.step(action);
    this.elapsedSteps += 1;
    const out = this.result;
    out.obs = inner.obs;
    out.reward = inner.reward;
    out.terminated = inner.terminated;
    out.truncated = inner.truncated || this.elapsedSteps >= this.maxEpisodeSteps;
    out.info = inner.info;
    this.ended = out.terminated || out.truncated;
    return out;
  }

  protected override ownState(): Record<string, JsonValue> {
    return { elapsedSteps: this.elapsedSteps, ended: this.ended };
  }

  protected override restoreOwnState(state: EnvState): void {
    this.elapsedSteps = numberField(this.id, state, 'elapsedSteps');
    this.ended = state.ended === true;
  }
}
