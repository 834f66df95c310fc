import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../envs/core/rng.ts';
import { Box } from '../../envs/core/spaces.ts';

describe('Rng (xoshiro128**)', () => {
  it('the same seed gives the same stream; different seeds differ (including seeds that differ above 2^32)', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const streamA = Array.from({ length: 10 }, () => a.nextUint32());
    assert.deepEqual(Array.from({ length: 10 }, () => b.nextUint32()), streamA);
    assert.notDeepEqual(Array.from({ length: 10 }, () => new Rng(43).nextUint32()), streamA);
    assert.notEqual(new Rng(1).nextUint32(), new Rng(1 + 2 ** 32).nextUint32());
  });

  it('getState/setState resumes the stream exactly', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 50 }), (seed, skip) => {
        const rng = new Rng(seed);
        for (let i = 0; i < skip; i++) rng.uniform();
        const saved = rng.getState();
        const continuation = [rng.uniform(), rng.normal(), rng.exponential()];
        const restored = new Rng(0);
        restored.setState(saved);
        assert.deepEqual([restored.uniform(), restored.normal(), restored.exponential()], continuation);
      }),
    );
  });

  it('uniform() is in [low, high) and normal() has mean ≈ 0, variance ≈ 1', () => {
    const rng = new Rng(7);
    let sum = 0;
    let sumSquares = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform(-2, 3);
      assert.ok(u >= -2 && u < 3);
      const z = rng.normal();
      sum += z;
      sumSquares += z * z;
    }
    assert.ok(Math.abs(sum / n) < 0.03);
    assert.ok(Math.abs(sumSquares / n - 1) < 0.05);
  });

  it('rejects negative, fractional or unsafe seeds and invalid states, naming the value', () => {
    assert.throws(() => new Rng(-1), /seed must be an integer in \[0, 2\^53\), got -1/);
    assert.throws(() => new Rng(0.5), /got 0.5/);
    assert.throws(() => new Rng(0).setState([0, 0, 0, 0]), /not all zero/);
    assert.throws(() => new Rng(0).setState([1, 2, 3]), /four uint32 words/);
  });
});

describe('Box', () => {
  it('broadcasts scalar bounds, infers the shape and rounds float32 bounds like NumPy', () => {
    const box = new Box({ low: -2, high: 2, shape: [1], dtype: 'float32' });
    assert.deepEqual(Array.from(box.low), [-2]);
    const inferred = new Box({ low: [-1.2, -0.07], high: [0.6, 0.07], dtype: 'float32' });
    assert.deepEqual(inferred.shape, [2]);
    assert.equal(inferred.low[0], Math.fround(-1.2));
    assert.equal(inferred.toString(), `Box([${Math.fround(-1.2)}, ${Math.fround(-0.07)}], [${Math.fround(0.6)}, ${Math.fround(0.07)}], [2], float32)`);
  });

  it('rejects inconsistent bounds with a message naming them', () => {
    assert.throws(() => new Box({ low: 1, high: 0, shape: [1], dtype: 'float32' }), /low\[0\] = 1 must be ≤ high\[0\] = 0/);
    assert.throws(() => new Box({ low: [0, 0], high: [1], dtype: 'float32' }), /high has 1 values, shape needs 2/);
    assert.throws(() => new Box({ low: NaN, high: 1, shape: [1], dtype: 'float64' }), /low\[0\] is NaN/);
    assert.throws(() => new Box({ low: 0, high: 1, dtype: 'float32' }), /shape.*required/);
  });

  it('samples inside bounded, half-bounded and unbounded coordinates', () => {
    const box = new Box({ low: [-1, 0, -Infinity, -Infinity], high: [1, Infinity, 5, Infinity], dtype: 'float32' });
    const rng = new Rng(3);
    const out = new Float32Array(4);
    for (let i = 0; i < 1000; i++) {
      assert.equal(box.sample(rng, out), out);
      assert.ok(box.contains(out));
      assert.ok(out[1]! >= 0 && out[2]! <= 5);
    }
  });

  it('contains() follows Gymnasium: dtype cast rules, length, bounds, NaN', () => {
    const box = new Box({ low: -1, high: 1, shape: [2], dtype: 'float32' });
    assert.ok(box.contains(new Float32Array([0.5, -1])));
    assert.ok(box.contains([0.5, 1]));
    assert.ok(!box.contains(new Float64Array([0.5, 0.5])), 'float64 does not cast safely to float32');
    assert.ok(!box.contains([0.5]));
    assert.ok(!box.contains([0.5, 1.5]));
    assert.ok(!box.contains([NaN, 0]));
    const wide = new Box({ low: -1, high: 1, shape: [2], dtype: 'float64' });
    assert.ok(wide.contains(new Float32Array([0.5, 0.5])) && wide.contains(new Float64Array([0.5, 0.5])));
  });
});
