/**
 * Trace and replay of training steps: see traced-function.ts for the contract and recorder.ts for
 * what is recorded.
 */
import { describeValue } from '../errors.ts';
import { emptyTensor, type Tensor } from '../tensor.ts';
import type { DType } from '../kernels/types.ts';
import { hostCall } from './recorder.ts';

export { TracedFunction, setTracing, isTracingEnabled, setMemoryPlanning, compareRecordings, type TraceState, type TraceStats, type TracedFunctionOptions } from './traced-function.ts';
export { Recording, hostCall, activeRecording, assertNotRecording, type HostAccess } from './recorder.ts';

/**
 * A rank-0 tensor holding `read()`, re-read at every replay of a traced step: for a JavaScript
 * value that changes between steps (a temperature, a multiplier) and enters the step as a scalar.
 * Eagerly it equals `scalar(read(), dtype)`.
 * @example const alpha = dynamicScalar(() => Math.exp(logAlpha.data[0]));
 */
export function dynamicScalar(read: () => number, dtype: DType = 'float32'): Tensor {
  if (typeof read !== 'function') throw new TypeError(`dynamicScalar: read must be a function returning a number, got ${describeValue(read)}`);
  const t = emptyTensor([], dtype);
  const data = t.data;
  hostCall('dynamicScalar', () => {
    data[0] = read();
  }, { writes: [data] });
  return t;
}
