import assert from 'node:assert/strict';
import { Generator, rand, randn, seedWords } from '../../engine/index.ts';
import { Rng } from '../../envs/core/rng.ts';

// Reference outputs of xoshiro128** 1.1 (result = rotl(s1·5, 7)·9, t = s1 << 9, s3 = rotl(s3, 11);
// jump polynomial 0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b), computed independently by a
// Python transcription of Blackman & Vigna's xoshiro128starstar.c (/usr/bin/python3, arbitrary-
// precision ints masked to 32 bits), which also reimplements the seeding documented in
// engine/random.ts (SplitMix32 with the murmur3 finaliser on seed_lo ^ (seed_hi·0x9e3779b1)).
const FIRST_8_FROM_1234 = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849];
const JUMPED_1234_STATE = [2843103750, 2038079848, 1533207345, 44816753];
const JUMPED_1234_NEXT_4 = [1194304935, 745561276, 25819468, 3320478005];
const SEEDED: { seed: number; state: number[]; first4: number[] }[] = [
  { seed: 0, state: [2462723854, 1020716019, 454327756, 1275600319], first4: [3809008728, 1133695204, 53579671, 2891528803] },
  { seed: 42, state: [939911724, 3948730756, 321366731, 3317318717], first4: [2837322924, 544945897, 479756282, 3500138142] },
  { seed: 2 ** 40 + 7, state: [2083217727, 3601572936, 4250080328, 3810723236], first4: [368071896, 501484723, 3045041044, 3466898179] },
];

// The 'envs' seeding (envs/core/rng.ts), from the same kind of Python transcription: SplitMix32
// increments over seed_lo with the finaliser (x^x>>16)·0x21f0aaad, (x^x>>15)·0x735a2d97, x^x>>15,
// and seed_hi finalised into words 1 and 3. These are the states envs have always used.
const ENVS_SEEDED: { seed: number; state: number[]; first4: number[] }[] = [
  { seed: 0, state: [1684164658, 638463356, 2939563536, 1883027753], first4: [1056926039, 1884538329, 1535172660, 1955057813] },
  { seed: 42, state: [551831576, 4150001091, 322543647, 3145184289], first4: [2513282874, 3370761667, 784205415, 732766134] },
  { seed: 2 ** 40 + 7, state: [3838393609, 1804686506, 801465066, 135277481], first4: [1173418348, 3447581465, 3722121252, 2832822664] },
];

function fromWords(s: [number, number, number, number]): Generator {
  return Generator.fromState({ s, spareNormal: null });
}

function draws(g: Generator, n: number): number[] {
  return Array.from({ length: n }, () => g.nextUint32());
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('Generator (xoshiro128**)', () => {
  describe('matches the reference algorithm', () => {
    it('gives the reference first outputs from state [1, 2, 3, 4]', () => {
      assert.deepEqual(draws(fromWords([1, 2, 3, 4]), 8), FIRST_8_FROM_1234);
    });

    it('jumps to the reference state', () => {
      const g = fromWords([1, 2, 3, 4]);
      g.jump();
      assert.deepEqual([...g.getState().s], JUMPED_1234_STATE);
      assert.deepEqual(draws(g, 4), JUMPED_1234_NEXT_4);
    });

    it('expands seeds to the reference states', () => {
      for (const { seed, state, first4 } of SEEDED) {
        const g = new Generator(seed);
        assert.deepEqual([...g.getState().s], state, `seed ${seed}`);
        assert.deepEqual(draws(g, 4), first4, `seed ${seed}`);
      }
    });

    it("expands seeds with the 'envs' scheme to the reference states, and the envs' Rng draws from them", () => {
      for (const { seed, state, first4 } of ENVS_SEEDED) {
        assert.deepEqual(seedWords(seed, 'envs'), state, `seed ${seed}`);
        assert.deepEqual(draws(fromWords(seedWords(seed, 'envs')), 4), first4, `seed ${seed}`);
        const rng = new Rng(seed);
        assert.deepEqual(rng.getState(), state, `seed ${seed}`);
        assert.deepEqual(Array.from({ length: 4 }, () => rng.nextUint32()), first4, `seed ${seed}`);
      }
      for (const { seed, state } of SEEDED) assert.deepEqual(seedWords(seed), state, `seed ${seed}`);
    });

    it("the envs' Rng uniform is the Generator's 53-bit uniform, affinely mapped", () => {
      const g = fromWords(seedWords(9, 'envs'));
      const rng = new Rng(9);
      for (let i = 0; i < 100; i++) assert.equal(rng.uniform(-2, 3), -2 + 5 * g.uniform());
    });

    it('seedWords refuses unsafe seeds and unknown schemes', () => {
      assert.throws(() => seedWords(0.5), /seedWords: seed must be a safe integer, got 0.5/);
      assert.throws(() => seedWords(1, 'numpy' as 'envs'), /unknown scheme "numpy"/);
    });
  });

  describe('reproducibility', () => {
    it('gives bit-identical tensors for the same seed', () => {
      const a = randn([1000], { generator: 7 });
      const b = randn([1000], { generator: 7 });
      assert.deepEqual(a.data, b.data);
      const c = rand([1000], { generator: new Generator(7), dtype: 'float64' });
      const d = rand([1000], { generator: new Generator(7), dtype: 'float64' });
      assert.deepEqual(c.data, d.data);
    });

    it('gives different numbers for different seeds and for successive calls', () => {
      const g = new Generator(1);
      const a = randn([100], { generator: g });
      const b = randn([100], { generator: g });
      assert.notDeepEqual(a.data, b.data);
      assert.notDeepEqual(randn([100], { generator: 1 }).data, randn([100], { generator: 2 }).data);
    });

    it('restores a saved state, including a pending normal deviate', () => {
      const g = new Generator(123);
      g.normal(); // leaves the second Box–Muller deviate pending
      const saved = JSON.parse(JSON.stringify(g.getState()));
      assert.notEqual(saved.spareNormal, null);
      const expected = [g.normal(), g.uniform(), g.nextUint32(), g.normal(), g.normal()];
      g.setState(saved);
      assert.deepEqual([g.normal(), g.uniform(), g.nextUint32(), g.normal(), g.normal()], expected);
      const clone = Generator.fromState(saved);
      assert.equal(clone.normal(), expected[0]);
    });

    it('rejects invalid states', () => {
      const g = new Generator(0);
      assert.throws(() => g.setState({ s: [0, 0, 0, 0], spareNormal: null }), /not all zero/);
      assert.throws(() => g.setState({ s: [1, 2, 3, 2 ** 32], spareNormal: null }), /uint32/);
      assert.throws(() => g.setState({ s: [1, 2, 3, 4], spareNormal: NaN }), /spareNormal/);
      assert.throws(() => g.setState({ s: [1, 2, 3] as unknown as [number, number, number, number], spareNormal: null }), /four/);
    });
  });

  describe('split streams', () => {
    it('the child continues the parent, the parent jumps 2^64 ahead', () => {
      const parent = new Generator(5);
      const reference = Generator.fromState(parent.getState());
      const child = parent.split();
      assert.deepEqual(draws(child, 16), draws(Generator.fromState(reference.getState()), 16));
      reference.jump();
      assert.deepEqual(parent.getState(), reference.getState());
    });

    it('do not overlap in their first 10^5 outputs and are uncorrelated', () => {
      const parent = new Generator(2024);
      const streams = [parent.split(), parent.split(), parent.split(), parent];
      const n = 100_000;
      const outputs = streams.map((g) => Uint32Array.from({ length: n }, () => g.nextUint32()));
      // Overlapping streams would share runs of outputs: look for any pair of consecutive outputs
      // (53 of its 64 bits) that occurs in two streams; by chance this has probability ≈ 10^-5.
      const seen = new Map<number, number>();
      let shared = 0;
      for (let s = 0; s < outputs.length; s++) {
        for (let i = 0; i + 1 < n; i++) {
          const key = outputs[s][i] * 2 ** 21 + (outputs[s][i + 1] >>> 11);
          const other = seen.get(key);
          if (other !== undefined && other !== s) shared++;
          seen.set(key, s);
        }
      }
      assert.equal(shared, 0, 'streams share a run of two consecutive outputs');
      for (let a = 0; a < outputs.length; a++) {
        for (let b = a + 1; b < outputs.length; b++) {
          const r = correlation(outputs[a], outputs[b]);
          assert.ok(Math.abs(r) < 5 / Math.sqrt(n), `streams ${a} and ${b}: correlation ${r}`);
        }
      }
    });
  });

  describe('distributions of the samples', () => {
    const n = 200_000;

    function moments(data: ArrayLike<number>): { mean: number; variance: number; skew: number; kurtosis: number } {
      let mean = 0;
      for (let i = 0; i < data.length; i++) mean += data[i];
      mean /= data.length;
      let m2 = 0, m3 = 0, m4 = 0;
      for (let i = 0; i < data.length; i++) {
        const d = data[i] - mean;
        m2 += d * d; m3 += d * d * d; m4 += d * d * d * d;
      }
      m2 /= data.length; m3 /= data.length; m4 /= data.length;
      return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
    }

    for (const dtype of ['float32', 'float64'] as const) {
      it(`uniform [low, high) has the right range and moments (${dtype})`, () => {
        const u = rand([n], { generator: 11, dtype, low: -2, high: 6 });
        let lo = Infinity, hi = -Infinity;
        for (const v of u.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        assert.ok(lo >= -2 && hi < 6, `range [${lo}, ${hi}]`);
        const m = moments(u.data);
        // U(−2, 6): mean 2, variance 64/12; standard errors ≈ 0.005 and 0.013
        assert.ok(Math.abs(m.mean - 2) < 0.03, `mean ${m.mean}`);
        assert.ok(Math.abs(m.variance - 64 / 12) < 0.06, `variance ${m.variance}`);
        assert.ok(Math.abs(m.skew) < 0.02, `skew ${m.skew}`);
        assert.ok(Math.abs(m.kurtosis - 1.8) < 0.02, `kurtosis ${m.kurtosis}`);
      });

      it(`normal has the right moments (${dtype})`, () => {
        const z = randn([n], { generator: 12, dtype, mean: 1, std: 3 });
        const m = moments(z.data);
        // N(1, 9): standard errors of mean ≈ 0.007, of variance ≈ 0.03
        assert.ok(Math.abs(m.mean - 1) < 0.035, `mean ${m.mean}`);
        assert.ok(Math.abs(m.variance - 9) < 0.15, `variance ${m.variance}`);
        assert.ok(Math.abs(m.skew) < 0.03, `skew ${m.skew}`);
        assert.ok(Math.abs(m.kurtosis - 3) < 0.06, `kurtosis ${m.kurtosis}`);
        let within1 = 0;
        for (const v of z.data) if (Math.abs(v - 1) < 3) within1++;
        assert.ok(Math.abs(within1 / n - 0.6826894921) < 0.005, `P(|z| < 1) = ${within1 / n}`);
      });
    }

    it('integer(n) is unbiased', () => {
      const g = new Generator(3);
      const counts = new Array<number>(7).fill(0);
      for (let i = 0; i < 70_000; i++) counts[g.integer(7)]++;
      const chi2 = counts.reduce((acc, c) => acc + (c - 10_000) ** 2 / 10_000, 0);
      assert.ok(chi2 < 22.5, `chi² = ${chi2} with 6 degrees of freedom`); // p ≈ 0.001
    });
  });
});
