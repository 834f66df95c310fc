/**
 * Both registered kernel sets run the engine: selection by name and environment, and the same
 * training computations (an MLP step with Adam, ∇ₓQ, ∇θ‖∇ₓQ‖²) on 'js' and on 'wasm', agreeing to
 * float32 rounding. Shapes are off the SIMD width and the GEMM tile (batch 7, widths 13 and 5).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  Adam, MLP, Tensor, availableKernels, grad, kernels, randn, registerKernels, useKernels,
} from '../../engine/index.ts';
import { createWasmKernels, simdSupported } from '../../engine/kernels/wasm/index.ts';

interface Outcome {
  losses: number[];
  gradX: Float32Array;
  secondOrder: Float32Array[];
}

function trainAndDifferentiate(): Outcome {
  const net = new MLP({ inputSize: 5, hiddenSizes: [13, 13], outputSize: 1, generator: 3, activation: 'tanh' });
  const optimizer = new Adam(net.parameters(), { lr: 1e-2 });
  const x = randn([7, 5], { generator: 4 });
  const y = randn([7, 1], { generator: 5 });
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) {
    optimizer.zeroGrad();
    const loss = net.forward(x).sub(y).square().mean();
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  const gradX = grad((input: Tensor) => net.forward(input).sum())(x);
  for (const p of net.parameters()) p.grad = null;
  grad((input: Tensor) => net.forward(input).sum())(x).square().sum().backward();
  return {
    losses,
    gradX: gradX.toTypedArray() as Float32Array,
    secondOrder: net.parameters().map((p) => (p.grad?.toTypedArray() ?? new Float32Array(p.size)) as Float32Array),
  };
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(1, Math.abs(b[i])), `${what}[${i}]: wasm ${a[i]}, js ${b[i]}`);
  }
}

describe('kernel sets', () => {
  const initial = kernels().name;
  afterEach(() => useKernels(initial));

  it("registers 'js' always and 'wasm' where SIMD validates (unless VARL_KERNELS=js), defaulting to wasm", () => {
    assert.ok(availableKernels().includes('js'));
    if (simdSupported() && process.env.VARL_KERNELS !== 'js') assert.ok(availableKernels().includes('wasm'));
    const expected = process.env.VARL_KERNELS ?? (simdSupported() ? 'wasm' : 'js');
    assert.equal(initial, expected);
  });

  it('VARL_KERNELS=js selects the JS kernels in a fresh process', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e',
      "import('./engine/index.ts').then((e) => console.log(e.kernels().name))"], { env: { ...process.env, VARL_KERNELS: 'js' }, encoding: 'utf8' });
    assert.equal(child.stdout.trim(), 'js', child.stderr);
  });

  it('train steps, ∇ₓQ and ∇θ‖∇ₓQ‖² agree between js and wasm (relative 1e-5)', function () {
    if (!simdSupported()) this.skip();
    // under VARL_KERNELS=js the wasm set is not created at start-up; make one for the comparison
    if (!availableKernels().includes('wasm')) registerKernels(createWasmKernels({ memoryMB: 64 }));
    useKernels('js');
    const js = trainAndDifferentiate();
    useKernels('wasm');
    const wasm = trainAndDifferentiate();
    assertClose(wasm.losses, js.losses, 'loss');
    assertClose(wasm.gradX, js.gradX, '∇ₓQ');
    wasm.secondOrder.forEach((g, i) => assertClose(g, js.secondOrder[i], `∇θ‖∇ₓQ‖² (parameter ${i})`));
  });
});
