/**
 * The training worker: owns the agent, trains it in chunks of env steps between which it answers
 * the page (pause, speed, inspect, export, import), sends live frames of the training env, the
 * learning curve and the losses, and runs a deterministic evaluation episode every `evalEvery` steps
 * whose states the page can inspect.
 */
import { MUJOCO_ENV_IDS, loadMujocoEnvs, make } from '../../envs/index.ts';
import { POLICY_FILES, agentFromFiles, createAgent, currentKernels, describeKernels, inspectActions, readAgentMeta, sameKernels, type Agent, type ProgressRecord } from '../../algorithms/browser.ts';
import type { CheckpointFiles, CurvePoint, EvaluationEpisode, FromWorker, SessionState, ToWorker } from './protocol.ts';
import { algorithmConfig } from './configs.ts';
import type { Settings } from './settings.ts';

type DemoEnv = ReturnType<typeof make>;

interface Session {
  readonly agent: Agent;
  readonly env: DemoEnv;
  readonly evalEnv: DemoEnv;
  readonly envId: string;
  totalSteps: number;
  evalEvery: number;
  seed: number;
  lastEvaluation: EvaluationEpisode | null;
}

const scope = self as unknown as { postMessage(message: FromWorker): void; onmessage: ((event: MessageEvent<ToWorker>) => void) | null };
const post = (message: FromWorker): void => scope.postMessage(message);
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

let session: Session | null = null;
let state: SessionState = 'idle';
let stepsPerSecond: number | null = 400;
/** Bumped by every start/import/stop so a loop of an earlier session ends. */
let generation = 0;
let updateRate = { updates: 0, seconds: 0 };
let pendingCurve: CurvePoint[] = [];
let lastFrameAt = 0;
/** The generation whose loop is running, so a resume never starts a second loop on one agent. */
let activeLoop = -1;
/** Generations whose loop is still inside a chunk (a replaced session's loop finishes its chunk first). */
const busyLoops = new Set<number>();
/** Envs of replaced sessions whose loop was busy, closed when it ends, by generation. */
const retiredEnvs = new Map<number, DemoEnv[]>();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Loads MuJoCo's wasm (once) before a MuJoCo env is made. The build copies mujoco.wasm next to
 * worker.js, and `locateFile` points the package's loader there.
 */
async function prepareEnv(envId: string): Promise<void> {
  if (!MUJOCO_ENV_IDS.includes(envId)) return;
  await loadMujocoEnvs(() => import('@mujoco/mujoco').then((m) => m.default({ locateFile: (file: string) => new URL(file, self.location.href).href })));
}

function postStatus(): void {
  if (!session) return;
  const t = session.agent.training;
  post({
    type: 'status',
    status: {
      state, algorithm: session.agent.algorithm, envId: session.envId, step: t.step, totalSteps: session.totalSteps, updates: t.updates,
      updatesPerSecond: updateRate.seconds > 0 ? updateRate.updates / updateRate.seconds : 0,
    },
  });
}

/** One deterministic episode on the evaluation env, keeping every state and frame. */
function evaluateEpisode(s: Session): EvaluationEpisode {
  const observations: number[][] = [];
  const frames: string[] = [];
  let { obs } = s.evalEnv.reset({ seed: s.seed + 1_000_000 });
  let episodeReturn = 0;
  for (;;) {
    observations.push(Array.from(obs));
    frames.push(s.evalEnv.renderSvg());
    const step = s.evalEnv.step(s.agent.predict(obs, { deterministic: true }));
    episodeReturn += step.reward;
    obs = step.obs;
    if (step.terminated || step.truncated) break;
  }
  return { step: s.agent.training.step, episodeReturn, observations, frames };
}

function publishEvaluation(s: Session): void {
  const episode = evaluateEpisode(s);
  s.lastEvaluation = episode;
  post({ type: 'evaluation', episode }); // the page adds it to the curve
}

/**
 * The curve rows of the loop of generation `mine`. A newer session (start, import or stop) ends that
 * loop's chunk at its next step, and the rows of the old agent never reach the new session's curve.
 */
function chunkCallback(mine: number) {
  return {
    onRecord(_run: unknown, record: ProgressRecord): void {
      if (record.episodeReturn === undefined || mine !== generation) return;
      // The losses panel draws the update metrics and the gauges (SAC's α, the MCMC policies' β) alike.
      pendingCurve.push({ step: record.step, episodeReturn: record.episodeReturn, metrics: { ...record.metrics, ...record.gauges } });
    },
    onStep: (): boolean | void => (mine === generation ? undefined : false),
  };
}

/** Trains the current session until it ends, is paused or is replaced. */
async function trainLoop(): Promise<void> {
  const mine = generation;
  if (activeLoop === mine) return;
  activeLoop = mine;
  busyLoops.add(mine);
  try {
    await runChunks(mine);
  } finally {
    busyLoops.delete(mine);
    for (const env of retiredEnvs.get(mine) ?? []) env.close();
    retiredEnvs.delete(mine);
    if (activeLoop === mine) activeLoop = -1;
  }
}

async function runChunks(mine: number): Promise<void> {
  while (session && mine === generation && state === 'running') {
    const s = session;
    const before = s.agent.training.step;
    if (before >= s.totalSteps) {
      state = 'done';
      break;
    }
    const chunk = stepsPerSecond === null ? 250 : Math.max(1, Math.round(stepsPerSecond / 20));
    // A chunk ends at the next multiple of evalEvery at the latest, so evaluations land on those steps.
    const nextEvaluation = (Math.floor(before / s.evalEvery) + 1) * s.evalEvery;
    const target = Math.min(s.totalSteps, before + chunk, nextEvaluation);
    const started = performance.now();
    const updatesBefore = s.agent.training.updates;
    try {
      await s.agent.learn({ totalSteps: target, callbacks: [chunkCallback(mine)], evalEvery: 0 });
    } catch (error) {
      state = 'paused';
      post({ type: 'error', context: 'training', message: errorText(error) });
      break;
    }
    if (mine !== generation) return;
    const seconds = (performance.now() - started) / 1000;
    const updates = s.agent.training.updates - updatesBefore;
    if (updates > 0) updateRate = { updates: 0.8 * updateRate.updates + updates, seconds: 0.8 * updateRate.seconds + seconds };
    const after = s.agent.training.step;
    if (Math.floor(after / s.evalEvery) > Math.floor(before / s.evalEvery) || after >= s.totalSteps) publishEvaluation(s);
    flush(s);
    const wait = stepsPerSecond === null ? 0 : ((after - before) / stepsPerSecond) * 1000 - seconds * 1000;
    await sleep(Math.max(0, wait));
  }
  if (session && mine === generation) {
    if (state === 'done') flush(session);
    postStatus();
  }
}

function flush(s: Session): void {
  if (pendingCurve.length > 0) post({ type: 'curve', points: pendingCurve });
  pendingCurve = [];
  const now = performance.now();
  if (now - lastFrameAt > 60) {
    lastFrameAt = now;
    post({ type: 'frame', svg: s.env.renderSvg() });
  }
  postStatus();
}

/**
 * Closes the envs of the session being replaced (a MuJoCo env holds its share of the wasm heap), at
 * once, or when its loop has finished the chunk it is in.
 */
function retire(old: Session | null): void {
  if (!old) return;
  const envs = [old.env, old.evalEnv];
  const busy = [...busyLoops];
  if (busy.length === 0) {
    for (const env of envs) env.close();
    return;
  }
  const last = Math.max(...busy);
  retiredEnvs.set(last, [...(retiredEnvs.get(last) ?? []), ...envs]);
}

function newSession(agent: Agent, env: DemoEnv, envId: string, totalSteps: number, evalEvery: number, seed: number): Session {
  retire(session);
  generation++;
  updateRate = { updates: 0, seconds: 0 };
  pendingCurve = [];
  return { agent, env, evalEnv: make(envId), envId, totalSteps, evalEvery, seed, lastEvaluation: null };
}

async function start(settings: Settings): Promise<void> {
  let agent: Agent;
  let env: DemoEnv;
  try {
    await prepareEnv(settings.envId);
    env = make(settings.envId);
    agent = createAgent(settings.algorithm, env, algorithmConfig(settings));
  } catch (error) {
    post({ type: 'error', context: 'start', message: errorText(error) });
    return;
  }
  session = newSession(agent, env, settings.envId, settings.steps, settings.evalEvery, settings.seed);
  state = 'running';
  publishEvaluation(session);
  flush(session);
  void trainLoop();
}

/** Loads a checkpoint as a new paused session; anything wrong leaves the current session as it was. */
async function importCheckpoint(files: CheckpointFiles, expected: { algorithm: string; envId: string }, totalSteps: number): Promise<void> {
  let agent: Agent;
  let env: DemoEnv;
  let kernelChange: { saved: string; page: string } | null = null;
  let policyOnly = false;
  let trainedSteps = 0;
  try {
    const meta = readAgentMeta(files, 'uploaded checkpoint');
    trainedSteps = meta.training.step as number;
    if (meta.algorithm.toLowerCase() !== expected.algorithm.toLowerCase() || meta.envId !== expected.envId) {
      throw new Error(
        `the checkpoint holds ${meta.algorithm} on ${meta.envId}, but ${expected.algorithm.toUpperCase()} on ${expected.envId} is selected; ` +
          'select its env and algorithm to load it',
      );
    }
    await prepareEnv(meta.envId);
    env = make(meta.envId);
    // A policy exported to ship (`varl export`: meta.json and the networks) has no training state: its
    // networks are loaded, and training from them starts afresh (new optimizers, an empty buffer, step 0).
    policyOnly = !Object.hasOwn(files, 'optimizers.safetensors');
    // A checkpoint from Node (or another browser) may have been computed with other kernels: it is loaded
    // all the same, and the page says that training from it will not be the run it would have been.
    agent = agentFromFiles(files, env, policyOnly ? { weightsOnly: true } : { allowKernelChange: true }, 'uploaded checkpoint');
    const page = currentKernels();
    if (!policyOnly && meta.kernels && !sameKernels(meta.kernels, page)) kernelChange = { saved: describeKernels(meta.kernels), page: describeKernels(page) };
  } catch (error) {
    post({ type: 'error', context: 'import', message: `Checkpoint not loaded: ${errorText(error)}` });
    return;
  }
  const seed = agent.config.seed;
  session = newSession(agent, env, agent.envId, Math.max(totalSteps, agent.training.step), 1000, seed);
  state = 'paused';
  post({ type: 'loaded', algorithm: agent.algorithm, envId: agent.envId, step: agent.training.step, kernelChange, policyOnly: policyOnly ? { trainedSteps } : null });
  publishEvaluation(session);
  flush(session);
}

function inspect(index: number, dims: readonly number[] | undefined): void {
  const episode = session?.lastEvaluation;
  if (!session || !episode) return;
  const i = Math.min(Math.max(0, Math.round(index)), episode.observations.length - 1);
  const observation = episode.observations[i];
  try {
    const inspection = inspectActions(session.agent, observation, { seed: i, ...(dims ? { dims } : {}) });
    const action = Array.from(session.agent.predict(observation, { deterministic: true }));
    post({ type: 'inspection', index: i, observation, action, inspection });
  } catch (error) {
    post({ type: 'error', context: 'inspect', message: errorText(error) });
  }
}

function exportCheckpoint(policy: boolean): void {
  if (!session) return;
  try {
    const checkpoint = session.agent.toCheckpoint();
    const files = policy ? Object.fromEntries(POLICY_FILES.map((name) => [name, checkpoint[name]])) : checkpoint;
    const name = `${session.agent.algorithm.toLowerCase()}-${session.envId}-step${session.agent.training.step}${policy ? '-policy' : ''}`;
    post({ type: 'checkpoint', name, files });
  } catch (error) {
    post({ type: 'error', context: 'export', message: errorText(error) });
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'start': return void start(message.settings);
    case 'pause':
      if (state === 'running') state = 'paused';
      return postStatus();
    case 'resume':
      if (session && state === 'paused') {
        state = 'running';
        void trainLoop();
      }
      return postStatus();
    case 'stop':
      generation++;
      if (session) state = 'done';
      return postStatus();
    case 'speed':
      stepsPerSecond = message.stepsPerSecond;
      return;
    case 'inspect': return inspect(message.index, message.dims);
    case 'export': return exportCheckpoint(message.policy);
    case 'import': return void importCheckpoint(message.files, message.expected, message.totalSteps);
  }
};

post({ type: 'ready', kernels: describeKernels(currentKernels()) });
