import { strict as assert } from 'node:assert';
import { Generator } from '../../engine/index.ts';
import { ReplayBuffer, createBatch } from '../../algorithms/common/replay-buffer.ts';

const vec = (...v: number[]): Float32Array => Float32Array.from(v);

describe('ReplayBuffer', () => {
  describe('termination and truncation', () => {
    it('stores terminated as a 0 bootstrap factor and a truncated transition as 1, with the true next obs', () => {
      const buffer = new ReplayBuffer({ capacity: 4, observationSize: 2, actionSize: 1 });
      buffer.add(vec(0, 0), vec(0.5), 1, vec(1, 1), false); // time-limit truncation: store terminated = false
      buffer.add(vec(1, 1), vec(-0.5), 2, vec(2, 2), true); // terminal state
      const batch = createBatch(64, 2, 1);
      buffer.sample(new Generator(0), batch);
      for (let i = 0; i < batch.size; i++) {
        const fromTerminal = batch.rewards[i] === 2;
        assert.equal(batch.notTerminated[i], fromTerminal ? 0 : 1);
        assert.deepEqual([...batch.nextObservations.subarray(2 * i, 2 * i + 2)], fromTerminal ? [2, 2] : [1, 1]);
        assert.equal(batch.actions[i], fromTerminal ? -0.5 : 0.5);
      }
    });
  });

  describe('wraparound', () => {
    it('overwrites the oldest transition once full and never reports more than capacity', () => {
      const buffer = new ReplayBuffer({ capacity: 3, observationSize: 1, actionSize: 1 });
      for (let t = 0; t < 5; t++) buffer.add(vec(t), vec(t), t, vec(t + 1), false);
      assert.equal(buffer.size, 3);
      // slots hold t = 3, 4, 2 (slot 0 ← 3, slot 1 ← 4)
      assert.deepEqual([0, 1, 2].map((i) => buffer.get(i).reward), [3, 4, 2]);
      const batch = createBatch(200, 1, 1);
      buffer.sample(new Generator(1), batch);
      const seen = new Set(batch.rewards);
      assert.deepEqual([...seen].sort(), [2, 3, 4]);
      for (let i = 0; i < batch.size; i++) assert.equal(batch.nextObservations[i], batch.observations[i] + 1);
    });
  });

  describe('sampling', () => {
    it('is a function of the generator state and fills the preallocated arrays in place', () => {
      const buffer = new ReplayBuffer({ capacity: 10, observationSize: 1, actionSize: 1 });
      for (let t = 0; t < 10; t++) buffer.add(vec(t), vec(0), t, vec(t), false);
      const a = createBatch(16, 1, 1);
      const b = createBatch(16, 1, 1);
      const arrays = a.rewards;
      buffer.sample(new Generator(7), a);
      buffer.sample(new Generator(7), b);
      assert.equal(a.rewards, arrays);
      assert.deepEqual([...a.rewards], [...b.rewards]);
    });

    it('rejects an empty buffer and malformed transitions', () => {
      const buffer = new ReplayBuffer({ capacity: 2, observationSize: 2, actionSize: 1 });
      assert.throws(() => buffer.sample(new Generator(0), createBatch(1, 2, 1)), /empty/);
      assert.throws(() => buffer.add(vec(1), vec(0), 0, vec(1, 2), false), /expected 2, 1, 2/);
    });
  });

  describe('state', () => {
    it('round-trips exactly, including the write position', () => {
      const buffer = new ReplayBuffer({ capacity: 3, observationSize: 1, actionSize: 2 });
      for (let t = 0; t < 4; t++) buffer.add(vec(t), vec(t, -t), t / 3, vec(t + 0.1), t % 2 === 0);
      const copy = new ReplayBuffer({ capacity: 3, observationSize: 1, actionSize: 2 });
      copy.setState(buffer.getState());
      buffer.add(vec(9), vec(9, 9), 9, vec(9), false);
      copy.add(vec(9), vec(9, 9), 9, vec(9), false);
      assert.deepEqual(copy.getState(), buffer.getState());
      assert.throws(() => new ReplayBuffer({ capacity: 4, observationSize: 1, actionSize: 2 }).setState(buffer.getState()), /capacity 3/);
    });
  });
});
