/**
 * `RecordEpisodeStatistics` (Gymnasium `wrappers/common.py`): on the step that ends an episode
 * (terminated or truncated) the returned info is a fresh object `{ ...info, episode: { r, l, t } }` with the
 * undiscounted return, the length and the wall-clock seconds since reset (rounded to 1e-6 s). The last
 * `bufferLength` episodes are kept in `returnQueue`, `lengthQueue` and `timeQueue`.
 */
import { showValue } from '../../engine/errors.ts';
import { EnvConfigError, EnvError } from '../core/errors.ts';
import { EMPTY_INFO, type Action, type Env, type EnvState, type JsonValue, type MutableStepResult, type ResetArgs, type ResetResult, type StepResult } from '../core/types.ts';
import { Wrapper, numberArrayField, numberField } from './wrapper.ts';

export class RecordEpisodeStatistics extends Wrapper {
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeStartMs = 0;
  private readonly result: MutableStepResult = { obs: new Float32Array(0), reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };

  constructor(
    env: Env,
    readonly bufferLength = 100,
  ) {
    super(env);
    if (typeof bufferLength !== 'number' || !(bufferLength >= 0 && (Number.isInteger(bufferLength) || bufferLength === Infinity))) {
      throw new EnvConfigError(env.id, `RecordEpisodeStatistics: bufferLength must be an integer ≥ 0 (or Infinity), got ${showValue(bufferLength)}`);
    }
  }

  override reset(args?: ResetArgs): ResetResult {
    const result = this.env.reset(args);
    this.episodeStartMs = performance.now();
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return result;
  }

  override step(action: Action): StepResult {
    const inner = this.env.step(action);
    this.episodeReturn += inner.reward;
    this.episodeLength += 1;
    const out = this.result;
    out.obs = inner.obs;
    out.reward = inner.reward;
    out.terminated = inner.terminated;
    out.truncated = inner.truncated;
    out.info = inner.info;
    if (inner.terminated || inner.truncated) {
      if ('episode' in inner.info) throw new EnvError(this.id, "RecordEpisodeStatistics: info already has an 'episode' key (wrapped twice?)");
      const seconds = (performance.now() - this.episodeStartMs) / 1000;
      const episode = { r: this.episodeReturn, l: this.episodeLength, t: Math.round(seconds * 1e6) / 1e6 };
      this.push(this.returnQueue, episode.r);
      this.push(this.lengthQueue, episode.l);
      this.push(this.timeQueue, episode.t);
      out.info = { ...inner.info, episode };
    }
    return out;
  }

  private push(queue: number[], value: number): void {
    queue.push(value);
    if (queue.length > this.bufferLength) queue.shift();
  }

  protected override ownState(): Record<string, JsonValue> {
    return {
      episodeReturn: this.episodeReturn,
      episodeLength: this.episodeLength,
      elapsedSeconds: (performance.now() - this.episodeStartMs) / 1000,
      returnQueue: [...this.returnQueue],
      lengthQueue: [...this.lengthQueue],
      timeQueue: [...this.timeQueue],
    };
  }

  protected override restoreOwnState(state: EnvState): void {
    this.episodeReturn = numberField(this.id, state, 'episodeReturn');
    this.episodeLength = numberField(this.id, state, 'episodeLength');
    this.episodeStartMs = performance.now() - numberField(this.id, state, 'elapsedSeconds') * 1000;
    for (const key of ['returnQueue', 'lengthQueue', 'timeQueue'] as const) {
      // A state saved by a wrapper with a longer buffer keeps only this one's newest bufferLength episodes.
      const saved = numberArrayField(this.id, state, key);
      this[key].splice(0, this[key].length, ...saved.slice(Math.max(0, saved.length - this.bufferLength)));
    }
  }
}
