/**
 * The benchmark workloads, written once against varl's public engine API (engine/index.ts). Peers
 * implement the same workloads in bench/peers/ (tfjs.ts, jaxjs.ts, torch_bench.py).
 *
 * Q-net: 64 → 256 → 256 → 1 with ReLU (PyTorch's nn.Linear init), batch 256, float32.
 * - train step: forward, MSE against fixed targets, backward, one Adam step (lr 1e-3);
 * - ∇ₓQ: the gradient of Σ_b Q(x_b) with respect to the batch of inputs x ([256, 64]);
 * - ∇θ‖∇ₓQ‖²: gradient of the squared norm of ∇ₓQ with respect to all weights (second order).
 */
import {
  Adam, Generator, MLP, Normal, Tensor, grad, matmul, mean, noGrad, randn, relu, tanh, exp, add, type Kernels,
} from '../engine/index.ts';
import { fisherVectorProduct } from '../algorithms/policy-gradient/natural-gradient.ts';
import { GaussianPolicy } from '../algorithms/policy-gradient/policies.ts';

export const QNET = { input: 64, hidden: 256, output: 1, batch: 256 } as const;

/** FLOPs of one train step: forward (2·B·Σ in·out) plus backward (dW for every layer, dX for layers 2–3). */
export function qnetTrainFlops(): number {
  const { input, hidden, output, batch } = QNET;
  const layers = [[input, hidden], [hidden, hidden], [hidden, output]];
  const forward = layers.reduce((s, [i, o]) => s + 2 * batch * i * o, 0);
  const weightGrads = forward;
  const inputGrads = forward - 2 * batch * input * hidden;
  return forward + weightGrads + inputGrads;
}

export interface QNetWorkloads {
  trainStep(): number;
  gradX(): Tensor;
  secondOrder(): (Tensor | null)[];
}

/** The three Q-net workloads on fresh parameters (seeded), as closures to time. */
export function qnetWorkloads(seed = 0): QNetWorkloads {
  const net = new MLP({ inputSize: QNET.input, hiddenSizes: [QNET.hidden, QNET.hidden], outputSize: QNET.output, generator: seed });
  const params = net.parameters();
  const optimizer = new Adam(params, { lr: 1e-3 });
  const x = randn([QNET.batch, QNET.input], { generator: seed + 1 });
  const target = randn([QNET.batch, QNET.output], { generator: seed + 2 });
  const q = (input: Tensor): Tensor => net.forward(input);

  return {
    trainStep: () => {
      optimizer.zeroGrad();
      const loss = q(x).sub(target).square().mean();
      loss.backward();
      optimizer.step();
      return loss.item();
    },
    gradX: () => grad((input: Tensor) => q(input).sum())(x),
    secondOrder: () => {
      for (const p of params) p.grad = null;
      const gx = grad((input: Tensor) => q(input).sum())(x);
      gx.square().sum().backward();
      return params.map((p) => p.grad);
    },
  };
}

export type GemmLayout = 'nn' | 'nt' | 'tn';
export const GEMM_SIZES = [64, 256, 512, 1024] as const;
export const GEMM_LAYOUTS: readonly GemmLayout[] = ['nn', 'nt', 'tn'];

/** C = A·B, A·Bᵀ or Aᵀ·B on n×n float32 matrices through the engine's matmul. */
export function gemmWorkload(n: number, layout: GemmLayout, seed = 0): () => Tensor {
  const a = randn([n, n], { generator: seed });
  const b = randn([n, n], { generator: seed + 1 });
  const options = { transA: layout === 'tn', transB: layout === 'nt' };
  return () => matmul(a, b, options);
}

export const ELEMENTWISE_SIZE = 65536;
export type ElementwiseOp = 'add' | 'relu' | 'tanh' | 'exp';
export const ELEMENTWISE_OPS: readonly ElementwiseOp[] = ['add', 'relu', 'tanh', 'exp'];

/** One elementwise op on 64K floats (a [256, 256] tensor; add takes a second one of the same shape). */
export function elementwiseWorkload(op: ElementwiseOp, seed = 0): () => Tensor {
  const a = randn([256, 256], { generator: seed });
  const b = randn([256, 256], { generator: seed + 1 });
  switch (op) {
    case 'add': return () => add(a, b);
    case 'relu': return () => relu(a);
    case 'tanh': return () => tanh(a);
    case 'exp': return () => exp(a);
  }
}

/** Kernels type re-exported for the suite's engine switch. */
export type { Kernels };

/** Where a prepared off-policy agent stores a transition (its replay buffer's `add`). */
export type StoreTransition = (obs: Float32Array, action: Float32Array, reward: number, next: Float32Array, terminated: boolean) => void;

/**
 * 20,000 random Pendulum-shaped transitions (|S| = 3, |A| = 1) from a fixed LCG, the same for every
 * agent and run, so that an update bench starts from a full buffer without stepping an env.
 */
export function fillPendulumTransitions(store: StoreTransition, count = 20_000): void {
  const obs = new Float32Array(3);
  const next = new Float32Array(3);
  const action = new Float32Array(1);
  let u = 12345;
  const uniform = (): number => ((u = (Math.imul(u, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 3; j++) {
      obs[j] = uniform();
      next[j] = uniform();
    }
    action[0] = uniform();
    store(obs, action, -8 + 8 * uniform(), next, false);
  }
}

/**
 * The Fisher-vector product TRPO's conjugate gradient calls: a Hessian-vector product of the mean KL
 * between a 2×64 tanh Gaussian policy (3 → 1) and its detached copy over `states` random states,
 * plus 0.1·v. Returns one product per call of the returned function (bench/profile.ts, bench/hvp.bench.ts;
 * the PyTorch peer is bench/peers/fvp_torch.py).
 */
export function fisherVectorWorkload(states = 2048): () => Float64Array {
  const policy = new GaussianPolicy({
    observationSize: 3, actionSize: 1, hiddenSizes: [64, 64], activation: 'tanh', initialLogStd: 0, orthogonalInit: true, generator: new Generator(0),
  });
  const observations = randn([states, 3], { generator: new Generator(1) });
  const old = noGrad(() => {
    const d = policy.forwardDistribution(observations);
    return new Normal(d.loc.detach(), d.scale.detach());
  });
  const meanKl = mean(old.klDivergence(policy.forwardDistribution(observations)));
  const product = fisherVectorProduct(meanKl, policy.parameters(), 0.1);
  const v = new Float64Array(policy.parameters().reduce((n, p) => n + p.size, 0)).map((_, i) => Math.sin(i));
  return () => product(v);
}
