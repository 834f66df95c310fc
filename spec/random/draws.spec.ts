import assert from 'node:assert/strict';
import { Generator } from '../../engine/index.ts';

// Each draw is checked against a twin generator's raw 32-bit outputs, transformed by the documented
// formula: the 53-bit uniform of MT19937's genrand_res53 ((a≫5)·2²⁶ + (b≫6))/2⁵³, the 24-bit
// uniform (a≫8)/2²⁴, integer(n) by rejecting a ≥ 2³² − (2³² mod n), and Box–Muller on
// u₁ = 1 − uniform, u₂ = uniform giving r·cos(2πu₂) first and r·sin(2πu₂) next.
const twins = (seed: number): [Generator, Generator] => [new Generator(seed), new Generator(seed)];
const res53 = (raw: Generator): number => ((raw.nextUint32() >>> 5) * 2 ** 26 + (raw.nextUint32() >>> 6)) / 2 ** 53;

describe('Generator draws from the raw xoshiro128** stream', () => {
  it('uniform() combines 27 and 26 bits of two outputs into [0, 1)', () => {
    const [g, raw] = twins(11);
    for (let i = 0; i < 1000; i++) assert.equal(g.uniform(), res53(raw));
  });

  it('uniform24() takes the top 24 bits of one output', () => {
    const [g, raw] = twins(12);
    for (let i = 0; i < 1000; i++) assert.equal(g.uniform24(), (raw.nextUint32() >>> 8) / 2 ** 24);
  });

  it('integer(n) rejects outputs at or above the largest multiple of n, then takes the remainder', () => {
    for (const n of [3 * 2 ** 30, 3, 2 ** 32, 1000003]) {
      const [g, raw] = twins(13);
      const limit = 2 ** 32 - (2 ** 32 % n);
      for (let i = 0; i < 500; i++) {
        let x = raw.nextUint32();
        while (x >= limit) x = raw.nextUint32();
        assert.equal(g.integer(n), x % n, `n = ${n}, draw ${i}`);
      }
    }
  });

  it('normal() is Box–Muller on (1 − uniform, uniform), cosine deviate first, sine deviate next', () => {
    const [g, raw] = twins(14);
    for (let i = 0; i < 500; i++) {
      const u1 = 1 - res53(raw);
      const u2 = res53(raw);
      const r = Math.sqrt(-2 * Math.log(u1));
      assert.equal(g.normal(), r * Math.cos(2 * Math.PI * u2));
      assert.equal(g.normal(), r * Math.sin(2 * Math.PI * u2));
    }
  });

  it('jump() drops a pending normal deviate: the next normal comes from the jumped state', () => {
    const g = new Generator(15);
    g.normal(); // leaves the sine deviate pending
    assert.notEqual(g.getState().spareNormal, null);
    g.jump();
    assert.equal(g.getState().spareNormal, null);
    const fresh = Generator.fromState({ s: g.getState().s, spareNormal: null });
    assert.equal(g.normal(), fresh.normal());
  });
});
