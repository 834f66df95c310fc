import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Generator } from '../../engine/index.ts';
import {
  RolloutBuffer, RolloutBufferError, type RolloutBatch, type RolloutBufferOptions, type RolloutBufferState, type RolloutStepInput,
} from '../../algorithms/common/rollout-buffer.ts';

/** A rollout as plain [t][e] tables, the form the reference below reads. */
interface Rollout {
  readonly steps: number;
  readonly envs: number;
  readonly rewards: number[][];
  readonly values: number[][];
  readonly terminated: boolean[][];
  readonly truncated: boolean[][];
  /** V(final observation), meaningful where truncated. */
  readonly bootstrap: number[][];
  readonly lastValues: number[];
}

const OBS = 2;
const ACT = 1;

function randomRollout(steps: number, envs: number, seed: number, terminateRate: number, truncateRate: number): Rollout {
  const g = new Generator(seed);
  const table = <T>(f: () => T): T[][] => Array.from({ length: steps }, () => Array.from({ length: envs }, f));
  const value = (): number => 20 * g.uniform() - 10;
  return {
    steps, envs,
    rewards: table(value), values: table(value),
    terminated: table(() => g.uniform() < terminateRate),
    truncated: table(() => g.uniform() < truncateRate),
    bootstrap: table(value),
    lastValues: Array.from({ length: envs }, value),
  };
}

/** Step t of `rollout` as `add` takes it; bootstrap entries of envs that were not truncated are NaN (they must be ignored). */
function stepInput(rollout: Rollout, t: number): RolloutStepInput {
  const { envs } = rollout;
  const index = (e: number): number => t * envs + e;
  return {
    observations: Float32Array.from({ length: envs * OBS }, (_, j) => index(Math.floor(j / OBS)) * (j % OBS === 0 ? 1 : -1)),
    actions: Float32Array.from({ length: envs * ACT }, (_, e) => index(e) / 10),
    rewards: Float64Array.from(rollout.rewards[t]),
    values: Float64Array.from(rollout.values[t]),
    logProbs: Float64Array.from({ length: envs }, (_, e) => -index(e) / 4),
    terminations: Uint8Array.from(rollout.terminated[t], Number),
    truncations: Uint8Array.from(rollout.truncated[t], Number),
    bootstrapValues: Float64Array.from(rollout.bootstrap[t], (v, e) => (rollout.truncated[t][e] ? v : NaN)),
  };
}

function filledBuffer(rollout: Rollout, gamma: number, gaeLambda: number): RolloutBuffer {
  const buffer = new RolloutBuffer({ rolloutSteps: rollout.steps, numEnvs: rollout.envs, observationSize: OBS, actionSize: ACT, gamma, gaeLambda });
  for (let t = 0; t < rollout.steps; t++) buffer.add(stepInput(rollout, t));
  buffer.computeReturnsAndAdvantages(Float64Array.from(rollout.lastValues));
  return buffer;
}

/** Reward with a truncation's γ·V(final) added (termination wins when both flags are set), and the done flag. */
function reward(r: Rollout, gamma: number, t: number, e: number): number {
  return r.rewards[t][e] + (r.truncated[t][e] && !r.terminated[t][e] ? gamma * r.bootstrap[t][e] : 0);
}
const done = (r: Rollout, t: number, e: number): boolean => r.terminated[t][e] || r.truncated[t][e];
const value = (r: Rollout, t: number, e: number): number => (t === r.steps ? r.lastValues[e] : r.values[t][e]);

function tdError(r: Rollout, gamma: number, t: number, e: number): number {
  return reward(r, gamma, t, e) + (done(r, t, e) ? 0 : gamma * value(r, t + 1, e)) - value(r, t, e);
}

/** Eq. 16 summed forwards, O(n²): A_t = Σ_l (γλ)^l δ_{t+l}, stopping after the step that ends the episode. */
function referenceAdvantages(r: Rollout, gamma: number, lambda: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < r.steps; t++) {
    for (let e = 0; e < r.envs; e++) {
      let sum = 0;
      let weight = 1;
      for (let k = t; k < r.steps; k++) {
        sum += weight * tdError(r, gamma, k, e);
        if (done(r, k, e)) break;
        weight *= gamma * lambda;
      }
      out.push(sum);
    }
  }
  return out;
}

/** Discounted return to the episode's end, or to the rollout's end plus γ^k·V(s_n). */
function monteCarloReturns(r: Rollout, gamma: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < r.steps; t++) {
    for (let e = 0; e < r.envs; e++) {
      let sum = 0;
      let discount = 1;
      let k = t;
      for (; k < r.steps; k++) {
        sum += discount * reward(r, gamma, k, e);
        discount *= gamma;
        if (done(r, k, e)) break;
      }
      if (k === r.steps) sum += discount * r.lastValues[e];
      out.push(sum);
    }
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const unitInterval = fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true }));
const rolloutArb = fc.record({
  steps: fc.integer({ min: 1, max: 8 }),
  envs: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  terminateRate: fc.constantFrom(0, 0.1, 0.3),
  truncateRate: fc.constantFrom(0, 0.1, 0.3),
}).map(({ steps, envs, seed, terminateRate, truncateRate }) => randomRollout(steps, envs, seed, terminateRate, truncateRate));

describe('RolloutBuffer', () => {
  describe('GAE(λ) (Schulman et al. 2016, eq. 16)', () => {
    it('equals the truncated sum Σ (γλ)^l δ_{t+l} over random rollouts with random terminations and truncations', () => {
      fc.assert(fc.property(rolloutArb, unitInterval, unitInterval, (rollout, gamma, lambda) => {
        const buffer = filledBuffer(rollout, gamma, lambda);
        const expected = referenceAdvantages(rollout, gamma, lambda);
        assertClose(buffer.advantages, expected, 1e-9, 'advantages');
        const values = rollout.values.flat();
        assertClose(buffer.returns, expected.map((a, i) => a + values[i]), 1e-9, 'returns');
      }), { numRuns: 300 });
    });

    it('with λ = 1 gives discounted Monte-Carlo returns minus values', () => {
      fc.assert(fc.property(rolloutArb, unitInterval, (rollout, gamma) => {
        const buffer = filledBuffer(rollout, gamma, 1);
        const returns = monteCarloReturns(rollout, gamma);
        assertClose(buffer.returns, returns, 1e-9, 'returns');
        const values = rollout.values.flat();
        assertClose(buffer.advantages, returns.map((g, i) => g - values[i]), 1e-9, 'advantages');
      }), { numRuns: 200 });
    });

    it('with λ = 0 gives one-step TD errors', () => {
      fc.assert(fc.property(rolloutArb, unitInterval, (rollout, gamma) => {
        const buffer = filledBuffer(rollout, gamma, 0);
        const deltas: number[] = [];
        for (let t = 0; t < rollout.steps; t++) for (let e = 0; e < rollout.envs; e++) deltas.push(tdError(rollout, gamma, t, e));
        assertClose(buffer.advantages, deltas, 1e-12, 'advantages');
      }), { numRuns: 200 });
    });
  });

  describe('truncation and termination', () => {
    // γ = λ = 0.5, rewards 1, V = 2, 4, 6, V(s_3) = 8. Env 0 is truncated at t = 1 with V(s_final) = 10,
    // env 1 terminates at t = 1 (its bootstrap value 10 must be ignored).
    // Env 0: r_1 = 1 + 0.5·10 = 6; δ = (1 + 0.5·4 − 2, 6 − 4, 1 + 0.5·8 − 6) = (1, 2, −1); A_0 = 1 + 0.25·2 = 1.5.
    // Env 1: δ = (1, 1 − 4, −1) = (1, −3, −1); A_0 = 1 + 0.25·(−3) = 0.25.
    it('bootstraps a truncation with the given final value and a termination with nothing (3 steps by hand)', () => {
      const buffer = new RolloutBuffer({ rolloutSteps: 3, numEnvs: 2, observationSize: 1, actionSize: 1, gamma: 0.5, gaeLambda: 0.5 });
      const step = (values: number, terminations: number[], truncations: number[]): RolloutStepInput => ({
        observations: [0, 0], actions: [0, 0], rewards: [1, 1], values: [values, values], logProbs: [0, 0],
        terminations, truncations, bootstrapValues: [10, 10],
      });
      buffer.add(step(2, [0, 0], [0, 0]));
      buffer.add(step(4, [0, 1], [1, 0]));
      buffer.add(step(6, [0, 0], [0, 0]));
      assert.deepEqual([...buffer.rewards], [1, 1, 6, 1, 1, 1]);
      buffer.computeReturnsAndAdvantages([8, 8]);
      assert.deepEqual([...buffer.advantages], [1.5, 0.25, 2, -3, -1, -1]);
      assert.deepEqual([...buffer.returns], [3.5, 2.25, 6, 1, 5, 5]);
    });

    it('treats a step both terminated and truncated as terminated, and needs no bootstrap value for it', () => {
      const buffer = new RolloutBuffer({ rolloutSteps: 1, numEnvs: 1, observationSize: 1, actionSize: 1, gamma: 0.9, gaeLambda: 0.95 });
      buffer.add({ observations: [0], actions: [0], rewards: [2], values: [0.5], logProbs: [0], terminations: [1], truncations: [1] });
      buffer.computeReturnsAndAdvantages([100]);
      assert.deepEqual([...buffer.returns], [2]);
      assert.deepEqual([...buffer.advantages], [1.5]);
    });
  });

  describe('minibatches', () => {
    const rollout = randomRollout(5, 3, 11, 0.2, 0.2);
    const collect = (batches: Iterable<RolloutBatch>): number[][] => Array.from(batches, (b) => [...b.indices]);

    it('cover every transition exactly once per epoch, the last batch holding the remainder, with the stored rows', () => {
      const buffer = filledBuffer(rollout, 0.99, 0.95);
      const advantages = buffer.advantages;
      const returns = buffer.returns;
      const values = rollout.values.flat();
      const sizes: number[] = [];
      const seen: number[] = [];
      for (const batch of buffer.minibatches(4, new Generator(3))) {
        sizes.push(batch.size);
        assert.deepEqual(batch.observations.shape, [batch.size, OBS]);
        assert.deepEqual(batch.actions.shape, [batch.size, ACT]);
        batch.indices.forEach((i, k) => {
          seen.push(i);
          assert.deepEqual([...batch.observations.data.subarray(k * OBS, (k + 1) * OBS)], [i, -i]);
          assert.equal(batch.actions.data[k], Math.fround(i / 10));
          assert.equal(batch.oldLogProbs.data[k], Math.fround(-i / 4));
          assert.equal(batch.oldValues.data[k], Math.fround(values[i]));
          assert.equal(batch.advantages.data[k], Math.fround(advantages[i]));
          assert.equal(batch.returns.data[k], Math.fround(returns[i]));
        });
      }
      assert.deepEqual(sizes, [4, 4, 4, 3]);
      assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 15 }, (_, i) => i));
    });

    it('are deterministic under a seed and reshuffled every epoch', () => {
      const a = filledBuffer(rollout, 0.99, 0.95);
      const b = filledBuffer(rollout, 0.99, 0.95);
      const ga = new Generator(42);
      const gb = new Generator(42);
      const first = collect(a.minibatches(6, ga));
      assert.deepEqual(collect(b.minibatches(6, gb)), first);
      const second = collect(a.minibatches(6, ga));
      assert.deepEqual(collect(b.minibatches(6, gb)), second);
      assert.notDeepEqual(second, first);
      assert.notDeepEqual(collect(a.minibatches(6, new Generator(43))), collect(b.minibatches(6, new Generator(42))));
    });

    it('draw each of the n! orders about equally often (Fisher–Yates, not a cyclic shuffle)', () => {
      const buffer = filledBuffer(randomRollout(3, 1, 0, 0, 0), 0.99, 0.95);
      const generator = new Generator(8);
      const counts = new Map<string, number>();
      for (let epoch = 0; epoch < 1200; epoch++) {
        const order = collect(buffer.minibatches(3, generator))[0].join('');
        counts.set(order, (counts.get(order) ?? 0) + 1);
      }
      assert.equal(counts.size, 6);
      for (const [order, count] of counts) assert.ok(count > 140 && count < 260, `order ${order} drawn ${count} times of 1200`);
    });

    it('write into preallocated tensors through mutate_, bumping their versions', () => {
      const buffer = filledBuffer(rollout, 0.99, 0.95);
      const iterator = buffer.minibatches(5, new Generator(0));
      const first = iterator.next().value as RolloutBatch;
      const versions = [first.observations, first.actions, first.oldLogProbs, first.advantages, first.returns, first.oldValues].map((t) => t.version);
      const second = iterator.next().value as RolloutBatch;
      assert.equal(second.observations, first.observations);
      [second.observations, second.actions, second.oldLogProbs, second.advantages, second.returns, second.oldValues]
        .forEach((t, i) => assert.equal(t.version, versions[i] + 1));
    });

    it('normalise advantages per minibatch or over the rollout on request, keeping the stored ones raw', () => {
      const buffer = filledBuffer(randomRollout(8, 4, 5, 0.1, 0.1), 0.99, 0.95);
      const raw = buffer.advantages;
      const stats = (x: ArrayLike<number>): [number, number] => {
        const m = Array.from(x).reduce((s, v) => s + v, 0) / x.length;
        return [m, Math.sqrt(Array.from(x).reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1))];
      };
      for (const batch of buffer.minibatches(10, new Generator(1), { normalizeAdvantages: 'minibatch' })) {
        if (batch.size < 2) continue;
        const [m, s] = stats(batch.advantages.data);
        assert.ok(Math.abs(m) < 1e-6 && Math.abs(s - 1) < 1e-5, `minibatch mean ${m}, std ${s}`);
      }
      const [mean, std] = stats(raw);
      for (const batch of buffer.minibatches(7, new Generator(1), { normalizeAdvantages: 'rollout' })) {
        batch.indices.forEach((i, k) => assert.ok(Math.abs(batch.advantages.data[k] - (raw[i] - mean) / (std + 1e-8)) < 1e-5));
      }
      const full = buffer.fullBatch({ normalizeAdvantages: 'rollout' });
      assert.deepEqual([...full.indices], Array.from({ length: 32 }, (_, i) => i));
      const [fm, fs] = stats(full.advantages.data);
      assert.ok(Math.abs(fm) < 1e-6 && Math.abs(fs - 1) < 1e-5, `full batch mean ${fm}, std ${fs}`);
      assert.deepEqual(buffer.advantages, raw);
      assert.deepEqual([...buffer.fullBatch().advantages.data], [...Float32Array.from(raw)]);
    });

    it('refuse to continue an epoch after a new epoch, reset or setState', () => {
      const buffer = filledBuffer(rollout, 0.99, 0.95);
      const stale = buffer.minibatches(4, new Generator(0));
      stale.next();
      buffer.minibatches(4, new Generator(1));
      assert.throws(() => stale.next(), RolloutBufferError);
      const afterReset = buffer.minibatches(4, new Generator(0));
      buffer.reset();
      assert.throws(() => afterReset.next(), /the buffer changed/);
    });
  });

  describe('bad input', () => {
    const options: RolloutBufferOptions = { rolloutSteps: 2, numEnvs: 2, observationSize: 2, actionSize: 1, gamma: 0.9, gaeLambda: 0.95 };
    const good = (): RolloutStepInput => ({
      observations: [1, 2, 3, 4], actions: [0, 0], rewards: [1, 1], values: [0, 0], logProbs: [0, 0], terminations: [0, 0], truncations: [0, 0],
    });
    const asInput = (x: unknown): RolloutStepInput => x as RolloutStepInput;

    it('rejects bad sizes and discounts', () => {
      assert.throws(() => new RolloutBuffer({ ...options, rolloutSteps: 2.5 }), /rolloutSteps must be a positive integer, got 2.5/);
      assert.throws(() => new RolloutBuffer({ ...options, numEnvs: 0 }), /numEnvs must be a positive integer, got 0/);
      assert.throws(() => new RolloutBuffer({ ...options, gamma: 1.5 }), /gamma must be a number in \[0, 1\], got 1.5/);
      assert.throws(() => new RolloutBuffer({ ...options, gaeLambda: NaN }), /gaeLambda must be a number in \[0, 1\], got NaN/);
    });

    it('rejects malformed steps, naming the field and value, and writes nothing', () => {
      const buffer = new RolloutBuffer(options);
      assert.throws(() => buffer.add({ ...good(), observations: [1, 2, 3] }), /observations has 3 entries, expected 4/);
      assert.throws(() => buffer.add({ ...good(), actions: [0] }), /actions has 1 entries, expected 2/);
      assert.throws(() => buffer.add({ ...good(), rewards: [1, NaN] }), /rewards\[1\] is NaN, expected a finite number/);
      assert.throws(() => buffer.add({ ...good(), logProbs: [-Infinity, 0] }), /logProbs\[0\] is -Infinity/);
      assert.throws(() => buffer.add({ ...good(), terminations: [2, 0] }), /terminations\[0\] is 2, expected 0 or 1/);
      assert.throws(() => buffer.add({ ...good(), truncations: [0, 1] }), /env 1 was truncated but no bootstrapValues were given/);
      assert.throws(() => buffer.add({ ...good(), truncations: [1, 0], bootstrapValues: [NaN, 0] }), /bootstrapValues\[0\] is NaN for truncated env 0/);
      assert.throws(() => buffer.add({ ...good(), bootstrapValues: [0] }), /bootstrapValues has 1 entries, expected 2/);
      assert.throws(() => buffer.add(asInput({ ...good(), values: 'ab' })), TypeError);
      assert.throws(() => buffer.add(asInput(undefined)), /expected a step object, got undefined/);
      assert.equal(buffer.size, 0);
    });

    it('enforces the life cycle: add → full → compute once → sample → reset', () => {
      const buffer = new RolloutBuffer(options);
      const generator = new Generator(0);
      buffer.add(good());
      assert.throws(() => buffer.computeReturnsAndAdvantages([0, 0]), /the rollout has 1 of 2 steps/);
      assert.throws(() => buffer.minibatches(2, generator), /advantages are not computed/);
      assert.throws(() => buffer.fullBatch(), RolloutBufferError);
      assert.throws(() => buffer.advantages, RolloutBufferError);
      buffer.add(good());
      assert.ok(buffer.full);
      assert.throws(() => buffer.add(good()), /the rollout is full \(2 steps\)/);
      assert.throws(() => buffer.computeReturnsAndAdvantages([0]), /lastValues has 1 entries, expected 2/);
      assert.throws(() => buffer.computeReturnsAndAdvantages([0, NaN]), /lastValues\[1\] is NaN/);
      buffer.computeReturnsAndAdvantages([0, 0]);
      assert.throws(() => buffer.computeReturnsAndAdvantages([0, 0]), /already computed/);
      assert.throws(() => buffer.add(good()), /advantages of this rollout are computed; call reset\(\)/);
      assert.throws(() => buffer.minibatches(5, generator), /batchSize must be an integer in \[1, 4\], got 5/);
      assert.throws(() => buffer.minibatches(1.5, generator), /got 1.5/);
      assert.throws(() => buffer.minibatches(2, undefined as unknown as Generator), /generator must be an engine Generator/);
      assert.throws(() => buffer.minibatches(2, generator, { normalizeAdvantages: 'batch' as 'none' }), /normalizeAdvantages must be one of 'none', 'rollout', 'minibatch', got "batch"/);
      buffer.reset();
      assert.equal(buffer.size, 0);
      assert.ok(!buffer.full && !buffer.advantagesComputed);
      buffer.add(good());
      assert.equal(buffer.size, 1);
    });
  });

  describe('state', () => {
    const rollout = randomRollout(3, 2, 9, 0.3, 0.3);
    const make = (): RolloutBuffer => new RolloutBuffer({ rolloutSteps: 3, numEnvs: 2, observationSize: OBS, actionSize: ACT, gamma: 0.9, gaeLambda: 0.8 });

    it('round-trips mid-rollout: the restored buffer continues identically', () => {
      const a = make();
      a.add(stepInput(rollout, 0));
      a.add(stepInput(rollout, 1));
      const b = make();
      b.setState(a.getState());
      assert.equal(b.size, 2);
      for (const buffer of [a, b]) {
        buffer.add(stepInput(rollout, 2));
        buffer.computeReturnsAndAdvantages(rollout.lastValues);
      }
      assert.deepEqual(b.getState(), a.getState());
      const batches = (buffer: RolloutBuffer): number[][] => Array.from(buffer.minibatches(4, new Generator(7)), (x) => [...x.advantages.data]);
      assert.deepEqual(batches(b), batches(a));
    });

    it('round-trips after advantages are computed', () => {
      const a = make();
      for (let t = 0; t < 3; t++) a.add(stepInput(rollout, t));
      a.computeReturnsAndAdvantages(rollout.lastValues);
      const b = make();
      b.setState(a.getState());
      assert.ok(b.advantagesComputed);
      assert.deepEqual(b.returns, a.returns);
      assert.throws(() => b.computeReturnsAndAdvantages(rollout.lastValues), /already computed/);
    });

    it('rejects inconsistent states, naming the field and value, and keeps its own', () => {
      const a = make();
      a.add(stepInput(rollout, 0));
      const state = a.getState();
      const b = make();
      const with_ = (patch: Partial<Record<keyof RolloutBufferState, unknown>>): RolloutBufferState => ({ ...state, ...patch }) as RolloutBufferState;
      assert.throws(() => b.setState(with_({ gamma: 0.99 })), /saved gamma is 0.99, this buffer's is 0.9/);
      assert.throws(() => b.setState(with_({ numEnvs: 3 })), /saved numEnvs is 3/);
      assert.throws(() => b.setState(with_({ size: 1.5 })), /size must be an integer in \[0, 3\], got 1.5/);
      assert.throws(() => b.setState(with_({ size: 4 })), /got 4/);
      assert.throws(() => b.setState(with_({ advantagesComputed: true })), /advantagesComputed is true but size is 1 of 3/);
      assert.throws(() => b.setState(with_({ rewards: new Float64Array(3) })), /rewards has 3 entries, expected 2/);
      assert.throws(() => b.setState(with_({ terminations: Float32Array.of(0.5, 0) })), /terminations\[0\] is 0.5, expected 0 or 1/);
      assert.throws(() => b.setState(with_({ values: Float64Array.of(NaN, 0) })), /values\[0\] is NaN/);
      assert.throws(() => b.setState(with_({ actions: undefined })), /actions must be an array/);
      assert.equal(b.size, 0);
      b.setState(state);
      assert.deepEqual(b.getState(), state);
    });
  });
});
