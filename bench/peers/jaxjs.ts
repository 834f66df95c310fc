/**
 * jax-js 0.1.25 peers on its wasm device (one thread in Node: no global Worker), eager and `jit`.
 * Arrays follow jax-js ownership (every use consumes; `.ref` keeps). The Q-net's weights are
 * [in, out] (x·W + b); Adam is written with jax-js ops (as @jax-js/optax would), its bias
 * corrections passed in as scalars so that `jit` traces once.
 */
import type { ElementwiseOp, GemmLayout } from '../workloads.ts';
import { QNET } from '../workloads.ts';
import { type PeerEngine, type Run, importPeer } from './types.ts';

type Arr = any;

export async function jaxjsPeers(): Promise<PeerEngine[]> {
  const jax = (await importPeer('@jax-js/jax')) as any;
  if (!jax) return [];
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  return [jaxEngine(jax, false), jaxEngine(jax, true)];
}

function jaxEngine(jax: any, useJit: boolean): PeerEngine {
  const { numpy: np, nn, tree, random } = jax;
  const wrap = <F extends (...args: any[]) => any>(f: F): F => (useJit ? jax.jit(f) : f);
  let key = random.key(0);
  const randn = (shape: number[]): Arr => {
    const [k1, k2] = random.split(key);
    key = k1;
    return random.normal(k2, shape);
  };
  const uniform = (shape: number[], bound: number): Arr => {
    const [k1, k2] = random.split(key);
    key = k1;
    return random.uniform(k2, shape, { minval: -bound, maxval: bound });
  };
  /** Runs f, then waits for and frees its outputs. */
  const settle = async (out: any): Promise<void> => {
    for (const leaf of tree.leaves(out) as Arr[]) {
      await leaf.blockUntilReady();
      leaf.dispose();
    }
  };

  return {
    name: useJit ? 'jax-js-jit' : 'jax-js',
    gemm(n: number, layout: GemmLayout): Run {
      const a = randn([n, n]), b = randn([n, n]);
      const f = wrap((x: Arr, y: Arr) => np.matmul(layout === 'tn' ? x.transpose() : x, layout === 'nt' ? y.transpose() : y));
      return () => settle(f(a.ref, b.ref));
    },
    elementwise(op: ElementwiseOp): Run {
      const a = randn([256, 256]), b = randn([256, 256]);
      const fs: Record<ElementwiseOp, (x: Arr, y: Arr) => Arr> = {
        add: (x, y) => x.add(y),
        relu: (x, y) => (y.dispose(), nn.relu(x)),
        tanh: (x, y) => (y.dispose(), np.tanh(x)),
        exp: (x, y) => (y.dispose(), np.exp(x)),
      };
      const f = wrap(fs[op]);
      return () => settle(f(a.ref, b.ref));
    },
    qnet() {
      const { input, hidden, output, batch } = QNET;
      const layer = (fanIn: number, fanOut: number): [Arr, Arr] =>
        [uniform([fanIn, fanOut], 1 / Math.sqrt(fanIn)), uniform([fanOut], 1 / Math.sqrt(fanIn))];
      const [w1, b1] = layer(input, hidden);
      const [w2, b2] = layer(hidden, hidden);
      const [w3, b3] = layer(hidden, output);
      let params: any = { w1, b1, w2, b2, w3, b3 };
      let m: any = tree.map((p: Arr) => np.zerosLike(p.ref), params);
      let v: any = tree.map((p: Arr) => np.zerosLike(p.ref), params);
      const x = randn([batch, input]), y = randn([batch, output]);

      const mlp = (p: any, xs: Arr): Arr => {
        const h1 = nn.relu(np.matmul(xs, p.w1).add(p.b1));
        const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
        return np.matmul(h2, p.w3).add(p.b3);
      };
      const loss = (p: any, xs: Arr, ys: Arr): Arr => np.mean(np.square(mlp(p, xs).sub(ys)));
      const [beta1, beta2] = [0.9, 0.999];
      const adamStep = wrap((p: any, mm: any, vv: any, xs: Arr, ys: Arr, stepSize: Arr, epsHat: Arr) => {
        const [value, g] = jax.valueAndGrad(loss)(tree.ref(p), xs, ys);
        const m2 = tree.map((mi: Arr, gi: Arr) => mi.mul(beta1).add(gi.mul(1 - beta1)), mm, tree.ref(g));
        const v2 = tree.map((vi: Arr, gi: Arr) => vi.mul(beta2).add(np.square(gi).mul(1 - beta2)), vv, g);
        const p2 = tree.map((pi: Arr, mi: Arr, vi: Arr) => pi.sub(mi.mul(stepSize.ref).div(np.sqrt(vi).add(epsHat.ref))), p, tree.ref(m2), tree.ref(v2));
        stepSize.dispose();
        epsHat.dispose();
        return [p2, m2, v2, value];
      });
      const gradX = wrap((p: any, xs: Arr) => jax.grad((xx: Arr) => mlp(p, xx).sum())(xs));
      const secondOrder = wrap((p: any, xs: Arr) => jax.grad((pp: any) => np.sum(np.square(jax.grad((xx: Arr) => mlp(pp, xx).sum())(xs))))(p));
      let t = 0;
      return {
        trainStep: async () => {
          t++;
          // PyTorch's update θ −= lr/bc1 · m/(√v/√bc2 + eps) as (lr·√bc2/bc1) · m/(√v + eps·√bc2)
          const bc1 = 1 - beta1 ** t, bc2 = 1 - beta2 ** t;
          const [p2, m2, v2, value] = adamStep(params, m, v, x.ref, y.ref, np.array(1e-3 * Math.sqrt(bc2) / bc1), np.array(1e-8 * Math.sqrt(bc2)));
          [params, m, v] = [p2, m2, v2];
          await value.blockUntilReady();
          value.dispose();
          for (const leaf of tree.leaves(params) as Arr[]) await leaf.blockUntilReady();
        },
        gradX: () => settle(gradX(tree.ref(params), x.ref)),
        secondOrder: () => settle(secondOrder(tree.ref(params), x.ref)),
      };
    },
  };
}
