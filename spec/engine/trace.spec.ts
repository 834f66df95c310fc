/**
 * Trace and replay (engine/trace): a replayed step is bit-identical to the same step run eagerly,
 * for random small programs (forward ops of every family, backward, optimizer, random draws,
 * in-place updates); a changed input re-traces; a step replay cannot reproduce is refused.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  Adam, Generator, SGD, Tensor, TraceError, TracedFunction, add, availableKernels, clamp, concat, dynamicScalar, exp, gather,
  hostCall, matmul, maximum, mean, mul, noGrad, randn, relu, setTracing, sigmoid, sliceAxis, softplus, square, sub, sum, tanh,
  tensor, useKernels, where, greater, zeros, kernels,
} from '../../engine/index.ts';

/** One op of a random program: applied to the current value h [B, W] (and the parameters), it gives the next [B, W]. */
type Op =
  | { kind: 'unary'; fn: 'tanh' | 'relu' | 'sigmoid' | 'softplus' | 'square' | 'expClamped' }
  | { kind: 'binary'; fn: 'add' | 'mul' | 'sub' | 'maximum'; operand: 'bias' | 'self' | 'scalar' }
  | { kind: 'matmul' }
  | { kind: 'reduceBroadcast'; axis: 0 | 1 }
  | { kind: 'concatSlice' }
  | { kind: 'gather' }
  | { kind: 'where' }
  | { kind: 'noise' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), fn: fc.constantFrom('tanh', 'relu', 'sigmoid', 'softplus', 'square', 'expClamped') }),
  fc.record({ kind: fc.constant('binary' as const), fn: fc.constantFrom('add', 'mul', 'sub', 'maximum'), operand: fc.constantFrom('bias', 'self', 'scalar') }),
  fc.constant({ kind: 'matmul' as const }),
  fc.record({ kind: fc.constant('reduceBroadcast' as const), axis: fc.constantFrom(0 as const, 1 as const) }),
  fc.constant({ kind: 'concatSlice' as const }),
  fc.constant({ kind: 'gather' as const }),
  fc.constant({ kind: 'where' as const }),
  fc.constant({ kind: 'noise' as const }),
);

interface Program {
  readonly ops: readonly Op[];
  readonly batch: number;
  readonly width: number;
  readonly optimizer: 'adam' | 'sgd';
  readonly seed: number;
}

const programArb: fc.Arbitrary<Program> = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 8 }),
  batch: fc.integer({ min: 1, max: 5 }),
  width: fc.integer({ min: 1, max: 6 }),
  optimizer: fc.constantFrom('adam' as const, 'sgd' as const),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
});

/** A training problem: parameters, an input filled before each step, a target copy updated in place, and the step itself. */
function buildProblem(program: Program): { step: TracedFunction<Record<string, Tensor>>; feed: (call: number) => void; state: () => Tensor[] } {
  const { batch: B, width: W, seed } = program;
  const init = new Generator(seed);
  const weight = randn([W, W], { generator: init, std: 0.5 }).requiresGrad_();
  const bias = randn([W], { generator: init, std: 0.5 }).requiresGrad_();
  const target = zeros([W, W]);
  const input = zeros([B, W]);
  const index = tensor(Array.from({ length: B * W }, (_, i) => (i * 7 + seed) % B), { shape: [B, W] });
  const noise = new Generator(seed + 1);
  const optimizer = program.optimizer === 'adam' ? new Adam([weight, bias], { lr: 0.01 }) : new SGD([weight, bias], { lr: 0.01, momentum: 0.9 });
  let scale = 1;

  const body = (): Record<string, Tensor> => {
    // a JS value that changes every step, entering as a dynamic scalar
    const s = dynamicScalar(() => scale);
    let h = mul(input, s);
    for (const op of program.ops) {
      switch (op.kind) {
        case 'unary':
          h = op.fn === 'tanh' ? tanh(h) : op.fn === 'relu' ? relu(h) : op.fn === 'sigmoid' ? sigmoid(h)
            : op.fn === 'softplus' ? softplus(h) : op.fn === 'square' ? square(h) : exp(clamp(h, -3, 3));
          break;
        case 'binary': {
          const other = op.operand === 'bias' ? bias : op.operand === 'self' ? h : 0.5;
          h = op.fn === 'add' ? add(h, other) : op.fn === 'mul' ? mul(h, other) : op.fn === 'sub' ? sub(h, other) : maximum(h, other);
          break;
        }
        case 'matmul':
          h = add(matmul(h, weight), bias);
          break;
        case 'reduceBroadcast':
          h = add(h, mean(h, op.axis, true));
          break;
        case 'concatSlice':
          h = sliceAxis(concat([h, tanh(h)], 1), 1, 1, 1 + W);
          break;
        case 'gather':
          h = gather(h, 0, index);
          break;
        case 'where':
          h = where(greater(h, 0), h, mul(h, 0.1));
          break;
        case 'noise':
          h = add(h, mul(randn([B, W], { generator: noise }), 0.01));
          break;
      }
    }
    const loss = add(mean(square(h)), mul(sum(square(weight)), 1e-3));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    noGrad(() => target.mutate_((t) => {
      for (let i = 0; i < t.length; i++) t[i] = 0.9 * t[i] + 0.1 * weight.data[i];
    }));
    return { loss, h };
  };
  const step = new TracedFunction('program', body, { inputs: () => [input, weight, bias, target] });
  const feed = (call: number): void => {
    scale = 1 + 0.25 * call;
    input.mutate_((x) => new Generator(seed * 31 + call).fillNormal(x));
  };
  return { step, feed, state: () => [weight, bias, target, ...(optimizer.stateDict().parameters.flatMap((p) => (p ? Object.values(p.tensors) : [])))] };
}

function bits(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
}

/** Runs `calls` steps of a fresh problem with tracing on or off; returns every step's outputs and the final state, as bytes. */
function run(program: Program, calls: number, traced: boolean): { outputs: Uint8Array[]; state: Uint8Array[]; stats: string[] } {
  setTracing(traced);
  try {
    const { step, feed, state } = buildProblem(program);
    const outputs: Uint8Array[] = [];
    for (let call = 0; call < calls; call++) {
      feed(call);
      const result = step.call();
      outputs.push(bits(result.loss), bits(result.h));
    }
    return { outputs, state: state().map(bits), stats: step.stats().map((s) => s.state) };
  } finally {
    setTracing(true);
  }
}

describe('trace and replay', () => {
  it('replays random programs (forward, backward, optimizer, random draws, in-place updates) bit-identically to eager', () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const eager = run(program, 7, false);
        const traced = run(program, 7, true);
        assert.deepEqual(traced.stats, ['replaying']);
        assert.deepEqual(traced.outputs, eager.outputs);
        assert.deepEqual(traced.state, eager.state);
      }),
      { numRuns: 60 },
    );
  });

  it('replays on every kernel set, and traces again after a kernel-set change', () => {
    const program: Program = { ops: [{ kind: 'matmul' }, { kind: 'unary', fn: 'tanh' }, { kind: 'noise' }], batch: 4, width: 3, optimizer: 'adam', seed: 5 };
    const previous = kernels().name;
    try {
      for (const name of availableKernels()) {
        useKernels(name);
        assert.deepEqual(run(program, 6, true).outputs, run(program, 6, false).outputs, name);
      }
      const { step, feed } = buildProblem(program);
      for (let call = 0; call < 5; call++) {
        feed(call);
        step.call();
      }
      assert.equal(step.stats()[0].state, 'replaying');
      useKernels(availableKernels().find((n) => n !== kernels().name) ?? kernels().name);
      feed(5);
      step.call();
      if (availableKernels().length > 1) assert.equal(step.stats()[0].state, 'eager');
    } finally {
      useKernels(previous);
    }
  });

  it('keeps one schedule per key (control-flow variants)', () => {
    const x = zeros([3]).requiresGrad_();
    const optimizer = new SGD([x], { lr: 0.1 });
    const step = new TracedFunction('keys', (key) => {
      const loss = key === 'twice' ? sum(square(sub(x, 2))) : sum(square(sub(x, 1)));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss;
    });
    const eager: number[] = [];
    const y = zeros([3]).requiresGrad_();
    const reference = new SGD([y], { lr: 0.1 });
    for (let i = 0; i < 12; i++) {
      const key = i % 3 === 0 ? 'twice' : 'once';
      const loss = key === 'twice' ? sum(square(sub(y, 2))) : sum(square(sub(y, 1)));
      reference.zeroGrad();
      loss.backward();
      reference.step();
      eager.push(loss.item());
      assert.equal(step.call(key).item(), eager[i], `call ${i}`);
    }
    assert.deepEqual(step.stats().map((s) => [s.key, s.state]), [['twice', 'replaying'], ['once', 'replaying']]);
    assert.deepEqual([...x.data], [...y.data]);
  });

  it('traces again when an input changes shape or is replaced (a new batch size)', () => {
    let input = zeros([4, 2]);
    const w = tensor([[0.5], [-0.25]]).requiresGrad_();
    const optimizer = new SGD([w], { lr: 0.1 });
    const step = new TracedFunction('resize', () => {
      const loss = mean(square(matmul(input, w)));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss;
    }, { inputs: () => [input, w] });
    const fill = (t: Tensor, call: number): Tensor => t.mutate_((d) => new Generator(call).fillNormal(d));
    for (let call = 0; call < 5; call++) {
      fill(input, call);
      step.call();
    }
    assert.equal(step.stats()[0].state, 'replaying');
    input = fill(zeros([7, 2]), 99);
    const expected = noGrad(() => mean(square(matmul(input, w))).item());
    assert.equal(step.call().item(), expected);
    assert.equal(step.stats()[0].state, 'eager');
    assert.equal(step.stats()[0].steps, 0);
  });

  it('refuses a step whose JavaScript scalar changes between recordings, naming the constant', () => {
    const x = zeros([2]).requiresGrad_();
    const optimizer = new SGD([x], { lr: 0.1 });
    let factor = 1;
    const step = new TracedFunction('scalar', () => {
      const loss = sum(mul(square(sub(x, 1)), factor)); // a number that changes: should have been dynamicScalar
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss;
    });
    step.call();
    factor = 2;
    step.call();
    factor = 3;
    assert.throws(() => step.call(), (e: Error) => e instanceof TraceError && /scalar: cannot replay: allocation \d+ was filled by JavaScript with \[2\].*\[3\]/.test(e.message));
  });

  it('refuses a step whose control flow depends on data, naming the first differing kernel call', () => {
    const x = tensor([0.5, -0.5]).requiresGrad_();
    const optimizer = new SGD([x], { lr: 1 });
    const step = new TracedFunction('branch', () => {
      const positive = x.data[0] > 0; // a branch on data, invisible to the trace
      const loss = positive ? sum(square(x)) : sum(mul(x, x)); // x ← x − 2x flips the sign every step
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss;
    });
    step.call();
    step.call();
    assert.throws(() => step.call(), (e: Error) => e instanceof TraceError && /branch: cannot replay: step \d+ was '.+' in one recording and '.+' in the next/.test(e.message));
  });

  it('refuses to read a value into JavaScript while recording', () => {
    const x = zeros([2]).requiresGrad_();
    const step = new TracedFunction('read', () => {
      const loss = sum(square(x));
      return loss.item();
    });
    assert.equal(step.call(), 0);
    assert.throws(() => step.call(), (e: Error) => e instanceof TraceError && /item\(\) inside a traced step/.test(e.message));
  });

  it('runs eagerly with tracing switched off and records host calls once per replay', () => {
    const out = zeros([1]);
    let calls = 0;
    const step = new TracedFunction('host', () => {
      hostCall('count', () => {
        calls++;
        out.data[0] = calls;
      }, { writes: [out.data] });
      return out;
    });
    for (let i = 0; i < 6; i++) step.call();
    assert.equal(calls, 6);
    assert.equal(out.data[0], 6);
    setTracing(false);
    try {
      step.call();
      assert.equal(calls, 7);
    } finally {
      setTracing(true);
    }
  });

  it('checks its arguments', () => {
    assert.throws(() => new TracedFunction('bad', 3 as never), /TracedFunction bad: body must be a function, got the number 3/);
    assert.throws(() => new TracedFunction('bad', () => 0, { inputs: [] as never }), /options.inputs must be a function/);
    assert.throws(() => new TracedFunction('ok', () => 0).call(5 as never), /ok: the key must be a string, got the number 5/);
    assert.throws(() => setTracing('yes' as never), /setTracing: expected true or false/);
    assert.throws(() => dynamicScalar(1 as never), /dynamicScalar: read must be a function/);
  });
});
