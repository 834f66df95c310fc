/**
 * Multi-threaded wasm kernels: a call split across 2, 3 or 4 threads gives the same bits as one
 * thread, for GEMM in every layout, elementwise ops, copies, reductions and Adam, with operands on
 * the heap and staged from outside it, at sizes around the split thresholds and with every call
 * forced to split; training runs give bit-identical parameters; VARL_THREADS is validated; workers
 * never keep a process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SAC } from '../../algorithms/index.ts';
import {
  Adam, EnvironmentError, MLP, kernels, randn, registerKernels, useKernels, type Tensor,
} from '../../engine/index.ts';
import { readKernelEnvironment } from '../../engine/kernels/environment.ts';
import type { BinaryKernel, FloatArray, UnaryKernel } from '../../engine/kernels/types.ts';
import {
  ELEMENT_WORK_PER_THREAD, GEMM_WORK_PER_THREAD, createWasmKernels, simdSupported, type WasmKernels,
} from '../../engine/kernels/wasm/index.ts';
import { make } from '../../envs/index.ts';
import { data } from './helpers.ts';

const THREAD_COUNTS = [2, 3, 4] as const;

/**
 * Asserts that two float32 arrays hold the same bits, signed zeros included. NaNs only have to be
 * NaN on both sides: WebAssembly leaves the sign and payload of a computed NaN to the engine, and V8's
 * baseline and optimising tiers differ there, so they can differ between two calls on one thread.
 */
function assertSameBits(actual: FloatArray, expected: FloatArray, context: string): void {
  assert.equal(actual.length, expected.length, `${context}: lengths`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) assert.fail(`${context}: element ${i} is ${actual[i]} (0x${a[i].toString(16)}), one thread gives ${expected[i]} (0x${b[i].toString(16)})`);
  }
}

interface Variant {
  readonly name: string;
  readonly set: WasmKernels;
  /** Operands as plain arrays, staged through the kernel set's staging area. */
  readonly outside: boolean;
}

/** Runs `compute` on the one-thread set and on every variant, asserting identical bits. */
function sameOnEveryVariant(
  reference: WasmKernels, variants: readonly Variant[], context: string,
  compute: (set: WasmKernels, place: (values: Float32Array) => Float32Array, output: (length: number) => Float32Array) => Float32Array | Float32Array[],
): void {
  const onHeap = (set: WasmKernels) => (values: Float32Array): Float32Array => {
    const a = set.allocate('float32', values.length) as Float32Array;
    a.set(values);
    return a;
  };
  const expectedRaw = compute(reference, onHeap(reference), (n) => reference.allocate('float32', n) as Float32Array);
  const expected = (Array.isArray(expectedRaw) ? expectedRaw : [expectedRaw]).map((a) => a.slice());
  for (const v of variants) {
    const place = v.outside ? (values: Float32Array) => values.slice() : onHeap(v.set);
    const output = v.outside ? (n: number) => new Float32Array(n) : (n: number) => v.set.allocate('float32', n) as Float32Array;
    const raw = compute(v.set, place, output);
    (Array.isArray(raw) ? raw : [raw]).forEach((a, i) => assertSameBits(a, expected[i], `${context}, ${v.name}${expected.length > 1 ? `, output ${i}` : ''}`));
  }
}

(simdSupported() ? describe : describe.skip)('kernel threads', function () {
  this.timeout(60_000);
  const reference = createWasmKernels({ name: 'wasm-threads-1', memoryMB: 64, threads: 1 });
  const sets: WasmKernels[] = [];
  const variants: Variant[] = [];
  const forced: Variant[] = [];
  // no back-off to one thread, so that workers certainly take part (the back-off never changes results)
  const split = { gemmWorkPerThread: 1, elementWorkPerThread: 1, adaptive: false };

  before(async () => {
    for (const threads of THREAD_COUNTS) {
      const byDefault = createWasmKernels({ name: `wasm-threads-${threads}`, memoryMB: 64, threads, threading: { adaptive: false } });
      const always = createWasmKernels({ name: `wasm-threads-${threads}-forced`, memoryMB: 64, threads, threading: split });
      sets.push(byDefault, always);
      variants.push({ name: `${threads} threads`, set: byDefault, outside: false });
      forced.push(
        { name: `${threads} threads, every call split`, set: always, outside: false },
        { name: `${threads} threads, every call split, operands staged`, set: always, outside: true },
      );
    }
    const adaptive = createWasmKernels({ name: 'wasm-threads-2-adaptive', memoryMB: 64, threads: 2 });
    sets.push(adaptive);
    variants.push({ name: '2 threads, backing off when splits do not pay', set: adaptive, outside: false });
    for (const set of sets) assert.ok(await set.whenThreadsReady(30_000), `${set.name}: workers did not start`);
  });

  after(() => {
    for (const set of sets) set.dispose();
  });

  describe('GEMM', () => {
    // [batch, m, k, n]: odd sizes off the 8-column panel and the register tile, thin and wide
    // products, K beyond one K block (256), around the default split threshold (2 threads:
    // 2·GEMM_WORK_PER_THREAD multiply-adds), and batches smaller and larger than the thread count
    const threshold = 2 * GEMM_WORK_PER_THREAD;
    const shapes: [number, number, number, number][] = [
      [1, 1, 1, 1], [1, 7, 5, 3], [1, 13, 29, 37], [1, 6, 300, 9], [1, 65, 64, 63], [1, 256, 4, 256],
      [1, 256, 256, 1], [1, 1, 256, 256], [1, 5, 260, 130], [1, 130, 33, 520],
      [1, 64, threshold / 4096 - 1, 64], [1, 64, threshold / 4096, 64], [1, 64, threshold / 4096 + 1, 64],
      [2, 9, 17, 40], [3, 33, 12, 70], [5, 8, 16, 8], [7, 20, 30, 10],
    ];
    for (const [batch, m, k, n] of shapes) {
      for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        for (const [withBias, relu] of [[false, false], [true, false], [true, true]] as const) {
          for (const broadcastB of batch > 1 ? [false, true] : [false]) {
            const label = `${batch}×${m}×${k}×${n}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}${withBias ? ' +bias' : ''}${relu ? ' relu' : ''}${broadcastB ? ', one B' : ''}`;
            it(label, () => {
              const a = data(batch * m * k, m * 31 + k);
              const b = data((broadcastB ? 1 : batch) * k * n, n * 17 + k);
              const bias = data(n, n + 5);
              sameOnEveryVariant(reference, [...variants, ...forced], label, (set, place, output) => {
                const out = output(batch * m * n);
                set.matmul(place(a), place(b), out, batch, m, k, n, transA, transB, m * k, broadcastB ? 0 : k * n, withBias ? place(bias) : undefined, relu);
                return out;
              });
            });
          }
        }
      }
    }

    it('splits 256×256×256 on the default thresholds, and workers run part of it', () => {
      const set = sets[0];
      const before = set.threadStats();
      const a = set.allocate('float32', 256 * 256);
      a.set(data(256 * 256, 1));
      for (let i = 0; i < 20; i++) set.matmul(a, a, set.allocate('float32', 256 * 256), 1, 256, 256, 256, false, true, 0, 0);
      const after = set.threadStats();
      assert.equal(after.parallelCalls - before.parallelCalls, 20);
      assert.ok(after.workerChunks > before.workerChunks, 'no chunk ran on a worker');
    });
  });

  describe('elementwise ops, copies, reductions and Adam', () => {
    // around the default thresholds for 2 threads: cheap ops, and transcendental ones (weight 32)
    const cheap = 2 * ELEMENT_WORK_PER_THREAD;
    const expensive = cheap / 32;
    const sizes = [1, 3, 17, 100, 1000, 4099, expensive - 1, expensive + 1, cheap - 1, cheap + 5];
    const unaries: UnaryKernel[] = ['neg', 'exp', 'tanh', 'relu', 'sigmoid', 'elu', 'softplus', 'sqrt', 'isFinite'];
    const binaries: BinaryKernel[] = ['add', 'sub', 'mul', 'div', 'maximum', 'greater'];

    for (const n of sizes) {
      it(`unary ops on ${n} elements`, () => {
        const x = data(n, n, { specials: 0.05 });
        for (const op of unaries) {
          sameOnEveryVariant(reference, [...variants, ...forced], `${op}, n = ${n}`, (set, place, output) => {
            const out = output(n);
            set.unary(op, place(x), out, op === 'elu' ? 0.7 : 0);
            return out;
          });
        }
      });

      it(`binary ops, where and clamp on ${n} elements (same shape, scalar and row broadcasts)`, () => {
        const cols = n >= 64 ? 64 : n;
        const rows = Math.floor(n / cols);
        const size = rows * cols;
        const a = data(size, n + 1, { specials: 0.05, ties: 0.2 });
        const b = data(size, n + 2, { specials: 0.05, ties: 0.2 });
        const row = data(cols, n + 3);
        const scalar = data(1, n + 4);
        const layouts = [
          { b, layout: { outShape: [rows, cols], aStrides: [cols, 1], bStrides: [cols, 1] } },
          { b: row, layout: { outShape: [rows, cols], aStrides: [cols, 1], bStrides: [0, 1] } },
          { b: scalar, layout: { outShape: [size], aStrides: [1], bStrides: [0] } },
          { b: data(rows, n + 6), layout: { outShape: [rows, cols], aStrides: [cols, 1], bStrides: [1, 0] } },
        ];
        for (const op of binaries) {
          for (const [i, { b: right, layout }] of layouts.entries()) {
            sameOnEveryVariant(reference, [...variants, ...forced], `${op}, n = ${n}, layout ${i}`, (set, place, output) => {
              const out = output(size);
              set.binary(op, place(a), place(right), out, layout);
              return out;
            });
          }
        }
        sameOnEveryVariant(reference, [...variants, ...forced], `where/clamp, n = ${n}`, (set, place, output) => {
          const w = output(size);
          set.where(place(a), place(b), place(scalar), w, [size], [[1], [1], [0]]);
          const c = output(size);
          set.clamp(place(a), -1.5, 2, c);
          return [w, c];
        });
      });

      it(`reductions and copies of ${n} elements`, () => {
        const x = data(n, n + 7, { specials: 0.02, ties: 0.1 });
        const shapes: [number, number, number][] = [[1, n, 1], [n, 1, 1]];
        for (const len of [1, 3, 16, 64]) {
          if (n % len === 0) {
            shapes.push([n / len, len, 1]);
            shapes.push([1, len, n / len]);
          }
          if (n % (len * 5) === 0) shapes.push([5, len, n / (5 * len)]);
        }
        for (const op of ['sum', 'max', 'min'] as const) {
          for (const [outer, len, inner] of shapes) {
            sameOnEveryVariant(reference, [...variants, ...forced], `${op} over [${outer}, ${len}, ${inner}]`, (set, place, output) => {
              const out = output(outer * inner);
              set.reduce(op, place(x), outer, len, inner, out);
              return out;
            });
          }
        }
        const cols = n >= 64 ? 64 : 1;
        const rows = Math.floor(n / cols);
        sameOnEveryVariant(reference, [...variants, ...forced], `copies of ${rows}×${cols}`, (set, place, output) => {
          const transposed = output(rows * cols);
          set.copyStrided(place(x), { shape: [cols, rows], strides: [1, cols], offset: 0 }, transposed);
          const everyOther = output(Math.floor(n / 2));
          set.copyStrided(place(x), { shape: [Math.floor(n / 2)], strides: [2], offset: 1 }, everyOther);
          return [transposed, everyOther];
        });
      });

      it(`Adam on ${n} parameters`, () => {
        const param = data(n, n + 8);
        const grad = data(n, n + 9);
        const m = data(n, n + 10, { scale: 0.1 });
        const v = data(n, n + 11, { scale: 0.1 }).map(Math.abs);
        for (const hyper of [
          { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 3 },
          { lr: 3e-4, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01, decoupled: true, step: 10 },
          { lr: 3e-4, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01, decoupled: false, step: 1 },
        ]) {
          sameOnEveryVariant(reference, [...variants, ...forced], `Adam on ${n}`, (set, place) => {
            const [p, mm, vv] = [place(param), place(m), place(v)];
            set.adam(p, place(grad), mm, vv, hyper);
            return [p, mm, vv];
          });
        }
      });
    }
  });

  describe('training', () => {
    const initial = kernels().name;
    afterEach(() => useKernels(initial));

    function trainMlp(): Tensor[] {
      const net = new MLP({ inputSize: 6, hiddenSizes: [96, 96], outputSize: 2, generator: 11, activation: 'tanh' });
      const optimizer = new Adam(net.parameters(), { lr: 1e-2 });
      const x = randn([200, 6], { generator: 12 });
      const y = randn([200, 2], { generator: 13 });
      for (let i = 0; i < 8; i++) {
        optimizer.zeroGrad();
        net.forward(x).sub(y).square().mean().backward();
        optimizer.step();
      }
      return net.parameters();
    }

    function trainSac(): Tensor[] {
      const sac = new SAC(make('Pendulum-v1'), { seed: 5, batchSize: 64, hiddenSizes: [48, 48] });
      const obs = new Float32Array(3);
      const next = new Float32Array(3);
      const action = new Float32Array(1);
      for (let i = 0; i < 300; i++) {
        for (let j = 0; j < 3; j++) {
          obs[j] = Math.sin(i * 1.3 + j);
          next[j] = Math.cos(i * 0.7 + j);
        }
        action[0] = Math.sin(i * 0.37);
        sac.buffer.add(obs, action, -Math.abs(Math.sin(i)), next, i % 50 === 49);
      }
      for (let i = 0; i < 6; i++) sac.update();
      return [sac.actor, sac.critic1, sac.critic2, sac.critic1Target, sac.critic2Target].flatMap((m) => m.parameters()).concat([sac.logAlpha]);
    }

    for (const [name, train] of [['an MLP with Adam', trainMlp], ['SAC (actor, twin critics, targets, α)', trainSac]] as const) {
      it(`${name}: the same parameters, bit for bit, on 1 and 2 threads`, () => {
        const one = createWasmKernels({ name: 'wasm-train-1', memoryMB: 64, threads: 1 });
        const two = sets[1]; // 2 threads, every call split
        registerKernels(one);
        registerKernels(two);
        useKernels(one.name);
        const expected = train().map((p) => (p.toTypedArray() as Float32Array).slice());
        useKernels(two.name);
        // The caller runs chunks too, and on a loaded machine it can take them all before a worker wakes:
        // training is repeated (each time bit for bit) until some chunk ran on a worker.
        let attempts = 0;
        let workerChunks = 0;
        try {
          while (workerChunks === 0 && attempts < 5) {
            attempts++;
            const before = two.threadStats().workerChunks;
            const actual = train().map((p) => p.toTypedArray() as Float32Array);
            workerChunks = two.threadStats().workerChunks - before;
            actual.forEach((p, i) => assertSameBits(p, expected[i], `${name}, parameter ${i} (attempt ${attempts})`));
          }
        } finally {
          useKernels(initial);
        }
        assert.ok(workerChunks > 0, `no chunk ran on a worker in ${attempts} trainings`);
      });
    }
  });

  describe('configuration', () => {
    it('VARL_THREADS takes an integer 1…256 and names itself and the value when it is anything else', () => {
      assert.equal(readKernelEnvironment({ VARL_THREADS: '3' }).threads, 3);
      assert.equal(readKernelEnvironment({ VARL_THREADS: ' 1 ' }).threads, 1);
      assert.equal(readKernelEnvironment({ VARL_THREADS: '' }).threads, undefined);
      assert.equal(readKernelEnvironment({}).threads, undefined);
      for (const value of ['0', '-1', '1.5', 'two', '257', '4 threads']) {
        assert.throws(() => readKernelEnvironment({ VARL_THREADS: value }),
          (e: unknown) => e instanceof EnvironmentError && e.message.includes(`VARL_THREADS=${JSON.stringify(value)}`) && e.message.includes('1…256'));
      }
    });

    it('an invalid VARL_THREADS fails the import of the engine, naming it', () => {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "await import('./engine/index.ts')"], {
        env: { ...process.env, VARL_THREADS: 'many' }, encoding: 'utf8', timeout: 60_000,
      });
      assert.notEqual(child.status, 0);
      assert.match(child.stderr, /VARL_THREADS="many"/);
    });

    it('VARL_THREADS=1 starts no worker and keeps the memory unshared', () => {
      const script = `
        const { kernels } = await import('./engine/index.ts');
        const set = kernels();
        await new Promise((resolve) => setTimeout(resolve, 300));
        console.log(JSON.stringify({ name: set.name, threads: set.threads, shared: set.heap?.shared, stats: set.threadStats?.() }));`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, VARL_THREADS: '1', VARL_KERNELS: 'wasm' }, encoding: 'utf8', timeout: 60_000,
      });
      assert.equal(child.status, 0, child.stderr);
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { threads: number; shared: boolean; stats: { readyWorkers: number } };
      assert.deepEqual([result.threads, result.shared, result.stats.readyWorkers], [1, false, 0]);
    });

    it('createWasmKernels and setThreads check the count; a one-thread set cannot gain threads', () => {
      for (const threads of [0, 1.5, -2, 257, NaN]) {
        assert.throws(() => createWasmKernels({ name: 'bad', memoryMB: 16, threads }), /threads/);
        assert.throws(() => sets[0].setThreads(threads), /threads/);
      }
      assert.throws(() => reference.setThreads(2), /created with one thread/);
      reference.setThreads(1);
      assert.equal(reference.threads, 1);
    });

    it('setThreads changes the count (up to more workers than at creation) without changing results', async () => {
      const set = createWasmKernels({ name: 'wasm-set-threads', memoryMB: 32, threads: 2, threading: split });
      try {
        const a = data(70 * 90, 1);
        const run = (): Float32Array => {
          const out = set.allocate('float32', 70 * 70) as Float32Array;
          set.matmul(a, a, out, 1, 70, 90, 70, false, true, 0, 0);
          return out.slice();
        };
        const expected = run();
        for (const threads of [1, 3, 2]) {
          set.setThreads(threads);
          assert.equal(set.threads, threads);
          if (threads > 1) assert.ok(await set.whenThreadsReady(30_000));
          assertSameBits(run(), expected, `${threads} threads`);
        }
      } finally {
        set.dispose();
      }
    });
  });

  describe('process lifetime', () => {
    for (const [name, ending] of [['returns from its script', ''], ['disposes the kernels first', 'set.dispose();']] as const) {
      it(`a process with idle and busy workers exits when it ${name}`, () => {
        const script = `
          const { createWasmKernels } = await import('./engine/kernels/wasm/index.ts');
          const set = createWasmKernels({ name: 'exit', memoryMB: 32, threads: 4 });
          await set.whenThreadsReady(30000);
          const a = set.allocate('float32', 256 * 256);
          for (let i = 0; i < 5; i++) set.matmul(a, a, set.allocate('float32', 256 * 256), 1, 256, 256, 256, false, false, 0, 0);
          console.log('ok', set.threadStats().readyWorkers);
          ${ending}`;
        const started = Date.now();
        const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
        assert.equal(child.signal, null, `killed after ${Date.now() - started} ms: the process hung`);
        assert.equal(child.status, 0, child.stderr);
        assert.match(child.stdout, /ok 3/);
      });
    }
  });
});
