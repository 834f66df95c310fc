/**
 * The thread transport of `AsyncVectorEnv`: how a worker is started, how messages reach it and come back, and
 * how the calling thread blocks until a control word changes. The shared-memory protocol
 * (async-protocol.ts) does not depend on it.
 *
 * `nodeTransport` uses `node:worker_threads`. A browser counterpart would start Web Workers
 * (`new Worker(url, { type: 'module' })`, which need a cross-origin-isolated page for SharedArrayBuffer); it
 * cannot take a message without the event loop (Node's `receiveMessageOnPort`) nor block a page's main thread
 * in `Atomics.wait`, so it would carry the replies in shared memory and offer only the asynchronous waits.
 */
import type { MessagePort } from 'node:worker_threads';
import type { WorkerInit } from './async-protocol.ts';

// Node's modules are imported by non-literal specifiers, so browser bundles of varl/envs do not pull them in.
const WORKER_THREADS = 'node:worker_threads';
const OS = 'node:os';
const MODULE = 'node:module';
type WorkerThreads = typeof import('node:worker_threads');

/** A worker thread, as the vector env sees it. */
export interface WorkerThread {
  /** Posts a structured-cloneable message on the command channel. */
  post(message: unknown): void;
  /** Takes the next message the worker posted on the command channel without waiting, or undefined. */
  take(): unknown;
  /** Resolves with the worker's start-up report; rejects if the thread fails or exits before sending one. */
  readonly started: Promise<unknown>;
  /** Resolves with the exit code once the thread has exited, for whatever reason. */
  readonly exited: Promise<number>;
  /** Lets the process exit while this thread still runs (it is stopped then). */
  unref(): void;
  /** Stops the thread now, even in the middle of a step; resolves once it has exited. */
  terminate(): Promise<void>;
}

/** Starts workers and blocks the calling thread; everything `AsyncVectorEnv` needs from the platform. */
export interface WorkerTransport {
  spawn(init: WorkerInit): WorkerThread;
  /** `Atomics.wait(words, index, value, timeoutMs)` on the calling thread. */
  wait(words: Int32Array, index: number, value: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out';
  /** How many threads can run at once (the default number of workers). */
  parallelism(): number;
}

/** The worker's side of the transport: its start-up data and its end of the command channel. */
export interface WorkerEndpoint {
  readonly init: WorkerInit;
  /** Sends the start-up report (an event-loop message, so the vector env can await it). */
  report(message: unknown): void;
  post(message: unknown): void;
  take(): unknown;
  /** Closes the command channel so the thread can exit. */
  close(): void;
}

/** The file a worker runs: async-worker.ts from sources, .js once built. */
function workerEntry(): URL {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./async-worker${extension}`, import.meta.url);
}

/**
 * Running from TypeScript sources (tsx), a worker does not inherit the parent's module hooks in Node 20, so it
 * registers tsx itself before importing the entry. The built package needs nothing.
 */
function typescriptLoader(entry: URL, createRequire: typeof import('node:module').createRequire): string | null {
  if (!entry.pathname.endsWith('.ts')) return null;
  try {
    // import.meta.resolve is missing where this file was compiled to CommonJS (mocha's require of a spec)
    if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
    // require's resolution gives the CommonJS build; the ESM hooks need the ES module next to it
    const commonJs = createRequire(import.meta.url).resolve('tsx/esm/api');
    return new URL(`file://${commonJs.replace(/\.cjs$/, '.mjs')}`).href;
  } catch (error) {
    throw new Error(
      `AsyncVectorEnv: the worker entry ${entry.pathname} is TypeScript and tsx, which loads it, cannot be resolved (${String(error)}); install tsx or use the built package`,
    );
  }
}

// An eval'd bootstrap (valid as a script and as a module, since workers inherit --input-type): register the
// TypeScript loader when there is one, then import the entry.
const BOOTSTRAP = `
import('node:worker_threads').then(async ({ workerData }) => {
  if (workerData.loader !== null) (await import(workerData.loader)).register();
  await import(workerData.entry);
}).catch((error) => { process.nextTick(() => { throw error; }); });
`;

interface NodeWorkerData {
  readonly entry: string;
  readonly loader: string | null;
  readonly port: MessagePort;
  readonly init: WorkerInit;
}

/** `node:worker_threads` transport: blocking waits with `Atomics.wait`, replies taken with `receiveMessageOnPort`. */
export async function nodeTransport(): Promise<WorkerTransport> {
  const { MessageChannel, Worker, receiveMessageOnPort } = (await import(WORKER_THREADS)) as WorkerThreads;
  const { availableParallelism } = (await import(OS)) as typeof import('node:os');
  const { createRequire } = (await import(MODULE)) as typeof import('node:module');
  const spawn = (init: WorkerInit): WorkerThread => {
    const entry = workerEntry();
    const channel = new MessageChannel();
    const data: NodeWorkerData = { entry: entry.href, loader: typescriptLoader(entry, createRequire), port: channel.port2, init };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data, transferList: [channel.port2] });
    const port = channel.port1;
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const started = new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      void exited.then((code) => reject(new Error(`the worker thread exited with code ${code} before it started`)));
    });
    started.catch(() => undefined); // the vector env awaits it; never an unhandled rejection
    return {
      post: (message) => port.postMessage(message),
      take: () => receiveMessageOnPort(port)?.message,
      started,
      exited,
      unref: () => {
        worker.unref();
        port.unref();
      },
      terminate: async () => {
        await worker.terminate();
        port.close();
      },
    };
  };
  return {
    spawn,
    wait: (words, index, value, timeoutMs) => Atomics.wait(words, index, value, timeoutMs),
    parallelism: () => availableParallelism(),
  };
}

/** The worker's end of `nodeTransport`. */
export async function nodeWorkerEndpoint(): Promise<WorkerEndpoint> {
  const { parentPort, receiveMessageOnPort, workerData } = (await import(WORKER_THREADS)) as WorkerThreads;
  const data = workerData as NodeWorkerData | null;
  if (parentPort === null || data === null || typeof data !== 'object' || data.init === undefined) {
    throw new Error('async-worker: this module runs inside a worker started by AsyncVectorEnv');
  }
  const { port, init } = data;
  const parent = parentPort;
  return {
    init,
    report: (message) => parent.postMessage(message),
    post: (message) => port.postMessage(message),
    take: () => receiveMessageOnPort(port)?.message,
    close: () => port.close(),
  };
}
