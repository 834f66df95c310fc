/**
 * Steps/s of SyncVectorEnv against AsyncVectorEnv (envs/vector/async-vector-env.ts) on MuJoCo tasks, and the round trip of
 * the two ways a worker can signal the main thread.
 *
 *   node --import tsx bench/async-vector.ts [--seconds 2] [--repeats 3]
 *
 * Writes bench/results/async-vector.json. Steps/s counts env steps (numEnvs per vector step), random actions
 * in [−1, 1], SAME_STEP autoreset, resets included; each rate is the best of `repeats` runs of `seconds`, sync
 * and async alternating. The async env runs min(numEnvs, cores) workers.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AsyncVectorEnv, Rng, SyncVectorEnv, loadMujocoEnvs, make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --import tsx bench/async-vector.ts [--seconds S] [--repeats N]
  --seconds S    seconds per measurement (default 2)
  --repeats N    runs per env and size, sync and async alternating; the best counts (default 3)`;

interface VectorLike {
  step(actions: ArrayLike<number>): unknown;
  reset(args: { seed: number }): unknown;
}

/** Env steps per second over `seconds` after a short warm-up. */
function stepsPerSecond(vec: VectorLike, numEnvs: number, actionSize: number, seconds: number): number {
  const rng = new Rng(0);
  const actions = Array.from({ length: 64 }, () => Float32Array.from({ length: numEnvs * actionSize }, () => rng.uniform(-1, 1)));
  vec.reset({ seed: 0 });
  for (let t = 0; t < 20; t++) vec.step(actions[t % 64]!);
  let steps = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let t = 0; t < 10; t++) vec.step(actions[(steps + t) % 64]!);
    steps += 10;
  }
  return (steps * numEnvs) / ((performance.now() - start) / 1000);
}

/** Median round trip main → worker → main of one signal, in µs: Atomics.wait/notify, or postMessage both ways. */
async function roundTrips(count: number): Promise<{ atomicsMicros: number; messageMicros: number }> {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const c = new Int32Array(workerData);
     parentPort.on('message', (m) => {
       if (m === 'atomics') {
         for (let seen = 0; ; ) { Atomics.wait(c, 0, seen); seen = Atomics.load(c, 0); if (seen < 0) break; Atomics.store(c, 1, seen); Atomics.notify(c, 1); }
         parentPort.postMessage('done');
       } else parentPort.postMessage(m);
     });`,
    { eval: true, workerData: control.buffer, execArgv: [] },
  );
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const message: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.postMessage(i);
    });
    message.push(performance.now() - start);
  }
  const done = new Promise((resolve) => worker.once('message', resolve));
  worker.postMessage('atomics');
  const atomics: number[] = [];
  for (let i = 1; i <= count; i++) {
    const start = performance.now();
    Atomics.store(control, 0, i);
    Atomics.notify(control, 0);
    while (Atomics.load(control, 1) !== i) Atomics.wait(control, 1, i - 1, 1000);
    atomics.push(performance.now() - start);
  }
  Atomics.store(control, 0, -1);
  Atomics.notify(control, 0);
  await done;
  await worker.terminate();
  return { atomicsMicros: median(atomics) * 1000, messageMicros: median(message) * 1000 };
}

async function main(): Promise<void> {
  const cli = parseCli({ script: 'async-vector', usage: USAGE, flags: { seconds: { type: 'string' }, repeats: { type: 'string' } } });
  const seconds = cli.positive('seconds', 2);
  const repeats = cli.integer('repeats', 3);
  await loadMujocoEnvs();
  const loadBefore = loadavg()[0]!;
  const rows: Record<string, number | string>[] = [];
  for (const id of ['HalfCheetah-v5', 'Hopper-v5']) {
    for (const numEnvs of [2, 4, 8]) {
      const sync = new SyncVectorEnv(Array.from({ length: numEnvs }, () => () => make(id)), { autoresetMode: 'SAME_STEP' });
      const vec = await AsyncVectorEnv.create(id, { numEnvs, autoresetMode: 'SAME_STEP' });
      const actionSize = sync.singleActionSpace.size;
      // alternate the two and keep each one's best, to discount the other jobs on the machine
      let syncRate = 0;
      let asyncRate = 0;
      for (let r = 0; r < repeats; r++) {
        syncRate = Math.max(syncRate, stepsPerSecond(sync, numEnvs, actionSize, seconds));
        asyncRate = Math.max(asyncRate, stepsPerSecond(vec, numEnvs, actionSize, seconds));
      }
      const workers = vec.numWorkers;
      sync.close();
      await vec.close();
      const row = { env: id, numEnvs, workers, syncStepsPerSecond: Math.round(syncRate), asyncStepsPerSecond: Math.round(asyncRate), speedup: Number((asyncRate / syncRate).toFixed(2)) };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  const signalling = await roundTrips(2000);
  console.log('round trip, µs (median):', JSON.stringify(signalling));
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
    caveat: 'measured on 2 cores shared with other jobs (see loadAverage); a quiet machine runs both envs faster and the async one gains more',
    secondsPerMeasurement: seconds,
    repeats: 'best of each, sync and async alternating',
    repeatCount: repeats,
    rows,
    signalling,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/async-vector.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
}

await main();
