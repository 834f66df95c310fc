import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  MLP, ShapeError, ValueError, functionalCall, grad, mean, mul, sum, parameterCount, parametersToVector, tensor, vectorToParameters, vectorToStateDict,
  vectorToTensors, type Tensor,
} from '../../engine/index.ts';

describe('flat parameter vectors', () => {
  const net = (seed: number): MLP => new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 2, generator: seed });

  it('round-trips: vectorToParameters(parametersToVector(a)) into b makes b equal a (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 6 }), (seed, hidden) => {
      const a = new MLP({ inputSize: 2, hiddenSizes: [hidden], outputSize: 3, generator: seed });
      const b = new MLP({ inputSize: 2, hiddenSizes: [hidden], outputSize: 3, generator: seed + 1 });
      const v = parametersToVector(a.parameters());
      assert.equal(v.size, parameterCount(a.parameters()));
      assert.equal(v.size, 2 * hidden + hidden + hidden * 3 + 3);
      vectorToParameters(v, b.parameters());
      assert.deepEqual(b.parameters().map((p) => Array.from(p.data)), a.parameters().map((p) => Array.from(p.data)));
    }), { numRuns: 50 });
  });

  it('round-trips the other way: parametersToVector(vectorToTensors(v, shapes)) = v (property)', () => {
    const shapes = fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(shapes, fc.integer({ min: 0, max: 1000 }), (list, seed) => {
      const n = list.reduce((total, shape) => total + shape.reduce((a, b) => a * b, 1), 0);
      const v = tensor(Array.from({ length: n }, (_, i) => Math.sin(seed + i)), { dtype: 'float64' });
      const parts = vectorToTensors(v, list);
      assert.deepEqual(parts.map((p) => p.shape), list);
      assert.deepEqual(Array.from(parametersToVector(parts).data), Array.from(v.data));
    }), { numRuns: 100 });
  });

  it('is differentiable in the parameters: ∂⟨w, θ⟩/∂p is w cut to p\'s shape', () => {
    const model = net(3);
    model.parameters().forEach((p) => p.requiresGrad_());
    const n = parameterCount(model.parameters());
    const w = tensor(Array.from({ length: n }, (_, i) => i - 7));
    sum(mul(parametersToVector(model.parameters()), w)).backward({ inputs: model.parameters() });
    const expected = vectorToTensors(w, model.parameters().map((p) => p.shape));
    model.parameters().forEach((p, i) => {
      assert.deepEqual(p.grad!.shape, p.shape);
      assert.deepEqual(Array.from(p.grad!.data), Array.from(expected[i].data));
    });
  });

  it('differentiates through the vector: the gradient of f(θ) through functionalCall equals the flattened parameter gradients', () => {
    const model = net(1);
    const x = tensor([[0.3, -0.2, 0.9], [1, 0.5, -1]]);
    const loss = (theta: Tensor): Tensor => functionalCall(model, vectorToStateDict(theta, model), () => mean(model.forward(x).square()));
    const theta = parametersToVector(model.parameters());
    const flat = grad(loss)(theta);
    model.parameters().forEach((p) => p.requiresGrad_());
    mean(model.forward(x).square()).backward();
    assert.deepEqual(Array.from(flat.data), model.parameters().flatMap((p) => Array.from(p.grad!.data)));
  });

  it('cuts a vector into tensors of the given shapes, in order', () => {
    const parts = vectorToTensors(tensor([1, 2, 3, 4, 5, 6, 7]), [[2, 2], [3]]);
    assert.deepEqual(parts.map((p) => p.shape), [[2, 2], [3]]);
    assert.deepEqual(Array.from(parts[1].data), [5, 6, 7]);
  });

  it('refuses sizes, dtypes and non-tensors that do not fit, naming them, without writing', () => {
    const model = net(2);
    const before = model.parameters().map((p) => Array.from(p.data));
    assert.throws(() => vectorToParameters(tensor([1, 2, 3]), model.parameters()), (e: Error) => e instanceof ShapeError && /shape \[3\]; the parameters hold 26 values, so it must have shape \[26\]/.test(e.message));
    assert.throws(() => vectorToParameters(tensor(new Array(26).fill(0), { shape: [2, 13] }), model.parameters()), /shape \[2, 13\]; the parameters hold 26 values/);
    assert.throws(() => vectorToParameters(undefined as never, model.parameters()), (e: Error) => e instanceof ValueError && /vector must be a Tensor, got undefined/.test(e.message));
    assert.throws(() => vectorToTensors(tensor([1, 2]), [[-1, -2]]), /shapes\[0\] is \[-1, -2\], not a list of non-negative integers/);
    assert.throws(() => vectorToStateDict(tensor([1]), undefined as never), /module must be a Module, got undefined/);
    assert.throws(() => vectorToParameters(tensor(new Array(26).fill(0), { dtype: 'float64' }), model.parameters()), /parameter 0 is float32, the vector is float64/);
    assert.throws(() => vectorToTensors(tensor([1, 2]), [[3]]), /vector of shape \[2\]; the shapes hold 3 values, so it must have shape \[3\]/);
    assert.throws(() => parametersToVector([]), /no parameters/);
    assert.throws(() => parameterCount([undefined as never]), /entry 0 is not a tensor/);
    assert.deepEqual(model.parameters().map((p) => Array.from(p.data)), before);
  });
});
