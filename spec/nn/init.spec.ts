import assert from 'node:assert/strict';
import {
  Generator, Linear, MLP, Tensor, calculateGain, constant_, fans, kaimingNormal_, kaimingUniform_, orthogonal_,
  xavierNormal_, xavierUniform_, zeros, zeros_,
} from '../../engine/index.ts';

function stats(t: Tensor): { mean: number; variance: number; min: number; max: number } {
  let mean = 0, min = Infinity, max = -Infinity;
  for (const v of t.data) { mean += v; min = Math.min(min, v); max = Math.max(max, v); }
  mean /= t.size;
  let variance = 0;
  for (const v of t.data) variance += (v - mean) ** 2;
  return { mean, variance: variance / t.size, min, max };
}

/** Relative tolerance for a sample variance of n values (kurtosis ≤ 3): about 5 standard errors. */
const varianceTolerance = (n: number): number => 5 * Math.sqrt(2 / n);

describe('initializers', () => {
  const fanIn = 300, fanOut = 200;
  const weight = (): Tensor => zeros([fanOut, fanIn]);
  const n = fanIn * fanOut;

  it('fans follow PyTorch, including receptive fields', () => {
    assert.deepEqual(fans(zeros([4, 3])), [3, 4]);
    assert.deepEqual(fans(zeros([8, 2, 3, 3])), [18, 72]);
    assert.throws(() => fans(zeros([5])), /rank ≥ 2/);
  });

  it('calculateGain matches torch.nn.init.calculate_gain', () => {
    assert.equal(calculateGain('linear'), 1);
    assert.equal(calculateGain('sigmoid'), 1);
    assert.equal(calculateGain('tanh'), 5 / 3);
    assert.equal(calculateGain('relu'), Math.SQRT2);
    assert.equal(calculateGain('leakyRelu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(calculateGain('leakyRelu', Math.sqrt(5)), Math.sqrt(1 / 3));
    assert.equal(calculateGain('selu'), 0.75);
  });

  it('Linear default is U(−1/√in, 1/√in) for weight and bias (PyTorch nn.Linear)', () => {
    const layer = new Linear(fanIn, fanOut, { generator: 1 });
    const bound = 1 / Math.sqrt(fanIn);
    const w = stats(layer.weight);
    assert.ok(w.min >= -bound && w.max <= bound && w.max > 0.99 * bound && w.min < -0.99 * bound);
    assert.ok(Math.abs(w.variance / (bound * bound / 3) - 1) < varianceTolerance(n), `variance ${w.variance}`);
    const b = stats(layer.bias as Tensor);
    assert.ok(b.min >= -bound && b.max <= bound);
    // kaiming_uniform(a = √5) is the same distribution, drawn from the same stream
    const again = kaimingUniform_(weight(), { a: Math.sqrt(5), generator: 1 });
    assert.deepEqual(again.data, layer.weight.data);
  });

  for (const gain of [1, 2]) {
    it(`Xavier uniform and normal have variance gain²·2/(fanIn + fanOut) (gain ${gain})`, () => {
      const target = (gain * gain * 2) / (fanIn + fanOut);
      const u = stats(xavierUniform_(weight(), { gain, generator: 2 }));
      const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
      assert.ok(u.min >= -bound && u.max <= bound);
      assert.ok(Math.abs(u.variance / target - 1) < varianceTolerance(n), `uniform variance ${u.variance} vs ${target}`);
      const g = stats(xavierNormal_(weight(), { gain, generator: 3 }));
      assert.ok(Math.abs(g.variance / target - 1) < varianceTolerance(n), `normal variance ${g.variance} vs ${target}`);
      assert.ok(Math.abs(g.mean) < 5 * Math.sqrt(target / n));
    });
  }

  it('He (Kaiming) uniform and normal have variance 2/fan for relu', () => {
    const u = stats(kaimingUniform_(weight(), { nonlinearity: 'relu', generator: 4 }));
    assert.ok(Math.abs(u.variance / (2 / fanIn) - 1) < varianceTolerance(n), `uniform ${u.variance}`);
    const g = stats(kaimingNormal_(weight(), { nonlinearity: 'relu', generator: 5 }));
    assert.ok(Math.abs(g.variance / (2 / fanIn) - 1) < varianceTolerance(n), `normal ${g.variance}`);
    const out = stats(kaimingNormal_(weight(), { nonlinearity: 'relu', mode: 'fanOut', generator: 6 }));
    assert.ok(Math.abs(out.variance / (2 / fanOut) - 1) < varianceTolerance(n), `fanOut ${out.variance}`);
  });

  describe('orthogonal', () => {
    function gram(t: Tensor, rowsAsVectors: boolean): number[][] {
      const [rows, cols] = t.shape;
      const k = rowsAsVectors ? rows : cols;
      const at = (v: number, i: number): number => (rowsAsVectors ? t.data[v * cols + i] : t.data[i * cols + v]);
      const len = rowsAsVectors ? cols : rows;
      return Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => {
        let s = 0;
        for (let i = 0; i < len; i++) s += at(a, i) * at(b, i);
        return s;
      }));
    }

    for (const [rows, cols] of [[6, 6], [3, 8], [9, 4]]) {
      it(`gives gain²·I as the Gram matrix of the shorter side (${rows}×${cols})`, () => {
        const gain = Math.SQRT2;
        const t = orthogonal_(zeros([rows, cols], { dtype: 'float64' }), { gain, generator: 7 });
        const g = gram(t, rows <= cols);
        g.forEach((row, a) => row.forEach((v, b) => assert.ok(Math.abs(v - (a === b ? gain * gain : 0)) < 1e-12, `G[${a}][${b}] = ${v}`)));
      });
    }

    it('is orthogonal to float32 precision for a policy-sized layer, and reproducible', () => {
      const t = orthogonal_(zeros([64, 256]), { gain: 0.01, generator: 8 });
      const g = gram(t, true);
      let worst = 0;
      g.forEach((row, a) => row.forEach((v, b) => (worst = Math.max(worst, Math.abs(v / 1e-4 - (a === b ? 1 : 0))))));
      assert.ok(worst < 1e-5, `worst deviation ${worst}`);
      assert.deepEqual(orthogonal_(zeros([64, 256]), { gain: 0.01, generator: new Generator(8) }).data, t.data);
    });

    it('is Haar-distributed: entries of a random orthogonal n×n matrix have variance 1/n and mean 0', () => {
      let sum = 0, sumSq = 0, count = 0;
      const g = new Generator(9);
      for (let trial = 0; trial < 200; trial++) {
        const t = orthogonal_(zeros([8, 8], { dtype: 'float64' }), { generator: g });
        sum += t.data[0] + t.data[9];
        sumSq += t.data[0] ** 2 + t.data[9] ** 2;
        count += 2;
      }
      assert.ok(Math.abs(sum / count) < 0.1, `mean ${sum / count}`);
      assert.ok(Math.abs(sumSq / count - 1 / 8) < 0.04, `variance ${sumSq / count}`);
    });
  });

  it('constant and zeros fill; custom inits reach MLP output heads', () => {
    assert.ok(constant_(zeros([3, 2]), 0.5).data.every((v) => v === 0.5));
    const net = new MLP({
      inputSize: 4, hiddenSizes: [16], outputSize: 2, generator: 10,
      hiddenInit: (layer, g) => { orthogonal_(layer.weight, { gain: Math.SQRT2, generator: g }); zeros_(layer.bias as Tensor); },
      outputInit: (layer) => { zeros_(layer.weight); zeros_(layer.bias as Tensor); },
    });
    const [hidden, output] = net.linearLayers;
    assert.ok((hidden.bias as Tensor).data.every((v) => v === 0));
    assert.ok(hidden.weight.data.some((v) => v !== 0));
    assert.ok(output.weight.data.every((v) => v === 0));
  });
});
