/** The rows a training run reports: one per finished episode and per evaluation. */

/** One evaluation of the deterministic policy. */
export interface EvalPoint {
  readonly step: number;
  readonly mean: number;
  readonly std: number;
}

/** One progress row. Absent values are written as empty CSV fields / JSON null. */
export interface ProgressRecord {
  /** Env steps taken so far. */
  readonly step: number;
  /** Episodes finished so far. */
  readonly episode: number;
  /** Return of the episode that just finished (training policy, with exploration). */
  readonly episodeReturn?: number;
  /** Deterministic-policy evaluation at this step. */
  readonly evalReturnMean?: number;
  readonly evalReturnStd?: number;
  /** Mean of each metric over the updates since the previous row, e.g. { critic_loss, actor_loss }. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Values read when the row is written, e.g. SAC's temperature { alpha }. */
  readonly gauges: Readonly<Record<string, number>>;
  /** Gradient updates per second of wall time since the previous row. */
  readonly updatesPerSecond?: number;
  /** Wall-clock seconds of training so far (summed over resumed segments). */
  readonly wallSeconds: number;
}
