/**
 * NaN policy of relu (engine/kernels/js.ts, engine/kernels/wasm/elementwise.ts): NaN stays NaN, as
 * in PyTorch, so a network with a NaN weight cannot evaluate to a finite output.
 */
import { strict as assert } from 'node:assert';
import { MLP, Tensor, kernels, relu, tensor, useKernels, availableKernels, registerKernels } from '../../engine/index.ts';
import { jsKernels } from '../../engine/kernels/js.ts';
import { createWasmKernels, simdSupported } from '../../engine/kernels/wasm/index.ts';
import type { Kernels } from '../../engine/kernels/types.ts';

function kernelSets(): Kernels[] {
  const sets: Kernels[] = [jsKernels];
  if (simdSupported()) sets.push(createWasmKernels({ name: 'wasm-nan-spec', memoryMB: 16, fma: false }));
  return sets;
}

const bits = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0];

describe('engine hardening: relu propagates NaN on every kernel set', () => {
  for (const set of kernelSets()) {
    describe(set.name, () => {
      it('relu of [NaN, −1, 0, 2, −0, −Inf, Inf] is [NaN, 0, 0, 2, +0, 0, Inf], on and off SIMD tails', () => {
        for (const length of [5, 7, 8, 13]) {
          const input = new Float32Array(length);
          const values = [NaN, -1, 0, 2, -0, -Infinity, Infinity];
          for (let i = 0; i < length; i++) input[i] = values[i % values.length];
          const x = set.allocate('float32', length) as Float32Array;
          x.set(input);
          const out = set.allocate('float32', length) as Float32Array;
          set.unary('relu', x, out, 0);
          for (let i = 0; i < length; i++) {
            const v = input[i];
            if (Number.isNaN(v)) assert.ok(Number.isNaN(out[i]), `${set.name} relu(NaN) at ${i} gave ${out[i]}`);
            else assert.equal(bits(out[i]), bits(v > 0 ? v : 0), `${set.name} relu(${Object.is(v, -0) ? '-0' : v}) at ${i}`);
          }
        }
      });

      it('float64 relu keeps NaN too', () => {
        const x = set.allocate('float64', 3);
        x.set([NaN, -3, 3]);
        const out = set.allocate('float64', 3);
        set.unary('relu', x, out, 0);
        assert.ok(Number.isNaN(out[0]));
        assert.deepEqual([out[1], out[2]], [0, 3]);
      });

      it('an MLP with one NaN weight gives a NaN output', () => {
        const previous = kernels().name;
        if (!availableKernels().includes(set.name)) registerKernels(set);
        useKernels(set.name);
        try {
          const net = new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 1, generator: 0 });
          const clean = net.forward(tensor([[0.5, -1, 2]]));
          assert.ok(Number.isFinite(clean.data[0]));
          const first = net.linearLayers[0].weight as Tensor;
          // a NaN in a row whose pre-activation would otherwise be negative: relu used to hide it
          first.mutate_((data) => { data[0] = NaN; });
          const out = net.forward(tensor([[0.5, -1, 2]]));
          assert.ok(Number.isNaN(out.data[0]), `${set.name}: output ${out.data[0]} with a NaN weight`);
          assert.ok(Number.isNaN(relu(tensor([NaN])).data[0]));
        } finally {
          useKernels(previous);
        }
      });
    });
  }
});
