/**
 * The pieces every traced update shares: the tensors its input guard watches and the losses it
 * returns as tensors, read into numbers after the step (engine/trace).
 */
import { TracedFunction, type Module, type Tensor } from '../../engine/index.ts';
import type { TensorBatch } from './tensor-batch.ts';

/** A traced gradient step whose body returns its losses as scalar tensors, keyed by metric name. */
export type TracedUpdate = TracedFunction<Record<string, Tensor>>;

/**
 * A traced update over a replay minibatch and the given modules and tensors: the guard re-traces
 * when any of them is replaced or changes shape.
 */
/** The tensors of `parts`: each module's parameters, and each tensor itself (what an input guard watches). */
export function stateTensors(parts: readonly (Module | Tensor)[]): Tensor[] {
  return parts.flatMap((part) => ('parameters' in part ? part.parameters() : [part]));
}

export function tracedUpdate(
  name: string, body: (schedule: string) => Record<string, Tensor>,
  batch: () => TensorBatch, state: () => readonly (Module | Tensor)[],
): TracedUpdate {
  return new TracedFunction(name, body, {
    inputs: () => {
      const b = batch();
      return [b.observations, b.actions, b.rewards, b.nextObservations, b.notTerminated, ...stateTensors(state())];
    },
  });
}

/** Runs `update` for `schedule` and reads its losses. */
export function runTracedUpdate(update: TracedUpdate, schedule: string): Record<string, number> {
  const losses: Record<string, number> = {};
  for (const [name, loss] of Object.entries(update.call(schedule))) losses[name] = loss.item();
  return losses;
}
