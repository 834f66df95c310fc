/**
 * varl algorithms for Node: every agent with one surface — `new SAC(env, config)`, `learn({
 * totalSteps, callbacks, runDir })`, `predict(obs, { deterministic })`, `save(dir)` / `load(dir)` —
 * the training runner and the shared infrastructure. In a browser, 'varl/algorithms' resolves to
 * algorithms/browser.ts, the same without files, console and signals.
 *
 * @example
 * import { SAC } from 'varl/algorithms';
 * import { make } from 'varl/envs';
 * const sac = new SAC(make('Pendulum-v1'), { seed: 0 });
 * await sac.learn({ totalSteps: 20_000, evalEnv: make('Pendulum-v1'), runDir: 'runs/sac', progress: true });
 */
export * from './browser.ts';
export * from './node.ts';
