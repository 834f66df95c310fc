/** Float64 re-computations shared by the by-hand specs of SAC, TD3 and IAPO: tiny MLPs read from the modules, finite differences, Adam's first step, test envs. */
import { strict as assert } from 'node:assert';
import { Generator, type Module } from '../../engine/index.ts';
import { SAC, type SACConfig } from '../../algorithms/index.ts';
import type { ContinuousEnv, StepResult } from '../../algorithms/common/env.ts';
import { createBatch, type Batch, type ReplayBuffer } from '../../algorithms/common/replay-buffer.ts';
import type { EpisodeReplayBuffer } from '../../algorithms/iapo/episode-replay.ts';


// ---------------------------------------------------------------------------------------------
// float64 helpers

export const LOG_TWO = Math.log(2);
export const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
export const FLOAT32_EPSILON = 1.1920928955078125e-7;
export const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** log(1 − tanh²u), exactly: 2(log 2 − u − softplus(−2u)). */
export const logOneMinusTanhSquared = (u: number): number => 2 * (LOG_TWO - u - softplus(-2 * u));

/** One Linear layer in float64: y = W x + b, W [out, in] row-major. */
export interface Layer {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/** The Linear layers of `module` (parameters named `<prefix>…weight` / `…bias`, in registration order), as float64 copies. */
export function layersOf(module: Module, prefix = ''): Layer[] {
  const named = module.namedParameters().filter(([name]) => name.startsWith(prefix));
  const layers: Layer[] = [];
  for (let i = 0; i < named.length; i += 2) {
    assert.ok(named[i][0].endsWith('weight') && named[i + 1][0].endsWith('bias'), `unexpected parameter order ${named[i][0]}, ${named[i + 1]?.[0]}`);
    layers.push({ weight: Float64Array.from(named[i][1].data), bias: Float64Array.from(named[i + 1][1].data) });
  }
  return layers;
}

export function linear(layer: Layer, x: readonly number[]): number[] {
  const out = layer.bias.length;
  const inSize = layer.weight.length / out;
  assert.equal(inSize, x.length, 'layer input size');
  const y: number[] = [];
  for (let o = 0; o < out; o++) {
    let s = layer.bias[o];
    for (let i = 0; i < inSize; i++) s += layer.weight[o * inSize + i] * x[i];
    y.push(s);
  }
  return y;
}

export const relu = (v: number[]): number[] => v.map((x) => Math.max(0, x));

/** Linear → ReLU for every layer but the last, then the last Linear and `output`. */
export function mlp(layers: readonly Layer[], x: readonly number[], output: 'identity' | 'tanh' | 'relu' = 'identity'): number[] {
  let h = [...x];
  layers.forEach((layer, i) => {
    h = linear(layer, h);
    if (i < layers.length - 1) h = relu(h);
  });
  return output === 'tanh' ? h.map(Math.tanh) : output === 'relu' ? relu(h) : h;
}

export const rows = (data: ArrayLike<number>, width: number): number[][] =>
  Array.from({ length: data.length / width }, (_, i) => Array.from(data).slice(i * width, (i + 1) * width));
export const average = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
export const copyOf = (g: Generator): Generator => Generator.fromState(g.getState());
/** n standard normals as a float32 tensor holds them (Generator.fillNormal / drawNoise order). */
export const normals = (g: Generator, n: number, std = 1): number[] => Array.from({ length: n }, () => Math.fround(std * g.normal()));

export function close(actual: number, expected: number, what: string, tolerance = 1e-4): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * (1 + Math.abs(expected)), `${what}: ${actual} is not within ${tolerance} (relative) of ${expected}`);
}

export function closeArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) close(actual[i], expected[i], `${what}[${i}]`, tolerance);
}

/** Every parameter of `module`, as float64 copies in `parameters()` order. */
export const snapshot = (module: Module): Float64Array[] => module.parameters().map((p) => Float64Array.from(p.data));

/** ∂loss/∂parameters by central differences, `loss` recomputed by hand from `parameters` (perturbed in place). */
export function centralDifferences(parameters: Float64Array[], loss: () => number): Float64Array[] {
  const h = 1e-6;
  return parameters.map((p) => p.map((x, i) => {
    p[i] = x + h;
    const up = loss();
    p[i] = x - h;
    const down = loss();
    p[i] = x;
    return (up - down) / (2 * h);
  }));
}

/**
 * Adam (β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸, no weight decay) by hand, on gradients taken by central differences of a
 * loss recomputed by hand from `parameters` (perturbed in place): each step checks that every coordinate moved by
 * −lr·m̂/(√v̂ + ε). The first step from zero moments is −lr·sign(g). Coordinates whose gradient was ever small but
 * not exactly 0 (|g| ≤ 10⁻⁴, where a difference quotient cannot fix the sign) are left out.
 */
export class AdamByHand {
  private moments: { m: Float64Array; v: Float64Array; unclear: Uint8Array }[] = [];
  private t = 0;

  constructor(readonly lr: number, readonly what: string) {}

  step(parameters: Float64Array[], after: Float64Array[], loss: () => number): void {
    this.t++;
    if (this.moments.length === 0) {
      this.moments = parameters.map((p) => ({ m: new Float64Array(p.length), v: new Float64Array(p.length), unclear: new Uint8Array(p.length) }));
    }
    const gradients = centralDifferences(parameters, loss);
    let checked = 0;
    parameters.forEach((p, n) => {
      const { m, v, unclear } = this.moments[n];
      for (let i = 0; i < p.length; i++) {
        const x = p[i];
        const g = gradients[n][i];
        if (g !== 0 && Math.abs(g) <= 1e-4) unclear[i] = 1;
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        if (unclear[i]) continue;
        const expected = (-this.lr * (m[i] / (1 - 0.9 ** this.t))) / (Math.sqrt(v[i] / (1 - 0.999 ** this.t)) + 1e-8);
        const moved = after[n][i] - x;
        if (g !== 0) checked++;
        assert.ok(Math.abs(moved - expected) < 1e-3 * this.lr + 1e-6 * Math.abs(x),
          `${this.what}, Adam step ${this.t}: parameter ${n}[${i}] moved by ${moved}, expected ${expected} (hand gradient ${g})`);
      }
    });
    assert.ok(checked > 0, `${this.what}: no coordinate had a clear gradient`);
  }
}

/** How far Adam (β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸) moves one coordinate from zero moments, given its gradient at each step. */
export function adamDisplacement(gradients: readonly number[], lr: number): number {
  let [m, v, moved] = [0, 0, 0];
  gradients.forEach((g, k) => {
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    moved -= (lr * (m / (1 - 0.9 ** (k + 1)))) / (Math.sqrt(v / (1 - 0.999 ** (k + 1))) + 1e-8);
  });
  return moved;
}

export function assertFirstAdamStep(parameters: Float64Array[], after: Float64Array[], loss: () => number, lr: number, what: string): void {
  new AdamByHand(lr, what).step(parameters, after, loss);
}

// ---------------------------------------------------------------------------------------------
// test envs

/** obs of size 2, actions on the box [−3, 3] × [0, 1] (half-widths 3 and ½); never stepped by these updates. */
export class BoxEnv implements ContinuousEnv {
  readonly id = 'Box-v0';
  readonly observationSpace = { shape: [2] };
  readonly actionSpace = { shape: [2], low: Float32Array.of(-3, 0), high: Float32Array.of(3, 1) };
  reset(): { obs: Float32Array } {
    return { obs: Float32Array.of(0.1, -0.2) };
  }

  step(): StepResult {
    return { obs: Float32Array.of(0.3, 0.4), reward: 0, terminated: false, truncated: false };
  }
}

/** Four transitions, the third terminal; observations and actions spread so that no ReLU sits at a kink. */
export function fill(buffer: ReplayBuffer): void {
  const transitions: [number[], number[], number, number[], boolean][] = [
    [[0.5, -1.0], [0.3, -0.6], 1.5, [0.8, -0.4], false],
    [[-0.7, 0.2], [-0.9, 0.4], -0.5, [-0.1, 0.9], false],
    [[1.2, 0.6], [0.7, 0.1], 2.0, [0.4, -1.3], true],
    [[-0.3, -0.8], [0.05, 0.8], 0.25, [-1.1, 0.3], false],
  ];
  for (const [obs, action, reward, next, terminated] of transitions) buffer.add(obs, action, reward, next, terminated);
}

/** The minibatch the next update will draw, from a copy of the minibatch stream. */
export function nextBatch(buffer: ReplayBuffer, minibatch: Generator, size: number, episodes = false): Batch {
  const batch = createBatch(size, buffer.observationSize, buffer.actionSize);
  if (episodes) (buffer as EpisodeReplayBuffer).sampleEpisodeUniform(copyOf(minibatch), batch);
  else buffer.sample(copyOf(minibatch), batch);
  return batch;
}

// ---------------------------------------------------------------------------------------------
// SAC

export interface SquashedGaussianLayers {
  trunk: Layer[];
  mean: Layer;
  logStd: Layer;
}

export function sacActorLayers(agent: SAC): SquashedGaussianLayers {
  return { trunk: layersOf(agent.actor, 'trunk.'), mean: layersOf(agent.actor, 'mean.')[0], logStd: layersOf(agent.actor, 'logStd.')[0] };
}

/** a = tanh(μ + σ·ε) and log π(a|s) by hand, as SACConfig says. */
export function sacSample(actor: SquashedGaussianLayers, c: SACConfig, s: number[], eps: number[], logHalfWidthSum: number): { action: number[]; logProb: number } {
  const h = relu(mlp(actor.trunk, s));
  const mu = linear(actor.mean, h);
  const raw = linear(actor.logStd, h);
  const logStd = raw.map((x) => (c.logStdBounds === 'clamp'
    ? Math.min(Math.max(x, c.logStdMin), c.logStdMax)
    : c.logStdMin + 0.5 * (c.logStdMax - c.logStdMin) * (Math.tanh(x) + 1)));
  let logProb = 0;
  const action = mu.map((m, d) => {
    const u = m + Math.exp(logStd[d]) * eps[d];
    const a = Math.tanh(u);
    const logDet = c.squashCorrection === 'exact' ? logOneMinusTanhSquared(u) : Math.log(1 - a * a + 1e-6);
    logProb += -0.5 * eps[d] * eps[d] - logStd[d] - HALF_LOG_TWO_PI - logDet;
    return a;
  });
  return { action, logProb: c.entropyUnits === 'env' ? logProb - logHalfWidthSum : logProb };
}

export const q = (layers: Layer[], s: number[], a: number[]): number => mlp(layers, [...s, ...a])[0];
