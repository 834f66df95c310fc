import { strict as assert } from 'node:assert';
import { GradientError, MLP, concat, gradients, mean, ones, square, tensor } from '../../engine/index.ts';

describe('backward({ inputs })', () => {
  const setup = () => {
    const actor = new MLP({ inputSize: 3, hiddenSizes: [8], outputSize: 2, generator: 1 });
    const critic = new MLP({ inputSize: 5, hiddenSizes: [8], outputSize: 1, generator: 2 });
    const obs = tensor([[0.1, -0.4, 0.7], [1.2, 0.3, -0.5], [0, 0.2, 0.9], [-1, 1, 0.5]]);
    const loss = () => mean(critic.forward(concat([actor.forward(obs), obs], -1))).neg();
    return { actor, critic, loss };
  };

  it('gives exactly the gradients of gradients() for the listed tensors and leaves the others untouched', () => {
    const a = setup();
    const params = a.actor.parameters();
    const expected = gradients([a.loss()], [ones([])], params, false).map((g) => Array.from(g!.data));
    const b = setup();
    const criticGrads = b.critic.parameters().map((p) => p.grad);
    b.loss().backward({ inputs: b.actor.parameters() });
    assert.deepEqual(b.actor.parameters().map((p) => Array.from(p.grad!.data)), expected);
    assert.deepEqual(b.critic.parameters().map((p) => p.grad), criticGrads);
  });

  it('accumulates into existing .grad like a plain backward, with no aliasing between leaves', () => {
    const x = tensor([1, 2, 3]).requiresGrad_();
    const y = tensor([4, 5, 6]).requiresGrad_();
    x.add(y).sum().backward({ inputs: [x, y] });
    x.add(y).sum().backward({ inputs: [x] });
    assert.deepEqual(Array.from(x.grad!.data), [2, 2, 2]);
    assert.deepEqual(Array.from(y.grad!.data), [1, 1, 1]);
    x.grad!.data[0] = 9;
    assert.equal(y.grad!.data[0], 1);
  });

  it('works with createGraph for a second order', () => {
    const x = tensor([0.5], { dtype: 'float64' }).requiresGrad_();
    x.tanh().sum().backward({ inputs: [x], createGraph: true });
    const first = x.grad!;
    x.grad = null;
    first.sum().backward({ inputs: [x] });
    const t = Math.tanh(0.5);
    assert.ok(Math.abs(x.grad!.data[0] - -2 * t * (1 - t * t)) < 1e-12);
  });

  it('counts a tensor listed twice once, and leaves a listed tensor the output does not reach untouched', () => {
    const x = tensor([1, 2]).requiresGrad_();
    const unused = tensor([5]).requiresGrad_();
    square(x).sum().backward({ inputs: [x, x, unused] });
    assert.deepEqual(Array.from(x.grad!.data), [2, 4]);
    assert.equal(unused.grad, null);
  });

  it('accumulates into a listed intermediate (as retainGrad would) and not into the leaf below it', () => {
    const x = tensor([1, 2]).requiresGrad_();
    const h = x.mul(3);
    square(h).sum().backward({ inputs: [h] });
    assert.deepEqual(Array.from(h.grad!.data), [6, 12]);
    assert.equal(x.grad, null);
  });

  it('takes a seed and inputs together', () => {
    const x = tensor([1, 2]).requiresGrad_();
    const y = tensor([3]).requiresGrad_();
    x.mul(y).backward(tensor([1, -1]), { inputs: [y] });
    assert.deepEqual(Array.from(y.grad!.data), [-1]);
    assert.equal(x.grad, null);
  });

  it('refuses inputs that are not tensors or do not require grad, naming the index', () => {
    const x = tensor([1, 2]).requiresGrad_();
    assert.throws(() => square(x).sum().backward({ inputs: [x, tensor([1])] }), (e: Error) => e instanceof GradientError && /inputs\[1\] of shape \[1\] does not require grad/.test(e.message));
    assert.throws(() => square(x).sum().backward({ inputs: [undefined as never] }), /inputs\[0\] is not a tensor/);
    assert.throws(() => square(x).sum().backward({ inputs: x as never }), /inputs must be an array/);
    assert.throws(() => square(x).sum().backward({ inputs: [] }), /inputs is empty/);
  });

  it('refuses a seed or options of the wrong kind from untyped callers', () => {
    const x = tensor([1, 2]).requiresGrad_();
    assert.throws(() => square(x).sum().backward(2 as never), (e: Error) => e instanceof GradientError && /expected a seed tensor and\/or an options object .*got the number 2/.test(e.message));
    assert.throws(() => square(x).sum().backward(null as never), /got null/);
    assert.throws(() => square(x).sum().backward(undefined, null as never), /got null/);
    assert.equal(x.grad, null);
  });
});
