/**
 * Why HMC-SAC's minibatch D̂ is seldom within 10% of its target (seed 003's PID claim, #13): the control.
 * Two causes are told apart, from a finished run's final checkpoint:
 *
 * 1. Noise. `--batches` minibatches of the run's size are drawn from its replay buffer, and D̂ is computed on
 *    each as the update computes it at the start of a policy iteration (θ_t = θ, the run's last β, fresh a₀
 *    and ρ₀): its mean and sd, and the share that would lie within 10% of the target ε if that spread were
 *    centred on ε (the most a controller could do against minibatch noise alone).
 * 2. Drift. Training goes on from the checkpoint for `--iterations` policy iterations (updates on the stored
 *    buffer, no env steps), and each update's D̂ is kept with its place in the iteration: θ_t is refreshed
 *    at the start of each iteration, so D̂ is small there and grows as θ moves away from θ_t, and the PID
 *    acts on the iteration's mean. Printed: D̂'s mean and sd over all those updates, the share within 10% of ε
 *    as it is and centred on ε, each iteration's mean, and per tenth of an iteration the mean, sd and share.
 *
 *   node --import tsx bench/mcmc-pid-noise.ts RUN_DIR [RUN_DIR …] [--batches 400] [--iterations 3] [--seed 0]
 * RUN_DIR: a `varl train` run folder (or sweep job folder) of hmc-sac with its checkpoint.
 */
import * as path from 'node:path';
import { HMCSAC } from '../algorithms/hmc-sac.ts';
import { TensorBatch } from '../algorithms/common/tensor-batch.ts';
import { loadAgent } from '../algorithms/node.ts';
import { readCheckpointMeta } from '../algorithms/node/checkpoint-dir.ts';
import { meanInterval } from '../algorithms/common/stats.ts';
import { Generator, mean, noGrad } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { parseCli } from './cli-args.ts';

interface Noise {
  readonly meanDistance: number;
  readonly sd: number;
  /** The share of D̂s within 10% of ε once their spread is centred on ε. */
  readonly centredWithinBand: number;
}

function agentOf(runDir: string): HMCSAC {
  const checkpoint = path.join(runDir, 'checkpoint');
  // Training goes on from the checkpoint only to measure D̂ along an iteration, not to continue the run, so
  // any kernels will do (the results were made without FMA, under `node --import tsx`).
  const agent = loadAgent(checkpoint, make(readCheckpointMeta(checkpoint).envId as string), { allowKernelChange: true });
  if (!(agent instanceof HMCSAC)) throw new Error(`mcmc-pid-noise: ${runDir} holds a ${agent.constructor.name}, not an HMC-SAC run`);
  return agent;
}

const within = (d: number, target: number): boolean => Math.abs(d - target) <= 0.1 * target;

function minibatchNoise(agent: HMCSAC, batches: number, generator: Generator): Noise {
  const c = agent.config;
  const batch = new TensorBatch(c.batchSize, agent.observationSize, agent.actionSize);
  const distances: number[] = [];
  for (let i = 0; i < batches; i++) {
    batch.sample((b) => agent.buffer.sample(generator, b));
    const obs = batch.observations;
    distances.push(noGrad(() => mean(agent.chainPass(obs, agent.actor.forward(obs, c), generator).distance).item()));
  }
  const { mean: m, sd } = meanInterval(distances);
  const target = c.distanceTarget;
  return { meanDistance: m, sd, centredWithinBand: distances.filter((d) => within(d - m + target, target)).length / batches };
}

/** D̂ of each update of `iterations` whole policy iterations, by place in the iteration: [place][iteration]. */
function distanceAlongIterations(agent: HMCSAC, iterations: number): number[][] {
  const interval = agent.config.priorUpdateInterval;
  const byPlace: number[][] = Array.from({ length: interval }, () => []);
  while (agent.training.updates % interval !== 0) agent.training.updates++;
  for (let i = 0; i < iterations * interval; i++) {
    const losses = agent.update();
    byPlace[i % interval].push(losses.distance);
    agent.training.updates++;
  }
  return byPlace;
}

const USAGE = `usage: node --import tsx bench/mcmc-pid-noise.ts RUN_DIR [RUN_DIR …] [flags]
  RUN_DIR          a run or sweep job folder of hmc-sac with its checkpoint
  --batches N      minibatches drawn for the noise (default 400)
  --iterations N   policy iterations of training on from the checkpoint, for the drift (default 3)
  --seed N         seed of the minibatch draws (default 0)`;

function main(): void {
  const cli = parseCli({
    script: 'mcmc-pid-noise', usage: USAGE, maxPositionals: Infinity,
    flags: { batches: { type: 'string' }, iterations: { type: 'string' }, seed: { type: 'string' } },
  });
  const { positionals } = cli;
  const batches = cli.integer('batches', 400, { min: 2 });
  const iterations = cli.integer('iterations', 3);
  const seed = cli.integer('seed', 0, { min: 0 });
  if (positionals.length === 0) cli.fail('give one or more HMC-SAC run folders');
  const f = (x: number, digits = 3): string => x.toFixed(digits);
  console.log('# HMC-SAC\'s D̂ against its PID target: minibatch noise, and drift within a policy iteration\n');
  console.log(`Made by \`node --import tsx bench/mcmc-pid-noise.ts <run folders> --batches ${batches} --iterations ${iterations}\`` +
    ' (what it measures: the file\'s header comment).');
  for (const dir of positionals) {
    const agent = agentOf(dir);
    const target = agent.config.distanceTarget;
    const noise = minibatchNoise(agent, batches, new Generator(seed));
    console.log(`\n## ${path.basename(dir)}\n\nAt step ${agent.training.step}, β ${f(agent.pid.beta)}, target ε ${target}.\n`);
    console.log(`- Noise, ${batches} minibatches at θ_t = θ: mean D̂ ${f(noise.meanDistance, 4)}, sd ${f(noise.sd, 4)} (${f(noise.sd / target, 2)} ε); ` +
      `centred on ε, ${f(noise.centredWithinBand)} of them lie within 10%`);
    const byPlace = distanceAlongIterations(agent, iterations);
    const interval = byPlace.length;
    const all = byPlace.flat();
    const { mean: allMean, sd: allSd } = meanInterval(all);
    console.log(`- Drift, ${iterations} iterations of ${interval} updates: D̂ ${f(allMean, 4)} ± sd ${f(allSd, 4)} (${f(allSd / target, 2)} ε); ` +
      `updates within 10% ${f(all.filter((d) => within(d, target)).length / all.length)}, and ${f(all.filter((d) => within(d - allMean + target, target)).length / all.length)} ` +
      `were their spread centred on ε; iteration means ${Array.from({ length: iterations }, (_, i) => f(meanInterval(byPlace.map((place) => place[i])).mean, 4)).join(', ')}`);
    console.log('\n| updates into the iteration | mean D̂ | sd of D̂ | within 10% of ε |\n|---|---|---|---|');
    const tenth = Math.max(1, Math.floor(interval / 10));
    for (let start = 0; start < interval; start += tenth) {
      const part = byPlace.slice(start, start + tenth).flat();
      const { mean: m, sd } = meanInterval(part);
      console.log(`| ${start}–${Math.min(interval, start + tenth) - 1} | ${f(m, 4)} | ${f(sd, 4)} | ${f(part.filter((d) => within(d, target)).length / part.length)} |`);
    }
  }
}

main();
