/**
 * The messages between the page (main.ts) and the training worker (worker.ts). Every message is a
 * plain structured-clone value; checkpoint files travel as Uint8Arrays.
 */
import type { ActionInspection } from '../../algorithms/browser.ts';
import type { Settings } from './settings.ts';

export type CheckpointFiles = Record<string, Uint8Array>;

/** The page → the worker. */
export type ToWorker =
  | { readonly type: 'start'; readonly settings: Settings }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' }
  /** Target env steps per second; null runs as fast as the worker can. */
  | { readonly type: 'speed'; readonly stepsPerSecond: number | null }
  /** Inspect state `index` of the last evaluation episode. */
  /** `dims`: the action coordinates to grid (more than two actions: a slice), default 0 and 1. */
  | { readonly type: 'inspect'; readonly index: number; readonly dims?: readonly number[] }
  /** `policy`: meta.json and the networks only (what `varl export` writes), else the whole checkpoint. */
  | { readonly type: 'export'; readonly policy: boolean }
  /** Load a checkpoint; `expected` is what the page has selected, which the checkpoint must match. */
  | { readonly type: 'import'; readonly files: CheckpointFiles; readonly expected: { readonly algorithm: string; readonly envId: string }; readonly totalSteps: number };

export type SessionState = 'idle' | 'running' | 'paused' | 'done';

/** What the page learns about the session after each chunk of training. */
export interface Status {
  readonly state: SessionState;
  readonly algorithm: string;
  readonly envId: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly updates: number;
  /** Gradient updates per second of training time over the last chunks. */
  readonly updatesPerSecond: number;
}

/** The return of an episode (training or evaluation) and the losses averaged since the last row. */
export interface CurvePoint {
  readonly step: number;
  readonly episodeReturn?: number;
  readonly evalReturn?: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** One deterministic evaluation episode: the states visited, their SVG frames and the return. */
export interface EvaluationEpisode {
  readonly step: number;
  readonly episodeReturn: number;
  readonly observations: number[][];
  readonly frames: string[];
}

/** The worker → the page. */
export type FromWorker =
  | { readonly type: 'ready'; readonly kernels: string }
  | { readonly type: 'status'; readonly status: Status }
  | { readonly type: 'frame'; readonly svg: string }
  | { readonly type: 'curve'; readonly points: CurvePoint[] }
  | { readonly type: 'evaluation'; readonly episode: EvaluationEpisode }
  /** `action` is `predict(obs, { deterministic: true })` in env units, as float32 values. */
  | { readonly type: 'inspection'; readonly index: number; readonly observation: number[]; readonly action: number[]; readonly inspection: ActionInspection }
  | { readonly type: 'checkpoint'; readonly name: string; readonly files: CheckpointFiles }
  /** `kernelChange`: the checkpoint's kernels and the page's, when they differ (training goes on, not bit-identically). */
  | {
    readonly type: 'loaded'; readonly algorithm: string; readonly envId: string; readonly step: number;
    readonly kernelChange: { readonly saved: string; readonly page: string } | null;
    /** An exported policy (networks only): the steps it was trained for; training from it starts afresh. */
    readonly policyOnly: { readonly trainedSteps: number } | null;
  }
  | { readonly type: 'error'; readonly context: 'start' | 'import' | 'training' | 'inspect' | 'export'; readonly message: string };
