import { strict as assert } from 'node:assert';
import { Generator, Tensor, tensor } from '../../engine/index.ts';
import {
  amortizationGap, gradientAscent, penalizedValue, ringOfInitialMeans, summarize, type ObjectiveContext,
} from '../../algorithms/iapo/analysis.ts';
import type { ActionValue } from '../../algorithms/common/action-value.ts';
import type { PolicyParams } from '../../algorithms/iapo/objective.ts';
import { multimodalValue } from '../../bench/iapo/multimodal-value.ts';

/** Q(s, a) = −c·Σ_d (a_d − target_d)²: a smooth objective with its optimum inside the box. */
function quadratic(target: number[], c = 4): ActionValue {
  const t = tensor(target);
  return (_obs, actions) => actions.sub(t).square().sum(-1).mul(-c);
}

const context = (actionValue: ActionValue, alpha = 0.05): ObjectiveContext => ({
  actionValue, alpha, minLogScale: tensor([-10, -10]), maxLogScale: tensor([0.5, 0.5]),
});

const params = (mean: number[], logScale: number[], batch: number): PolicyParams => ({
  mean: new Tensor(Float32Array.from({ length: batch * mean.length }, (_, i) => mean[i % mean.length]), [batch, mean.length]),
  logScale: new Tensor(Float32Array.from({ length: batch * logScale.length }, (_, i) => logScale[i % logScale.length]), [batch, logScale.length]),
});

describe('IAPO amortization-gap estimator', function () {
  this.timeout(60_000);
  const obs = new Tensor(new Float32Array(4), [4, 1]);
  const ctx = context(quadratic([0.4, -0.2]));

  it('finds a clearly positive gap from a poor estimate', () => {
    const gap = amortizationGap(ctx, obs, params([0, 0], [-0.7, -0.7], 4), { generator: new Generator(1), learningRate: 0.05, gradientSamples: 32 });
    assert.ok(gap.summary.mean > 0.1, `gap ${gap.summary.mean} should be large from a poor start`);
    assert.ok(gap.gaps.every((g) => g >= 0), 'the best estimate includes the start, so no gap is negative under common noise');
  });

  it('returns ≈ 0 when λ is already optimal', () => {
    const optimum = gradientAscent(ctx, obs, params([0, 0], [-0.7, -0.7], 4), {
      generator: new Generator(2), learningRate: 0.05, gradientSamples: 64, maxSteps: 3000, patience: 10,
    }).params;
    const gap = amortizationGap(ctx, obs, optimum, { generator: new Generator(3), learningRate: 0.01, gradientSamples: 64 });
    const scale = Math.abs(summarize(gap.initial).mean);
    assert.ok(gap.summary.mean < 0.01 * (1 + scale), `gap at the optimum ${gap.summary.mean} (J ≈ ${-scale}) should be ≈ 0`);
  });

  it('summarize gives mean, sample std and a Student-t 95% interval', () => {
    const s = summarize([1, 2, 3, 4, 5]);
    assert.equal(s.mean, 3);
    assert.ok(Math.abs(s.std - Math.sqrt(2.5)) < 1e-12);
    assert.ok(Math.abs(s.ci95 - (2.7764451051977987 * Math.sqrt(2.5)) / Math.sqrt(5)) < 1e-12);
    assert.equal(summarize([7]).std, 0);
    assert.ok(Number.isNaN(summarize([7]).ci95));
  });
});

describe('IAPO analysis helpers', () => {
  it('a penalty bump lowers the value at its centre by its weight and leaves far actions alone', () => {
    const base: ActionValue = (_o, a) => a.sum(-1).mul(0);
    const v = penalizedValue(base, tensor([[0.5, 0.5]]), tensor([2]), 0.1);
    const out = v(tensor([[0]]), new Tensor(Float32Array.of(0.5, 0.5, -0.5, -0.5), [2, 1, 2]));
    assert.ok(Math.abs(out.data[0] + 2) < 1e-6);
    assert.ok(Math.abs(out.data[1]) < 1e-6);
  });

  it('the four-mode test objective peaks (≈ 0) at each centre and gradient ascent finds all four', () => {
    const centres = [[0.8, 0], [-0.8, 0], [0, 0.8], [0, -0.8]];
    const v = multimodalValue(centres);
    const at = v(tensor([[0]]), new Tensor(Float32Array.from([...centres.flat(), 0, 0]), [5, 1, 2])).data;
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(at[i]) < 1e-3, `value at centre ${i} is ${at[i]}`);
    assert.ok(at[4] < -2, `value between the modes ${at[4]} should be well below`);
    const starts = params([0, 0], [-1, -1], 4);
    starts.mean.mutate_((m) => m.set([1, 0.1, -1, 0.1, 0.1, 1, 0.1, -1]));
    const found = gradientAscent(context(v, 0.01), new Tensor(new Float32Array(4), [4, 1]), starts, { generator: new Generator(5), learningRate: 0.05, gradientSamples: 32 });
    const actions = Array.from(found.params.mean.data, Math.tanh);
    centres.forEach((c, i) => assert.ok(Math.hypot(actions[2 * i] - c[0], actions[2 * i + 1] - c[1]) < 0.15, `start ${i} ends at (${actions[2 * i]}, ${actions[2 * i + 1]})`));
  });

  it('initial estimates for the modes analysis: the origin plus a ring', () => {
    const ring = ringOfInitialMeans(2, 4, 1);
    assert.equal(ring.length, 5);
    assert.deepEqual(ring[0], [0, 0]);
    ring.slice(1).forEach((m) => assert.ok(Math.abs(Math.hypot(m[0], m[1]) - 1) < 1e-12));
  });
});
