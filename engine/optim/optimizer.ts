/**
 * The optimizer base: a fixed list of parameters, lazily created per-parameter state (step count
 * and moment tensors), `zeroGrad`, and a state dict that checkpoints can save and restore.
 */
import { ShapeError, ValueError, describeValue, expectArray, expectObject, formatShape } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import { sameShape } from '../shape.ts';
import { Tensor, expectTensor } from '../tensor.ts';
import { cloneTensor } from '../nn/module.ts';

/** The state one parameter carries between steps. */
export interface ParameterState {
  /** Steps taken on this parameter (parameters without a gradient are skipped and do not count). */
  step: number;
  /** Named state tensors of the parameter's shape (e.g. `expAvg`, `expAvgSq`, `momentumBuffer`). */
  readonly tensors: Record<string, Tensor>;
}

/** Everything an optimizer needs to resume: its kind, hyperparameters and per-parameter state. */
export interface OptimizerState {
  readonly kind: string;
  readonly hyper: Record<string, number | boolean>;
  /** One entry per parameter in constructor order; null before its first step. */
  readonly parameters: readonly (ParameterState | null)[];
}

/**
 * Throws a ValueError naming `op` unless `params` can be iterated (strings excepted, whose
 * characters are no parameters); the entries are the caller's to check.
 */
export function expectParameters(op: string, params: unknown): asserts params is Iterable<unknown> {
  const iterable = typeof params === 'object' && params !== null && typeof (params as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
  if (!iterable) throw new ValueError(`${op}: params must be an iterable of Tensors (such as module.parameters()), got ${describeValue(params)}`);
}

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  protected readonly state: (ParameterState | null)[];

  constructor(params: Iterable<Tensor>, readonly kind: string) {
    if (new.target === Optimizer) throw new ValueError('Optimizer: an abstract base class; construct Adam, AdamW, SGD or a subclass');
    if (typeof kind !== 'string') throw new ValueError(`Optimizer: kind must be a string (the subclass's name), got ${describeValue(kind)}`);
    expectParameters(kind, params);
    this.params = [...params];
    this.params.forEach((p, i) => expectTensor(kind, `params[${i}]`, p));
    if (new Set(this.params).size !== this.params.length) throw new ValueError(`${kind}: a parameter appears twice`);
    this.params.forEach((p, i) => {
      if (!p.isLeaf) throw new ValueError(`${kind}: parameter ${i} ${formatShape(p.shape)} is not a leaf tensor`);
    });
    this.state = this.params.map(() => null);
  }

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Hyperparameters as saved in the state dict. */
  protected abstract getHyper(): Record<string, number | boolean>;
  /** Throws a `ValueError` naming the first out-of-range value of a complete hyperparameter set. */
  protected abstract validateHyper(values: Record<string, number | boolean>): void;
  /** Applies a complete, validated hyperparameter set. */
  protected abstract assignHyper(values: Record<string, number | boolean>): void;

  /** The names of the state tensors each parameter carries. */
  protected abstract get slotNames(): readonly string[];

  /** Drops every parameter's gradient (PyTorch's default `set_to_none`). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** The gradient of parameter i, checked, or null when it has none. */
  protected gradientOf(i: number): Tensor | null {
    const p = this.params[i];
    const g = p.grad;
    if (!g) return null;
    if (!sameShape(g.shape, p.shape) || g.dtype !== p.dtype) {
      throw new ShapeError(
        `${this.kind}.step: gradient ${formatShape(g.shape)} ${g.dtype} does not match parameter ${i} ${formatShape(p.shape)} ${p.dtype}`,
      );
    }
    return g;
  }

  /** Parameter i's state, created with zero-filled slots on first use. */
  protected stateOf(i: number): ParameterState {
    let s = this.state[i];
    if (!s) {
      const p = this.params[i];
      const tensors: Record<string, Tensor> = {};
      for (const name of this.slotNames) tensors[name] = new Tensor(kernels().allocate(p.dtype, p.size), p.shape);
      s = this.state[i] = { step: 0, tensors };
    }
    return s;
  }

  /** Copies of the optimizer's state. */
  stateDict(): OptimizerState {
    return {
      kind: this.kind,
      hyper: this.getHyper(),
      parameters: this.state.map((s) => s && {
        step: s.step,
        tensors: Object.fromEntries(Object.entries(s.tensors).map(([k, t]) => [k, cloneTensor(t)])),
      }),
    };
  }

  /**
   * Checks `state` against this optimizer without changing anything: same kind, same number of
   * parameters, known hyperparameters, every slot present with the parameter's shape.
   */
  checkStateDict(state: OptimizerState): void {
    const where = `${this.kind}.loadStateDict`;
    expectObject(where, 'state', state);
    expectObject(where, 'state.hyper', state.hyper);
    expectArray(where, 'state.parameters', state.parameters);
    if (state.kind !== this.kind) throw new ValueError(`${where}: state is for a ${state.kind} optimizer`);
    if (state.parameters.length !== this.params.length) {
      throw new ValueError(`${where}: state has ${state.parameters.length} parameters, the optimizer ${this.params.length}`);
    }
    const own = this.getHyper();
    for (const [key, value] of Object.entries(state.hyper)) {
      if (!(key in own)) throw new ValueError(`${where}: unknown hyperparameter '${key}'`);
      if (typeof value !== typeof own[key]) throw new ValueError(`${where}: hyperparameter '${key}' has type ${typeof value}`);
    }
    this.validateHyper({ ...own, ...state.hyper });
    state.parameters.forEach((s, i) => {
      if (s === null) return;
      expectObject(where, `state.parameters[${i}]`, s);
      expectObject(where, `state.parameters[${i}].tensors`, s.tensors);
      if (!Number.isInteger(s.step) || s.step < 0) throw new ValueError(`${where}: parameter ${i} has step ${s.step}`);
      for (const name of this.slotNames) {
        const t = s.tensors[name];
        if (!(t instanceof Tensor)) throw new ValueError(`${where}: parameter ${i} lacks state '${name}'`);
        if (!sameShape(t.shape, this.params[i].shape)) {
          throw new ShapeError(
            `${where}: state '${name}' of parameter ${i} has shape ${formatShape(t.shape)}, the parameter ${formatShape(this.params[i].shape)}`,
          );
        }
      }
      const extra = Object.keys(s.tensors).filter((k) => !this.slotNames.includes(k));
      if (extra.length > 0) throw new ValueError(`${where}: parameter ${i} has unknown state [${extra.join(', ')}]`);
    });
  }

  /** Restores hyperparameters and per-parameter state (copied, in the parameters' dtypes). All-or-nothing. */
  loadStateDict(state: OptimizerState): void {
    this.checkStateDict(state);
    this.assignHyper({ ...this.getHyper(), ...state.hyper });
    state.parameters.forEach((s, i) => {
      if (s === null) {
        this.state[i] = null;
        return;
      }
      const own = this.stateOf(i);
      own.step = s.step;
      for (const name of this.slotNames) {
        const source = s.tensors[name].data;
        own.tensors[name].mutate_((data) => data.set(source));
      }
    });
  }
}

/** Throws a ValueError unless `value` is a number and `ok` (a string would pass most comparisons). */
export function assertHyper(kind: string, name: string, value: unknown, ok: boolean, range: string): void {
  if (typeof value !== 'number') throw new ValueError(`${kind}: ${name} must be a number, got ${describeValue(value)}`);
  if (!ok || Number.isNaN(value)) throw new ValueError(`${kind}: ${name} must be ${range}, got ${value}`);
}
