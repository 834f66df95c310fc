/**
 * The page's choices: env, algorithm and the main settings, read from the form and checked before
 * anything reaches the worker (configs.ts maps them to algorithm configs).
 */
/** MuJoCo tasks: the worker loads MuJoCo's wasm (served next to worker.js) before making one. */
export const MUJOCO_ENV_IDS = ['InvertedPendulum-v5', 'InvertedDoublePendulum-v5', 'Hopper-v5', 'HalfCheetah-v5'] as const;
export const ENV_IDS = ['Pendulum-v1', 'CartPoleSwingup-v0', 'Reacher2D-v0', 'MultiGoal-v0', ...MUJOCO_ENV_IDS] as const;
/** Algorithm names as the registry spells them. */
export const ALGORITHMS = ['sac', 'td3', 'iapo', 'ppo', 'hmc-sac', 'langevin-td3', 'flow-sac'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

export interface Settings {
  readonly envId: string;
  readonly algorithm: AlgorithmName;
  readonly seed: number;
  /** Total env steps. */
  readonly steps: number;
  readonly learningRate: number;
  /** Width of each of the two hidden layers. */
  readonly hiddenSize: number;
  readonly batchSize: number;
  /** Off-policy: uniform random steps before the first update; PPO: steps per rollout. */
  readonly warmup: number;
  /** Env steps between evaluation episodes. */
  readonly evalEvery: number;
  /** MCMC algorithms: leapfrog steps (HMC-SAC) or flow layers (Langevin-TD3, flow-SAC), K. */
  readonly chainSteps: number;
}

export const DEFAULT_SETTINGS: Settings = {
  envId: 'Pendulum-v1', algorithm: 'sac', seed: 0, steps: 20_000, learningRate: 1e-3, hiddenSize: 64, batchSize: 64, warmup: 1000, evalEvery: 1000, chainSteps: 5,
};

/** A setting that is not a number in its range; the message names the field and the value. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

interface NumberRule {
  readonly label: string;
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
}

const RULES: Record<Exclude<keyof Settings, 'envId' | 'algorithm'>, NumberRule> = {
  seed: { label: 'Seed', integer: true, min: 0, max: 2 ** 31 - 1 },
  steps: { label: 'Steps', integer: true, min: 1, max: 10_000_000 },
  learningRate: { label: 'Learning rate', integer: false, min: Number.MIN_VALUE, max: 1 },
  hiddenSize: { label: 'Hidden width', integer: true, min: 1, max: 1024 },
  batchSize: { label: 'Batch size', integer: true, min: 1, max: 4096 },
  warmup: { label: 'Warm-up / rollout steps', integer: true, min: 1, max: 1_000_000 },
  evalEvery: { label: 'Evaluate every', integer: true, min: 1, max: 10_000_000 },
  chainSteps: { label: 'Chain steps K', integer: true, min: 1, max: 50 },
};

function parseNumber(key: keyof typeof RULES, raw: string): number {
  const rule = RULES[key];
  const text = raw.trim();
  const value = text === '' ? NaN : Number(text);
  const kind = rule.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(value)) throw new SettingsError(`${rule.label} must be ${kind}, got '${raw}'`);
  if (value < 0) throw new SettingsError(`${rule.label} must not be negative, got ${value}`);
  if (rule.integer && !Number.isInteger(value)) throw new SettingsError(`${rule.label} must be ${kind}, got ${value}`);
  if (value < rule.min || value > rule.max) throw new SettingsError(`${rule.label} must be in [${rule.min}, ${rule.max}], got ${value}`);
  return value;
}

/** Checks the form's raw values; throws SettingsError naming the first bad field. */
export function parseSettings(raw: Readonly<Record<keyof Settings, string>>): Settings {
  if (!(ENV_IDS as readonly string[]).includes(raw.envId)) throw new SettingsError(`Unknown env '${raw.envId}'`);
  if (!(ALGORITHMS as readonly string[]).includes(raw.algorithm)) throw new SettingsError(`Unknown algorithm '${raw.algorithm}'`);
  const numbers = Object.fromEntries(Object.keys(RULES).map((k) => [k, parseNumber(k as keyof typeof RULES, raw[k as keyof typeof RULES])]));
  return { envId: raw.envId, algorithm: raw.algorithm as AlgorithmName, ...(numbers as Omit<Settings, 'envId' | 'algorithm'>) };
}
