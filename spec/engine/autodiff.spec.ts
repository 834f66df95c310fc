import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from '../../engine/index.ts';
import { Tensor, grad, hvp, jvp, tensor, valueAndGrad, vjp } from '../../engine/index.ts';
import { seedArb, shapeArb, valuesIn } from './arbitraries.ts';
import { checkGrads } from './gradcheck.ts';

const f64 = (v: E.NestedArray) => tensor(v, { dtype: 'float64' });

function assertClose(actual: Tensor | number, expected: number[] | number, tol = 1e-9): void {
  const got = typeof actual === 'number' ? [actual] : Array.from(actual.data);
  const want = typeof expected === 'number' ? [expected] : expected;
  assert.equal(got.length, want.length, `length ${got.length} vs ${want.length}`);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}] ${g} vs ${want[i]}`));
}

describe('functional transforms', () => {
  it('grad composes to third order (tanh at 0.5 against the closed forms)', () => {
    const f = (x: Tensor) => x.tanh().sum();
    const x = f64([0.5]);
    const t = Math.tanh(0.5);
    assertClose(grad(f)(x), [1 - t * t]);
    assertClose(grad(grad(f))(x), [-2 * t * (1 - t * t)]);
    assertClose(grad(grad(grad(f)))(x), [-2 * (1 - t * t) * (1 - 3 * t * t)]);
  });

  it('grad of grad of a function of two arguments, by argnums', () => {
    // f(x, y) = x²·y³: ∂x = 2xy³, ∂y∂x = 6xy²
    const f = (x: Tensor, y: Tensor) => x.square().mul(y.pow(3)).sum();
    const dx = (x: Tensor, y: Tensor) => grad(f, 0)(x, y).sum();
    assertClose(grad(dx, 1)(f64(2), f64(3)), 6 * 2 * 9);
    const [v, [gx, gy]] = valueAndGrad(f, [0, 1])(f64(2), f64(3));
    assertClose(v, 4 * 27);
    assertClose(gx, 2 * 2 * 27);
    assertClose(gy, 4 * 3 * 9);
  });

  it('gradients of unused inputs are zeros of the right shape', () => {
    const [ga, gb] = grad((a: Tensor, _b: Tensor) => a.sum(), [0, 1])(f64([1, 2]), f64([[1, 2, 3]]));
    assert.deepEqual(ga.toArray(), [1, 1]);
    assert.deepEqual(gb.shape, [1, 3]);
    assert.deepEqual(gb.toArray(), [[0, 0, 0]]);
    assert.deepEqual(grad((_x: Tensor) => f64(3))(f64([1, 2])).toArray(), [0, 0]);
  });

  it('vjp returns the pullback for every input', () => {
    const [y, pullback] = vjp((a, b) => a.mul(b), f64([1, 2]), f64([3, 4]));
    assert.deepEqual(y.toArray(), [3, 8]);
    const [ga, gb] = pullback(f64([1, 10]));
    assert.deepEqual(ga.toArray(), [3, 40]);
    assert.deepEqual(gb.toArray(), [1, 20]);
  });

  it('jvp agrees with vjp: ⟨J v, u⟩ = ⟨v, Jᵀ u⟩ on random compositions (fast-check)', () => {
    const f = (x: Tensor, w: Tensor) => E.softplus(E.matmul(E.tanh(x), w)).mul(E.sigmoid(x.sum(-1, true)));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), seedArb, (m, k, n, seed) => {
        const x = valuesIn('any', [m, k], seed), w = valuesIn('any', [k, n], seed + 1);
        const vx = valuesIn('any', [m, k], seed + 2), vw = valuesIn('any', [k, n], seed + 3);
        const u = valuesIn('any', [m, n], seed + 4);
        const [, jv] = jvp(f, [x, w], [vx, vw]);
        const [, pullback] = vjp(f, x, w);
        const [gx, gw] = pullback(u);
        const lhs = E.sum(E.mul(jv, u)).item();
        const rhs = E.sum(E.mul(gx, vx)).item() + E.sum(E.mul(gw, vw)).item();
        assert.ok(Math.abs(lhs - rhs) <= 1e-10 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
      }),
      { numRuns: 200 },
    );
  });

  it('jvp matches central differences', () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const x = valuesIn('any', shape, seed), v = valuesIn('any', shape, seed + 1);
        const f = (z: Tensor) => E.exp(E.tanh(z)).mul(z);
        const [, jv] = jvp(f, [x], [v]);
        const eps = 1e-6;
        const plus = f(x.add(v.mul(eps))), minus = f(x.sub(v.mul(eps)));
        const numeric = plus.sub(minus).div(2 * eps);
        assertClose(jv, Array.from(numeric.data), 1e-7);
      }),
      { numRuns: 200 },
    );
  });

  it('jvp of a grad gives the Hessian-vector product (forward over reverse)', () => {
    const f = (x: Tensor) => x.tanh().square().sum();
    const x = f64([0.3, -0.4]), v = f64([1, 2]);
    const [, forwardOverReverse] = jvp(grad(f), [x], [v]);
    assertClose(forwardOverReverse, Array.from(hvp(f, x, v).data), 1e-12);
  });

  it('hvp equals the explicit Hessian times v for f(x) = ½xᵀAx + Σ exp(x) + (Σx)³', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), seedArb, (n, seed) => {
        const A = valuesIn('any', [n, n], seed), x = valuesIn('unit', [n], seed + 1), v = valuesIn('any', [n], seed + 2);
        const f = (z: Tensor) => E.matmul(E.matmul(z, A), z).mul(0.5).add(z.exp().sum()).add(z.sum().pow(3));
        const s = Array.from(x.data).reduce((a, b) => a + b, 0);
        // H = (A + Aᵀ)/2 + diag(eˣ) + 6·(Σx)·11ᵀ
        const expected = Array.from({ length: n }, (_, i) => {
          let r = 0;
          for (let j = 0; j < n; j++) {
            const h = (A.data[i * n + j] + A.data[j * n + i]) / 2 + (i === j ? Math.exp(x.data[i]) : 0) + 6 * s;
            r += h * v.data[j];
          }
          return r;
        });
        assertClose(hvp(f, x, v), expected, 1e-10);
      }),
      { numRuns: 200 },
    );
  });
});

describe('mission-shaped compositions', () => {
  // Q(s, a) = w3ᵀ tanh(W2 tanh(W1 [s, a] + b1) + b2), a small critic
  const critic = (s: Tensor, a: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor) =>
    E.linear(E.tanh(E.linear(E.tanh(E.linear(E.concat([s, a], -1), w1, b1)), w2, b2)), w3).sum();
  const params = (seed: number, sDim: number, aDim: number, h: number) => [
    valuesIn('unit', [h, sDim + aDim], seed), valuesIn('unit', [h], seed + 1),
    valuesIn('unit', [h, h], seed + 2), valuesIn('unit', [h], seed + 3), valuesIn('unit', [1, h], seed + 4),
  ];

  it('∇ₐQ(s, a) of a tanh MLP critic matches finite differences, to second order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), seedArb, (b, aDim, h, seed) => {
        const s = valuesIn('any', [b, 3], seed + 10);
        const [w1, b1, w2, b2, w3] = params(seed, 3, aDim, h);
        checkGrads((a) => critic(s, a, w1, b1, w2, b2, w3), [valuesIn('any', [b, aDim], seed + 11)], { seed });
      }),
      { numRuns: 100 },
    );
  });

  it('Q(s, a + ε·∇ₐQ(s, a)) is differentiable in ε and in the critic weights (grad through grad)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), seedArb, (aDim, h, seed) => {
        const s = valuesIn('any', [2, 3], seed + 10), a = valuesIn('any', [2, aDim], seed + 11);
        const stepped = (eps: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor) => {
          const ga = grad((act: Tensor) => critic(s, act, w1, b1, w2, b2, w3))(a);
          return critic(s, a.add(ga.mul(eps)), w1, b1, w2, b2, w3);
        };
        checkGrads(stepped, [f64(0.1), ...params(seed, 3, aDim, h)], { order: 1, seed });
      }),
      { numRuns: 100 },
    );
  });

  it('∇θ‖∇ₓQ‖² by backward() through an inner grad equals the functional form', () => {
    const [w1, b1, w2, b2, w3] = params(7, 3, 2, 4).map((p) => p.detach().requiresGrad_());
    const s = valuesIn('any', [4, 3], 1), a = valuesIn('any', [4, 2], 2);
    const ga = grad((act: Tensor) => critic(s, act, w1, b1, w2, b2, w3))(a);
    ga.square().sum().backward();
    const functional = grad(
      (p: Tensor) => grad((act: Tensor) => critic(s, act, p, b1.detach(), w2.detach(), b2.detach(), w3.detach()))(a).square().sum(),
    )(w1.detach());
    assertClose(w1.grad!, Array.from(functional.data), 1e-12);
  });

  it('a leapfrog step a′ = a + ε·(ρ − ε/2·∇U(a)) trains ε and the policy mean, second order', () => {
    const U = (z: Tensor) => z.square().sum().mul(0.5).add(z.tanh().sum());
    const leapfrog = (eps: Tensor, mu: Tensor, rho: Tensor) => {
      const a = mu.add(0);
      const rhoHalf = rho.sub(grad(U)(a).mul(eps.mul(0.5)));
      return U(a.add(rhoHalf.mul(eps)));
    };
    checkGrads(leapfrog, [f64(0.3), f64([0.2, -0.5, 1.0]), f64([0.1, 0.4, -0.3])], { order: 2, seed: 3 });
  });
});

describe('PyTorch-style training surface', () => {
  it('backward() accumulates into .grad of leaves; zero by assigning null', () => {
    const w = f64([1, 2, 3]).requiresGrad_();
    w.square().sum().backward();
    w.square().sum().backward();
    assert.deepEqual(w.grad!.toArray(), [4, 8, 12]);
    assert.equal(w.grad!.requiresGrad, false);
  });

  it('retainGrad keeps the gradient of an intermediate', () => {
    const x = f64([1, 2]).requiresGrad_();
    const h = x.mul(3).retainGrad();
    h.square().sum().backward();
    assert.deepEqual(h.grad!.toArray(), [6, 12]);
    assert.deepEqual(x.grad!.toArray(), [18, 36]);
  });

  it('detach() and noGrad() stop gradients', () => {
    const x = f64([1, 2]).requiresGrad_();
    const y = x.mul(x.detach());
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1, 2]);
    const z = E.noGrad(() => x.mul(2));
    assert.equal(z.requiresGrad, false);
    assert.equal(z.node, null);
  });

  it('backward(createGraph) allows a second backward through the first gradient', () => {
    const x = f64([0.5]).requiresGrad_();
    x.pow(4).sum().backward(undefined, { createGraph: true });
    const first = x.grad!;
    x.grad = null;
    first.sum().backward();
    assertClose(x.grad!, [12 * 0.25]);
  });

  it('a non-scalar backward needs a seed, and says so', () => {
    const x = f64([1, 2]).requiresGrad_();
    assert.throws(() => x.mul(2).backward(), /backward: output of shape \[2\] is not a scalar; pass a seed/);
    x.mul(2).backward(f64([1, 3]));
    assert.deepEqual(x.grad!.toArray(), [2, 6]);
  });

  it('an in-place write to a tensor saved for backward is reported', () => {
    const w = f64([1, 2]).requiresGrad_();
    const loss = w.square().sum();
    w.mutate_((d) => d.fill(0));
    assert.throws(() => loss.backward(), /square: input 0 of shape \[2\] was modified in place after it was saved/);
  });

  it('float32 parameters receive float32 gradients through float64 computations', () => {
    const w = tensor([1, 2]).requiresGrad_();
    E.cast(w, 'float64').square().sum().backward();
    assert.equal(w.grad!.dtype, 'float32');
    assert.deepEqual(w.grad!.toArray(), [2, 4]);
  });
});

describe('anomaly mode', () => {
  it('names the first op whose forward result is not finite, with input shapes', () => {
    const x = tensor([[1, -1]]);
    assert.throws(() => E.withAnomalyCheck(() => x.log().exp()), (e: Error) => {
      assert.equal(e.name, 'AnomalyError');
      assert.match(e.message, /^log: produced NaN at flat index 1 of output \[1, 2\] from inputs of shapes \[1, 2\]/);
      return true;
    });
  });

  it('names the backward op that produced a non-finite gradient', () => {
    const x = f64([0]).requiresGrad_();
    const y = x.sqrt().sum();
    assert.throws(() => E.withAnomalyCheck(() => y.backward()), /during backward of sqrt/);
  });

  it('does nothing outside the scope', () => {
    assert.ok(Number.isNaN(tensor([-1]).log().item()));
  });
});

describe('gradient storage', () => {
  it('leaves that receive the same cotangent get gradients with separate storage', () => {
    const a = tensor([3, 4]).requiresGrad_(), b = tensor([3, 4]).requiresGrad_();
    a.add(b).sum().backward();
    assert.notEqual(a.grad!.data, b.grad!.data);
    a.grad!.mutate_((d) => d.fill(0));
    assert.deepEqual(b.grad!.toArray(), [1, 1]);
  });
});
