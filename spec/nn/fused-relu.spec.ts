/**
 * A Linear followed by relu runs as one GEMM that applies relu as it stores its tiles (Sequential
 * and MLP do this by themselves). The numbers are those of the two separate ops, bit for bit: the
 * output, the first-order gradients with respect to input, weight and bias, and a second-order
 * gradient through the fused op, on every kernel set, with NaN and pre-activations at exactly 0.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  Generator, MLP, Tensor, availableKernels, grad, kernels, linear, randn, relu, square, sum, useKernels,
} from '../../engine/index.ts';

function bits(t: Tensor): string[] {
  return Array.from(t.toTypedArray(), (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v)));
}

for (const set of availableKernels()) {
  describe(`linear with relu fused into the GEMM (${set} kernels)`, () => {
    let previous = set;
    before(() => {
      previous = kernels().name;
      useKernels(set);
    });
    after(() => useKernels(previous));

    it('gives relu(linear(x)) and its first- and second-order gradients bit for bit', () => {
      fc.assert(fc.property(
        fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 20 }), fc.boolean(), fc.integer(),
        (rows, inputs, outputs, withBias, seed) => {
          const g = new Generator(seed);
          const x = randn([rows, inputs], { generator: g });
          const w = randn([outputs, inputs], { generator: g });
          const b = randn([outputs], { generator: g });
          let z = 0;
          for (let i = 0; i < inputs; i++) z += x.data[i] * w.data[i];
          b.data[0] = -z; // the first pre-activation on 0 or next to it
          const args: Tensor[] = withBias ? [x, w, b] : [x, w];
          const argnums = withBias ? [0, 1, 2] : [0, 1];
          const layer = (fused: boolean) => (...t: Tensor[]): Tensor =>
            fused ? linear(t[0], t[1], t[2], { relu: true }) : relu(linear(t[0], t[1], t[2]));
          const loss = (fused: boolean) => (...t: Tensor[]): Tensor => sum(square(layer(fused)(...t)));
          assert.deepEqual(bits(layer(true)(...args)), bits(layer(false)(...args)));
          const gFused = grad(loss(true), argnums)(...args);
          const gPlain = grad(loss(false), argnums)(...args);
          gFused.forEach((gf, i) => assert.deepEqual(bits(gf), bits(gPlain[i]), `gradient ${i}`));
          // second order: ∂/∂W of Σ (∂L/∂x)²
          const curvature = (fused: boolean) => (...t: Tensor[]): Tensor => sum(square(grad(loss(fused), 0)(...t)));
          assert.deepEqual(bits(grad(curvature(true), 1)(...args)), bits(grad(curvature(false), 1)(...args)));
        },
      ), { numRuns: 40 });
    });

    it('keeps NaN, as relu does', () => {
      const x = new Tensor(new Float32Array([NaN, 1, -1, 0]), [2, 2]);
      const w = new Tensor(new Float32Array([1, 0, 0, 1]), [2, 2]);
      assert.deepEqual(bits(linear(x, w, undefined, { relu: true })), bits(relu(linear(x, w))));
      assert.deepEqual(bits(linear(x, w, undefined, { relu: true })), ['NaN', 'NaN', '0', '0']);
    });

    it('is what an MLP with relu runs, with the outputs of its layers one by one', () => {
      const mlp = new MLP({ inputSize: 5, hiddenSizes: [33, 17], outputSize: 3, generator: 4 });
      const x = randn([9, 5], { generator: new Generator(1) });
      let h = x;
      for (const layer of mlp.layers) h = layer.forward(h);
      assert.deepEqual(bits(mlp.forward(x)), bits(h));
    });
  });
}
