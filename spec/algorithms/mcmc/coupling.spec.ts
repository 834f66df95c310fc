import { strict as assert } from 'node:assert';
import { Generator, Tensor, mul, noGrad, sub, sum, square } from '../../../engine/index.ts';
import { CouplingNetwork, LangevinFlow } from '../../../algorithms/mcmc/coupling.ts';
import { randomTensor, randomizeParameters } from './numeric.ts';

const STATE_SIZE = 2;
const BATCH = 3;

describe('Langevin coupling layer (eq. 9, as corrected in algorithms/mcmc/coupling.ts)', () => {
  it('keeps the m half bit for bit and moves the m̄ half by (x + (ε²/2)∇U + ε·e^σ)·e^{tanh S} + T, layer by layer, for |A| = 1, 2, 3', () => {
    for (const actionSize of [1, 2, 3]) {
      const g = new Generator(20 + actionSize);
      const layers = 3;
      const flow = new LangevinFlow({
        stateSize: STATE_SIZE, actionSize, layers, hiddenSizes: [4], maxStepSize: 0.5, initialStepSize: 0.2, initialNoiseLogScale: -1, generator: g, dtype: 'float64',
      });
      randomizeParameters(flow, g, 0.4);
      const state = randomTensor([BATCH, STATE_SIZE], g);
      const start = randomTensor([BATCH, actionSize], g);
      // U(x) = −½‖x − c‖², so ∇U = c − x by hand: the layer must climb it (the printed "−" would descend).
      const centre = randomTensor([BATCH, actionSize], g, 2);
      const utility = (x: Tensor): Tensor => mul(sum(square(sub(x, centre)), -1), -0.5);
      const outputs: Tensor[] = [];
      noGrad(() => flow.forward(state, start, utility, (_layer, x) => outputs.push(x)));
      assert.equal(outputs.length, layers);
      const epsilons = noGrad(() => flow.stepSizes()).data;
      const networks = flow.namedChildren().map(([, m]) => m as CouplingNetwork);
      let x = Float64Array.from(start.data);
      for (let k = 0; k < layers; k++) {
        const mask = flow.masks[k].data;
        const kept = x.map((v, i) => mask[i % actionSize] * v);
        const heads = noGrad(() => networks[k].forward(new Tensor(kept, [BATCH, actionSize]), state));
        const y = outputs[k].data;
        for (let i = 0; i < x.length; i++) {
          const j = i % actionSize;
          if (mask[j] === 1) {
            assert.equal(y[i], x[i], `|A| = ${actionSize}, layer ${k}, entry ${i}: a kept coordinate moved`);
            continue;
          }
          const epsilon = epsilons[k * actionSize + j];
          const langevin = x[i] + 0.5 * epsilon ** 2 * (centre.data[i] - x[i]) + epsilon * Math.exp(heads.noiseLogScale.data[i]);
          const expected = langevin * Math.exp(Math.tanh(heads.logScale.data[i])) + heads.shift.data[i];
          assert.ok(Math.abs(y[i] - expected) < 1e-12, `|A| = ${actionSize}, layer ${k}, entry ${i}: ${y[i]} vs ${expected}`);
        }
        x = Float64Array.from(y);
      }
    }
  });

  it('updates every coordinate within two consecutive layers, and for |A| = 1 at every layer', () => {
    for (const actionSize of [1, 2, 3, 6]) {
      const flow = new LangevinFlow({
        stateSize: 1, actionSize, layers: 4, hiddenSizes: [2], maxStepSize: 0.5, initialStepSize: 0.05, initialNoiseLogScale: -3, generator: new Generator(0),
      });
      const updated = flow.complements.map((m) => Array.from(m.data));
      if (actionSize === 1) {
        updated.forEach((m) => assert.deepEqual(m, [1]));
        continue;
      }
      for (let k = 0; k + 1 < updated.length; k++) {
        updated[k].forEach((v, i) => assert.equal(v + updated[k + 1][i], 1, `|A| = ${actionSize}: coordinate ${i} in layers ${k}, ${k + 1}`));
      }
    }
  });
});
