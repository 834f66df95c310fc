/**
 * Memory planning of replayed schedules (engine/trace/memory-plan.ts): intermediates whose lifetimes
 * do not overlap share buffers, results stay bit-identical, and whatever can be seen from outside
 * the step (returned tensors, tensors the step stores elsewhere, host calls' arrays) keeps its own
 * memory.
 */
import { strict as assert } from 'node:assert';
import {
  Adam, Generator, type Tensor, TracedFunction, add, availableKernels, kernels, matmul, mean, mul, randn, setMemoryPlanning,
  square, tanh, useKernels, zeros,
} from '../../engine/index.ts';

/** A step with a deep chain of intermediates over [rows, width], trained with Adam; `extra` sees the last hidden value. */
function chainProblem(rows: number, width: number, depth: number, extra: (h: Tensor) => Tensor = (h) => h) {
  const init = new Generator(3);
  const weight = randn([width, width], { generator: init, std: 0.3 }).requiresGrad_();
  const input = zeros([rows, width]);
  const optimizer = new Adam([weight], { lr: 0.01 });
  const body = (): { loss: Tensor; out: Tensor } => {
    let h = input;
    for (let d = 0; d < depth; d++) h = tanh(add(matmul(h, weight), mul(h, 0.5)));
    const out = extra(h);
    const loss = mean(square(out));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    return { loss, out };
  };
  const feed = (call: number): void => void input.mutate_((x) => new Generator(100 + call).fillNormal(x));
  return { step: new TracedFunction('chain', body, { inputs: () => [input, weight] }), body, feed, weight };
}

function bits(t: Tensor): number[] {
  return [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];
}

/** Outputs of `calls` steps and the final weights, traced (planned or not) or eager. */
function outputs(mode: 'eager' | 'planned' | 'unplanned', calls: number, extra?: (h: Tensor) => Tensor) {
  setMemoryPlanning(mode !== 'unplanned');
  try {
    const problem = chainProblem(16, 8, 6, extra);
    const seen: number[][] = [];
    for (let call = 0; call < calls; call++) {
      problem.feed(call);
      const result = mode === 'eager' ? problem.body() : problem.step.call();
      seen.push(bits(result.loss), bits(result.out));
    }
    return { seen, weight: bits(problem.weight), stats: problem.step.stats() };
  } finally {
    setMemoryPlanning(true);
  }
}

describe('memory planning of replayed schedules', () => {
  it('shares buffers between intermediates and replays bit-identically to eager and to the unplanned schedule', () => {
    const previous = kernels().name;
    try {
      for (const name of availableKernels()) {
        useKernels(name);
        const eager = outputs('eager', 8);
        const planned = outputs('planned', 8);
        const unplanned = outputs('unplanned', 8);
        assert.deepEqual(planned.seen, eager.seen, name);
        assert.deepEqual(planned.weight, eager.weight, name);
        assert.deepEqual(unplanned.seen, eager.seen, name);
        const [p] = planned.stats;
        const [u] = unplanned.stats;
        assert.equal(p.state, 'replaying');
        assert.equal(p.planned, true);
        assert.equal(u.planned, false);
        assert.equal(u.bytes, u.recordedBytes);
        assert.equal(p.recordedBytes, u.recordedBytes);
        // six layers forward and backward: most intermediates are dead long before the step ends
        assert.ok(p.bytes < 0.5 * p.recordedBytes, `${name}: planned ${p.bytes} of ${p.recordedBytes} bytes`);
        assert.ok(p.buffers < p.recordedBuffers, `${name}: ${p.buffers} of ${p.recordedBuffers} buffers`);
      }
    } finally {
      useKernels(previous);
    }
  });

  it('keeps a tensor the step stores outside itself up to date at every replay', () => {
    const stored: { last: Tensor | null } = { last: null };
    const keep = (h: Tensor): Tensor => {
      stored.last = mul(h, 2); // an intermediate kept by the caller, not returned
      return h;
    };
    const calls = 7;
    const planned = chainProblem(16, 8, 6, keep);
    for (let call = 0; call < calls; call++) {
      planned.feed(call);
      planned.step.call();
    }
    assert.equal(planned.step.stats()[0].planned, true);
    const fromReplay = bits(stored.last!);
    const eager = chainProblem(16, 8, 6, keep);
    for (let call = 0; call < calls; call++) {
      eager.feed(call);
      eager.body();
    }
    assert.deepEqual(fromReplay, bits(stored.last!));
  });

  it('checks its argument', () => {
    assert.throws(() => setMemoryPlanning(1 as never), /setMemoryPlanning: expected true or false, got the number 1/);
  });
});
