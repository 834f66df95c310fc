/**
 * TensorFlow.js 4.22 peers: the cpu (plain JS) and wasm (XNNPACK, SIMD, one thread in Node) backends.
 * The Q-net uses tf.variable weights ([in, out] layout, x·W + b), tf.train.adam and tf.grad/tf.grads.
 */
import type { ElementwiseOp, GemmLayout } from '../workloads.ts';
import { QNET } from '../workloads.ts';
import { type PeerEngine, importPeer } from './types.ts';

export async function tfjsPeers(): Promise<PeerEngine[]> {
  const tf = (await importPeer('@tensorflow/tfjs')) as any;
  if (!tf) return [];
  const wasm = await importPeer('@tensorflow/tfjs-backend-wasm');
  const backends = ['cpu', ...(wasm ? ['wasm'] : [])];
  return backends.map((backend) => tfjsEngine(tf, backend));
}

function tfjsEngine(tf: any, backend: string): PeerEngine {
  const activate = async (): Promise<void> => {
    await tf.setBackend(backend);
    await tf.ready();
  };
  const randn = (shape: number[], seed: number): any => tf.randomNormal(shape, 0, 1, 'float32', seed);

  return {
    name: `tfjs-${backend}`,
    activate,
    gemm(n: number, layout: GemmLayout) {
      const a = randn([n, n], 1), b = randn([n, n], 2);
      return () => tf.matMul(a, b, layout === 'tn', layout === 'nt').dispose();
    },
    elementwise(op: ElementwiseOp) {
      const a = randn([256, 256], 1), b = randn([256, 256], 2);
      const f: Record<ElementwiseOp, () => any> = {
        add: () => tf.add(a, b), relu: () => tf.relu(a), tanh: () => tf.tanh(a), exp: () => tf.exp(a),
      };
      return () => f[op]().dispose();
    },
    qnet() {
      const { input, hidden, output, batch } = QNET;
      const layer = (fanIn: number, fanOut: number, seed: number): [any, any] => {
        const bound = 1 / Math.sqrt(fanIn);
        return [tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', seed)), tf.variable(tf.randomUniform([fanOut], -bound, bound, 'float32', seed + 1))];
      };
      const params = [...layer(input, hidden, 10), ...layer(hidden, hidden, 20), ...layer(hidden, output, 30)];
      const forward = (x: any, p: any[]): any => {
        const h1 = tf.relu(tf.add(tf.matMul(x, p[0]), p[1]));
        const h2 = tf.relu(tf.add(tf.matMul(h1, p[2]), p[3]));
        return tf.add(tf.matMul(h2, p[4]), p[5]);
      };
      const x = randn([batch, input], 3), y = randn([batch, output], 4);
      const optimizer = tf.train.adam(1e-3);
      const gradX = tf.grad((xx: any) => tf.sum(forward(xx, params)));
      const gradNormSq = tf.grads((...p: any[]) => {
        const gx = tf.grad((xx: any) => tf.sum(forward(xx, p)))(x);
        return tf.sum(tf.square(gx));
      });
      return {
        trainStep: () => tf.tidy(() => {
          optimizer.minimize(() => tf.mean(tf.square(tf.sub(forward(x, params), y))), false, params);
        }),
        gradX: () => tf.tidy(() => {
          gradX(x);
        }),
        secondOrder: () => tf.tidy(() => {
          gradNormSq(params);
        }),
      };
    },
  };
}
