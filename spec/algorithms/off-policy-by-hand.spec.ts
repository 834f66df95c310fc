/**
 * SAC and TD3 updates recomputed by hand in float64 from the weights, the minibatch and the
 * noise the update draws (read from copies of the agent's generators), on tiny networks:
 *
 * - SAC (Haarnoja et al. 2018, eq. 3, 5, 7, 18): the soft target y = r + γ(1 − d)(min_j Q̄_j(s', a') − α log π(a'|s'))
 *   with log π including the tanh log-det term (exact or with ε, normalised or env units), the ½-MSE critic
 *   loss, the actor loss E[α log π − min/mean Q], the temperature loss with H̄ = −|A|, the Polyak step
 *   θ̄ ← (1 − τ)θ̄ + τθ, and each Adam step against gradients taken by central differences of the hand
 *   losses; with actorUpdateInterval k, the k actor and temperature steps of CleanRL's compensating loop.
 * - TD3 (Fujimoto et al. 2018, eq. 10, 14): target smoothing clip(μ̄(s') + clip(ε, −c, c), −1, 1), the clipped
 *   double-Q target, MSE + MSE, the actor loss −Q₁(s, μ(s)) and target updates only on actor steps.
 * - The runner: the stored next observation and termination flag around truncations and terminations,
 *   and the warm-up / train-frequency / gradient-steps schedule.
 */
import { strict as assert } from 'node:assert';
import { IAPO, SAC, TD3, type SACConfig, type TD3Config } from '../../algorithms/index.ts';
import type { ContinuousEnv, StepResult } from '../../algorithms/common/env.ts';
import { type Layer, layersOf, mlp, rows, average, copyOf, normals, close, closeArrays, snapshot, AdamByHand, adamDisplacement, assertFirstAdamStep, BoxEnv, fill, nextBatch, sacActorLayers, sacSample, q } from './by-hand.ts';

describe('SAC update by hand (float64)', () => {
  const variants: [string, Partial<SACConfig>][] = [
    ['defaults: exact log-det, log α loss, normalised units, min of the critics', {}],
    ['epsilon log-det, α loss, env units, mean of the critics, tanh log σ bounds',
      { squashCorrection: 'epsilon', alphaLoss: 'alpha', entropyUnits: 'env', actorQReduction: 'mean', logStdBounds: 'tanh', logStdMin: -5, logStdMax: 2 }],
  ];
  for (const [name, overrides] of variants) {
    it(name, () => {
      const lr = 0.01;
      const tau = 0.3;
      const gamma = 0.9;
      const agent = new SAC(new BoxEnv(), {
        seed: 5, hiddenSizes: [4], batchSize: 4, bufferSize: 4, learningStarts: 0, learningRate: lr, tau, gamma, initialAlpha: 0.5, ...overrides,
      });
      const c = agent.config;
      fill(agent.buffer);
      const batch = nextBatch(agent.buffer, agent.streams.minibatch, 4);
      const noise = copyOf(agent.streams.update);
      const actor = sacActorLayers(agent);
      const actorBefore = snapshot(agent.actor);
      const [q1, q2, q1Target, q2Target] = [agent.critic1, agent.critic2, agent.critic1Target, agent.critic2Target].map((m) => layersOf(m));
      const [q1Before, q2Before, q1TargetBefore, q2TargetBefore] = [agent.critic1, agent.critic2, agent.critic1Target, agent.critic2Target].map(snapshot);
      const logAlpha = agent.logAlpha.data[0];
      const alpha = Math.exp(logAlpha);
      const logHalfWidthSum = Math.log(3) + Math.log(0.5);

      const metrics = agent.update();

      const [S, A, Sn] = [rows(batch.observations, 2), rows(batch.actions, 2), rows(batch.nextObservations, 2)];
      const epsNext = rows(normals(noise, 8), 2);
      const epsNow = rows(normals(noise, 8), 2);

      // eq. 3 / 5: y = r + γ(1 − d)(min Q̄(s', a') − α log π(a'|s')), a' ~ π(·|s'); J_Q = ½ mean (Q₁ − y)² + ½ mean (Q₂ − y)².
      const y = Sn.map((s, b) => {
        const next = sacSample(actor, c, s, epsNext[b], logHalfWidthSum);
        const soft = Math.min(q(q1Target, s, next.action), q(q2Target, s, next.action)) - alpha * next.logProb;
        return batch.rewards[b] + gamma * batch.notTerminated[b] * soft;
      });
      assert.ok(batch.notTerminated.includes(0) && batch.notTerminated.includes(1), 'the batch holds the terminal transition and others');
      const criticLoss = (l1: Layer[], l2: Layer[]): number =>
        average(S.map((s, b) => 0.5 * (q(l1, s, A[b]) - y[b]) ** 2 + 0.5 * (q(l2, s, A[b]) - y[b]) ** 2));
      close(metrics.critic_loss, criticLoss(q1, q2), 'critic loss');
      const q1After = snapshot(agent.critic1);
      const q2After = snapshot(agent.critic2);
      const [q1Weights, q2Weights] = [q1, q2].map((layers) => layers.flatMap((l) => [l.weight, l.bias]));
      assertFirstAdamStep(q1Weights, q1After, () => criticLoss(q1, q2), lr, 'critic 1');
      assertFirstAdamStep(q2Weights, q2After, () => criticLoss(q1, q2), lr, 'critic 2');

      // eq. 7: J_π = mean(α log π(ã|s) − min/mean Q(s, ã)) on the critics after their step, α held constant.
      const [q1New, q2New] = [layersOf(agent.critic1), layersOf(agent.critic2)];
      const actorLoss = (): number => average(S.map((s, b) => {
        const sampled = sacSample(actor, c, s, epsNow[b], logHalfWidthSum);
        const [v1, v2] = [q(q1New, s, sampled.action), q(q2New, s, sampled.action)];
        return alpha * sampled.logProb - (c.actorQReduction === 'min' ? Math.min(v1, v2) : 0.5 * (v1 + v2));
      }));
      close(metrics.actor_loss, actorLoss(), 'actor loss');
      const actorWeights = [...actor.trunk.flatMap((l) => [l.weight, l.bias]), actor.mean.weight, actor.mean.bias, actor.logStd.weight, actor.logStd.bias];
      assertFirstAdamStep(actorWeights, snapshot(agent.actor), actorLoss, lr, 'actor');
      assert.notDeepEqual(snapshot(agent.actor), actorBefore);

      // eq. 18 with H̄ = −|A|: J(α) = −mean(m · (log π(ã|s) + H̄)), m = log α or α; log π from the actor before its step.
      assert.equal(agent.targetEntropy, -2);
      const entropyGap = average(S.map((s, b) => sacSample(actor, c, s, epsNow[b], logHalfWidthSum).logProb)) - 2;
      const multiplier = c.alphaLoss === 'logAlpha' ? logAlpha : alpha;
      close(metrics.alpha_loss, -multiplier * entropyGap, 'α loss');
      const gradient = -entropyGap * (c.alphaLoss === 'logAlpha' ? 1 : alpha);
      close(agent.logAlpha.data[0], logAlpha + adamDisplacement([gradient], lr), 'log α after its first Adam step', 1e-6);

      // θ̄ ← (1 − τ)θ̄ + τθ with the critics after their step.
      for (const [target, before, online] of [[agent.critic1Target, q1TargetBefore, q1After], [agent.critic2Target, q2TargetBefore, q2After]] as const) {
        snapshot(target).forEach((p, t) => closeArrays(p, before[t].map((v, i) => (1 - tau) * v + tau * online[t][i]), `target ${t}`, 1e-6));
      }
      assert.notDeepEqual(q1Before, q1After);
      assert.notDeepEqual(q2Before, q2After);
    });
  }
});

describe('SAC with actorUpdateInterval = 2 (CleanRL\'s compensating loop) by hand', () => {
  it('every second update runs two actor and temperature steps, the second actor step with α after the first temperature step', () => {
    // The actor's step size is 0, so both actor losses are taken at the same weights and differ only in the noise and in α.
    const alphaLr = 0.5;
    const agent = new SAC(new BoxEnv(), {
      seed: 5, hiddenSizes: [4], batchSize: 4, bufferSize: 4, learningStarts: 0, learningRate: 0, criticLearningRate: 0.01, alphaLearningRate: alphaLr,
      initialAlpha: 0.5, actorUpdateInterval: 2,
    });
    const c = agent.config;
    fill(agent.buffer);
    const logHalfWidthSum = Math.log(3) + Math.log(0.5);
    const first = agent.update();
    agent.training.updates++;
    assert.equal(first.actor_loss, undefined, 'no actor step on the first update');
    assert.equal(agent.logAlpha.data[0], Math.fround(Math.log(0.5)), 'α waits for the actor steps');

    const batch = nextBatch(agent.buffer, agent.streams.minibatch, 4);
    const noise = copyOf(agent.streams.update);
    const actor = sacActorLayers(agent);
    const logAlpha = agent.logAlpha.data[0];
    const metrics = agent.update();
    const S = rows(batch.observations, 2);
    normals(noise, 8); // a' at s'
    const eps = [rows(normals(noise, 8), 2), rows(normals(noise, 8), 2)];
    const logProbs = eps.map((e) => S.map((s, b) => sacSample(actor, c, s, e[b], logHalfWidthSum)));
    const gap = logProbs.map((samples) => average(samples.map((x) => x.logProb)) - 2);
    // d/d(log α) of −log α·(mean log π + H̄) is −(mean log π + H̄).
    const logAlphaAfterFirst = logAlpha + adamDisplacement([-gap[0]], alphaLr);
    close(agent.logAlpha.data[0], logAlpha + adamDisplacement([-gap[0], -gap[1]], alphaLr), 'log α after two temperature steps', 1e-5);
    const [q1, q2] = [layersOf(agent.critic1), layersOf(agent.critic2)];
    const secondActorLoss = average(S.map((s, b) => {
      const { action, logProb } = logProbs[1][b];
      return Math.exp(logAlphaAfterFirst) * logProb - Math.min(q(q1, s, action), q(q2, s, action));
    }));
    close(metrics.actor_loss, secondActorLoss, 'the second actor loss, with α after the first temperature step');
    close(metrics.alpha_loss, -logAlphaAfterFirst * gap[1], 'the second temperature loss');
  });
});

// ---------------------------------------------------------------------------------------------
// TD3

describe('TD3 updates by hand (float64)', () => {
  it('target smoothing, the clipped double-Q target, MSE + MSE, −Q₁(s, μ(s)), and targets moved only with the delayed actor', () => {
    const lr = 0.01;
    const tau = 0.3;
    const gamma = 0.9;
    const config: Partial<TD3Config> = {
      seed: 2, hiddenSizes: [4], batchSize: 4, bufferSize: 4, learningStarts: 0, learningRate: lr, tau, gamma,
      targetPolicyNoise: 2, targetNoiseClip: 0.3, policyDelay: 2,
    };
    const agent = new TD3(new BoxEnv(), config);
    fill(agent.buffer);
    // A target actor near the box's corner, so that both clips act: μ̄ ≈ (0.95, −0.95) before the noise.
    const lastBias = agent.actorTarget.parameters().at(-1)!;
    lastBias.mutate_((d) => d.set([1.8, -1.8]));

    const criticAdam = new AdamByHand(lr, 'critics');
    const actorAdam = new AdamByHand(lr, 'actor');
    const step = (expectActor: boolean): void => {
      const batch = nextBatch(agent.buffer, agent.streams.minibatch, 4);
      const noise = copyOf(agent.streams.update);
      const [actor, actorTarget, q1, q2, q1Target, q2Target] = [agent.actor, agent.actorTarget, agent.critic1, agent.critic2, agent.critic1Target, agent.critic2Target]
        .map((m) => layersOf(m));
      const before = [agent.actor, agent.actorTarget, agent.critic1, agent.critic2, agent.critic1Target, agent.critic2Target].map(snapshot);
      const metrics = agent.update();
      agent.training.updates++; // as the runner counts them

      const [S, A, Sn] = [rows(batch.observations, 2), rows(batch.actions, 2), rows(batch.nextObservations, 2)];
      const eps = rows(normals(noise, 8, 2), 2);
      let clippedNoise = 0;
      let clampedAction = 0;
      // eq. 14: ã' = clip(μ̄(s') + clip(ε, −c, c), −1, 1); eq. 10: y = r + γ(1 − d) min Q̄(s', ã').
      const y = Sn.map((s, b) => {
        const mu = mlp(actorTarget, s, 'tanh');
        const next = mu.map((m, d) => {
          const e = Math.min(Math.max(eps[b][d], -0.3), 0.3);
          if (e !== eps[b][d]) clippedNoise++;
          const a = m + e;
          if (Math.abs(a) > 1) clampedAction++;
          return Math.min(Math.max(a, -1), 1);
        });
        return batch.rewards[b] + gamma * batch.notTerminated[b] * Math.min(q(q1Target, s, next), q(q2Target, s, next));
      });
      assert.ok(clippedNoise > 0 && clampedAction > 0, 'both clips act in this batch');
      const criticLoss = (): number => average(S.map((s, b) => (q(q1, s, A[b]) - y[b]) ** 2)) + average(S.map((s, b) => (q(q2, s, A[b]) - y[b]) ** 2));
      close(metrics.critic_loss, criticLoss(), 'critic loss');
      const criticsAfter = [...snapshot(agent.critic1), ...snapshot(agent.critic2)];
      criticAdam.step([...q1, ...q2].flatMap((l) => [l.weight, l.bias]), criticsAfter, criticLoss);

      const after = [agent.actor, agent.actorTarget, agent.critic1, agent.critic2, agent.critic1Target, agent.critic2Target].map(snapshot);
      if (!expectActor) {
        assert.equal(metrics.actor_loss, undefined);
        assert.deepEqual(after[0], before[0], 'the actor waits for the delayed step');
        for (const t of [1, 4, 5]) assert.deepEqual(after[t], before[t], 'targets move only on actor steps');
        return;
      }
      // Delayed policy update: J = −mean Q₁(s, μ(s)) with the critic after this step's critic update.
      const q1New = layersOf(agent.critic1);
      const actorLoss = (): number => -average(S.map((s) => q(q1New, s, mlp(actor, s, 'tanh'))));
      close(metrics.actor_loss!, actorLoss(), 'actor loss');
      actorAdam.step(actor.flatMap((l) => [l.weight, l.bias]), after[0], actorLoss);
      // Then θ̄ ← (1 − τ)θ̄ + τθ for the actor and both critics.
      for (const [t, online] of [[1, 0], [4, 2], [5, 3]]) {
        after[t].forEach((p, i) => closeArrays(p, before[t][i].map((v, j) => (1 - tau) * v + tau * after[online][i][j]), `target ${t}.${i}`, 1e-6));
      }
    };
    step(false);
    step(true);
    step(false);
  });

  it('exploration adds N(0, σ²) to μ(s) and clips the sum to the [−1, 1] box', () => {
    const quiet = new TD3(new BoxEnv(), { seed: 1, hiddenSizes: [4], explorationNoise: 0 });
    const obs = Float32Array.of(0.3, -0.7);
    const mu = mlp(layersOf(quiet.actor), Array.from(obs), 'tanh');
    const out = new Float32Array(2);
    quiet.exploreAction(obs, out);
    closeArrays(out, mu, 'σ = 0 gives μ(s)', 1e-6);
    const loud = new TD3(new BoxEnv(), { seed: 1, hiddenSizes: [4], explorationNoise: 3 });
    const noise = copyOf(loud.streams.exploration);
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) {
      loud.exploreAction(obs, out);
      const expected = mu.map((m) => Math.min(1, Math.max(-1, m + 3 * noise.normal())));
      closeArrays(out, expected, `draw ${i}`, 1e-6);
      seen.push(...out);
    }
    assert.ok(seen.some((a) => a === 1) && seen.some((a) => a === -1), 'large noise reaches both clips');
  });
});

// ---------------------------------------------------------------------------------------------
// the runner

/** Observations (episode, t); even episodes are truncated at t = 3, odd ones terminate at t = 2. Reward t. */
class CountingEnv implements ContinuousEnv {
  readonly id = 'Counting-v0';
  readonly observationSpace = { shape: [2] };
  readonly actionSpace = { shape: [1], low: Float32Array.of(-1), high: Float32Array.of(1) };
  private episode = -1;
  private t = 0;
  reset(): { obs: Float32Array } {
    this.episode++;
    this.t = 0;
    return { obs: Float32Array.of(this.episode, 0) };
  }

  step(): StepResult {
    this.t++;
    const terminated = this.episode % 2 === 1 && this.t === 2;
    return { obs: Float32Array.of(this.episode, this.t), reward: this.t, terminated, truncated: !terminated && this.t === 3 };
  }
}

describe('off-policy runner', () => {
  for (const [name, build] of [
    ['SAC', (env: ContinuousEnv) => new SAC(env, { hiddenSizes: [4], batchSize: 4, learningStarts: 100, bufferSize: 20 })],
    ['TD3', (env: ContinuousEnv) => new TD3(env, { hiddenSizes: [4], batchSize: 4, learningStarts: 100, bufferSize: 20 })],
    ['IAPO', (env: ContinuousEnv) => new IAPO(env, { hiddenSizes: [4], criticHiddenSizes: [4], batchSize: 4, learningStarts: 100, bufferSize: 20 })],
  ] as const) {
    it(`${name}: stores the true last observation of a truncated episode with terminated = false, and terminated = true at a terminal state`, async () => {
      const agent = build(new CountingEnv());
      await agent.learn({ totalSteps: 9 });
      const stored = Array.from({ length: agent.buffer.size }, (_, i) => agent.buffer.get(i));
      const expected: [number[], number[], boolean][] = [
        [[0, 0], [0, 1], false], [[0, 1], [0, 2], false], [[0, 2], [0, 3], false], // truncated at t = 3: bootstrap from (0, 3)
        [[1, 0], [1, 1], false], [[1, 1], [1, 2], true], // terminal at t = 2
        [[2, 0], [2, 1], false], [[2, 1], [2, 2], false], [[2, 2], [2, 3], false],
        [[3, 0], [3, 1], false],
      ];
      assert.deepEqual(stored.map((t) => [Array.from(t.obs), Array.from(t.nextObs), t.terminated]), expected);
      assert.deepEqual(stored.map((t) => t.reward), [1, 2, 3, 1, 2, 1, 2, 3, 1]);
    });
  }

  it('acts uniformly for learningStarts steps, then updates gradientSteps times every trainFrequency steps', async () => {
    const agent = new SAC(new CountingEnv(), { hiddenSizes: [4], batchSize: 4, bufferSize: 40, learningStarts: 9, trainFrequency: 3, gradientSteps: 2 });
    const uniform = copyOf(agent.streams.exploration);
    const warmUp = Array.from({ length: 9 }, () => Math.fround(2 * uniform.uniform() - 1));
    const updatedAt: number[] = [];
    const actedAt: number[] = [];
    const update = agent.update.bind(agent);
    const explore = agent.exploreAction.bind(agent);
    agent.update = () => (updatedAt.push(agent.training.step), update());
    agent.exploreAction = (obs, out) => (actedAt.push(agent.training.step), explore(obs, out));
    const result = await agent.learn({ totalSteps: 30 });
    assert.deepEqual(actedAt, Array.from({ length: 21 }, (_, i) => 9 + i), 'the policy acts from step 9 on');
    assert.deepEqual(Array.from({ length: 9 }, (_, i) => agent.buffer.get(i).action[0]), warmUp, 'uniform actions before');
    // The first round comes right after the learningStarts-th step, then one every trainFrequency steps.
    assert.deepEqual(updatedAt, [9, 9, 12, 12, 15, 15, 18, 18, 21, 21, 24, 24, 27, 27, 30, 30]);
    assert.equal(result.updates, 16);
  });
});
