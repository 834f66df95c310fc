/**
 * The gradient checks run in float64, which never touches the wasm heap or the float32 kernels.
 * This runs every op, its VJP and the VJP of its VJP in float32 on the default kernels (three
 * rounds, so later ones run on reused heap blocks) and compares with the same computation in
 * float64: a float32 path that differs from the float64 one, or an output element left unwritten
 * on a reused block, shows up as a mismatch.
 */
import assert from 'node:assert/strict';
import * as E from '../../engine/index.ts';
import type { Tensor } from '../../engine/index.ts';

type Fn = (...xs: Tensor[]) => Tensor;
type Domain = 'any' | 'positive' | 'unit' | 'awayFromZero';

interface Case {
  readonly f: Fn;
  readonly inputs: readonly (readonly [readonly number[], Domain])[];
}

const unary = (f: (x: Tensor) => Tensor, domain: Domain = 'any'): Case => ({ f: f as Fn, inputs: [[[3, 5], domain]] });
const binary = (f: (a: Tensor, b: Tensor) => Tensor, shapes: [number[], number[]], domains: [Domain, Domain] = ['any', 'any']): Case => ({
  f: f as Fn, inputs: [[shapes[0], domains[0]], [shapes[1], domains[1]]],
});

const CASES: Record<string, Case> = {
  neg: unary(E.neg), exp: unary(E.exp), log: unary(E.log, 'positive'), log1p: unary(E.log1p, 'positive'), expm1: unary(E.expm1),
  sqrt: unary(E.sqrt, 'positive'), abs: unary(E.abs, 'awayFromZero'), square: unary(E.square), reciprocal: unary(E.reciprocal, 'awayFromZero'),
  tanh: unary(E.tanh), atanh: unary(E.atanh, 'unit'), sigmoid: unary(E.sigmoid), softplus: unary(E.softplus),
  relu: unary(E.relu, 'awayFromZero'), elu: unary((x) => E.elu(x, 0.7), 'awayFromZero'), clamp: unary((x) => E.clamp(x, -0.5, 0.5), 'awayFromZero'),
  'pow scalar': unary((x) => E.pow(x, 2.5), 'positive'),
  'add rows': binary(E.add, [[4, 3], [3]]), 'sub columns': binary(E.sub, [[4, 3], [4, 1]]), 'mul outer': binary(E.mul, [[4, 1], [1, 3]]),
  'div 3-D': binary(E.div, [[2, 1, 3], [4, 1]], ['any', 'awayFromZero']), pow: binary(E.pow, [[3, 2], [2]], ['positive', 'any']),
  maximum: binary(E.maximum, [[5, 3], [3]]), minimum: binary(E.minimum, [[5, 3], [5, 1]]),
  where: binary((a, b) => E.where(E.greater(a, 0), E.mul(a, a), E.tanh(b)), [[4, 3], [3]], ['awayFromZero', 'any']),
  'matmul NN': binary((a, b) => E.matmul(a, b), [[5, 7], [7, 9]]),
  'matmul NT batched': binary((a, b) => E.matmul(a, b, { transB: true }), [[2, 5, 7], [9, 7]]),
  'matmul TN broadcast batch': binary((a, b) => E.matmul(a, b, { transA: true }), [[3, 1, 7, 5], [2, 7, 9]]),
  'matmul vector': binary((a, b) => E.matmul(a, b), [[7], [7, 4]]),
  linear: { f: (x, w, b) => E.linear(x, w, b), inputs: [[[2, 6, 5], 'any'], [[4, 5], 'any'], [[4], 'any']] },
  'sum axes': unary((x) => E.sum(E.reshape(x, [3, 5, 1]), [0, 2])), mean: unary((x) => E.mean(x, 1, true)),
  variance: unary((x) => E.variance(x, 0)), std: unary((x) => E.std(x, 1), 'awayFromZero'),
  max: unary((x) => E.max(x, 0)), min: unary((x) => E.min(x, 1, true)), logsumexp: unary((x) => E.logsumexp(x, -1)),
  softmax: unary((x) => E.softmax(x, 0)), logSoftmax: unary((x) => E.logSoftmax(x, 1)),
  permute: unary((x) => E.permute(E.reshape(x, [3, 1, 5]), [2, 0, 1])), transpose: unary((x) => E.transpose(x)),
  broadcastTo: unary((x) => E.broadcastTo(x, [2, 3, 5])), sumTo: unary((x) => E.sumTo(E.broadcastTo(x, [2, 3, 5]), [3, 1])),
  slice: unary((x) => E.slice(x, [-3, 1], [3, 5], [2, 2])),
  concat: binary((a, b) => E.concat([a, E.tanh(b), a], 1), [[3, 5], [3, 2]]),
  stack: binary((a, b) => E.stack([a, E.mul(b, b)], -1), [[3, 5], [3, 5]]),
  split: unary((x) => E.mul(E.split(x, [2, 3], 1)[1], 3)),
  gather: unary((x) => E.square(E.gather(x, 1, E.tensor([[4, 0, 0, 2], [1, 1, 3, 3], [0, 4, 2, 2]])))),
};

/** Deterministic values in the domain, as float64 (the float32 run casts them). */
function values(shape: readonly number[], domain: Domain, seed: number): Tensor {
  const rng = new E.Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => {
    const u = rng.uniform();
    switch (domain) {
      case 'positive': return 0.3 + 1.7 * u;
      case 'unit': return 1.6 * u - 0.8;
      case 'awayFromZero': return (u < 0.5 ? -1 : 1) * (0.6 + 1.4 * rng.uniform());
      default: return 4 * u - 2;
    }
  });
  return E.tensor(data, { shape, dtype: 'float64' });
}

const dot = (gs: readonly Tensor[], vs: readonly Tensor[]): Tensor => gs.map((g, i) => E.sum(E.mul(g, vs[i]))).reduce((a, b) => E.add(a, b));

/** y, the VJP of ⟨y, u⟩ and the gradient of ⟨VJP, v⟩ (second order), flattened, in float64 numbers. */
function derivatives(f: Fn, inputs: readonly Tensor[], u: Tensor, vs: readonly Tensor[]): Float64Array[] {
  const [y, pullback] = E.vjp(f, ...inputs);
  const firstOrder = pullback(u);
  const secondOrder = E.vjp((...xs: Tensor[]) => dot(E.vjp(f, ...xs)[1](u), vs), ...inputs)[1](E.onesLike(E.sum(y)));
  return [y, ...firstOrder, ...secondOrder].map((t) => Float64Array.from(t.data));
}

describe('float32 ops match float64 to second order (default kernels)', () => {
  for (const [name, { f, inputs }] of Object.entries(CASES)) {
    it(name, () => {
      const xs64 = inputs.map(([shape, domain], i) => values(shape, domain, 17 + i));
      const y64 = f(...xs64);
      const u64 = values(y64.shape, 'any', 5);
      const vs64 = xs64.map((x, i) => values(x.shape, 'any', 40 + i));
      const cast32 = (t: Tensor): Tensor => E.cast(t, 'float32');
      const expected = derivatives(f, xs64, u64, vs64);
      // Several rounds, so later ones run on reused heap blocks rather than fresh pages.
      for (let round = 0; round < 3; round++) {
        const actual = derivatives(f, xs64.map(cast32), cast32(u64), vs64.map(cast32));
        actual.forEach((a, part) => {
          const e = expected[part];
          const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
          for (let i = 0; i < e.length; i++) {
            assert.ok(Math.abs(a[i] - e[i]) <= 1e-4 * scale, `${name}, part ${part} (0: y, then VJPs, then second order), element ${i}: float32 ${a[i]} vs float64 ${e[i]}`);
          }
        });
      }
    });
  }
});
