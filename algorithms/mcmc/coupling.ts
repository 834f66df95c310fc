/**
 * Coupling-layer pieces shared by the Langevin flow of Langevin-TD3 (seed 003, §3.1 eq. (8)–(9)) and
 * the RealNVP policy of flow-SAC (Dinh et al. 2017): alternating binary masks over the action axis,
 * a conditioner network of (m⊙x, s), and the Langevin coupling layer itself. The RealNVP layers are
 * the engine's AffineCouplingTransform with a conditioner from here.
 *
 * Masks (the paper: "binary vectors, with half of elements to be 1", silent on odd d_a and d_a = 1):
 * - d_a ≥ 2: a checkerboard, layer k keeps the entries i with (i + k) even, so consecutive layers
 *   update complementary halves; for odd d_a the layers alternate between keeping ⌈d_a/2⌉ and ⌊d_a/2⌋.
 * - d_a = 1: every mask is 0 — each layer updates the single coordinate and the conditioner sees only
 *   the state (m⊙x = 0), the checklist's "condition on s only" option. (A checkerboard would leave
 *   every other layer the identity.)
 */
import {
  MLP, Module, Tensor, add, concat, exp, grad, mul, sigmoid, sliceAxis, sqrt, square, sub, sum, tanh, tensor, zeros,
  type CouplingParameters, type DType, type Generator,
} from '../../engine/index.ts';
import { constantOutputInit } from './leapfrog.ts';

/** K masks over d_a actions (1 = kept, 0 = updated), as described above. */
export function alternatingMasks(actionSize: number, layers: number): number[][] {
  return Array.from({ length: layers }, (_, k) =>
    Array.from({ length: actionSize }, (_, i) => (actionSize === 1 ? 0 : (i + k) % 2 === 0 ? 1 : 0)));
}

export interface CouplingNetworkOptions {
  stateSize: number;
  actionSize: number;
  hiddenSizes: readonly number[];
  /** Heads of d_a values each, in order. */
  heads: readonly string[];
  /** Bias of each head's zero-weight output layer (default 0): the layer starts as a constant map. */
  headBias?: Readonly<Record<string, number>>;
  generator: Generator;
  dtype?: DType;
}

/**
 * A conditioner of a coupling layer: an MLP (tanh hidden units, smooth for second-order use) of
 * concat(m⊙x, s) with one d_a-valued head per name, zero-initialised so the layer starts as a fixed map.
 */
export class CouplingNetwork extends Module {
  readonly net: MLP;
  readonly heads: readonly string[];
  readonly actionSize: number;

  constructor({ stateSize, actionSize, hiddenSizes, heads, headBias = {}, generator, dtype }: CouplingNetworkOptions) {
    super();
    this.heads = heads;
    this.actionSize = actionSize;
    const biases = heads.flatMap((h) => Array<number>(actionSize).fill(headBias[h] ?? 0));
    this.net = this.registerModule('net', new MLP({
      inputSize: actionSize + stateSize, hiddenSizes, outputSize: heads.length * actionSize, activation: 'tanh', generator,
      outputInit: (layer, g) => {
        constantOutputInit(0)(layer, g);
        layer.bias?.mutate_((d) => d.set(biases));
      },
      ...(dtype ? { dtype } : {}),
    }));
  }

  /** Each head, [..., d_a], of the masked input [..., d_a] and the state [..., S]. */
  forward(maskedInput: Tensor, state: Tensor): Record<string, Tensor> {
    const out = this.net.forward(concat([maskedInput, state], -1));
    const d = this.actionSize;
    return Object.fromEntries(this.heads.map((h, i) => [h, sliceAxis(out, -1, i * d, (i + 1) * d)]));
  }

  /** As an AffineCouplingTransform conditioner: log-scale bounded by tanh (to (−1, 1)) and shift. */
  affineConditioner(): (maskedInput: Tensor, context: Tensor | undefined) => CouplingParameters {
    return (maskedInput, context) => {
      const { logScale, shift } = this.forward(maskedInput, context as Tensor);
      return { logScale: tanh(logScale), shift };
    };
  }
}

/** The smoothed norm √(‖x − y‖² + δ²) − δ over the last axis: 0 at x = y, ≈ ‖x − y‖ beyond δ, smooth everywhere. */
export function smoothDistance(x: Tensor, y: Tensor, smoothing: number): Tensor {
  return sub(sqrt(add(sum(square(sub(x, y)), -1), smoothing * smoothing)), smoothing);
}

/** The utility U(s, ·) a Langevin layer ascends, for inputs [B, A] (the states are bound in), [B]. */
export type Utility = (x: Tensor) => Tensor;

export interface LangevinFlowOptions {
  stateSize: number;
  actionSize: number;
  layers: number;
  hiddenSizes: readonly number[];
  /** ε_k = maxStepSize·sigmoid(r_k) per layer and dimension. */
  maxStepSize: number;
  initialStepSize: number;
  /** σ's head starts at this value, so the deterministic noise term ε·e^σ starts small. */
  initialNoiseLogScale: number;
  generator: Generator;
  dtype?: DType;
}

/**
 * f_LD^K = g_K ∘ … ∘ g_1 (8) with the Langevin coupling layer (9), as corrected:
 *   y = m⊙x + m̄⊙[(x + (ε²/2)∇U(x) + ε⊙e^{σ(m⊙x, s)})⊙e^{S(m⊙x, s)} + T(m⊙x, s)]
 * - T is masked with m̄ (printed unmasked, which would also move the kept half).
 * - The gradient term ascends the utility U of (6) (a utility, as (7) ascends it); the printed "−" would
 *   descend it.
 * - σ, S, T also see the state s (printed R^{d_a/2} → R^{d_a/2}); without s the flow could not depend on
 *   the state beyond a₀. They are heads of one network per layer (d_a values each, only the m̄ half used);
 *   S is bounded by tanh.
 * ∇U depends on the updated half too, so the layer is not triangular: no density is needed (or given).
 */
export class LangevinFlow extends Module {
  readonly masks: readonly Tensor[];
  readonly complements: readonly Tensor[];
  readonly maxStepSize: number;
  private readonly networks: CouplingNetwork[];

  constructor(options: LangevinFlowOptions) {
    super();
    const { stateSize, actionSize, layers, hiddenSizes, maxStepSize, initialStepSize, generator, dtype } = options;
    this.maxStepSize = maxStepSize;
    const masks = alternatingMasks(actionSize, layers);
    this.masks = masks.map((m) => tensor(m, dtype ? { dtype } : {}));
    this.complements = masks.map((m) => tensor(m.map((v) => 1 - v), dtype ? { dtype } : {}));
    const logit = Math.log(initialStepSize / (maxStepSize - initialStepSize));
    this.registerParameter('stepSizeLogit', zeros([layers, actionSize], dtype ? { dtype } : {}).mutate_((d) => d.fill(logit)));
    this.networks = masks.map((_, k) => this.registerModule(`layer${k}`, new CouplingNetwork({
      stateSize, actionSize, hiddenSizes, heads: ['noiseLogScale', 'logScale', 'shift'],
      headBias: { noiseLogScale: options.initialNoiseLogScale }, generator, ...(dtype ? { dtype } : {}),
    })));
  }

  /** ε of every layer, [K, A]. */
  stepSizes(): Tensor {
    return mul(sigmoid(this.getParameter('stepSizeLogit')), this.maxStepSize);
  }

  /**
   * a_K = f_LD^K(a₀) for states [B, S] and a₀ [B, A]; differentiable (second order through ∇U).
   * `onLayer` sees each layer's output x_k (k = 1 … K), e.g. to draw the flow's iterates.
   */
  forward(state: Tensor, start: Tensor, utility: Utility, onLayer?: (layer: number, x: Tensor) => void): Tensor {
    const epsilons = this.stepSizes();
    const utilityGradient = grad((x: Tensor) => sum(utility(x)));
    let x = start;
    this.networks.forEach((network, k) => {
      const epsilon = sliceAxis(epsilons, 0, k, k + 1);                // [1, A]
      const kept = mul(this.masks[k], x);                              // m⊙x
      const { noiseLogScale, logScale, shift } = network.forward(kept, state);
      const langevin = add(add(x, mul(mul(square(epsilon), 0.5), utilityGradient(x))), mul(epsilon, exp(noiseLogScale)));
      const updated = add(mul(langevin, exp(tanh(logScale))), shift);
      x = add(kept, mul(this.complements[k], updated));                // (9), T masked with m̄
      onLayer?.(k + 1, x);
    });
    return x;
  }
}
