/**
 * The on-policy networks' initial weights follow SB3's `ortho_init`: orthogonal weights with gain √2
 * in the hidden layers, 0.01 in the policy's output layer and 1 in the value output layer, and zero
 * biases. For a weight W = gain·Q of shape [out, in], the Gram matrix of its shorter side is
 * gain²·I (W Wᵀ when out ≤ in, Wᵀ W otherwise), which identifies the gain exactly.
 */
import { strict as assert } from 'node:assert';
import { GaussianPolicy, PPO, type ContinuousEnv, type StepResult } from '../../algorithms/index.ts';
import type { Linear, Tensor } from '../../engine/index.ts';

class FlatEnv implements ContinuousEnv {
  readonly observationSpace = { shape: [5] };
  readonly actionSpace = { shape: [3], low: new Float32Array(3).fill(-1), high: new Float32Array(3).fill(1) };
  reset(): { obs: Float32Array } {
    return { obs: new Float32Array(5) };
  }
  step(): StepResult {
    return { obs: new Float32Array(5), reward: 0, terminated: false, truncated: false };
  }
}

/** The largest deviation of the shorter side's Gram matrix of `w` [rows, cols] from gain²·I, relative to gain². */
function gramDeviation(w: Tensor, gain: number): number {
  const [rows, cols] = w.shape;
  const vectors = Math.min(rows, cols);
  const length = Math.max(rows, cols);
  const at = (v: number, i: number): number => (rows <= cols ? w.data[v * cols + i] : w.data[i * cols + v]);
  let worst = 0;
  for (let a = 0; a < vectors; a++) {
    for (let b = 0; b < vectors; b++) {
      let dot = 0;
      for (let i = 0; i < length; i++) dot += at(a, i) * at(b, i);
      worst = Math.max(worst, Math.abs(dot / (gain * gain) - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

function checkLayer(layer: Linear, gain: number, what: string): void {
  // float32 weights: a Gram entry sums ≤ 64 products of rounded values, so 1e-5 relative is ample,
  // and a gain off by any factor other than 1 ± 5e-6 fails.
  const deviation = gramDeviation(layer.weight, gain);
  assert.ok(deviation < 1e-5, `${what}: Gram matrix deviates from ${gain}²·I by ${deviation} (relative)`);
  assert.ok((layer.bias as Tensor).data.every((v) => v === 0), `${what}: bias is not zero`);
}

describe('orthogonal initialisation of the on-policy networks (SB3 ortho_init)', () => {
  for (const hiddenSizes of [[64, 64], [4, 16]]) {
    it(`hidden layers gain √2, policy head 0.01, value head 1, zero biases (hidden ${hiddenSizes.join('×')})`, () => {
      const agent = new PPO(() => new FlatEnv(), { numEnvs: 1, rolloutSteps: 8, batchSize: 8, hiddenSizes, seed: 3 });
      assert.ok(agent.policy instanceof GaussianPolicy);
      const policyLayers = agent.policy.mean.linearLayers;
      const valueLayers = agent.value.linearLayers;
      assert.equal(policyLayers.length, hiddenSizes.length + 1);
      assert.equal(valueLayers.length, hiddenSizes.length + 1);
      policyLayers.slice(0, -1).forEach((layer, i) => checkLayer(layer, Math.SQRT2, `policy hidden ${i}`));
      valueLayers.slice(0, -1).forEach((layer, i) => checkLayer(layer, Math.SQRT2, `value hidden ${i}`));
      checkLayer(policyLayers[policyLayers.length - 1], 0.01, 'policy head');
      checkLayer(valueLayers[valueLayers.length - 1], 1, 'value head');
    });
  }
});
