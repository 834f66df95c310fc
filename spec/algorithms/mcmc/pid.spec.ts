import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { PIDController, pidChecks, pidMetrics, type PIDGains } from '../../../algorithms/mcmc/pid.ts';

const GAINS: PIDGains & Record<string, number> = { distanceTarget: 0.1, proportionalGain: 0, integralGain: 1, derivativeGain: 0, initialBeta: 1, minimumBeta: 1e-3 };

/** β over a synthetic signal: D̂ = low for `before` updates, then high for `after` updates. */
function response(gains: PIDGains, low: number, high: number, before: number, after: number): number[] {
  const pid = new PIDController(gains);
  return [...Array<number>(before).fill(low), ...Array<number>(after).fill(high)].map((d) => pid.update(d).beta);
}

describe('PID control of β (seed 003 §4.1)', () => {
  it('counts a D̂ within 10% of the target as on target (the claim\'s per-update test)', () => {
    const pid = new PIDController(GAINS); // ε = 0.1
    assert.deepEqual([0.1, 0.109, 0.091, 0.111, 0.089, 0, 1].map((d) => pid.onTarget(d)), [1, 1, 1, 0, 0, 0, 0]);
  });

  it('reports an iteration as on target when the mean D̂ it closes on lies within 10% of the target', () => {
    const pid = new PIDController(GAINS);
    const closing = (values: number[]): number | undefined => {
      for (const d of values) pid.record(d);
      return pidMetrics(pid.closeIteration()).pid_on_target;
    };
    assert.equal(closing([0.02, 0.18, 0.1]), 1, 'noisy minibatches, mean 0.1');
    assert.equal(closing([0.105, 0.125]), 0, 'mean 0.115');
    assert.equal(closing([0.091]), 1);
    assert.deepEqual(pidMetrics(pid.closeIteration()), {}, 'nothing recorded: no step, no metrics');
  });

  it('pure I (the default gains): β falls by the shortfall each update down to its floor, then rises by the excess after a step', () => {
    // D̂ = 0.05 (0.05 below target) for 30 updates, then 0.3 (0.2 above) for 10.
    const betas = response(GAINS, 0.05, 0.3, 30, 10);
    betas.slice(0, 19).forEach((b, t) => assert.ok(Math.abs(b - (1 - 0.05 * (t + 1))) < 1e-12, `update ${t}: ${b}`));
    // The integral is clamped at 0 (I ← (I + Δ)₊) and β at its floor.
    assert.equal(betas[25], GAINS.minimumBeta);
    betas.slice(30).forEach((b, k) => assert.ok(Math.abs(b - 0.2 * (k + 1)) < 1e-12, `after the step, update ${k}: ${b}`));
  });

  it('pure P follows the error at once; pure D answers only the step itself', () => {
    const p = response({ ...GAINS, proportionalGain: 2, integralGain: 0 }, 0.2, 0.5, 5, 5);
    p.slice(0, 5).forEach((b) => assert.ok(Math.abs(b - 0.2) < 1e-12));
    p.slice(5).forEach((b) => assert.ok(Math.abs(b - 0.8) < 1e-12));
    const d = response({ ...GAINS, derivativeGain: 3, integralGain: 0, minimumBeta: 1e-3 }, 0.2, 0.5, 5, 5);
    assert.ok(Math.abs(d[5] - 0.9) < 1e-12, `the step of 0.3 gives 3·0.3, got ${d[5]}`);
    [...d.slice(0, 5), ...d.slice(6)].forEach((b) => assert.equal(b, 1e-3));
  });

  it('keeps β ≥ its floor and I ≥ 0 for any signal, and settles D̂ = target as a fixed point', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -5, max: 50, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 3, noNaN: true }), (signal, kp) => {
      const pid = new PIDController({ ...GAINS, proportionalGain: kp });
      for (const d of signal) {
        const r = pid.update(d);
        assert.ok(r.beta >= GAINS.minimumBeta && r.integral >= 0);
      }
      const before = pid.integral;
      pid.update(GAINS.distanceTarget);
      assert.equal(pid.integral, before);
    }), { numRuns: 100 });
  });

  it('its state is one float64 tensor, so a copy continues identically', () => {
    const a = new PIDController(GAINS);
    [0.3, 0.01, 0.2].forEach((d) => a.update(d));
    const b = new PIDController(GAINS);
    b.state.mutate_((s) => s.set(a.state.data));
    assert.equal(a.state.dtype, 'float64');
    assert.deepEqual(a.update(0.17), b.update(0.17));
  });

  it('maximumError bounds one iteration\'s error before it enters I and β; below it, and without it, nothing changes', () => {
    // One heavy-tailed iteration (mean D̂ 6.4·10¹¹) among ordinary ones, with the default gains (β = I).
    const signal = [0.12, 6.4e11, 0.05, 0.08];
    const run = (gains: PIDGains): number[] => {
      const pid = new PIDController(gains);
      return signal.map((d) => pid.update(d).beta);
    };
    const unbounded = run(GAINS);
    assert.ok(unbounded[1] > 6e11, `the paper's rule: β ${unbounded[1]}`);
    const bounded = run({ ...GAINS, maximumError: 1 });
    const expected = [1 + 0.02, 1 + 0.02 + 1, 1 + 0.02 + 1 - 0.05, 1 + 0.02 + 1 - 0.05 - 0.02];
    bounded.forEach((b, t) => assert.ok(Math.abs(b - expected[t]) < 1e-12, `iteration ${t}: β ${b}, expected ${expected[t]}`));
    assert.deepEqual(run({ ...GAINS, maximumError: null }), unbounded);
    assert.deepEqual(run({ ...GAINS, maximumError: 1e12 }), unbounded, 'a bound above every error changes nothing');
    assert.match(pidChecks({ ...GAINS, maximumError: 0 }) ?? '', /'maximumError' must be > 0 or null, got 0/);
  });

  it('config checks name the key and the value', () => {
    assert.match(pidChecks({ ...GAINS, integralGain: -1 }) ?? '', /'integralGain' must be ≥ 0, got -1/);
    assert.match(pidChecks({ ...GAINS, minimumBeta: 0 }) ?? '', /'minimumBeta' must be > 0, got 0/);
    assert.match(pidChecks({ ...GAINS, initialBeta: 1e-4 }) ?? '', /'initialBeta' must be ≥ 'minimumBeta'/);
    assert.equal(pidChecks(GAINS), undefined);
  });
});
