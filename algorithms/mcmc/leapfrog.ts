/**
 * The learned leapfrog chain of HMC policy optimization (seed 003, §3.2 eq. (13)–(14) and the gated
 * gradient of §4.2 eq. (18)–(19)), shared by hmc-sac.ts and the specs.
 *
 * One step maps (a, ρ) to (a′, ρ′) with per-dimension step sizes ε ∈ R^{d_a}:
 *   ρ̃  = ρ − (ε/2)⊙G(s, a, g),    g  = ∇ₐU(s, a)          (18)
 *   a′ = a + ε⊙ρ̃                                         (13)
 *   ρ′ = ρ̃ − (ε/2)⊙G(s, a′, g′),  g′ = ∇ₐU(s, a′)         (19)
 * with G(s, a, g) = σ_h(s, a, g)·g + (1 − σ_h(s, a, g))·T_h(s, a, g), or G = g ('explicit').
 *
 * Volume preservation: each half-step adds to ρ a function of (s, a) only, and the position step
 * adds to a a function of ρ̃ only, so every part is a shear with unit Jacobian and log|det J| = 0 for
 * any networks σ_h, T_h. That is why the gate networks never see ρ, and why (19) is evaluated at
 * (s, a′, g′): the printed (19) feeds the old a into the last half-step, and since a = a′ − ε⊙ρ̃ that
 * would make the half-step depend on ρ̃ and break the unit Jacobian. The step is also reversible:
 * negating ρ′ and stepping again returns (a, −ρ).
 *
 * The chain has no Metropolis–Hastings correction, so it does not leave the target invariant; the
 * ELBO (17) needs only the unit Jacobian (16).
 */
import { MLP, Module, Tensor, add, concat, mul, sigmoid, sub, zeros, type DType, type Generator } from '../../engine/index.ts';
import type { LinearInit } from '../../engine/nn/index.ts';

/** ∇ₐU(s, a) of the potential the chain descends, for positions [B, A] (the states are bound in). */
export type PotentialGradient = (position: Tensor) => Tensor;

/** Position and momentum of the chain, each [B, A]. */
export interface PhaseState {
  readonly position: Tensor;
  readonly momentum: Tensor;
}

/** An output layer with zero weights and a constant bias: the network starts as a constant. */
export function constantOutputInit(bias: number): LinearInit {
  return (layer) => {
    layer.weight.mutate_((d) => d.fill(0));
    layer.bias?.mutate_((d) => d.fill(bias));
  };
}

export interface GatedGradientOptions {
  stateSize: number;
  actionSize: number;
  /** Hidden widths of σ_h and T_h (the paper: two layers of 8 or 16; HMC-SAC uses `gateHiddenSizes`, default [16, 16]). */
  hiddenSizes: readonly number[];
  /** σ_h at initialisation, through the bias of its zero-weight output layer (default 0.95: mostly the explicit gradient). */
  initialGate?: number;
  generator: Generator;
  dtype?: DType;
}

/**
 * σ_h (scalar, sigmoid) and T_h (d_a values, tanh) of eq. (18)–(19), each an MLP of concat(s, a, g)
 * with tanh hidden units (smooth, so the chain's second derivatives are informative); G mixes the
 * explicit gradient g with the implicit T_h.
 */
export class GatedGradient extends Module {
  readonly gate: MLP;
  readonly implicit: MLP;

  constructor({ stateSize, actionSize, hiddenSizes, initialGate = 0.95, generator, dtype }: GatedGradientOptions) {
    super();
    const inputSize = stateSize + 2 * actionSize;
    const logit = Math.log(initialGate / (1 - initialGate));
    this.gate = this.registerModule('gate', new MLP({
      inputSize, hiddenSizes, outputSize: 1, activation: 'tanh', outputActivation: 'sigmoid', generator, outputInit: constantOutputInit(logit), ...(dtype ? { dtype } : {}),
    }));
    this.implicit = this.registerModule('implicit', new MLP({
      inputSize, hiddenSizes, outputSize: actionSize, activation: 'tanh', outputActivation: 'tanh', generator, outputInit: constantOutputInit(0), ...(dtype ? { dtype } : {}),
    }));
  }

  /** G(s, a, g) = σ_h·g + (1 − σ_h)·T_h, [B, A]; also σ_h [B, 1] for logging. */
  forward(state: Tensor, position: Tensor, gradient: Tensor): { mixed: Tensor; gate: Tensor } {
    const input = concat([state, position, gradient], -1);
    const gate = this.gate.forward(input);
    const mixed = add(mul(gate, gradient), mul(sub(1, gate), this.implicit.forward(input)));
    return { mixed, gate };
  }
}

export interface LeapfrogChainOptions {
  stateSize: number;
  actionSize: number;
  /** 'gated': G of eq. (18)–(19); 'explicit': plain leapfrog (13) with G = g. */
  gradient: 'gated' | 'explicit';
  gateHiddenSizes: readonly number[];
  /** ε = maxStepSize·sigmoid(r) per dimension (HVAE's parameterisation: positive and bounded). */
  maxStepSize: number;
  initialStepSize: number;
  generator: Generator;
  dtype?: DType;
}

/** The chain's parameters h: step sizes ε (and the gate networks), and the K-step map f_HMC^K of eq. (14). */
export class LeapfrogChain extends Module {
  readonly maxStepSize: number;
  readonly gatedGradient: GatedGradient | null;

  constructor(options: LeapfrogChainOptions) {
    super();
    const { actionSize, maxStepSize, initialStepSize, dtype } = options;
    this.maxStepSize = maxStepSize;
    const logit = Math.log(initialStepSize / (maxStepSize - initialStepSize));
    this.registerParameter('stepSizeLogit', zeros([actionSize], dtype ? { dtype } : {}).mutate_((d) => d.fill(logit)));
    this.gatedGradient = options.gradient === 'gated'
      ? this.registerModule('gatedGradient', new GatedGradient({
        stateSize: options.stateSize, actionSize, hiddenSizes: options.gateHiddenSizes, generator: options.generator, ...(dtype ? { dtype } : {}),
      }))
      : null;
  }

  /** ε ∈ (0, maxStepSize)^{d_a}, [A]. */
  stepSizes(): Tensor {
    return mul(sigmoid(this.getParameter('stepSizeLogit')), this.maxStepSize);
  }

  /** G(s, a, g): the gated gradient, or g itself. */
  private force(state: Tensor, position: Tensor, gradient: Tensor, gates: Tensor[]): Tensor {
    if (!this.gatedGradient) return gradient;
    const { mixed, gate } = this.gatedGradient.forward(state, position, gradient);
    gates.push(gate);
    return mixed;
  }

  /**
   * K leapfrog steps from (a₀, ρ₀) (eq. 14). The force G(s, a′, g′) that ends one step also starts the
   * next, so K steps cost K + 1 evaluations of ∇U and of the gate networks. Differentiable in the start,
   * ε, the gate networks and whatever `potentialGradient` closes over (second order, when it is built
   * with a recorded `grad`). Returns the end state and the σ_h values met on the way (for logging);
   * `onStep` sees the state after each step k = 1 … K, e.g. to draw the chain's iterates.
   */
  run(
    state: Tensor, start: PhaseState, potentialGradient: PotentialGradient, steps: number, onStep?: (step: number, phase: PhaseState) => void,
  ): PhaseState & { gates: Tensor[] } {
    const epsilon = this.stepSizes();
    const halfEpsilon = mul(epsilon, 0.5);
    const gates: Tensor[] = [];
    let { position, momentum } = start;
    let force = this.force(state, position, potentialGradient(position), gates);
    for (let k = 0; k < steps; k++) {
      const halfMomentum = sub(momentum, mul(halfEpsilon, force));               // (18)
      position = add(position, mul(epsilon, halfMomentum));                     // (13)
      force = this.force(state, position, potentialGradient(position), gates);   // G(s, a′, g′)
      momentum = sub(halfMomentum, mul(halfEpsilon, force));                    // (19)
      onStep?.(k + 1, { position, momentum });
    }
    return { position, momentum, gates };
  }
}
