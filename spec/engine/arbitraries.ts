/** fast-check generators for tensors: shapes (with size-1 and broadcast dims) and values inside an op's domain. */
import fc from 'fast-check';
import { Generator, Tensor, tensor } from '../../engine/index.ts';

export type Domain = 'any' | 'positive' | 'unit' | 'awayFromZero' | 'awayFromOne' | 'aboveMinusOne' | 'distinct';

/**
 * float64 values in the domain, from a seed. 'awayFromZero' and 'awayFromOne' keep |x| at least 0.2
 * from 0 and from 1 (kinks of abs/relu, of clamp to [−1, 1]); 'distinct' values are ≥ 0.05 apart
 * (for max/min ties).
 */
export function valuesIn(domain: Domain, shape: readonly number[], seed: number): Tensor {
  const rng = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    switch (domain) {
      case 'any': data[i] = 4 * u - 2; break;
      case 'positive': data[i] = 0.2 + 2.8 * u; break;
      case 'unit': data[i] = 1.6 * u - 0.8; break;
      case 'aboveMinusOne': data[i] = -0.7 + 2.7 * u; break;
      case 'awayFromZero': data[i] = (u < 0.5 ? -1 : 1) * (0.2 + 3.6 * Math.abs(u - 0.5)); break;
      case 'awayFromOne': {
        const m = 3.2 * Math.abs(u - 0.5); // |x| in [0, 0.8) ∪ [1.2, 2)
        data[i] = (u < 0.5 ? -1 : 1) * (m < 0.8 ? m : m + 0.4);
        break;
      }
      case 'distinct': data[i] = i; break;
    }
  }
  if (domain === 'distinct') {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.integer(i + 1);
      [data[i], data[j]] = [data[j], data[i]];
    }
    for (let i = 0; i < n; i++) data[i] = 0.05 * (data[i] - n / 2) + 0.01 * rng.uniform();
  }
  return tensor(data, { shape, dtype: 'float64' });
}

export const dim = fc.integer({ min: 1, max: 4 });
export const shapeArb = (minRank = 0, maxRank = 3) => fc.array(dim, { minLength: minRank, maxLength: maxRank });
export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A shape and a second shape that broadcasts against it (leading dims dropped, some dims set to 1), in random order. */
export const broadcastPairArb = shapeArb(0, 3).chain((shape) =>
  fc
    .record({
      drop: fc.integer({ min: 0, max: shape.length }),
      ones: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      swap: fc.boolean(),
    })
    .map(({ drop, ones, swap }) => {
      const other = shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      return swap ? [other, shape] : [shape, other];
    }),
);

/** A shape with a random subset of its axes (possibly negative) and a keepdims flag. */
export const axesCaseArb = shapeArb(1, 3).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axes: fc.subarray(shape.map((_, i) => i), { minLength: 1 }).chain((axes) =>
      fc.array(fc.boolean(), { minLength: axes.length, maxLength: axes.length })
        .map((neg) => axes.map((a, i) => (neg[i] ? a - shape.length : a))),
    ),
    keepdims: fc.boolean(),
  }),
);

/** A shape of rank 1–4 and a permutation of its axes. */
export const permutationArb = shapeArb(1, 4).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    perm: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }),
  }),
);

/** Arguments of `slice`: negative starts, ends past the edge (clamped) and steps 1–2. */
export const sliceArb = shapeArb(1, 3).chain((shape) =>
  fc
    .record({
      starts: fc.tuple(...shape.map((d) => fc.integer({ min: -d, max: d - 1 }))),
      lengths: fc.tuple(...shape.map((d) => fc.integer({ min: 1, max: d + 1 }))),
      steps: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
    })
    .map(({ starts, lengths, steps }) => ({
      shape,
      starts,
      ends: starts.map((s, i) => (s < 0 ? s + shape[i] : s) + lengths[i]),
      steps,
    })),
);

/** A source shape, an axis, and an index shape that fits it for `gather` (longer than the source on the axis). */
export const gatherArb = shapeArb(1, 3).chain((shape) =>
  fc
    .record({
      axis: fc.integer({ min: 0, max: shape.length - 1 }),
      sizes: fc.tuple(...shape.map((d) => fc.integer({ min: 1, max: d + 2 }))),
    })
    .map(({ axis, sizes }) => ({ shape, axis, indexShape: sizes.map((d, i) => (i === axis ? d : Math.min(d, shape[i]))) })),
);

/** Operand shapes of a batched matmul in every transpose layout, b's batch axes fewer or of size 1. */
export const matmulArb = fc
  .record({
    m: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 5 }),
    batchA: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    batchOnesB: fc.array(fc.boolean(), { maxLength: 2 }),
    transA: fc.boolean(), transB: fc.boolean(),
  })
  .map(({ m, k, n, batchA, batchOnesB, transA, transB }) => {
    const batchB = batchA.slice(batchA.length - batchOnesB.length).map((d, i) => (batchOnesB[i] ? 1 : d));
    return {
      aShape: [...batchA, ...(transA ? [k, m] : [m, k])],
      bShape: [...batchB, ...(transB ? [n, k] : [k, n])],
      transA,
      transB,
    };
  });
