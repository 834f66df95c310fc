/**
 * Trace and replay of a whole training step.
 *
 * `new TracedFunction(name, body)` wraps a step that reads its inputs from tensors that live across
 * steps (parameters, optimizer state, a minibatch filled before the call) and writes its effects
 * into them. Per key (the caller's name for a control-flow variant, e.g. 'critic+actor') the first
 * call runs eagerly (lazily created state such as optimizer moments comes into being), the next two
 * run eagerly while recording, and when both recordings agree step for step the schedule of the
 * second replays from then on: every later call runs the same kernels on the same buffers, with no
 * tensors, graph or allocation, so its results are bit-identical to eager execution.
 *
 * Safety: recordings that differ (a value read into JavaScript and used as a scalar, a branch on
 * data, arrays made outside the engine, a random draw not through the engine's generators) raise a
 * TraceError naming the first difference, after the step itself completed eagerly; reading a value
 * into JavaScript while recording (`item()`) raises at once. A change of kernel set re-traces.
 * Anomaly checking (`withAnomalyCheck`) and `setTracing(false)` / `VARL_TRACE=0` run eagerly.
 */
import { EnvironmentError, TraceError, ValueError, describeValue, expectObject } from '../errors.ts';
import { isAnomalyCheckActive } from '../autograd/graph.ts';
import { kernels } from '../kernels/index.ts';
import type { FloatArray, Kernels } from '../kernels/types.ts';
import type { Tensor } from '../tensor.ts';
import { planMemory } from './memory-plan.ts';
import { Recording, activeRecording, type RecordedConstant } from './recorder.ts';

function tracingFromEnvironment(): boolean {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.VARL_TRACE;
  if (value === undefined || value === '') return true;
  if (value === '0' || value === '1') return value === '1';
  throw new EnvironmentError(`VARL_TRACE=${JSON.stringify(value)}: expected 0 (eager) or 1 (trace and replay)`);
}

let tracingEnabled = tracingFromEnvironment();
let memoryPlanning = true;

/** Switches trace-and-replay on or off for every TracedFunction (default on; VARL_TRACE=0 starts with it off). */
export function setTracing(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TraceError(`setTracing: expected true or false, got ${describeValue(enabled)}`);
  tracingEnabled = enabled;
}

export function isTracingEnabled(): boolean {
  return tracingEnabled;
}

/**
 * Switches memory planning of new schedules on or off (default on): with it, intermediates whose
 * lifetimes do not overlap share buffers (memory-plan.ts); without it, every intermediate keeps the
 * array it was recorded with. Results are bit-identical either way. Planning needs synchronous
 * garbage collection (Node); where there is none, schedules are not planned.
 */
export function setMemoryPlanning(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TraceError(`setMemoryPlanning: expected true or false, got ${describeValue(enabled)}`);
  memoryPlanning = enabled;
}

/** Where a key of a traced function stands: eager warm-up, recorded once, or replaying. */
export type TraceState = 'eager' | 'recorded' | 'replaying';

interface KeyTrace<R> {
  readonly kernels: Kernels;
  /** The inputs this key's recordings were made with (each key has its own: batch sizes differ by key). */
  readonly guard: InputGuard | null;
  calls: number;
  /** What replay needs of the first recording: its signatures and constants (its buffers are let go). */
  first: RecordingOutline | null;
  replay: Replay<R> | null;
}

interface Replay<R> {
  readonly runs: readonly (() => void)[];
  readonly result: R;
  /** The arrays the schedule runs on (kept alive here), and what the recording held before planning. */
  readonly buffers: readonly FloatArray[];
  readonly bytes: number;
  readonly recordedBuffers: number;
  readonly recordedBytes: number;
  readonly planned: boolean;
}

export interface TraceStats {
  readonly key: string;
  readonly state: TraceState;
  /** Kernel and host calls per replay. */
  readonly steps: number;
  /** Buffers the schedule holds, and their size in bytes (after memory planning, when it ran). */
  readonly buffers: number;
  readonly bytes: number;
  /** Buffers and bytes the recording allocated (what the schedule would hold unplanned). */
  readonly recordedBuffers: number;
  readonly recordedBytes: number;
  /** Whether intermediates share buffers (setMemoryPlanning). */
  readonly planned: boolean;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describeConstant(c: RecordedConstant): string {
  const floats = new Float32Array(c.bytes.buffer, c.bytes.byteOffset, Math.min(4, c.bytes.length >> 2));
  return `[${[...floats].join(', ')}${c.bytes.length > 16 ? ', …' : ''}]`;
}

/** What two recordings are compared by: their steps' signatures and the constants JavaScript filled. */
export interface RecordingContents {
  readonly signatures: readonly string[];
  readonly constants: readonly RecordedConstant[];
}

/** A recording's contents and size, for `stats()`, without its buffers. */
export interface RecordingOutline extends RecordingContents {
  readonly buffers: number;
  readonly bytes: number;
}

function outline(recording: Recording): RecordingOutline {
  const { signatures, constants, allocations } = recording;
  return { signatures, constants, buffers: allocations.length, bytes: bytesOf(allocations) };
}

/** The first difference between two recordings of one key, or null when replay can use the second. */
export function compareRecordings(a: RecordingContents, b: RecordingContents): string | null {
  const n = Math.max(a.signatures.length, b.signatures.length);
  for (let i = 0; i < n; i++) {
    if (a.signatures[i] !== b.signatures[i]) {
      return `step ${i} was '${a.signatures[i] ?? '(none)'}' in one recording and '${b.signatures[i] ?? '(none)'}' in the next` +
        ' (control flow, shapes or scalars that depend on data, or an array made outside the engine)';
    }
  }
  if (a.constants.length !== b.constants.length) return `the recordings hold ${a.constants.length} and ${b.constants.length} constants`;
  for (let i = 0; i < a.constants.length; i++) {
    const [x, y] = [a.constants[i], b.constants[i]];
    if (x.allocation !== y.allocation || !sameBytes(x.bytes, y.bytes)) {
      return `allocation ${y.allocation} was filled by JavaScript with ${describeConstant(x)} in one recording and ` +
        `${describeConstant(y)} in the next: a value that changes between steps entered as a constant ` +
        '(pass it as a tensor, e.g. with dynamicScalar, or fill it through hostCall)';
    }
  }
  return null;
}

export interface TracedFunctionOptions {
  /**
   * The tensors the step reads and writes across calls (minibatch, parameters, state). Before each
   * call their storage, shapes and dtypes are compared with those of the key's recordings; any
   * change (a new tensor, another batch size) drops that key's recordings and traces it again.
   */
  readonly inputs?: () => readonly Tensor[];
}

/** Storage identity, shape and dtype of each input, to notice a changed input before replaying. */
class InputGuard {
  private arrays: FloatArray[] = [];
  private shapes = '';

  constructor(private readonly inputs: () => readonly Tensor[]) {}

  /** Whether the inputs are those seen last time; remembers the current ones. */
  unchanged(): boolean {
    const tensors = this.inputs();
    let same = tensors.length === this.arrays.length;
    for (let i = 0; same && i < tensors.length; i++) same = tensors[i].data === this.arrays[i];
    const shapes = tensors.map((t) => `${t.dtype}${t.shape.join('x')}`).join(' ');
    same &&= shapes === this.shapes;
    if (!same) {
      this.arrays = tensors.map((t) => t.data);
      this.shapes = shapes;
    }
    return same;
  }
}

export class TracedFunction<R> {
  private readonly traces = new Map<string, KeyTrace<R>>();
  private readonly inputs: (() => readonly Tensor[]) | null;

  /**
   * @param name for error messages ('SAC.update').
   * @param body the step; `key` names the control-flow variant the caller wants.
   */
  constructor(readonly name: string, private readonly body: (key: string) => R, options: TracedFunctionOptions = {}) {
    if (typeof name !== 'string') throw new ValueError(`TracedFunction: name must be a string, got ${describeValue(name)}`);
    expectObject(`TracedFunction ${name}`, 'options', options);
    if (typeof body !== 'function') throw new TraceError(`TracedFunction ${name}: body must be a function, got ${describeValue(body)}`);
    if (options.inputs !== undefined && typeof options.inputs !== 'function') {
      throw new TraceError(`TracedFunction ${name}: options.inputs must be a function returning the step's tensors, got ${describeValue(options.inputs)}`);
    }
    this.inputs = options.inputs ?? null;
  }

  /** Runs the step for `key`: eagerly, recording, or by replay (see the file's comment). */
  call(key = ''): R {
    if (typeof key !== 'string') throw new TraceError(`${this.name}: the key must be a string, got ${describeValue(key)}`);
    if (!tracingEnabled || isAnomalyCheckActive() || activeRecording() !== null) return this.body(key);
    const active = kernels();
    let trace = this.traces.get(key);
    if (trace === undefined || trace.kernels !== active || (trace.guard !== null && !trace.guard.unchanged())) {
      const guard = this.inputs ? new InputGuard(this.inputs) : null;
      guard?.unchanged();
      trace = { kernels: active, guard, calls: 0, first: null, replay: null };
      this.traces.set(key, trace);
    }
    if (trace.replay !== null) {
      const runs = trace.replay.runs;
      for (let i = 0; i < runs.length; i++) runs[i]();
      return trace.replay.result;
    }
    trace.calls++;
    if (trace.calls === 1) return this.body(key);
    const first = trace.first;
    const recording = new Recording(active, { trackTensors: first !== null && memoryPlanning });
    const result = recording.record(() => this.body(key));
    if (first === null) {
      // only the outline is kept, so the first recording's buffers are free before the second allocates its own
      trace.first = outline(recording);
      return result;
    }
    const difference = compareRecordings(first, recording);
    trace.first = null;
    if (difference !== null) {
      this.traces.delete(key);
      throw new TraceError(`${this.name}${key ? ` [${key}]` : ''}: cannot replay: ${difference}`);
    }
    trace.replay = replayOf(recording, result);
    return result;
  }

  /** Drops every recording (for instance after parameters were replaced by new tensors); the next calls trace again. */
  reset(): void {
    this.traces.clear();
  }

  /** Per key: its state, the length of its schedule and the buffers it holds. */
  stats(): TraceStats[] {
    return [...this.traces].map(([key, t]) => {
      if (t.replay) {
        const { runs, buffers, bytes, recordedBuffers, recordedBytes, planned } = t.replay;
        return { key, state: 'replaying', steps: runs.length, buffers: buffers.length, bytes, recordedBuffers, recordedBytes, planned };
      }
      const buffers = t.first?.buffers ?? 0;
      const bytes = t.first?.bytes ?? 0;
      return {
        key, state: t.first ? 'recorded' : 'eager', steps: t.first?.signatures.length ?? 0,
        buffers, bytes, recordedBuffers: buffers, recordedBytes: bytes, planned: false,
      };
    });
  }
}

const bytesOf = (arrays: readonly FloatArray[]): number => arrays.reduce((sum, a) => sum + a.byteLength, 0);

/** The replay of a checked recording: memory-planned when its tensors were tracked, else as recorded. */
function replayOf<R>(recording: Recording, result: R): Replay<R> {
  const recordedBuffers = recording.allocations.length;
  const recordedBytes = bytesOf(recording.allocations);
  const reachable = recording.reachableAllocations();
  if (reachable === null) {
    return { runs: recording.runs, result, buffers: recording.allocations, bytes: recordedBytes, recordedBuffers, recordedBytes, planned: false };
  }
  const plan = planMemory(recording, reachable);
  return { runs: plan.runs, result, buffers: plan.buffers, bytes: bytesOf(plan.buffers), recordedBuffers, recordedBytes, planned: true };
}
