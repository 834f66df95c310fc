/**
 * Classic 4-stage Runge–Kutta on a flat state [q…, v…], arranged as MuJoCo's `mj_RungeKutta` does it:
 * stages at h/2, h/2, h with the control held constant, then x += h·(k1/6 + k2/3 + k3/3 + k4/6).
 * Buffers are preallocated; `step` allocates nothing. The stages run in a loop so the derivative has a
 * single call site (V8 then inlines it once, not four times).
 */

/** Writes d(state)/dt into `out`. Must not keep references to either array. */
export type Derivative = (state: Float64Array, out: Float64Array) => void;

/** Butcher tableau of classic RK4: stage offsets (a) and weights (b). */
const STAGE_OFFSET = [0.5, 0.5, 1];
const WEIGHT = [1 / 6, 1 / 3, 1 / 3, 1 / 6];

export class Rk4Integrator {
  /**
   * The state at which the last stage (k4) was evaluated: x + h·k3. MuJoCo leaves its kinematics
   * (`data.xpos`) at this state after an RK4 `mj_step`, which Gymnasium's MuJoCo envs then read.
   */
  readonly lastStage: Float64Array;
  private readonly slopes: Float64Array[];

  constructor(
    readonly size: number,
    private readonly derivative: Derivative,
  ) {
    this.lastStage = new Float64Array(size);
    this.slopes = [0, 1, 2, 3].map(() => new Float64Array(size));
  }

  /** Advance `state` in place by `h`. */
  step(state: Float64Array, h: number): void {
    const { lastStage: stage, slopes, size } = this;
    for (let s = 0; s < 4; s++) {
      this.derivative(s === 0 ? state : stage, slopes[s]!);
      if (s === 3) break;
      const slope = slopes[s]!;
      const offset = STAGE_OFFSET[s]!;
      for (let i = 0; i < size; i++) stage[i] = state[i]! + h * (offset * slope[i]!);
    }
    const [k1, k2, k3, k4] = slopes as [Float64Array, Float64Array, Float64Array, Float64Array];
    for (let i = 0; i < size; i++) {
      const slope = k1[i]! * WEIGHT[0]! + k2[i]! * WEIGHT[1]! + k3[i]! * WEIGHT[2]! + k4[i]! * WEIGHT[3]!;
      state[i] = state[i]! + h * slope;
    }
  }
}
