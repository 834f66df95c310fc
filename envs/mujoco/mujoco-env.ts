/**
 * `MujocoEnv`: what Gymnasium's `envs/mujoco/mujoco_env.py` does for every v5 task, on top of `BaseEnv`'s
 * episode order, action checks, seeding and checkpoints. Each task file then holds only its observation,
 * reward, termination and reset noise.
 *
 * - Action space: `Box(actuator_ctrlrange, float32)`, read from the compiled model.
 * - `simulate(action)`: `data.ctrl[:] = action` (unclipped: MuJoCo clamps controls to `ctrlrange` itself),
 *   `frameSkip` calls of `mj_step`, then `mj_rnePostConstraint` (which fills `cfrc_ext`).
 * - Reset: `mj_resetData`, the task's noise on `init_qpos` / `init_qvel` (the model's qpos0 and zeros),
 *   then `mj_forward`, as Gymnasium's `reset` → `reset_model` → `set_state`.
 * - `dt = timestep · frameSkip`; render fps = round(1 / dt).
 * - Observations are float32 (Gymnasium's are float64), unbounded.
 *
 * Checkpoints hold MuJoCo's integration state (time, qpos, qvel, act, qacc_warmstart, ctrl: everything
 * `mj_step` reads, for models without mocap bodies, plugins or user data) plus the derived arrays the task
 * reads between steps (e.g. Ant's body positions and contact forces, which MuJoCo computed before the last
 * substep and which cannot be recomputed from the state). Restoring writes the state, runs `mj_forward` (so
 * poses for rendering are current), then writes the warm start and the derived arrays back: the continuation is
 * bit-identical to the original.
 */
import { showValue } from '../../engine/errors.ts';
import { isRecord } from '../core/arguments.ts';
import { BaseEnv } from '../core/base-env.ts';
import { EnvConfigError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { Box } from '../core/spaces.ts';
import type { Action, EnvState, Info, ResetArgs, ResetOptions, ResetResult, StepResult } from '../core/types.ts';
import { EnvClosedError, MujocoModelError, MujocoNotLoadedError } from './errors.ts';
import { renderScene, type SceneView } from './render.ts';
import { MujocoSimulation, loadedMujocoRuntime, type DataViews, type DerivedField } from './runtime.ts';

export interface MujocoEnvInit {
  id: string;
  /** MJCF text of the model. */
  xml: string;
  frameSkip: number;
  /** Observation length for the compiled model (e.g. `nq + nv − 1`). */
  observationSize: (sim: MujocoSimulation) => number;
  /** Derived data arrays the task reads between steps; checkpointed as they are. */
  derivedFields: readonly DerivedField[];
  view: SceneView;
}

/** Compiles `xml` for env `id`, or throws naming the env and quoting MuJoCo. */
function compile(id: string, xml: string): MujocoSimulation {
  const module = loadedMujocoRuntime();
  if (module === null) throw new MujocoNotLoadedError(id);
  if (typeof xml !== 'string') throw new MujocoModelError(id, `the model must be an MJCF string, got ${showValue(xml)}`);
  try {
    return new MujocoSimulation(module, xml);
  } catch (error) {
    throw new MujocoModelError(id, `MuJoCo could not compile the model: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The init a task passes to `super()`, checked for plain-JS subclasses (the model itself is checked by `compile`). */
function checkInit(init: unknown): asserts init is MujocoEnvInit {
  if (!isRecord(init)) {
    throw new TypeError(`MujocoEnv: init must be { id, xml, frameSkip, observationSize, derivedFields, view }, got ${showValue(init)}`);
  }
  const { id, frameSkip, observationSize, derivedFields, view } = init as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') throw new TypeError(`MujocoEnv: init.id must be a non-empty string, got ${showValue(id)}`);
  if (!Number.isInteger(frameSkip) || (frameSkip as number) < 1) throw new RangeError(`MujocoEnv: init.frameSkip must be an integer ≥ 1, got ${showValue(frameSkip)}`);
  if (typeof observationSize !== 'function') throw new TypeError(`MujocoEnv: init.observationSize must be a function (sim) => number, got ${showValue(observationSize)}`);
  if (!Array.isArray(derivedFields)) throw new TypeError(`MujocoEnv: init.derivedFields must be an array of data field names, got ${showValue(derivedFields)}`);
  if (!isRecord(view)) throw new TypeError(`MujocoEnv: init.view must be a SceneView object, got ${showValue(view)}`);
}

export abstract class MujocoEnv extends BaseEnv {
  protected readonly resetOptionKeys: readonly string[] = [];
  protected readonly sim: MujocoSimulation;
  readonly frameSkip: number;
  /** Seconds of simulated time per step. */
  readonly dt: number;
  /** The model's qpos0 and a zero velocity, as Gymnasium's `init_qpos` / `init_qvel`. */
  protected readonly initQpos: Float64Array;
  protected readonly initQvel: Float64Array;
  private readonly derivedFields: readonly DerivedField[];
  private readonly view: SceneView;
  private closed = false;

  constructor(init: MujocoEnvInit) {
    checkInit(init);
    // The model is compiled before super() because it sizes the spaces; freed again if super() throws.
    const sim = compile(init.id, init.xml);
    try {
      super(
        init.id,
        new Box({ low: -Infinity, high: Infinity, shape: [init.observationSize(sim)], dtype: 'float32' }),
        new Box({
          low: Array.from({ length: sim.nu }, (_, i) => sim.ctrlRange[2 * i]!),
          high: Array.from({ length: sim.nu }, (_, i) => sim.ctrlRange[2 * i + 1]!),
          dtype: 'float32',
        }),
        Math.round(1 / (sim.timestep * init.frameSkip)),
      );
    } catch (error) {
      sim.dispose();
      throw error;
    }
    this.sim = sim;
    this.frameSkip = init.frameSkip;
    this.dt = sim.timestep * init.frameSkip;
    this.derivedFields = init.derivedFields;
    this.view = init.view;
    this.initQpos = Float64Array.from(sim.views().qpos);
    this.initQvel = new Float64Array(sim.nv);
  }

  /** The compiled model's sizes and timestep. */
  get model(): { readonly nq: number; readonly nv: number; readonly nu: number; readonly nbody: number; readonly timestep: number } {
    const { nq, nv, nu, nbody, timestep } = this.sim;
    return { nq, nv, nu, nbody, timestep };
  }

  /** Every numeric array of the compiled model by MuJoCo field name (to compare two models field by field). */
  modelArrays(): Map<string, Float64Array> {
    this.assertOpen('modelArrays()');
    return this.sim.modelArrays();
  }

  /** The live MuJoCo arrays (read-only use: writing them bypasses the env). */
  get data(): Readonly<DataViews> {
    this.assertOpen('data');
    return this.sim.views();
  }

  /** Draw `qpos` and `qvel` for a new episode (the views hold `mj_resetData`'s state: qpos0 and zeros). */
  protected abstract resetModel(rng: Rng, qpos: Float64Array, qvel: Float64Array): void;
  /** The info that `reset()` returns (Gymnasium's `_get_reset_info`). */
  protected abstract resetInfo(): Info;

  protected resetPhysics(rng: Rng, _options: ResetOptions): void {
    this.sim.resetData();
    const views = this.sim.views();
    this.resetModel(rng, views.qpos, views.qvel);
    this.sim.forward();
    this.info = this.resetInfo();
  }

  /** Applies `action` as the controls and advances `frameSkip` substeps (Gymnasium's `do_simulation`). */
  protected simulate(action: Action): void {
    const ctrl = this.sim.views().ctrl;
    for (let i = 0; i < ctrl.length; i++) ctrl[i] = action[i]!;
    this.sim.step(this.frameSkip);
    this.sim.rnePostConstraint();
  }

  /** Σ action², in float64 on the action as given (the control cost ignores MuJoCo's clamping). */
  protected static squaredNorm(action: Action): number {
    let sum = 0;
    for (let i = 0; i < action.length; i++) sum += action[i]! * action[i]!;
    return sum;
  }

  protected physicsState(): number[] {
    const views = this.sim.views();
    const values = [this.sim.time, ...views.qpos, ...views.qvel, ...views.act, ...views.qacc_warmstart, ...views.ctrl];
    for (const field of this.derivedFields) values.push(...views[field]);
    return values;
  }

  protected restorePhysics(values: readonly number[]): void {
    let offset = 1;
    const take = (target: Float64Array) => {
      for (let i = 0; i < target.length; i++) target[i] = values[offset + i]!;
      offset += target.length;
    };
    let views = this.sim.views();
    this.sim.time = values[0]!;
    take(views.qpos);
    take(views.qvel);
    take(views.act);
    const warmstartOffset = offset;
    offset += views.qacc_warmstart.length;
    take(views.ctrl);
    this.sim.forward();
    views = this.sim.views();
    const derivedOffset = offset;
    offset = warmstartOffset;
    take(views.qacc_warmstart);
    offset = derivedOffset;
    for (const field of this.derivedFields) take(views[field]);
  }

  override reset(args?: ResetArgs): ResetResult {
    this.assertOpen('reset()');
    return super.reset(args);
  }

  override step(action: Action): StepResult {
    this.assertOpen('step()');
    return super.step(action);
  }

  override getState(): EnvState {
    this.assertOpen('getState()');
    return super.getState();
  }

  override setState(state: EnvState): void {
    this.assertOpen('setState()');
    super.setState(state);
  }

  /** Frees MuJoCo's model and data; idempotent. Any later call but `close()` throws `EnvClosedError`. */
  override close(): void {
    this.sim.dispose();
    this.closed = true;
  }

  renderSvg(): string {
    this.assertOpen('renderSvg()');
    return renderScene(this.sim, this.view, `${this.id}  t=${this.sim.time.toFixed(2)} s${this.caption()}`);
  }

  /** Extra caption text after the id and time (e.g. the x position). */
  protected caption(): string {
    return '';
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new EnvClosedError(this.id, `${what} called after close(); the MuJoCo model and data were freed`);
  }

  /** Checks a `qpos`/`qvel` pair given to `setPhysicsState`. */
  private checkLength(name: string, values: ArrayLike<number>, expected: number): void {
    if (typeof values !== 'object' || values === null) {
      throw new EnvConfigError(this.id, `setPhysicsState: ${name} must be ${expected} numbers, got ${showValue(values)}`);
    }
    if (values.length !== expected) throw new EnvConfigError(this.id, `setPhysicsState: ${name} must have ${expected} values, got ${values.length}`);
    for (let i = 0; i < expected; i++) {
      const v: unknown = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new EnvConfigError(this.id, `setPhysicsState: ${name}[${i}] must be a finite number, got ${showValue(v)}`);
    }
  }

  /**
   * Puts the simulation at `qpos`, `qvel` (Gymnasium's `set_state`: written, then `mj_forward`) and writes the
   * observation, leaving the RNG and episode phase alone. For tests and demonstrations from hand-chosen states.
   * @returns the observation of that state (the env's reused buffer).
   */
  setPhysicsState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float32Array {
    this.assertOpen('setPhysicsState()');
    this.checkLength('qpos', qpos, this.sim.nq);
    this.checkLength('qvel', qvel, this.sim.nv);
    const views = this.sim.views();
    views.qpos.set(qpos);
    views.qvel.set(qvel);
    this.sim.forward();
    this.writeObservation();
    return this.obs;
  }
}
