/**
 * The networks of IAPO with the reference code's initialisation (joelouismarino/variational_rl, lib/layers and lib/models):
 * hidden layers Xavier-normal with gain √2 and bias 0.1, policy heads zero, Q heads U(−3·10⁻³, 3·10⁻³).
 *
 * - `DirectInference`: λ = f_φ(s), the SAC-style policy network ("direct amortization").
 * - `IterativeInference`: λ_{k+1} = ω⊙λ_k + (1 − ω)⊙δ, with (δ, ω) from a network of
 *   [s, μ̂_k, log σ̂_k, ∇̂_μ, ∇̂_{log σ}] ("iterative amortization", eq. (12) of the paper).
 * The twin critics (algorithms/common/action-value.ts) take `referenceReluInit` and `smallUniformInit`.
 */
import {
  Generator, Tensor, add, mul, sigmoid, split, sub, tensor,
} from '../../engine/index.ts';
import { Linear, MLP, Module, normal_, uniform_, zeros_, type LinearInit } from '../../engine/nn/index.ts';
import { softClampLogScale, type PolicyParams } from './objective.ts';

/** Xavier-normal weights with ReLU gain √2 and bias 0.1 (lib/layers/layer.py). */
export const referenceReluInit: LinearInit = (layer, generator) => {
  const [fanOut, fanIn] = layer.weight.shape;
  normal_(layer.weight, 0, Math.SQRT2 * Math.sqrt(2 / (fanIn + fanOut)), { generator });
  if (layer.bias) layer.bias.mutate_((d) => d.fill(0.1));
};

/** Zero weights and bias: a head that starts by predicting exactly 0. */
export const zeroInit: LinearInit = (layer) => {
  zeros_(layer.weight);
  if (layer.bias) zeros_(layer.bias);
};

/** U(−3·10⁻³, 3·10⁻³) for weights and bias (the Q heads of misc/collector.py). */
export const smallUniformInit: LinearInit = (layer, generator) => {
  uniform_(layer.weight, -3e-3, 3e-3, { generator });
  if (layer.bias) uniform_(layer.bias, -3e-3, 3e-3, { generator });
};

/** Hidden layers of the given widths, each followed by ReLU (the last one included). */
function reluBody(inputSize: number, hiddenSizes: readonly number[], generator: Generator): MLP {
  if (hiddenSizes.length === 0) throw new RangeError('IAPO networks need at least one hidden layer');
  return new MLP({
    inputSize,
    hiddenSizes: hiddenSizes.slice(0, -1),
    outputSize: hiddenSizes[hiddenSizes.length - 1],
    outputActivation: 'relu',
    hiddenInit: referenceReluInit,
    generator,
  });
}

/**
 * Learnable per-dimension log-scale bounds (init −10 and 0.5) and the soft clamp between them, with
 * the PETS-style regulariser 0.01·(Σ max − Σ min) that keeps the bounds from drifting apart.
 */
export class LogScaleBounds extends Module {
  constructor(actionSize: number, minLogScale = -10, maxLogScale = 0.5) {
    super();
    this.registerParameter('min', tensor(new Array<number>(actionSize).fill(minLogScale)));
    this.registerParameter('max', tensor(new Array<number>(actionSize).fill(maxLogScale)));
  }

  get min(): Tensor {
    return this.getParameter('min');
  }

  get max(): Tensor {
    return this.getParameter('max');
  }

  clamp(raw: Tensor): Tensor {
    return softClampLogScale(raw, this.min, this.max);
  }

  /** Σ max − Σ min (multiply by the coefficient). */
  spread(): Tensor {
    return sub(this.max.sum(), this.min.sum());
  }
}

export interface InferenceNetworkOptions {
  stateSize: number;
  actionSize: number;
  hiddenSizes: readonly number[];
  generator: Generator;
}

/** Common surface of the two inference models. */
export interface InferenceModel extends Module {
  readonly kind: 'direct' | 'iterative';
  readonly bounds: LogScaleBounds;
  readonly stateSize: number;
  readonly actionSize: number;
}

/**
 * The part both models share: a ReLU body on `inputSize` features, a zero-initialised linear head
 * with `headSize` outputs and the learnable log-σ bounds, registered in that order.
 */
abstract class InferenceNetwork extends Module {
  readonly stateSize: number;
  readonly actionSize: number;
  readonly body: MLP;
  readonly head: Linear;
  readonly bounds: LogScaleBounds;

  protected constructor({ stateSize, actionSize, hiddenSizes, generator }: InferenceNetworkOptions, inputSize: number, headSize: number) {
    super();
    this.stateSize = stateSize;
    this.actionSize = actionSize;
    this.body = this.registerModule('body', reluBody(inputSize, hiddenSizes, generator));
    this.head = this.registerModule('head', new Linear(hiddenSizes[hiddenSizes.length - 1], headSize, { generator, init: zeroInit }));
    this.bounds = this.registerModule('bounds', new LogScaleBounds(actionSize));
  }
}

/** λ = f_φ(s): μ and the raw log σ from zero-initialised heads, then the soft clamp (lib/inference/direct.py). */
export class DirectInference extends InferenceNetwork implements InferenceModel {
  readonly kind = 'direct' as const;

  constructor(options: InferenceNetworkOptions) {
    super(options, options.stateSize, 2 * options.actionSize);
  }

  forward(observations: Tensor): PolicyParams {
    const [mean, rawLogScale] = split(this.head.forward(this.body.forward(observations)), 2, -1);
    return { mean, logScale: this.bounds.clamp(rawLogScale) };
  }
}

/**
 * One gated update of λ (lib/inference/iterative.py): from the network output (δ_μ, δ_logσ, gate
 * logits), new = ω⊙previous + (1 − ω)⊙δ with ω = sigmoid(gate), for μ and for the raw log σ, then
 * the soft clamp on log σ. `previous` must be detached: φ is trained by one-step truncated backprop.
 */
export class IterativeInference extends InferenceNetwork implements InferenceModel {
  readonly kind = 'iterative' as const;

  constructor(options: InferenceNetworkOptions) {
    super(options, options.stateSize + 4 * options.actionSize, 4 * options.actionSize);
  }

  /** Size of one input row: |S| + 4|A|. */
  get inputSize(): number {
    return this.stateSize + 4 * this.actionSize;
  }

  /**
   * @param inputs [B, |S| + 4|A|] from `buildInferenceInputs` (constant).
   * @param previous λ_k, detached.
   */
  step(inputs: Tensor, previous: PolicyParams): PolicyParams {
    const [meanUpdate, logScaleUpdate, meanGate, logScaleGate] = split(this.head.forward(this.body.forward(inputs)), 4, -1);
    const gated = (old: Tensor, update: Tensor, gateLogit: Tensor): Tensor => add(update, mul(sigmoid(gateLogit), sub(old, update)));
    return {
      mean: gated(previous.mean, meanUpdate, meanGate),
      logScale: this.bounds.clamp(gated(previous.logScale, logScaleUpdate, logScaleGate)),
    };
  }
}
