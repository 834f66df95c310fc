/**
 * Acting on one observation, recorded once per kind and replayed (engine/trace). Per env step a policy
 * is a few small layers, or for the MCMC policies a chain of K + 1 gradients of Q at batch 1: building
 * tensors and graph costs more than the arithmetic. Replay runs the same kernels on the same buffers,
 * so the actions are those of eager acting, bit for bit (random draws go through the engine's
 * generators, live scalars such as β through `dynamicScalar`).
 */
import { TracedFunction, noGrad, zeros, type Module, type Tensor } from '../../engine/index.ts';
import { copyObservation } from './networks.ts';
import { stateTensors } from './traced-update.ts';

/** The two ways an agent acts: a sample for exploration, or its deterministic action. */
export type ActingKind = 'explore' | 'deterministic';

export class TracedActing {
  /** The traced step, keyed by `ActingKind` (its `stats()` tell whether each kind replays). */
  readonly step: TracedFunction<Tensor>;
  /** The observation being acted on, [1, obs]: the step's input, written before each call. */
  private readonly observation: Tensor;

  /**
   * @param name for error messages ('HMC-SAC.act').
   * @param act the action [1, A] of `observation` for a kind, from tensors only.
   * @param state the modules and tensors the action reads (a replaced one makes the step trace again).
   */
  constructor(
    private readonly name: string, private readonly observationSize: number,
    act: (observation: Tensor, kind: ActingKind) => Tensor, state: () => readonly (Module | Tensor)[],
  ) {
    this.observation = zeros([1, observationSize]);
    this.step = new TracedFunction(name, (kind) => act(this.observation, kind as ActingKind), {
      inputs: () => [this.observation, ...stateTensors(state())],
    });
  }

  /** The action for `obs` ([A] values, the policy's own units) written into `out`; `context` names a bad observation's caller. */
  act(obs: ArrayLike<number>, kind: ActingKind, out: Float32Array, context = this.name): Float32Array {
    this.observation.mutate_((d) => copyObservation(obs, this.observationSize, d, context));
    out.set(noGrad(() => this.step.call(kind)).data);
    return out;
  }
}
