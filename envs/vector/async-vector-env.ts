/**
 * `AsyncVectorEnv`: `numEnvs` sub-envs stepped in parallel in worker threads (Gymnasium
 * `vector/async_vector_env.py`), with the interface and results of `SyncVectorEnv` (vector/sync-vector-env.ts):
 * the same batched arrays, seeding, autoreset modes and checkpoints, to the bit.
 *
 * - **Sub-envs** are given as env ids with `make()` options, since functions (closures) cannot be sent to
 *   another thread. Each worker makes its sub-envs through the registry, awaiting MuJoCo's loading for
 *   MuJoCo ids; `imports` lists modules that register further ids. Several sub-envs may share a worker.
 * - **Data** crosses threads through one SharedArrayBuffer: actions (Float64, as `SyncVectorEnv` hands them to
 *   the sub-envs), observations and final observations (Float32), rewards and flags. The result arrays are
 *   views of it, reused like `SyncVectorEnv`'s and overwritten by the next `stepAsync` / `resetAsync`.
 *   Infos, errors and states travel as messages, and only when there is something in them.
 * - **Signalling** is `Atomics.wait` / `Atomics.notify` on a control block per worker, so `step()` can block
 *   and return synchronously, which is what the on-policy runner needs. Replies are taken with
 *   `receiveMessageOnPort`, without a turn of the event loop.
 * - **Autoreset.** `'NEXT_STEP'` and `'SAME_STEP'` are `SyncVectorEnv`'s. `'DISABLED'` (Gymnasium's) never
 *   resets a sub-env by itself: reset the ended ones with `reset({ resetMask })`; stepping one before
 *   throws the sub-env's `ResetNeededError`.
 *
 * @example
 * const vec = await AsyncVectorEnv.create('Hopper-v5', { numEnvs: 4, autoresetMode: 'SAME_STEP' });
 * try {
 *   vec.reset({ seed: 0 });                               // sub-env i seeded with 0 + i
 *   const { obs, rewards, info } = vec.step(actions);     // blocks until every worker is done
 * } finally {
 *   await vec.close();
 * }
 */
import { showValue } from '../../engine/errors.ts';
import { isRecord } from '../core/arguments.ts';
import { EnvConfigError, InvalidActionError, formatShape } from '../core/errors.ts';
import { Box } from '../core/spaces.ts';
import { EMPTY_INFO, type EnvState, type Info, type JsonValue } from '../core/types.ts';
import { checkVectorResetArgs, type VectorInfo, type VectorResetResult, type VectorStepResult } from './sync-vector-env.ts';
import {
  COMMAND,
  CONTROL_WORDS,
  Command,
  DONE,
  HAS_REPLY,
  REQUEST,
  STATUS,
  STATUS_DEAD,
  dataLayout,
  dataViews,
  type AsyncAutoresetMode,
  type CommandCode,
  type DataViews,
  type Reply,
  type SpaceDescription,
  type StartupReport,
  type SubEnvSpec,
  type WorkerError,
} from './async-protocol.ts';
import { nodeTransport, type WorkerThread, type WorkerTransport } from './async-transport.ts';
import {
  AsyncVectorEnvError,
  SubEnvError,
  kindOf,
  moduleSpecifier,
  subEnvSpecs,
  type AsyncVectorEnvOptions,
  type AsyncVectorResetArgs,
  type CloseOptions,
  type SpecInput,
} from './async-options.ts';

export type { AsyncAutoresetMode, SubEnvSpec } from './async-protocol.ts';
export type { WorkerThread, WorkerTransport } from './async-transport.ts';
export {
  AsyncVectorEnvError,
  SubEnvError,
  type AsyncVectorEnvOptions,
  type AsyncVectorResetArgs,
  type CloseOptions,
  type SpecInput,
} from './async-options.ts';

function batch(space: Box, numEnvs: number): Box {
  const tile = (values: ArrayLike<number>) => Array.from({ length: numEnvs * values.length }, (_, i) => values[i % values.length]!);
  return new Box({ low: tile(space.low), high: tile(space.high), shape: [numEnvs, ...space.shape], dtype: space.dtype });
}

function box(space: SpaceDescription): Box {
  return new Box({ low: space.low, high: space.high, shape: space.shape, dtype: space.dtype });
}

export class AsyncVectorEnv<M extends AsyncAutoresetMode = AsyncAutoresetMode> {
  readonly numEnvs: number;
  readonly autoresetMode: M;
  /** Worker threads running the sub-envs. */
  readonly numWorkers: number;
  /** The first sub-env's id (all sub-envs have the same space sizes). */
  readonly id: string;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Box;
  /** Batched spaces of shape [numEnvs, …single shape]. */
  readonly observationSpace: Box;
  readonly actionSpace: Box;

  private readonly controls: readonly Int32Array[];
  private readonly data: DataViews;
  private readonly envInfos: Info[];
  private readonly finalInfos: (Info | null)[];
  private readonly stepResult: VectorStepResult;
  private readonly resetResult: VectorResetResult;
  /** The request number each worker was last sent. */
  private readonly requests: Int32Array;
  private pending: { readonly command: 'step' | 'reset'; readonly mask: readonly boolean[] | null } | null = null;
  private closing: Promise<void> | null = null;
  private broken: string | null = null;

  /**
   * Starts the workers and makes the sub-envs in them.
   * @param envs an env id or `{ id, maxEpisodeSteps?, envOptions? }` (repeated `numEnvs` times), or one per sub-env.
   * @example await AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 8, workers: 2, autoresetMode: 'SAME_STEP' })
   * @example await AsyncVectorEnv.create([{ id: 'Hopper-v5' }, { id: 'Hopper-v5', envOptions: { healthyReward: 2 } }])
   */
  static async create<M extends AsyncAutoresetMode = 'NEXT_STEP'>(
    envs: SpecInput | readonly SpecInput[],
    options: AsyncVectorEnvOptions<M> = {},
  ): Promise<AsyncVectorEnv<M>> {
    if (!isRecord(options)) {
      throw new TypeError(`AsyncVectorEnv: options must be { numEnvs?, autoresetMode?, workers?, timeoutMs?, imports?, transport? }, got ${showValue(options)}`);
    }
    const specs = subEnvSpecs(envs, options.numEnvs);
    const numEnvs = specs.length;
    const autoresetMode = (options.autoresetMode ?? 'NEXT_STEP') as M;
    if (autoresetMode !== 'NEXT_STEP' && autoresetMode !== 'SAME_STEP' && autoresetMode !== 'DISABLED') {
      throw new RangeError(`AsyncVectorEnv: autoresetMode must be 'NEXT_STEP', 'SAME_STEP' or 'DISABLED', got ${showValue(autoresetMode)}`);
    }
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw new RangeError(`AsyncVectorEnv: timeoutMs must be a number > 0, got ${showValue(options.timeoutMs)}`);
    const transport = options.transport ?? (await nodeTransport());
    const workers = options.workers ?? Math.min(numEnvs, transport.parallelism());
    if (!Number.isInteger(workers) || workers < 1 || workers > numEnvs) {
      throw new RangeError(`AsyncVectorEnv: workers must be an integer in [1, numEnvs = ${numEnvs}], got ${showValue(options.workers)}`);
    }
    const imports = (options.imports ?? []).map(moduleSpecifier);
    const control = new SharedArrayBuffer(workers * CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const ranges = Array.from({ length: workers }, (_, w) => [Math.floor((w * numEnvs) / workers), Math.floor(((w + 1) * numEnvs) / workers)] as const);
    const threads: WorkerThread[] = [];
    try {
      ranges.forEach(([first, end], w) =>
        threads.push(transport.spawn({ first, specs: specs.slice(first, end), autoresetMode, imports, control, controlOffset: w * CONTROL_WORDS })),
      );
    } catch (error) {
      await Promise.all(threads.map((thread) => thread.terminate()));
      throw error;
    }
    const label = `AsyncVectorEnv(${specs[0]!.id} ×${numEnvs})`;
    const reports = await Promise.allSettled(threads.map((thread) => AsyncVectorEnv.within(thread.started, timeoutMs)));
    const failure = reports.flatMap((report, w): string[] => {
      if (report.status === 'rejected') return [`worker ${w} failed to start: ${String(report.reason)}`];
      const value = report.value as StartupReport;
      if (value.type === 'ready') return [];
      const { index, name, message } = value.error;
      return [index === null ? `worker ${w}: ${name}: ${message}` : `sub-env ${index} (${specs[index]!.id}) could not be made: ${name}: ${message}`];
    })[0];
    if (failure !== undefined) {
      await Promise.all(threads.map((thread) => thread.terminate()));
      throw new EnvConfigError(label, failure);
    }
    const spaces = reports.flatMap((report) => (report as PromiseFulfilledResult<StartupReport & { type: 'ready' }>).value.spaces);
    return new AsyncVectorEnv<M>(label, specs, autoresetMode, timeoutMs, transport, threads, control, ranges, spaces);
  }

  /** `promise`, or a rejection after `timeoutMs`. */
  private static async within<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
    if (timeoutMs === Infinity) return promise;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no report within ${timeoutMs} ms`)), timeoutMs)));
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private constructor(
    private readonly label: string,
    specs: readonly SubEnvSpec[],
    autoresetMode: M,
    private readonly timeoutMs: number,
    private readonly transport: WorkerTransport,
    private readonly threads: readonly WorkerThread[],
    control: SharedArrayBuffer,
    private readonly ranges: readonly (readonly [number, number])[],
    spaces: readonly { readonly id: string; readonly observation: SpaceDescription; readonly action: SpaceDescription }[],
  ) {
    if (!Array.isArray(specs as unknown) || !Array.isArray(threads as unknown)) {
      throw new EnvConfigError('AsyncVectorEnv', 'construct it with `await AsyncVectorEnv.create(id or specs, options)`, not `new`');
    }
    this.numEnvs = specs.length;
    this.autoresetMode = autoresetMode;
    this.numWorkers = threads.length;
    this.id = specs[0]!.id;
    this.controls = threads.map((_, w) => new Int32Array(control, w * CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT, CONTROL_WORDS));
    this.requests = new Int32Array(threads.length);
    this.singleObservationSpace = box(spaces[0]!.observation);
    this.singleActionSpace = box(spaces[0]!.action);
    const obsSize = this.singleObservationSpace.size;
    const actionSize = this.singleActionSpace.size;
    if (spaces.some((s) => box(s.observation).size !== obsSize || box(s.action).size !== actionSize)) {
      const odd = spaces.find((s) => box(s.observation).size !== obsSize || box(s.action).size !== actionSize)!;
      void this.close({ terminate: true });
      throw new EnvConfigError(odd.id, `AsyncVectorEnv: sub-env spaces differ from ${spaces[0]!.id}'s`);
    }
    this.observationSpace = batch(this.singleObservationSpace, this.numEnvs);
    this.actionSpace = batch(this.singleActionSpace, this.numEnvs);

    const layout = dataLayout(this.numEnvs, obsSize, actionSize);
    const buffer = new SharedArrayBuffer(layout.byteLength);
    this.data = dataViews(buffer, layout);
    this.envInfos = Array.from({ length: this.numEnvs }, () => EMPTY_INFO);
    this.finalInfos = Array.from({ length: this.numEnvs }, () => null);
    const info: VectorInfo = {
      envInfos: this.envInfos,
      autoreset: this.data.autoreset,
      finalObs: this.data.finalObs,
      finalObsMask: this.data.finalObsMask,
      finalInfos: this.finalInfos,
    };
    const { obs, rewards, terminations, truncations } = this.data;
    this.stepResult = { obs, rewards, terminations, truncations, info };
    this.resetResult = { obs, infos: this.envInfos };
    threads.forEach((thread, w) => {
      thread.unref(); // a forgotten close() does not keep the process alive
      void thread.exited.then((code) => {
        if (this.closing === null && this.broken === null) this.broken = `worker ${w} exited unexpectedly with code ${code}`;
      });
    });
    this.sendAll(Command.attach, () => ({ data: buffer, layout }));
    this.collect('start-up', this.timeoutMs);
  }

  /** True once `close()` was called or a worker failed. */
  get closed(): boolean {
    return this.closing !== null;
  }

  // ---- stepping -------------------------------------------------------------------------------------------

  /** Sends the actions to the workers and returns at once; `stepWait()` collects the results. */
  stepAsync(actions: ArrayLike<number>): void {
    this.assertIdle('stepAsync');
    if (actions === null || typeof actions !== 'object' || actions.length !== this.data.actions.length) {
      throw new InvalidActionError(
        this.label,
        `actions must have shape ${formatShape(this.actionSpace.shape)} (${this.data.actions.length} numbers), got ${actions === null || typeof actions !== 'object' || typeof actions.length !== 'number' ? showValue(actions) : `length ${actions.length}`}`,
      );
    }
    this.data.actions.set(actions);
    this.sendAll(Command.step, () => undefined);
    this.pending = { command: 'step', mask: null };
  }

  /** Blocks until the pending `stepAsync` is done; the results are `SyncVectorEnv.step`'s. */
  stepWait(timeoutMs = this.timeoutMs): VectorStepResult {
    this.takePending('step', 'stepWait');
    const replies = this.collect('step', timeoutMs);
    replies.forEach((reply, w) => {
      const infos = reply?.type === 'infos' ? reply.infos : null;
      const [first, end] = this.ranges[w]!;
      for (let i = first; i < end; i++) {
        this.envInfos[i] = infos?.infos[i - first] ?? EMPTY_INFO;
        this.finalInfos[i] = infos?.finalInfos?.[i - first] ?? null;
      }
    });
    return this.stepResult;
  }

  /** `stepAsync` then `stepWait`. @param actions `numEnvs × actionSize` numbers, row i for sub-env i. */
  step(actions: ArrayLike<number>): VectorStepResult {
    this.stepAsync(actions);
    return this.stepWait();
  }

  /** Starts a reset of every sub-env (or of those in `resetMask`); `resetWait()` collects it. */
  resetAsync(args: AsyncVectorResetArgs = {}): void {
    this.assertIdle('resetAsync');
    checkVectorResetArgs(this.label, args);
    const { seed, options, resetMask } = args;
    if (Array.isArray(seed) && seed.length !== this.numEnvs) {
      throw new RangeError(`${this.label}: got ${seed.length} seeds for ${this.numEnvs} sub-envs`);
    }
    let mask: boolean[] | null = null;
    if (resetMask !== undefined) {
      if (resetMask === null || typeof resetMask !== 'object' || resetMask.length !== this.numEnvs) {
        throw new RangeError(`${this.label}: resetMask must have one entry per sub-env (${this.numEnvs})`);
      }
      mask = Array.from(resetMask, (flag) => Boolean(flag));
    }
    this.assertCloneable(options, 'reset options');
    const seedOf = (i: number) => (seed === undefined ? undefined : typeof seed === 'number' ? seed + i : (seed as readonly number[])[i]);
    this.sendAll(Command.reset, (first, end) => ({
      seeds: Array.from({ length: end - first }, (_, k) => seedOf(first + k)),
      options,
      mask: mask === null ? null : mask.slice(first, end),
    }));
    this.pending = { command: 'reset', mask };
  }

  /** Blocks until the pending `resetAsync` is done. */
  resetWait(timeoutMs = this.timeoutMs): VectorResetResult {
    const { mask } = this.takePending('reset', 'resetWait');
    const replies = this.collect('reset', timeoutMs);
    replies.forEach((reply, w) => {
      const infos = reply?.type === 'infos' ? reply.infos.infos : [];
      const [first, end] = this.ranges[w]!;
      for (let i = first; i < end; i++) if (mask === null || mask[i]) this.envInfos[i] = infos[i - first] ?? EMPTY_INFO;
    });
    return this.resetResult;
  }

  /** `resetAsync` then `resetWait`; `reset({ seed })` seeds sub-env i with seed + i. */
  reset(args: AsyncVectorResetArgs = {}): VectorResetResult {
    this.resetAsync(args);
    return this.resetWait();
  }

  // ---- checkpoints and attributes --------------------------------------------------------------------------

  /** `SyncVectorEnv.getState`'s format: `{ autoresetMode, needsReset, envs }`, so the two restore each other's checkpoints. */
  getState(): EnvState {
    const replies = this.command('getState', Command.getState, () => undefined);
    const needsReset: number[] = [];
    const envs: JsonValue[] = [];
    for (const reply of replies) {
      if (reply?.type !== 'state') throw new AsyncVectorEnvError(this.label, 'getState: a worker sent no state');
      needsReset.push(...reply.state.needsReset);
      envs.push(...reply.state.envs);
    }
    return { autoresetMode: this.autoresetMode, needsReset, envs };
  }

  setState(state: EnvState): void {
    if (!isRecord(state)) throw new EnvConfigError(this.label, `setState: state must be an object (what getState() returned), got ${showValue(state)}`);
    const { autoresetMode, needsReset, envs } = state;
    if (autoresetMode !== this.autoresetMode || !Array.isArray(needsReset) || !Array.isArray(envs) || envs.length !== this.numEnvs || needsReset.length !== this.numEnvs) {
      throw new EnvConfigError(this.label, `setState: expected a ${this.autoresetMode} state for ${this.numEnvs} sub-envs`);
    }
    this.assertCloneable(envs, 'setState');
    this.command('setState', Command.setState, (first, end) => ({ envs: envs.slice(first, end), needsReset: needsReset.slice(first, end) }));
  }

  /**
   * Calls method `name` on every sub-env (on the first of its wrappers that has it) and returns the results,
   * structured-cloned; a non-function attribute is returned as is (Gymnasium's `call`).
   * @example vec.call('renderSvg')  // one SVG string per sub-env
   */
  call(name: string, ...args: unknown[]): unknown[] {
    this.assertName(name, 'call');
    this.assertCloneable(args, `call('${name}') arguments`);
    return this.values('call', this.command('call', Command.call, () => ({ name, args })));
  }

  /** The attribute `name` of every sub-env, structured-cloned (Gymnasium's `get_attr`). */
  getAttr(name: string): unknown[] {
    this.assertName(name, 'getAttr');
    return this.values('getAttr', this.command('getAttr', Command.getAttr, () => ({ name, args: [] })));
  }

  /**
   * Sets attribute `name` on every sub-env: an array gives one value per sub-env, anything else the same value
   * for all (Gymnasium's `set_attr`).
   */
  setAttr(name: string, values: unknown): void {
    this.assertName(name, 'setAttr');
    const perEnv = Array.isArray(values) ? values : Array.from({ length: this.numEnvs }, () => values);
    if (perEnv.length !== this.numEnvs) throw new RangeError(`${this.label}: setAttr('${name}') got ${perEnv.length} values for ${this.numEnvs} sub-envs`);
    this.assertCloneable(perEnv, `setAttr('${name}') values`);
    this.command('setAttr', Command.setAttr, (first, end) => ({ name, values: perEnv.slice(first, end) }));
  }

  // ---- closing --------------------------------------------------------------------------------------------

  /**
   * Closes the sub-envs and stops the workers; idempotent (later calls return the same promise). A graceful
   * close waits for a pending call, then for the workers, at most `timeoutMs`, and terminates what is left.
   */
  close({ terminate = false, timeoutMs = 5000 }: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(terminate || this.broken !== null, timeoutMs);
    return this.closing;
  }

  private async shutdown(terminate: boolean, timeoutMs: number): Promise<void> {
    let failure: unknown = null;
    if (!terminate) {
      try {
        if (this.pending !== null) {
          this.pending = null;
          this.collect('close', timeoutMs);
        }
      } catch {
        // the pending call's error does not matter any more
      }
      try {
        this.sendAll(Command.close, () => undefined);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
        await Promise.race([Promise.all(this.threads.map((thread) => thread.exited)), timedOut]);
        clearTimeout(timer);
        this.collect('close', 0);
      } catch (error) {
        failure = error;
      }
    }
    await Promise.all(this.threads.map((thread) => thread.terminate()));
    if (failure instanceof SubEnvError) throw failure;
  }

  // ---- protocol -------------------------------------------------------------------------------------------

  private assertOpen(method: string): void {
    if (this.closing === null && this.broken !== null) throw this.fail(this.broken); // a worker died while idle
    if (this.closing !== null) {
      throw new AsyncVectorEnvError(this.label, `${method}() after close()${this.broken === null ? '' : ` (it was closed because ${this.broken})`}`);
    }
  }

  private assertIdle(method: string): void {
    this.assertOpen(method);
    if (this.pending !== null) {
      const wait = this.pending.command === 'step' ? 'stepWait' : 'resetWait';
      throw new AsyncVectorEnvError(this.label, `${method}() while a ${this.pending.command}Async() is pending; call ${wait}() first`);
    }
  }

  private takePending(command: 'step' | 'reset', method: string): { readonly mask: readonly boolean[] | null } {
    this.assertOpen(method);
    const pending = this.pending;
    if (pending === null || pending.command !== command) {
      throw new AsyncVectorEnvError(this.label, `${method}() without a pending ${command}Async()${pending === null ? '' : ` (a ${pending.command}Async() is pending)`}`);
    }
    this.pending = null;
    return pending;
  }

  private assertName(name: unknown, method: string): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${this.label}: ${method}: the name must be a non-empty string, got ${kindOf(name)}`);
  }

  /** Rejects, before anything is sent, a value that cannot cross threads. */
  private assertCloneable(value: unknown, what: string): void {
    try {
      structuredClone(value);
    } catch (error) {
      throw new TypeError(`${this.label}: ${what} cannot be sent to the worker threads (values are structured-cloned): ${(error as Error).message}`);
    }
  }

  /** A synchronous command: send, then wait. */
  private command(name: string, command: CommandCode, message: (first: number, end: number) => unknown): (Reply | undefined)[] {
    this.assertIdle(name);
    this.sendAll(command, message);
    return this.collect(name, this.timeoutMs);
  }

  private sendAll(command: CommandCode, message: (first: number, end: number) => unknown): void {
    this.threads.forEach((thread, w) => {
      const [first, end] = this.ranges[w]!;
      const payload = message(first, end);
      if (payload !== undefined) thread.post(payload);
      const control = this.controls[w]!;
      Atomics.store(control, COMMAND, command);
      this.requests[w] = Atomics.add(control, REQUEST, 1) + 1;
      Atomics.notify(control, REQUEST);
    });
  }

  /** Waits for every worker's last command, takes the replies, and throws the first sub-env error. */
  private collect(command: string, timeoutMs: number): (Reply | undefined)[] {
    const deadline = performance.now() + timeoutMs;
    this.controls.forEach((control, w) => {
      for (;;) {
        const done = Atomics.load(control, DONE);
        if (done === this.requests[w]) return;
        if (Atomics.load(control, STATUS) === STATUS_DEAD) throw this.fail(`worker ${w} (${this.subEnvRange(w)}) exited during ${command}`);
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw this.fail(`${command} timed out after ${timeoutMs} ms waiting for worker ${w} (${this.subEnvRange(w)})`);
        this.transport.wait(control, DONE, done, remaining);
      }
    });
    const replies = this.threads.map((thread, w) => {
      if (Atomics.load(this.controls[w]!, HAS_REPLY) !== 1) return undefined;
      const reply = thread.take() as Reply | undefined;
      if (reply === undefined) throw this.fail(`worker ${w} signalled a reply to ${command} that did not arrive`);
      return reply;
    });
    const errors = replies.flatMap((reply): WorkerError[] => (reply?.type === 'error' ? [reply.error] : []));
    const first = errors.find((error) => error.index !== null) ?? errors[0];
    if (first === undefined) return replies;
    if (first.index === null) throw new AsyncVectorEnvError(this.label, `${command} failed in a worker: ${first.name}: ${first.message}`);
    throw new SubEnvError(this.label, first.index, first.name, first.message, first.stack);
  }

  private values(method: string, replies: readonly (Reply | undefined)[]): unknown[] {
    return replies.flatMap((reply) => {
      if (reply?.type !== 'values') throw new AsyncVectorEnvError(this.label, `${method}: a worker sent no values`);
      return reply.values;
    });
  }

  private subEnvRange(w: number): string {
    const [first, end] = this.ranges[w]!;
    return end - first === 1 ? `sub-env ${first}` : `sub-envs ${first}–${end - 1}`;
  }

  /** Marks the vector env closed, terminates the workers, and returns the error to throw. */
  private fail(reason: string): AsyncVectorEnvError {
    this.broken ??= reason;
    this.pending = null;
    this.closing ??= Promise.all(this.threads.map((thread) => thread.terminate())).then(() => undefined);
    return new AsyncVectorEnvError(this.label, `${reason}; the vector env is closed (its workers were terminated)`);
  }
}
