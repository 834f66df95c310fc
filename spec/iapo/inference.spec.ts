import { strict as assert } from 'node:assert';
import { Generator, Tensor, noGrad, softplus, tensor } from '../../engine/index.ts';
import { IAPO, IAPO_PRESETS } from '../../algorithms/iapo.ts';
import { buildInferenceInputs, runInference, INITIAL_LOG_SCALE } from '../../algorithms/iapo/inference.ts';
import { IterativeInference } from '../../algorithms/iapo/networks.ts';
import { drawNoise, estimateObjective, softClampLogScale, targetKl } from '../../algorithms/iapo/objective.ts';
import { pessimisticValue, type ActionValue } from '../../algorithms/common/action-value.ts';
import { BanditEnv } from '../algorithms/bandit-env.ts';

const close = (a: number, b: number, tol = 1e-5, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} is not within ${tol} of ${b}`);

/** softclamp by hand: min + softplus(max − softplus(max − x) − min). */
function softClamp(x: number, min = -10, max = 0.5): number {
  const sp = (v: number): number => Math.log1p(Math.exp(v));
  return min + sp(max - sp(max - x) - min);
}

describe('IAPO gated update (eq. 12): new = ω⊙old + (1 − ω)⊙δ', () => {
  const model = new IterativeInference({ stateSize: 1, actionSize: 2, hiddenSizes: [4], generator: new Generator(0) });
  const inputs = new Tensor(new Float32Array(model.inputSize).fill(0.3), [1, model.inputSize]);
  const previous = { mean: tensor([[1, -2]]), logScale: tensor([[-1, 0]]) };

  it('starts with zero heads: δ = 0 and ω = ½, so μ halves and log σ halves before the soft clamp', () => {
    const next = noGrad(() => model.step(inputs, previous));
    assert.deepEqual(Array.from(next.mean.data), [0.5, -1]);
    close(next.logScale.data[0], softClamp(-0.5), 1e-6, 'log σ₀');
    close(next.logScale.data[1], softClamp(0), 1e-6, 'log σ₁');
  });

  it('mixes old and δ by the gate: δ_μ = 2 and ω_μ = sigmoid(ln 3) = ¾ give ¾·1 + ¼·2 = 1.25', () => {
    const trained = new IterativeInference({ stateSize: 1, actionSize: 2, hiddenSizes: [4], generator: new Generator(0) });
    // Head output order: [δ_μ (A), δ_logσ (A), gate_μ (A), gate_logσ (A)]; only biases set, weights stay 0.
    trained.head.bias!.mutate_((b) => b.set([2, 2, -4, -4, Math.log(3), Math.log(3), 0, 0]));
    const next = noGrad(() => trained.step(inputs, previous));
    close(next.mean.data[0], 0.75 * 1 + 0.25 * 2, 1e-6, 'μ₀');
    close(next.mean.data[1], 0.75 * -2 + 0.25 * 2, 1e-6, 'μ₁');
    close(next.logScale.data[0], softClamp(0.5 * -1 + 0.5 * -4), 1e-6, 'log σ₀');
  });

  it('the soft clamp keeps log σ inside learnable bounds and is the identity well inside them', () => {
    const y = softClampLogScale(tensor([-30, -3, 0, 30]), tensor([-10]), tensor([0.5]));
    close(y.data[0], -10, 1e-4, 'far below');
    close(y.data[1], -3, 0.03, 'inside');
    close(y.data[3], 0.5, 1e-4, 'far above');
    close(noGrad(() => softplus(tensor(0))).item(), Math.log(2), 1e-7);
  });
});

describe('IAPO inference inputs (params_and_grads, normalize=True, layer)', () => {
  it('standardises each block per example across action dimensions with the unbiased std', () => {
    const out = new Float32Array(1 + 4 * 2);
    buildInferenceInputs([0.3], [1, 3], [0, 0], [-2, 2], [0.5, 0.5], 1, 2, 'signedLog', out);
    const r = Math.SQRT1_2;
    const expected = [0.3, -r, r, 0, 0, -r, r, 0, 0];
    expected.forEach((v, i) => close(out[i], v, 1e-5, `input ${i}`));
  });

  it('feeds log(σ + 1e-6), and per-row statistics (rows do not mix)', () => {
    const out = new Float32Array(2 * (0 + 4 * 3));
    buildInferenceInputs([], [0, 1, 2, 10, 10, 40], [0, Math.log(2), Math.log(4), 0, 0, 0], [0, 0, 0, 1, 2, 3], [0, 0, 0, 0, 0, 0], 0, 3, 'none', out);
    // Row 0, μ block: (0, 1, 2) → mean 1, std 1 → (−1, 0, 1).
    [-1, 0, 1].forEach((v, d) => close(out[d], v, 1e-5, `μ̂[${d}]`));
    // Row 0, log σ block: log(σ + 1e-6) of σ = 1, 2, 4 → (0, ln 2, ln 4) + O(1e-6) → (−1, 0, 1).
    [-1, 0, 1].forEach((v, d) => close(out[3 + d], v, 1e-5, `logσ̂[${d}]`));
    // Row 1, μ block: (10, 10, 40) → mean 20, std √300.
    const sd = Math.sqrt(300);
    [-10 / sd, -10 / sd, 20 / sd].forEach((v, d) => close(out[12 + d], v, 1e-5, `row 1 μ̂[${d}]`));
    [-1, 0, 1].forEach((v, d) => close(out[12 + 6 + d], v, 1e-5, `row 1 ĝ_μ[${d}]`));
  });

  it("'layer' keeps only the sign pattern at |A| = 2; 'signedLog' keeps the scale", () => {
    const layer = new Float32Array(4 * 2);
    buildInferenceInputs([], [0.1, 0.2], [-1, -1.5], [-300, 2], [0.01, -0.02], 0, 2, 'signedLog', layer);
    const r = Math.SQRT1_2;
    [-r, r, r, -r, -r, r, r, -r].forEach((v, i) => close(layer[i], v, 1e-5, `layer input ${i}`));
    const scaled = new Float32Array(4 * 2);
    buildInferenceInputs([], [0.1, 0.2], [-1, -1.5], [-300, 2], [0.01, -0.02], 0, 2, 'signedLog', scaled, 'signedLog');
    [0.1, 0.2].forEach((v, d) => close(scaled[d], v, 1e-7, `μ[${d}] raw`));
    close(scaled[2], Math.log(Math.exp(-1) + 1e-6), 1e-6, 'log σ raw');
    close(scaled[4], -Math.log1p(300), 1e-5, 'ĝ_μ[0]');
    close(scaled[5], Math.log1p(2), 1e-5, 'ĝ_μ[1]');
    close(scaled[7], -Math.log1p(0.02), 1e-6, 'ĝ_logσ[1]');
  });

  it('with |A| = 1 feeds raw values (reference) or sign(g)·log(1 + |g|) for the gradients only', () => {
    const raw = new Float32Array(1 + 4);
    buildInferenceInputs([5], [0.2], [-1], [-100], [3], 1, 1, 'none', raw);
    assert.deepEqual(Array.from(raw), [5, 0.2, Math.fround(Math.log(Math.exp(-1) + 1e-6)), -100, 3].map(Math.fround));
    const squashed = new Float32Array(1 + 4);
    buildInferenceInputs([5], [0.2], [-1], [-100], [3], 1, 1, 'signedLog', squashed);
    close(squashed[3], -Math.log1p(100), 1e-5, 'ĝ_μ');
    close(squashed[4], Math.log1p(3), 1e-5, 'ĝ_logσ');
    close(squashed[1], 0.2, 1e-7, 'μ is not transformed');
  });
});

describe('IAPO objective (eq. 8, 13)', () => {
  it('Q̂ = mean − β·std; β = 1/√2 reproduces min(Q₁, Q₂)', () => {
    const q1 = tensor([1, 5]);
    const q2 = tensor([3, -1]);
    const v = pessimisticValue(q1, q2, Math.SQRT1_2);
    close(v.data[0], 1, 1e-3);
    close(v.data[1], -1, 1e-3);
    close(pessimisticValue(q1, q2, 0).data[1], 2, 1e-6);
  });

  it('the KL target is |A|·(1 + ln 2), SAC\'s entropy target −|A| as a KL to U(−1, 1)^|A|', () => {
    close(targetKl(3), 3 * (1 + Math.LN2), 1e-12);
  });

  it('J decomposes into per-state terms: ∇ of Σ_b J w.r.t. λ row b is ∇ of J_b alone', () => {
    const q: ActionValue = (obs, actions) => actions.sum(-1).mul(obs.reshape([1, obs.shape[0]]));
    const obs = tensor([[1], [-2], [0.5]]);
    const noise = drawNoise(new Generator(4), 8, 3, 2);
    const mean = new Tensor(new Float32Array([0.1, 0.2, -0.3, 0.4, 0, 0]), [3, 2]).requiresGrad_();
    const logScale = new Tensor(new Float32Array(6).fill(-1), [3, 2]).requiresGrad_();
    estimateObjective(q, obs, { mean, logScale }, noise, 0.5).objective.sum().backward();
    const batchGrad = Array.from(mean.grad!.data);
    for (let b = 0; b < 3; b++) {
      const m = new Tensor(Float32Array.from(mean.data), [3, 2]).requiresGrad_();
      const est = estimateObjective(q, obs, { mean: m, logScale: logScale.detach() }, noise, 0.5);
      est.objective.mul(tensor([0, 1, 2].map((i) => (i === b ? 1 : 0)))).sum().backward();
      const g = m.grad!.data;
      for (let r = 0; r < 3; r++) {
        for (let d = 0; d < 2; d++) close(g[r * 2 + d], r === b ? batchGrad[r * 2 + d] : 0, 1e-6, `row ${r} of ∇J_${b}`);
      }
    }
  });
});

describe('IAPO gradient flow', () => {
  function filledAgent(inference: 'iterative' | 'direct'): IAPO {
    const env = new BanditEnv();
    const agent = new IAPO(env, { ...IAPO_PRESETS.reduced, inference, hiddenSizes: [8], criticHiddenSizes: [8], batchSize: 8, inferenceIterations: 3, seed: 1 });
    let { obs } = env.reset({ seed: 0 });
    for (let i = 0; i < 50; i++) {
      const a = Float32Array.of(Math.sin(i));
      const r = env.step(a);
      agent.buffer.add(obs, a, r.reward, r.obs, r.terminated);
      obs = env.reset().obs;
    }
    return agent;
  }

  for (const inference of ['iterative', 'direct'] as const) {
    it(`${inference}: training inference reaches the inference model and never the critics`, () => {
      const agent = filledAgent(inference);
      const states = new Tensor(new Float32Array(6).map((_, i) => i / 6 - 0.5), [6, 1]);
      // Make the critics' parameters trainable-looking: the objective must still not touch them.
      agent.critic.requiresGrad_(true);
      runInference(agent.inference, states, {
        actionValue: agent.objectiveValue(), alpha: 1, samples: 4, iterations: 3, generator: new Generator(2), train: {},
      });
      for (const [name, p] of agent.inference.namedParameters()) {
        assert.ok(p.grad, `inference parameter ${name} has no gradient`);
        assert.ok(p.grad.data.every(Number.isFinite), `inference parameter ${name} has a non-finite gradient`);
      }
      const head = agent.inference.namedParameters().find(([n]) => n === 'head.weight')![1];
      assert.ok(head.grad!.data.some((g) => g !== 0), 'the zero-initialised head must receive a non-zero gradient');
      for (const [name, p] of [...agent.critic.namedParameters(), ...agent.criticTarget.namedParameters()]) {
        assert.equal(p.grad, null, `critic parameter ${name} received a gradient`);
      }
    });
  }

  it('one-step truncation: φ-gradient of J(λ_k) equals the gradient with λ_{k−1} and the inputs held constant', () => {
    const agent = filledAgent('iterative');
    const model = agent.inference as IterativeInference;
    const states = new Tensor(Float32Array.of(0.2, -0.4), [2, 1]);
    const av = agent.objectiveValue();
    // The full run with K = 2 accumulates ∇φ[−J(λ₁)] + ∇φ[−J(λ₂)] into the model.
    const trace: { mean: Float32Array; logScale: Float32Array }[] = [];
    model.zeroGrad();
    runInference(model, states, {
      actionValue: av, alpha: 0.7, samples: 3, iterations: 2, generator: new Generator(9), train: {},
      onEstimate: (_k, p) => trace.push({ mean: Float32Array.from(p.mean.data), logScale: Float32Array.from(p.logScale.data) }),
    });
    const full = model.namedParameters().map(([, p]) => Float64Array.from(p.grad!.data));
    // Replay by hand: same noise stream, each step from a constant previous estimate.
    model.zeroGrad();
    const g = new Generator(9);
    let params = { mean: new Tensor(new Float32Array(2).fill(0), [2, 1]).requiresGrad_(), logScale: new Tensor(new Float32Array(2).fill(INITIAL_LOG_SCALE), [2, 1]).requiresGrad_() };
    for (let k = 0; k <= 2; k++) {
      const est = estimateObjective(av, states, params, drawNoise(g, 3, 2, 1), 0.7);
      est.objective.neg().sum().backward();
      if (k === 2) break;
      const leaf = { mean: params.mean, logScale: params.logScale };
      const gm = leaf.mean.grad!.data;
      const gl = leaf.logScale.grad!.data;
      const inputs = buildInferenceInputs(states.data, leaf.mean.data, leaf.logScale.data, gm, gl, 1, 1, 'signedLog', new Float32Array(2 * model.inputSize));
      const previous = { mean: new Tensor(Float32Array.from(trace[k].mean), [2, 1]), logScale: new Tensor(Float32Array.from(trace[k].logScale), [2, 1]) };
      const next = model.step(new Tensor(inputs, [2, model.inputSize]), previous);
      params = { mean: next.mean.retainGrad(), logScale: next.logScale.retainGrad() };
    }
    model.namedParameters().forEach(([name, p], i) => {
      p.grad!.data.forEach((v, j) => close(v, full[i][j], 1e-5 * (1 + Math.abs(full[i][j])), `${name}[${j}]`));
    });
  });
});
