/**
 * The one place that touches the `@mujoco/mujoco` API (the official MuJoCo WebAssembly build). The package is
 * young and its API still moves, so everything else in varl goes through `MujocoSimulation`.
 *
 * - The single-threaded build is used: the `/mt` build needs a global `navigator` that Node 20 lacks, and it was
 *   slower on Hopper even with one.
 * - The module is loaded once, lazily, by `loadMujocoRuntime()`; construction of a simulation is synchronous
 *   afterwards.
 * - MuJoCo's arrays (`qpos`, `qvel`, …) are live Float64Array views into the wasm heap. The heap can grow when
 *   any model or data is allocated, which detaches every view, so views are re-read whenever their buffer has
 *   been detached (`MujocoSimulation.views()`); nothing keeps a view across calls that can allocate.
 * - Every MjModel / MjData / option handle is `.delete()`d exactly once (they are not garbage-collected).
 */
import type { MainModule, MjData, MjModel } from '@mujoco/mujoco';

/**
 * The loaded `@mujoco/mujoco` module (its `MainModule`), opaque in varl's public types: the package's own
 * declarations do not compile under `skipLibCheck: false`, so no exported signature names them.
 */
export type MujocoModule = object;

/** The package's default export: Emscripten's factory of the module. */
export type MujocoFactory = () => Promise<MujocoModule>;

/** The module as the package declares it, once it looks like one (a factory from a plain-JS caller may return anything). */
function asMainModule(module: MujocoModule): MainModule {
  const candidate = module as Partial<MainModule> | null;
  if (typeof candidate?.MjModel?.from_xml_string !== 'function' || typeof candidate.MjData !== 'function') {
    throw new TypeError('MuJoCo: the module has no MjModel.from_xml_string or MjData; a factory must resolve to the @mujoco/mujoco module (its default export\'s result)');
  }
  return module as MainModule;
}

/**
 * Not a string literal on purpose: bundlers leave the import alone instead of pulling the package's Node code
 * path (`module`, `fs`) into a browser bundle. A page with its own bundler passes a factory instead.
 */
const PACKAGE = '@mujoco/mujoco';

async function importPackage(): Promise<MainModule> {
  const { default: loadMujoco } = (await import(PACKAGE)) as typeof import('@mujoco/mujoco');
  return loadMujoco();
}

let loading: Promise<MujocoModule> | null = null;
let loaded: MujocoModule | null = null;

/**
 * Loads the MuJoCo wasm module (about 10 MB, ~200 ms), once; later calls return the same promise (the first
 * call's factory wins).
 * @param factory how to instantiate the module; by default `@mujoco/mujoco`'s own loader, found by Node's
 *   resolution. A browser page bundling varl can pass `() => import('@mujoco/mujoco').then((m) => m.default())`.
 * @example const mujoco = await loadMujocoRuntime();
 */
export function loadMujocoRuntime(factory: MujocoFactory = importPackage): Promise<MujocoModule> {
  loading ??= Promise.resolve()
    .then(() => factory())
    .then((module) => (loaded = asMainModule(module)))
    .catch((error: unknown) => {
      loading = null; // a later call may retry
      throw new Error(`MuJoCo: could not load the @mujoco/mujoco wasm module: ${error instanceof Error ? error.message : String(error)}`);
    });
  return loading;
}

/** The loaded module, or null before `loadMujocoRuntime()` has resolved. */
export function loadedMujocoRuntime(): MujocoModule | null {
  return loaded;
}

/** MuJoCo's geom types (`mjtGeom`) that the renderer draws. */
export const GeomType = { plane: 0, hfield: 1, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6 } as const;

/** The live views of one MjData, re-created together when the heap has grown. */
export interface DataViews {
  qpos: Float64Array;
  qvel: Float64Array;
  act: Float64Array;
  ctrl: Float64Array;
  qacc_warmstart: Float64Array;
  qfrc_constraint: Float64Array;
  /** Body frames: positions (nbody × 3) and row-major rotation matrices (nbody × 9). */
  xpos: Float64Array;
  xmat: Float64Array;
  /** External contact wrench per body (nbody × 6), valid after `rnePostConstraint()`. */
  cfrc_ext: Float64Array;
  site_xpos: Float64Array;
  geom_xpos: Float64Array;
  geom_xmat: Float64Array;
}

/** Names of the derived `DataViews` fields an env may checkpoint (computed by MuJoCo, not part of its state). */
export type DerivedField = 'xpos' | 'xmat' | 'cfrc_ext' | 'site_xpos' | 'qfrc_constraint' | 'geom_xpos' | 'geom_xmat';

/** Static geometry of a model, copied out of the wasm heap once for rendering. */
export interface GeomTable {
  readonly count: number;
  readonly type: Int32Array;
  /** ngeom × 3. */
  readonly size: Float64Array;
  /** ngeom × 4, in [0, 1]. */
  readonly rgba: Float32Array;
  readonly bodyId: Int32Array;
}

/**
 * One compiled model and its data. Construct only after `loadMujocoRuntime()` has resolved.
 * @example
 * const sim = new MujocoSimulation(await loadMujocoRuntime(), xml);
 * sim.views().ctrl.set([0.5]); sim.step(4); sim.views().qpos[0];
 * sim.dispose();
 */
export class MujocoSimulation {
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly na: number;
  readonly nbody: number;
  readonly nsite: number;
  readonly timestep: number;
  /** nu × 2 control ranges, [low, high] per actuator. */
  readonly ctrlRange: Float64Array;
  readonly geoms: GeomTable;
  private readonly module: MainModule;
  private model: MjModel | null;
  private data: MjData | null;
  private cached: DataViews;

  /** Compiles `xml`; throws MuJoCo's own message (e.g. `MuJoCo Error: Loading error: XML Error: …`) on a bad model. */
  constructor(module: MujocoModule, xml: string) {
    this.module = asMainModule(module);
    let model: MjModel;
    try {
      model = this.module.MjModel.from_xml_string(xml);
    } catch (error) {
      throw new Error(mujocoMessage(error));
    }
    this.model = model;
    try {
      this.data = new this.module.MjData(model);
    } catch (error) {
      model.delete();
      throw new Error(mujocoMessage(error));
    }
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.na = model.na;
    this.nbody = model.nbody;
    this.nsite = model.nsite;
    const option = model.opt; // a handle of its own: read once, then free
    this.timestep = option.timestep;
    option.delete();
    this.ctrlRange = Float64Array.from(model.actuator_ctrlrange as Float64Array);
    this.geoms = {
      count: model.ngeom,
      type: Int32Array.from(model.geom_type as Int32Array),
      size: Float64Array.from(model.geom_size as Float64Array),
      rgba: Float32Array.from(model.geom_rgba as Float32Array),
      bodyId: Int32Array.from(model.geom_bodyid as Int32Array),
    };
    this.cached = this.readViews();
  }

  get disposed(): boolean {
    return this.data === null;
  }

  /** The data's live views, re-read if the wasm heap grew since they were taken. */
  views(): DataViews {
    if (this.cached.qpos.buffer.byteLength === 0) this.cached = this.readViews();
    return this.cached;
  }

  private readViews(): DataViews {
    const data = this.liveData();
    return {
      qpos: data.qpos,
      qvel: data.qvel,
      act: data.act,
      ctrl: data.ctrl,
      qacc_warmstart: data.qacc_warmstart,
      qfrc_constraint: data.qfrc_constraint,
      xpos: data.xpos,
      xmat: data.xmat,
      cfrc_ext: data.cfrc_ext,
      site_xpos: data.site_xpos,
      geom_xpos: data.geom_xpos,
      geom_xmat: data.geom_xmat,
    };
  }

  get time(): number {
    return this.liveData().time;
  }

  set time(value: number) {
    this.liveData().time = value;
  }

  /** `nstep` calls of `mj_step` (the wasm binding has no `nstep` argument). */
  step(nstep: number): void {
    const model = this.liveModel();
    const data = this.liveData();
    for (let i = 0; i < nstep; i++) this.module.mj_step(model, data);
  }

  /** `mj_forward`: all derived quantities from the current state, without advancing time. */
  forward(): void {
    this.module.mj_forward(this.liveModel(), this.liveData());
  }

  /** `mj_resetData`: the model's default state (qpos0, zero velocities, time 0; every data array cleared). */
  resetData(): void {
    this.module.mj_resetData(this.liveModel(), this.liveData());
  }

  /** `mj_rnePostConstraint`: fills `cfrc_ext` / `cfrc_int`, which `mj_step` leaves stale. */
  rnePostConstraint(): void {
    this.module.mj_rnePostConstraint(this.liveModel(), this.liveData());
  }

  /** Index of the body called `name`, or -1. */
  bodyId(name: string): number {
    return this.module.mj_name2id(this.liveModel(), this.module.mjtObj.mjOBJ_BODY.value, name);
  }

  /**
   * Copies of every numeric array of the compiled model, by MuJoCo's field name (`body_mass`, `geom_size`, …),
   * plus the scalar options as `opt.<name>`; for comparing two models field by field. Fields the bindings
   * cannot read (boolean arrays in this build) are left out.
   */
  modelArrays(): Map<string, Float64Array> {
    const model = this.liveModel();
    const arrays = new Map<string, Float64Array>();
    const prototype = Object.getPrototypeOf(model) as object;
    for (const key of Object.getOwnPropertyNames(prototype).sort()) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, key);
      if (descriptor?.get === undefined) continue;
      let value: unknown;
      try {
        value = (model as unknown as Record<string, unknown>)[key];
      } catch {
        continue; // a few fields (e.g. boolean arrays) have no binding in this build
      }
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        arrays.set(key, Float64Array.from(value as unknown as ArrayLike<number | bigint>, Number));
      } else if (typeof value === 'number') {
        arrays.set(key, Float64Array.of(value));
      }
    }
    const option = model.opt;
    for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(option) as object).sort()) {
      const value: unknown = (option as unknown as Record<string, unknown>)[key];
      if (typeof value === 'number') arrays.set(`opt.${key}`, Float64Array.of(value));
      else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) arrays.set(`opt.${key}`, Float64Array.from(value as unknown as ArrayLike<number>));
    }
    option.delete();
    return arrays;
  }

  /** Frees the data and the model; idempotent. */
  dispose(): void {
    this.data?.delete();
    this.model?.delete();
    this.data = null;
    this.model = null;
  }

  private liveModel(): MjModel {
    if (this.model === null) throw new Error('MuJoCo: the model was freed (the env is closed)');
    return this.model;
  }

  private liveData(): MjData {
    if (this.data === null) throw new Error('MuJoCo: the data was freed (the env is closed)');
    return this.data;
  }
}

/** The text of an error thrown by the wasm module (an Error, or sometimes a bare string). */
function mujocoMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().replace(/\s*\n\s*/g, ' ');
}
