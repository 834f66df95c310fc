/**
 * The worker thread of `AsyncVectorEnv` (async-vector.ts): it makes its sub-envs through the registry, reports
 * their spaces, then runs commands until `close`. Step and reset follow `SyncVectorEnv.step` / `reset` line by
 * line, so a sub-env sees the same calls in the same order as in a `SyncVectorEnv` (the bit-identity spec relies
 * on it). The protocol is described in async-protocol.ts.
 */
import type { Env, EnvState, Info } from '../core/types.ts';
import { prepareEnv } from '../mujoco/load.ts';
import { make } from '../registry.ts';
import {
  COMMAND,
  CONTROL_WORDS,
  Command,
  DONE,
  HAS_REPLY,
  REQUEST,
  STATUS,
  STATUS_DEAD,
  STATUS_ERROR,
  STATUS_OK,
  dataViews,
  type AsyncAutoresetMode,
  type CallRequest,
  type DataAttach,
  type DataViews,
  type InfoReply,
  type Reply,
  type ResetRequest,
  type SetAttrRequest,
  type SetStateRequest,
  type SpaceDescription,
  type WorkerError,
} from './async-protocol.ts';
import { nodeWorkerEndpoint, type WorkerEndpoint } from './async-transport.ts';
import { stepSubEnv, type SubEnvStepBuffers } from './sync-vector-env.ts';
import type { Box } from '../core/spaces.ts';

function describeError(error: unknown, index: number | null): WorkerError {
  if (error instanceof Error) return { index, name: error.name, message: error.message, stack: error.stack ?? '' };
  return { index, name: 'Error', message: String(error), stack: '' };
}

function isEmpty(info: Info): boolean {
  for (const key in info) if (Object.hasOwn(info, key)) return false;
  return true;
}

function describeSpace(space: Box): SpaceDescription {
  return { low: space.low, high: space.high, shape: space.shape, dtype: space.dtype };
}

/** The attribute `name` of an env or of the first wrapper below it that has one (Gymnasium's `get_wrapper_attr`). */
function lookup(env: Env, name: string): { owner: Record<string, unknown>; value: unknown } {
  let current: unknown = env;
  while (typeof current === 'object' && current !== null) {
    if (name in current) return { owner: current as Record<string, unknown>, value: (current as Record<string, unknown>)[name] };
    current = (current as { env?: unknown }).env;
  }
  throw new TypeError(`${env.id} has no attribute '${name}' (its wrappers included)`);
}

/** A sub-env's failure, with its global index. */
class SubEnvFailure {
  constructor(readonly error: WorkerError) {}
}

class SubEnvRunner {
  private readonly needsReset: Uint8Array;
  private readonly actionBuffers: Float64Array[];
  private views: DataViews | null = null;
  private obsSize = 0;

  constructor(
    private readonly envs: readonly Env[],
    private readonly first: number,
    private readonly autoresetMode: AsyncAutoresetMode,
    private readonly endpoint: WorkerEndpoint,
    private readonly control: Int32Array,
  ) {
    this.needsReset = new Uint8Array(envs.length);
    this.actionBuffers = envs.map((env) => new Float64Array(env.actionSpace.size));
  }

  /** Runs one command; returns the status word. */
  run(command: number): number {
    try {
      switch (command) {
        case Command.attach: return this.attach();
        case Command.step: return this.step();
        case Command.reset: return this.reset();
        case Command.getState: return this.reply({ type: 'state', state: { envs: this.envs.map((env) => env.getState()), needsReset: Array.from(this.needsReset) } });
        case Command.setState: return this.setState();
        case Command.call: return this.call();
        case Command.getAttr: return this.getAttr();
        case Command.setAttr: return this.setAttr();
        case Command.close: return this.close();
        default: throw new Error(`unknown command ${command}`);
      }
    } catch (error) {
      const described = error instanceof SubEnvFailure ? error.error : describeError(error, null);
      this.post({ type: 'error', error: described, infos: null });
      return STATUS_ERROR;
    }
  }

  private post(reply: Reply): void {
    this.endpoint.post(reply);
    Atomics.store(this.control, HAS_REPLY, 1);
  }

  /** Posts a reply; a value that cannot cross threads (a function, a class with private state) becomes an error. */
  private reply(reply: Reply): number {
    try {
      this.endpoint.post(reply);
    } catch (error) {
      throw new Error(`the result cannot be sent between threads (values are structured-cloned): ${describeError(error, null).message}`);
    }
    Atomics.store(this.control, HAS_REPLY, 1);
    return STATUS_OK;
  }

  /** Runs `body` for sub-env k, tagging an exception with the sub-env's global index. */
  private each(body: (env: Env, k: number) => void, mask: readonly boolean[] | null = null): void {
    for (let k = 0; k < this.envs.length; k++) {
      if (mask !== null && !mask[k]) continue;
      try {
        body(this.envs[k]!, k);
      } catch (error) {
        throw new SubEnvFailure(describeError(error, this.first + k));
      }
    }
  }

  private message<T>(): T {
    const message = this.endpoint.take();
    if (message === undefined) throw new Error('the command arrived without its arguments');
    return message as T;
  }

  private attach(): number {
    const { data, layout } = this.message<DataAttach>();
    this.views = dataViews(data, layout);
    this.obsSize = layout.obsSize;
    return STATUS_OK;
  }

  private get data(): DataViews {
    if (this.views === null) throw new Error('no shared buffers attached');
    return this.views;
  }

  private writeObs(out: Float32Array, k: number, obs: Float32Array): void {
    out.set(obs, (this.first + k) * this.obsSize);
  }

  /** `SyncVectorEnv.step`, for this worker's sub-envs. */
  private step(): number {
    const { actions, rewards, terminations, truncations, autoreset, finalObs, finalObsMask, obs } = this.data;
    const infos: (Info | null)[] = new Array<Info | null>(this.envs.length).fill(null);
    let finalInfos: (Info | null)[] | null = null;
    let any = false;
    const out: SubEnvStepBuffers = { obs, rewards, terminations, truncations, autoreset, finalObs, finalObsMask };
    this.each((env, k) => {
      const { info, finalInfo } = stepSubEnv(env, this.first + k, k, actions, this.actionBuffers[k]!, this.autoresetMode, this.needsReset, out);
      if (finalInfo !== null) {
        finalInfos ??= new Array<Info | null>(this.envs.length).fill(null);
        finalInfos[k] = finalInfo;
        any = true;
      }
      if (!isEmpty(info)) {
        infos[k] = info;
        any = true;
      }
    });
    return any ? this.reply({ type: 'infos', infos: { infos, finalInfos } }) : STATUS_OK;
  }

  /** `SyncVectorEnv.reset`, for this worker's sub-envs (those in the mask, when there is one). */
  private reset(): number {
    const { seeds, options, mask } = this.message<ResetRequest>();
    const { obs } = this.data;
    const infos: (Info | null)[] = new Array<Info | null>(this.envs.length).fill(null);
    this.each((env, k) => {
      const result = env.reset({ seed: seeds[k], options });
      this.writeObs(obs, k, result.obs);
      infos[k] = isEmpty(result.info) ? null : result.info;
      this.needsReset[k] = 0;
    }, mask);
    const reply: InfoReply = { infos, finalInfos: null };
    return this.reply({ type: 'infos', infos: reply });
  }

  private setState(): number {
    const { envs, needsReset } = this.message<SetStateRequest>();
    this.each((env, k) => env.setState(envs[k] as EnvState));
    needsReset.forEach((flag, k) => (this.needsReset[k] = flag === 1 ? 1 : 0));
    return STATUS_OK;
  }

  private call(): number {
    const { name, args } = this.message<CallRequest>();
    const values: unknown[] = [];
    this.each((env) => {
      const { owner, value } = lookup(env, name);
      values.push(typeof value === 'function' ? (value as (...a: unknown[]) => unknown).apply(owner, [...args]) : value);
    });
    return this.reply({ type: 'values', values });
  }

  private getAttr(): number {
    const { name } = this.message<CallRequest>();
    const values: unknown[] = [];
    this.each((env) => values.push(lookup(env, name).value));
    return this.reply({ type: 'values', values });
  }

  private setAttr(): number {
    const { name, values } = this.message<SetAttrRequest>();
    this.each((env, k) => {
      lookup(env, name).owner[name] = values[k];
    });
    return STATUS_OK;
  }

  private close(): number {
    this.each((env) => env.close());
    return STATUS_OK;
  }
}

async function makeEnvs(endpoint: WorkerEndpoint): Promise<Env[] | null> {
  const { init } = endpoint;
  const envs: Env[] = [];
  let index: number | null = null;
  try {
    for (const specifier of init.imports) await import(specifier);
    for (const [k, spec] of init.specs.entries()) {
      index = init.first + k;
      await prepareEnv(spec.id);
      envs.push(make(spec.id, { maxEpisodeSteps: spec.maxEpisodeSteps, envOptions: spec.envOptions }));
    }
    return envs;
  } catch (error) {
    for (const env of envs) env.close();
    endpoint.report({ type: 'failed', error: describeError(error, index) });
    return null;
  }
}

async function main(): Promise<void> {
  const endpoint = await nodeWorkerEndpoint();
  const { init } = endpoint;
  const control = new Int32Array(init.control, init.controlOffset * Int32Array.BYTES_PER_ELEMENT, CONTROL_WORDS);
  // Wakes a vector env blocked on this worker if the thread goes away in the middle of a command.
  process.on('exit', () => {
    Atomics.store(control, STATUS, STATUS_DEAD);
    Atomics.notify(control, DONE);
  });
  const envs = await makeEnvs(endpoint);
  if (envs === null) {
    endpoint.close();
    return;
  }
  endpoint.report({
    type: 'ready',
    spaces: envs.map((env) => ({ id: env.id, observation: describeSpace(env.observationSpace), action: describeSpace(env.actionSpace) })),
  });
  const runner = new SubEnvRunner(envs, init.first, init.autoresetMode, endpoint, control);
  let seen = 0; // REQUEST's initial value: the attach command may already have arrived
  for (;;) {
    Atomics.wait(control, REQUEST, seen);
    const request = Atomics.load(control, REQUEST);
    if (request === seen) continue;
    seen = request;
    const command = Atomics.load(control, COMMAND);
    Atomics.store(control, HAS_REPLY, 0);
    const status = runner.run(command);
    Atomics.store(control, STATUS, status);
    Atomics.store(control, DONE, request);
    Atomics.notify(control, DONE);
    if (command === Command.close) break;
  }
  endpoint.close();
}

await main();
