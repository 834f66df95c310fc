import { strict as assert } from 'node:assert';
import { Generator } from '../../engine/index.ts';
import { createBatch } from '../../algorithms/common/replay-buffer.ts';
import { EpisodeReplayBuffer } from '../../algorithms/iapo/episode-replay.ts';

/** Adds an episode of `length` transitions whose observations are (id, t), t = 0..length. */
function addEpisode(buffer: EpisodeReplayBuffer, id: number, length: number, terminated = false): void {
  for (let t = 0; t < length; t++) buffer.add([id, t], [0], id, [id, t + 1], terminated && t === length - 1);
}

describe('IAPO episode-uniform replay (reference buffer)', () => {
  it('finds episode boundaries from the transition stream (resets and terminations)', () => {
    const buffer = new EpisodeReplayBuffer({ capacity: 100, observationSize: 2, actionSize: 1 });
    addEpisode(buffer, 1, 10);
    addEpisode(buffer, 2, 2, true);
    addEpisode(buffer, 3, 5);
    assert.equal(buffer.episodeCount, 3);
  });

  it('samples episodes uniformly, so transitions of short episodes are over-sampled', () => {
    const buffer = new EpisodeReplayBuffer({ capacity: 1000, observationSize: 2, actionSize: 1 });
    addEpisode(buffer, 1, 90);
    addEpisode(buffer, 2, 10);
    const batch = createBatch(4000, 2, 1);
    buffer.sampleEpisodeUniform(new Generator(0), batch);
    const short = Array.from(batch.rewards).filter((r) => r === 2).length / batch.size;
    assert.ok(Math.abs(short - 0.5) < 0.03, `episode 2 (10% of transitions) drawn ${short} of the time, expected ½`);
    for (let i = 0; i < batch.size; i++) {
      assert.equal(batch.observations[2 * i], batch.rewards[i], 'a row comes from one transition');
      assert.equal(batch.nextObservations[2 * i + 1], batch.observations[2 * i + 1] + 1);
    }
  });

  it('drops episodes whose start was overwritten, and rebuilds the same index from a saved state', () => {
    const buffer = new EpisodeReplayBuffer({ capacity: 20, observationSize: 2, actionSize: 1 });
    for (let e = 0; e < 7; e++) addEpisode(buffer, e, 4);
    assert.equal(buffer.episodeCount, 5, '28 transitions in a ring of 20: episodes 0 and 1 have lost their start');
    const copy = new EpisodeReplayBuffer({ capacity: 20, observationSize: 2, actionSize: 1 });
    copy.setState(buffer.getState());
    assert.equal(copy.episodeCount, buffer.episodeCount);
    const a = createBatch(64, 2, 1);
    const b = createBatch(64, 2, 1);
    buffer.sampleEpisodeUniform(new Generator(3), a);
    copy.sampleEpisodeUniform(new Generator(3), b);
    assert.deepEqual(a, b);
    addEpisode(buffer, 9, 3);
    addEpisode(copy, 9, 3);
    assert.equal(copy.episodeCount, buffer.episodeCount);
  });
});
