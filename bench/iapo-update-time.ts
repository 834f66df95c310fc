/**
 * Wall-clock of one IAPO update in its reference configuration (Pendulum-v1 sizes, the shared random
 * transitions of workloads.ts), in the varl checkout at <root>: so that an older revision can be timed
 * beside the current one in the same session, e.g. the code before trace-and-replay:
 *
 *   git worktree add /tmp/before 4e9bd66^ && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   node --experimental-wasm-relaxed-simd --import tsx bench/iapo-update-time.ts /tmp/before before
 *   VARL_THREADS=2 node --experimental-wasm-relaxed-simd --import tsx bench/iapo-update-time.ts . now
 *
 * Arguments: [root] (default .) [label] (default root). 5 warm-up updates (the traced step records in them),
 * then 20 timed; prints the median and minimum.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCli } from './cli-args.ts';

const USAGE = `usage: node --experimental-wasm-relaxed-simd --import tsx bench/iapo-update-time.ts [ROOT] [LABEL]
  ROOT    the varl checkout whose IAPO is timed (default .)
  LABEL   names the printed line (default ROOT)`;
const cli = parseCli({ script: 'iapo-update-time', usage: USAGE, flags: {}, maxPositionals: 2 });
const [rootArg = '.', label = rootArg] = cli.positionals;
const root = pathToFileURL(resolve(rootArg)).href;
const { IAPO } = (await import(`${root}/algorithms/index.ts`)) as typeof import('../algorithms/index.ts');
const { make } = (await import(`${root}/envs/index.ts`)) as typeof import('../envs/index.ts');

const agent = new IAPO(make('Pendulum-v1'), { seed: 0 });
// the transitions of workloads.ts's fillPendulumTransitions, inlined: older checkouts lack it
const obs = new Float32Array(3);
const next = new Float32Array(3);
const action = new Float32Array(1);
let u = 12345;
const uniform = (): number => ((u = (Math.imul(u, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
for (let i = 0; i < 20_000; i++) {
  for (let j = 0; j < 3; j++) {
    obs[j] = uniform();
    next[j] = uniform();
  }
  action[0] = uniform();
  agent.buffer.add(obs, action, -8 + 8 * uniform(), next, false);
}
for (let i = 0; i < 5; i++) agent.update();
const times: number[] = [];
for (let i = 0; i < 20; i++) {
  const start = performance.now();
  agent.update();
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(`${label}: median ${((times[9] + times[10]) / 2).toFixed(1)} ms per update, minimum ${times[0].toFixed(1)} ms`);
