/**
 * Episode-uniform replay sampling, as the reference code's buffer does it (joelouismarino/variational_rl,
 * misc/buffer.py): pick an episode uniformly (with replacement), then a transition uniformly inside it. Short
 * episodes are therefore over-sampled compared with the transition-uniform `ReplayBuffer.sample`.
 *
 * The shared `ReplayBuffer` stores transitions only, so this subclass infers episode boundaries from
 * the stream of transitions: a transition starts a new episode when the previous one terminated or
 * its next observation is not this one's observation (an env reset). The index is therefore a
 * function of the buffer's contents and is rebuilt exactly by `setState` (checkpoints need nothing extra).
 */
import type { Generator } from '../../engine/index.ts';
import { ReplayBuffer, type Batch, type ReplayBufferState } from '../common/replay-buffer.ts';

export class EpisodeReplayBuffer extends ReplayBuffer {
  /** [first transition (global add count), length] of every episode whose first transition is still stored, oldest first. */
  private episodes: [number, number][] = [];
  private added = 0;
  private readonly previousNext: Float32Array;
  private previousTerminated = true;

  constructor(options: ConstructorParameters<typeof ReplayBuffer>[0]) {
    super(options);
    this.previousNext = new Float32Array(options.observationSize);
  }

  override add(obs: ArrayLike<number>, action: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean): void {
    super.add(obs, action, reward, nextObs, terminated);
    this.track(obs, nextObs, terminated);
  }

  private track(obs: ArrayLike<number>, nextObs: ArrayLike<number>, terminated: boolean): void {
    let continues = !this.previousTerminated && this.episodes.length > 0;
    for (let j = 0; continues && j < obs.length; j++) continues = Math.fround(obs[j]) === this.previousNext[j];
    if (continues) this.episodes[this.episodes.length - 1][1]++;
    else this.episodes.push([this.added, 1]);
    this.added++;
    for (let j = 0; j < nextObs.length; j++) this.previousNext[j] = nextObs[j];
    this.previousTerminated = terminated;
    const oldest = this.added - this.capacity;
    while (this.episodes.length > 0 && this.episodes[0][0] < oldest) this.episodes.shift();
  }

  /** Number of episodes that can be sampled (the running one included). */
  get episodeCount(): number {
    return this.episodes.length;
  }

  /** Fills `batch` with episode-uniform samples: an episode uniformly, then a transition uniformly in it. */
  sampleEpisodeUniform(generator: Generator, batch: Batch): void {
    const count = this.episodes.length;
    if (count === 0) throw new RangeError('EpisodeReplayBuffer.sampleEpisodeUniform: the buffer is empty');
    const o = this.observationSize;
    const a = this.actionSize;
    for (let row = 0; row < batch.size; row++) {
      const [first, length] = this.episodes[generator.integer(count)];
      const tr = this.get((first + generator.integer(length)) % this.capacity);
      batch.observations.set(tr.obs, row * o);
      batch.nextObservations.set(tr.nextObs, row * o);
      batch.actions.set(tr.action, row * a);
      batch.rewards[row] = tr.reward;
      batch.notTerminated[row] = tr.terminated ? 0 : 1;
    }
  }

  /** Restores the transitions, then rebuilds the episode index by replaying them in insertion order. */
  override setState(state: ReplayBufferState): void {
    super.setState(state);
    this.episodes = [];
    this.previousTerminated = true;
    const wrapped = state.size === this.capacity;
    const start = wrapped ? state.position : 0;
    // Transition number g lives in slot g mod capacity; numbering from `start` keeps that true.
    this.added = start;
    for (let i = 0; i < state.size; i++) {
      const tr = this.get((start + i) % this.capacity);
      this.track(tr.obs, tr.nextObs, tr.terminated);
    }
  }
}
