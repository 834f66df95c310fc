/**
 * `varl analyze …`: the IAPO analyses on saved checkpoints (direct and iterative alike).
 *
 *   varl analyze gap            --checkpoint DIR [--checkpoint DIR2 …] [--states 32] [--max-steps 1500] [--seed 0]
 *   varl analyze iterations     --checkpoint DIR […] [--iterations 20] [--states 32] [--svg FILE]
 *   varl analyze modes          --checkpoint DIR […] [--iterations 20] [--inits 8] [--radius 1.5] [--svg FILE]
 *   varl analyze new-objective  --checkpoint DIR […] [--states 32] [--width 0.3] [--max-steps 1500]
 *
 * Each prints a Markdown table on a terminal, one JSON object per checkpoint otherwise (--format
 * table|json chooses); --out FILE writes the full results (per-state values included) as one JSON array.
 * States are `--states` evenly spaced states of one rollout of the checkpoint's deterministic policy
 * (seed --seed), as the reference's analysis scripts do.
 */
import * as path from 'node:path';
import { Generator, Tensor } from '../../engine/index.ts';
import { MUJOCO_ENV_IDS, make, prepareEnv, registeredIds } from '../../envs/index.ts';
import { hasCheckpoint, readCheckpointMeta } from '../node/checkpoint-dir.ts';
import { UsageError, checkOutputFile, integerFlag, numberFlag, parseFlags } from '../node/usage.ts';
import { writeFileAtomic } from '../../engine/io/files.ts';
import { IAPO, type IAPOConfig } from '../iapo.ts';
import {
  agentObjective, amortizationGap, amortizedEstimate, collectStates, inferenceTrace, multipleEstimates, newObjectiveTransfer,
  penaltyOnPreferredAction, ringOfInitialMeans, summarize,
} from './analysis.ts';
import { analysisFigure, analysisTable } from './analysis-output.ts';

export const ANALYZE_USAGE = `usage:
  varl analyze gap|iterations|modes|new-objective --checkpoint DIR [--checkpoint DIR2 …] [options]
      --states N         states from one rollout of the policy (default 32)
      --seed S           seed of the rollout and of the analysis noise (default 0)
      --iterations K     inference iterations (iterations, modes; default 20; gap, new-objective: the trained K)
      --max-steps N      cap on gradient-ascent steps (gap, new-objective; default 1500)
      --inits N          initial estimates on a ring, plus the origin (modes; default 8)
      --radius R         radius of that ring in pre-tanh units (modes; default 1.5)
      --width W          width of the penalty bump on the preferred action (new-objective; default 0.3)
      --svg FILE         figure (iterations, modes)
      --format F         table (default on a terminal) or json (one object per checkpoint per line)
      --out FILE         all results, per-state values included, as one JSON file`;

const OPTIONS = {
  checkpoint: { type: 'string', multiple: true },
  states: { type: 'string' },
  seed: { type: 'string' },
  iterations: { type: 'string' },
  'max-steps': { type: 'string' },
  inits: { type: 'string' },
  radius: { type: 'string' },
  width: { type: 'string' },
  svg: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

const ANALYSES = ['gap', 'iterations', 'modes', 'new-objective'] as const;
type Analysis = (typeof ANALYSES)[number];

/** Loads an IAPO checkpoint (a run folder or its checkpoint/ folder) for analysis. */
export async function loadIapoCheckpoint(dir: string): Promise<IAPO> {
  let resolved = path.resolve(dir);
  if (!hasCheckpoint(resolved) && hasCheckpoint(path.join(resolved, 'checkpoint'))) resolved = path.join(resolved, 'checkpoint');
  if (!hasCheckpoint(resolved)) throw new UsageError(`analyze: no checkpoint at ${dir}`);
  const meta = readCheckpointMeta(resolved);
  if (meta.algorithm !== 'IAPO') throw new UsageError(`analyze: ${dir} is a ${meta.algorithm} checkpoint; the analyses need IAPO (direct or iterative)`);
  if (!registeredIds().includes(meta.envId) && !MUJOCO_ENV_IDS.includes(meta.envId)) throw new UsageError(`analyze: the checkpoint's env '${meta.envId}' is not registered`);
  await prepareEnv(meta.envId);
  return new IAPO(make(meta.envId), meta.config as Partial<IAPOConfig>).load(resolved, { weightsOnly: true });
}

/** Runs `varl analyze <analysis> …`; resolves to the exit status (2 on usage errors). */
export async function runAnalyze(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  try {
    const [analysis, ...rest] = argv;
    if (analysis === undefined || analysis === 'help' || analysis === '--help') {
      out.write(ANALYZE_USAGE + '\n');
      return 0;
    }
    if (!ANALYSES.includes(analysis as Analysis)) {
      throw new UsageError(`analyze: expected one of ${ANALYSES.join(', ')}, got '${analysis ?? ''}'`);
    }
    const { values } = parseFlags('analyze', rest, OPTIONS);
    const checkpoints = values.checkpoint ?? [];
    if (checkpoints.length === 0) throw new UsageError('analyze: --checkpoint DIR is required');
    const options = {
      states: integerFlag('analyze', 'states', values.states, 32, 1, 100_000),
      seed: integerFlag('analyze', 'seed', values.seed, 0, 0),
      iterations: values.iterations === undefined ? undefined : integerFlag('analyze', 'iterations', values.iterations, 20, 1, 10_000),
      maxSteps: integerFlag('analyze', 'max-steps', values['max-steps'], 1500, 1, 1_000_000),
      inits: integerFlag('analyze', 'inits', values.inits, 8, 1, 10_000),
      radius: numberFlag('analyze', 'radius', values.radius, 1.5, 0),
      width: numberFlag('analyze', 'width', values.width, 0.3, 1e-6),
    };
    if (values.svg && analysis !== 'iterations' && analysis !== 'modes') {
      throw new UsageError(`analyze: --svg is for 'iterations' and 'modes', not '${analysis}'`);
    }
    if (values.out !== undefined) checkOutputFile('analyze', 'out', values.out);
    if (values.svg !== undefined) checkOutputFile('analyze', 'svg', values.svg);
    const format = values.format ?? ((out as { isTTY?: boolean }).isTTY ? 'table' : 'json');
    if (format !== 'table' && format !== 'json') throw new UsageError(`analyze: --format must be table or json, got '${format}'`);
    const agents: { dir: string; agent: IAPO }[] = [];
    for (const dir of checkpoints) agents.push({ dir, agent: await loadIapoCheckpoint(dir) });
    const results = agents.map(({ dir, agent }) => ({ checkpoint: dir, env: agent.envId, inference: agent.config.inference, ...analyze(analysis as Analysis, agent, options) }));
    if (format === 'table') out.write(analysisTable(analysis, results) + '\n');
    else for (const r of results) out.write(JSON.stringify(stripBulk(r)) + '\n');
    if (values.out) writeFileAtomic(values.out, JSON.stringify(results, null, 1) + '\n');
    if (values.svg) writeFileAtomic(values.svg, analysisFigure(analysis, results));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`varl ${error.message}\n\n${ANALYZE_USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

interface AnalyzeOptions {
  states: number;
  seed: number;
  iterations: number | undefined;
  maxSteps: number;
  inits: number;
  radius: number;
  width: number;
}

function analyze(analysis: Analysis, agent: IAPO, o: AnalyzeOptions): Record<string, unknown> {
  const generator = new Generator(o.seed + 1);
  const episodes = agent.envId === 'MultiGoal-v0' ? 4 : 1;
  const states = collectStates(agent, make(agent.envId), o.states, { seed: o.seed, episodes });
  switch (analysis) {
    case 'gap': {
      const lambda = amortizedEstimate(agent, states, generator, o.iterations);
      const gap = amortizationGap(agentObjective(agent), states, lambda, { generator, maxSteps: o.maxSteps });
      return { gap: gap.summary, perState: Array.from(gap.gaps), initial: summarize(gap.initial), optimized: summarize(gap.optimized), steps: gap.steps };
    }
    case 'iterations': {
      const iterations = agent.config.inference === 'iterative' ? o.iterations ?? 20 : 1;
      const trace = inferenceTrace(agent, states, { iterations, generator });
      return { trainedIterations: agent.config.inferenceIterations, objective: trace.mean, increments: trace.increments };
    }
    case 'modes': {
      const S = agent.observationSize;
      const obs = Array.from(states.data.subarray(0, S));
      const single = Array.from(amortizedEstimate(agent, new Tensor(Float32Array.from(obs), [1, S]), generator).mean.data, Math.tanh);
      if (agent.config.inference === 'direct') return { state: obs, modes: [{ action: single, count: 1 }], directAction: single };
      const m = multipleEstimates(agent, obs, ringOfInitialMeans(agent.actionSize, o.inits, o.radius), { iterations: o.iterations ?? 20, generator });
      return {
        state: obs, modes: m.modes, ascentModes: m.ascentModes, finalActions: m.finalActions, finalObjective: m.finalObjective,
        trajectories: m.trajectories, singleEstimateAction: single,
      };
    }
    case 'new-objective': {
      const lambda = amortizedEstimate(agent, states, generator, o.iterations);
      const newValue = penaltyOnPreferredAction(agent, states, lambda, generator, { radius: o.width });
      const t = newObjectiveTransfer(agent, states, newValue, { iterations: o.iterations, generator, ascent: { maxSteps: o.maxSteps } });
      return { amortized: t.amortized, iterative: t.iterative ?? null, gradientAscent: t.gradientAscent, gradientSteps: t.gradientSteps };
    }
  }
}

/** The per-state arrays and trajectories stay in --out; stdout gets the summaries. */
function stripBulk(r: Record<string, unknown>): Record<string, unknown> {
  const { perState: _p, trajectories: _t, ...rest } = r;
  return rest;
}
