/**
 * IAPO (Marino et al. 2021, eq. 8, 12, 13) recomputed by hand in float64 from the weights, the minibatch and the
 * noise the update draws: J(s; λ) = mean Q̂ − α·KL̂(π_λ ‖ U), the gated iterative inference driven by ∇_λ(−J), the
 * critic target from sample 0 at s' minus α·KL̂(s'), the α step towards |A|(1 + ln 2), the one-step truncated training
 * signal of the inference model (its gradients, scale included), the improvement metric, and episode-uniform replay.
 */
import { strict as assert } from 'node:assert';
import { Generator, Tensor } from '../../engine/index.ts';
import { IAPO, IAPO_PRESETS, type IAPOConfig } from '../../algorithms/index.ts';
import { createBatch } from '../../algorithms/common/replay-buffer.ts';
import { drawNoise, estimateObjective } from '../../algorithms/iapo/objective.ts';
import { runInference } from '../../algorithms/iapo/inference.ts';
import { LOG_TWO, HALF_LOG_TWO_PI, FLOAT32_EPSILON, softplus, sigmoid, type Layer, layersOf, linear, relu, mlp, rows, average, copyOf, normals, close, closeArrays, snapshot, centralDifferences, adamDisplacement, assertFirstAdamStep, BoxEnv, fill, nextBatch, q } from './by-hand.ts';

// ---------------------------------------------------------------------------------------------
// IAPO

interface TwinLayers {
  q1: Layer[];
  q2: Layer[];
}

/** Q̂ = (Q₁ + Q₂)/2 − β·√((Q₁ − Q₂)²/2 + 10⁻⁶) (eq. 13). */
function pessimistic(twin: TwinLayers, s: number[], a: number[], beta: number): number {
  const [v1, v2] = [q(twin.q1, s, a), q(twin.q2, s, a)];
  return 0.5 * (v1 + v2) - beta * Math.sqrt(0.5 * (v1 - v2) ** 2 + 1e-6);
}

/** J(s; λ), KL̂ and the sampled actions by hand for one state, with noise eps[i][d] (eq. 8). */
function objectiveByHand(value: (a: number[]) => number, mean: number[], logScale: number[], eps: number[][], alpha: number):
  { objective: number; kl: number; actions: number[][]; values: number[] } {
  let kl = 0;
  const actions = eps.map((e) => {
    let logProb = 0;
    const a = mean.map((m, d) => {
      const u = m + Math.exp(logScale[d]) * e[d];
      const t = Math.tanh(u);
      logProb += -0.5 * e[d] * e[d] - HALF_LOG_TWO_PI - logScale[d] - Math.log(1 - t * t + 1e-6);
      return Math.min(Math.max(t, -1 + FLOAT32_EPSILON), 1 - FLOAT32_EPSILON);
    });
    kl += logProb / eps.length;
    return a;
  });
  kl += mean.length * LOG_TWO;
  const values = actions.map(value);
  return { objective: average(values) - alpha * kl, kl, actions, values };
}

/** The soft clamp of log σ into [min, max]: min + softplus(max − softplus(max − x) − min). */
const softClamp = (x: number, min: number, max: number): number => min + softplus(max - softplus(max - x) - min);

interface InferenceLayers {
  body: Layer[];
  head: Layer;
  min: Float64Array;
  max: Float64Array;
}

function inferenceLayers(agent: IAPO): InferenceLayers {
  const named = Object.fromEntries(agent.inference.namedParameters());
  return {
    body: layersOf(agent.inference, 'body.'), head: layersOf(agent.inference, 'head.')[0],
    min: Float64Array.from(named['bounds.min'].data), max: Float64Array.from(named['bounds.max'].data),
  };
}

/** [x − mean]/(unbiased std + 10⁻⁷) across the block (params_and_grads, norm_type 'layer', |A| > 1). */
function standardise(block: number[]): number[] {
  const m = average(block);
  const sd = Math.sqrt(block.reduce((s, x) => s + (x - m) ** 2, 0) / (block.length - 1)) + 1e-7;
  return block.map((x) => (x - m) / sd);
}

/**
 * One gated step by hand (eq. 12): inputs [s, μ̂, log σ̂, ĝ_μ, ĝ_logσ] with g = ∂(−J)/∂λ from central differences,
 * then new = ω·old + (1 − ω)·δ for μ and the raw log σ, and the soft clamp.
 */
function gatedStep(net: InferenceLayers, s: number[], mean: number[], logScale: number[], J: (mean: number[], logScale: number[]) => number): { mean: number[]; logScale: number[] } {
  const A = mean.length;
  const h = 1e-6;
  const derivative = (which: 'mean' | 'logScale', d: number): number => {
    const shifted = (delta: number): number => {
      const m = [...mean];
      const l = [...logScale];
      (which === 'mean' ? m : l)[d] += delta;
      return -J(m, l);
    };
    return (shifted(h) - shifted(-h)) / (2 * h);
  };
  const gradMean = mean.map((_, d) => derivative('mean', d));
  const gradLogScale = logScale.map((_, d) => derivative('logScale', d));
  const inputs = [
    ...s, ...standardise(mean), ...standardise(logScale.map((l) => Math.log(Math.exp(l) + 1e-6))),
    ...standardise(gradMean), ...standardise(gradLogScale),
  ];
  const out = linear(net.head, relu(mlp(net.body, inputs)));
  const gate = (old: number, update: number, logit: number): number => sigmoid(logit) * old + (1 - sigmoid(logit)) * update;
  return {
    mean: mean.map((m, d) => gate(m, out[d], out[2 * A + d])),
    logScale: logScale.map((l, d) => softClamp(gate(l, out[A + d], out[3 * A + d]), net.min[d], net.max[d])),
  };
}

/** Puts nonzero weights into the inference model's zero-initialised head, so that λ depends on the state (and the gradient inputs). */
function wakeHead(agent: IAPO, seed: number): void {
  const g = new Generator(seed);
  for (const [name, p] of agent.inference.namedParameters()) {
    if (name.startsWith('head.')) p.mutate_((d) => d.forEach((_, i) => (d[i] = 0.5 * g.normal())));
  }
}

type Lambda = { mean: number[]; logScale: number[] };

/**
 * λ_0 … λ_K and J at each by hand for every state of `states` (direct: the single λ = f(s)), with one
 * draw of N × rows × A normals from `noise` per iterate, in order (the last one is the final estimate's).
 */
function inferenceByHand(agent: IAPO, states: number[][], K: number, value: (s: number[], a: number[]) => number, alpha: number, noise: Generator) {
  const { actionSize: A } = agent;
  const N = agent.config.actionSamples;
  const net = inferenceLayers(agent);
  const direct = agent.inference.kind === 'direct';
  const draws = Array.from({ length: direct ? 1 : K + 1 }, () => {
    const flat = normals(noise, N * states.length * A);
    return states.map((_, b) => Array.from({ length: N }, (_, i) => flat.slice((i * states.length + b) * A, (i * states.length + b + 1) * A)));
  });
  const objective = (k: number, b: number) => (m: number[], l: number[]): number => objectiveByHand((a) => value(states[b], a), m, l, draws[k][b], alpha).objective;
  const lambdas: Lambda[][] = [];
  if (direct) {
    lambdas.push(states.map((s) => directForward(net, s)));
  } else {
    lambdas.push(states.map(() => ({ mean: new Array<number>(A).fill(0), logScale: new Array<number>(A).fill(Math.log(0.5)) })));
    for (let k = 0; k < K; k++) lambdas.push(states.map((s, b) => gatedStep(net, s, lambdas[k][b].mean, lambdas[k][b].logScale, objective(k, b))));
  }
  const estimates = lambdas.map((perState, k) => perState.map((l, b) => objectiveByHand((a) => value(states[b], a), l.mean, l.logScale, draws[k][b], alpha)));
  return { lambdas, estimates, draws, net, objective };
}

function directForward(net: InferenceLayers, s: number[]): Lambda {
  const A = net.min.length;
  const out = linear(net.head, relu(mlp(net.body, s)));
  return { mean: out.slice(0, A), logScale: out.slice(A).map((x, d) => softClamp(x, net.min[d], net.max[d])) };
}

describe('IAPO by hand (float64)', () => {
  it('J(s; λ) = mean Q̂(s, aᵢ) − α·(mean log π(aᵢ) + |A| log 2), log π with the tanh log-det term', () => {
    const value = (s: number[], a: number[]): number => s[0] * a[0] - 2 * (a[1] - 0.3) ** 2;
    const obs = new Tensor(Float32Array.of(1.5, -0.5, 0.8), [3, 1]);
    const mean = new Tensor(Float32Array.of(0.4, -1.2, 2.5, 0.1, -0.3, 0.9), [3, 2]);
    const logScale = new Tensor(Float32Array.of(-0.5, 0.3, -1.5, 0.2, 0.0, -2), [3, 2]);
    const g = new Generator(11);
    const eps = normals(copyOf(g), 5 * 3 * 2);
    const [first, second] = [Float32Array.of(1, 0), Float32Array.of(0, 1)].map((e) => new Tensor(e, [2]));
    const est = estimateObjective((o, a) => a.mul(first).sum(-1).mul(o.reshape([1, 3])).sub(a.mul(second).sum(-1).sub(0.3).square().mul(2)),
      obs, { mean, logScale }, drawNoise(g, 5, 3, 2), 0.7);
    for (let b = 0; b < 3; b++) {
      const e = Array.from({ length: 5 }, (_, i) => eps.slice((i * 3 + b) * 2, (i * 3 + b + 1) * 2));
      const hand = objectiveByHand((a) => value([obs.data[b]], a), [mean.data[2 * b], mean.data[2 * b + 1]], [logScale.data[2 * b], logScale.data[2 * b + 1]], e, 0.7);
      close(est.kl.data[b], hand.kl, `KL̂ at state ${b}`, 1e-5);
      close(est.objective.data[b], hand.objective, `J at state ${b}`, 1e-5);
      hand.values.forEach((v, i) => close(est.values.data[i * 3 + b], v, `Q̂ sample ${i} at state ${b}`, 1e-5));
    }
  });

  it('iterative inference: each gated step is driven by ∇_λ(−J) of the current estimate', () => {
    const agent = new IAPO(new BoxEnv(), { seed: 4, hiddenSizes: [5], criticHiddenSizes: [4], actionSamples: 3, inferenceIterations: 3, batchSize: 2, bufferSize: 4 });
    wakeHead(agent, 9);
    const states = [[0.4, -0.9], [-1.1, 0.5]];
    const critics: TwinLayers = { q1: layersOf(agent.criticTarget.q1), q2: layersOf(agent.criticTarget.q2) };
    const alpha = 0.3;
    const g = new Generator(21);
    const hand = inferenceByHand(agent, states, 3, (s, a) => pessimistic(critics, s, a, 1), alpha, copyOf(g));
    const lambdas: { mean: number[]; logScale: number[] }[] = [];
    runInference(agent.inference, new Tensor(Float32Array.from(states.flat()), [2, 2]), {
      actionValue: agent.objectiveValue(1), alpha, samples: 3, iterations: 3, generator: g, inputNormalization: 'layer',
      onEstimate: (_k, p) => lambdas.push({ mean: Array.from(p.mean.data), logScale: Array.from(p.logScale.data) }),
    });
    assert.equal(lambdas.length, 4);
    lambdas.forEach((l, k) => {
      closeArrays(l.mean, hand.lambdas[k].flatMap((x) => x.mean), `μ_${k}`, 1e-4);
      closeArrays(l.logScale, hand.lambdas[k].flatMap((x) => x.logScale), `log σ_${k}`, 1e-4);
    });
    assert.ok(hand.lambdas[3].some((l) => Math.abs(l.mean[0]) > 0.05), 'the estimate moved away from λ₀');
  });
});

describe('IAPO update by hand (float64)', () => {
  const variants: [string, Partial<IAPOConfig>][] = [
    ['direct model: Polyak targets, inference loss over s and s\'', { inference: 'direct' }],
    ['iterative model, K = 2: Polyak targets, inference loss over s and s\'', { inference: 'iterative', inferenceIterations: 2 }],
    ['iterative model, K = 2, reference preset: episode replay, hard copy at update 0, no final term at s\'', { ...IAPO_PRESETS.reference, inference: 'iterative', inferenceIterations: 2 }],
  ];
  for (const [name, overrides] of variants) {
    it(name, () => {
      const [lr, tau, gamma, beta, B] = [0.01, 0.3, 0.9, 1.5, 3];
      const agent = new IAPO(new BoxEnv(), {
        seed: 5, hiddenSizes: [5], criticHiddenSizes: [4], actionSamples: 3, batchSize: B, bufferSize: 4, learningStarts: 0,
        learningRate: lr, tau, gamma, pessimism: beta, initialAlpha: 0.4, ...overrides,
      });
      const c = agent.config;
      wakeHead(agent, 3);
      fill(agent.buffer);
      const batch = nextBatch(agent.buffer, agent.streams.minibatch, B, c.replaySampling === 'episode');
      const [S, A, Sn] = [rows(batch.observations, 2), rows(batch.actions, 2), rows(batch.nextObservations, 2)];
      assert.ok(batch.notTerminated.includes(0) && batch.notTerminated.includes(1), 'the batch holds the terminal transition and others');
      const states = [...S, ...Sn];
      const K = agent.iterations;
      const logAlpha = agent.logAlpha.data[0];
      const alpha = Math.exp(logAlpha);
      const targets: TwinLayers = { q1: layersOf(agent.criticTarget.q1), q2: layersOf(agent.criticTarget.q2) };
      const online: TwinLayers = { q1: layersOf(agent.critic.q1), q2: layersOf(agent.critic.q2) };
      const value = (s: number[], a: number[]): number => pessimistic(targets, s, a, beta);
      const hand = inferenceByHand(agent, states, K, value, alpha, copyOf(agent.streams.update));
      const targetBefore = snapshot(agent.criticTarget);

      const metrics = agent.update();

      const final = hand.estimates[hand.estimates.length - 1];
      // The policy loss and the temperature: L_α = −α(KL̂(s) − |A|(1 + ln 2)), one Adam step on log α.
      close(metrics.policy_loss, -average(final.slice(0, B).map((e) => e.objective)), 'policy loss');
      const kl = average(final.slice(0, B).map((e) => e.kl));
      close(metrics.kl, kl, 'KL̂');
      const targetKl = 2 * (1 + LOG_TWO);
      close(metrics.alpha_loss, -alpha * (kl - targetKl), 'α loss');
      close(agent.logAlpha.data[0], logAlpha + adamDisplacement([-alpha * (kl - targetKl)], lr), 'log α after its first Adam step', 1e-6);
      if (K > 1) {
        close(metrics.inference_improvement, average(final.map((e) => e.objective)) - average(hand.estimates[0].map((e) => e.objective)), 'inference improvement J(λ_K) − J(λ_0)');
      }

      // Critic (eq. 7 with Q̂): y = r + γ(1 − d)(Q̂_targ(s', a'₁) − α·KL̂(s')), a'₁ the first sample at s'; ½MSE for each critic.
      const y = Sn.map((_, b) => batch.rewards[b] + gamma * batch.notTerminated[b] * (final[B + b].values[0] - alpha * final[B + b].kl));
      const criticLoss = (): number => average(S.map((s, b) => 0.5 * (q(online.q1, s, A[b]) - y[b]) ** 2 + 0.5 * (q(online.q2, s, A[b]) - y[b]) ** 2));
      close(metrics.critic_loss, criticLoss(), 'critic loss');
      const criticAfter = snapshot(agent.critic);
      assertFirstAdamStep([...online.q1, ...online.q2].flatMap((l) => [l.weight, l.bias]), criticAfter, criticLoss, lr, 'critics');

      // Targets: the reference copies at update 0; otherwise θ̄ ← (1 − τ)θ̄ + τθ.
      const copied = c.hardTargetCopyInterval > 0;
      snapshot(agent.criticTarget).forEach((p, t) =>
        closeArrays(p, targetBefore[t].map((v, i) => (copied ? criticAfter[t][i] : (1 - tau) * v + tau * criticAfter[t][i])), `target ${t}`, 1e-6));

      // The inference model: one-step truncated backprop of Σ_k Σ_rows −J(λ_k) (λ_{k−1} and the inputs held), over K·2B
      // terms ('all') or over K·B with the final term at s' left out ('reference'), plus 0.01·(Σ max − Σ min) at that scale.
      const net = hand.net;
      const reference = c.inferenceLoss === 'reference';
      const scale = 1 / (K * (reference ? B : 2 * B));
      const inferenceLoss = (): number => {
        let total = 0;
        states.forEach((s, b) => {
          if (agent.inference.kind === 'direct') {
            const lambda = directForward(net, s);
            if (!(reference && b >= B)) total -= hand.objective(0, b)(lambda.mean, lambda.logScale);
            return;
          }
          for (let k = 1; k <= K; k++) {
            if (reference && k === K && b >= B) continue;
            const previous = hand.lambdas[k - 1][b];
            const next = gatedStep(net, s, previous.mean, previous.logScale, hand.objective(k - 1, b));
            total -= hand.objective(k, b)(next.mean, next.logScale);
          }
        });
        const spread = net.max.reduce((a, v) => a + v, 0) - net.min.reduce((a, v) => a + v, 0);
        return scale * (total + c.logScaleBoundPenalty * spread);
      };
      const inferenceWeights = [...net.body.flatMap((l) => [l.weight, l.bias]), net.head.weight, net.head.bias, net.min, net.max];
      const handGradients = centralDifferences(inferenceWeights, inferenceLoss);
      const largest = Math.max(...handGradients.map((g) => Math.max(...g.map(Math.abs))));
      agent.inference.parameters().forEach((p, n) => {
        assert.ok(p.grad, `inference parameter ${n} has a gradient`);
        p.grad.data.forEach((g, i) => assert.ok(Math.abs(g - handGradients[n][i]) <= 1e-3 * Math.abs(handGradients[n][i]) + 1e-4 * largest,
          `inference parameter ${n}[${i}]: gradient ${g}, by hand ${handGradients[n][i]}`));
      });
      assertFirstAdamStep(inferenceWeights, snapshot(agent.inference), inferenceLoss, lr, 'inference model');
    });
  }
});

describe('IAPO episode-uniform replay by hand', () => {
  it('draws an episode uniformly, then each of its transitions with probability 1/length, the last one included', () => {
    const agent = new IAPO(new BoxEnv(), { hiddenSizes: [4], criticHiddenSizes: [4], batchSize: 4, bufferSize: 8, replaySampling: 'episode' });
    const buffer = agent.buffer;
    // Episode 1: three transitions ending in a terminal state; episode 2: one transition from a new start.
    buffer.add([0, 0], [0, 0], 1, [0, 1], false);
    buffer.add([0, 1], [0, 0], 2, [0, 2], false);
    buffer.add([0, 2], [0, 0], 3, [0, 3], true);
    buffer.add([5, 5], [0, 0], 4, [5, 6], false);
    const batch = createBatch(6000, 2, 2);
    buffer.sampleEpisodeUniform(new Generator(8), batch);
    const share = (reward: number): number => Array.from(batch.rewards).filter((r) => r === reward).length / batch.size;
    [[1, 1 / 6], [2, 1 / 6], [3, 1 / 6], [4, 1 / 2]].forEach(([reward, p]) =>
      assert.ok(Math.abs(share(reward) - p) < 0.02, `transition ${reward} drawn ${share(reward)} of the time, expected ${p}`));
    for (let i = 0; i < batch.size; i++) assert.equal(batch.notTerminated[i], batch.rewards[i] === 3 ? 0 : 1, 'the terminal flag travels with its transition');
  });
});
