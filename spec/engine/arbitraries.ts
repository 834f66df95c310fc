/** fast-check generators for tensors: shapes (with size-1 and broadcast dims) and values inside an op's domain. */
import fc from 'fast-check';
import { Generator, Tensor, tensor } from '../../engine/index.ts';

export type Domain = 'any' | 'positive' | 'unit' | 'awayFromZero' | 'aboveMinusOne' | 'distinct';

/** float64 values in the domain, from a seed; 'distinct' values are ≥ 0.05 apart (for max/min ties). */
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
