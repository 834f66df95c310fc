/**
 * Modules: named trees of parameters (trainable tensors) and buffers (saved, not trained).
 *
 * A module registers its parameters, buffers and child modules under names; the dotted paths of a
 * tree (`0.weight`, `encoder.2.bias`) are the keys of its state dict, and for the layers in this
 * folder they are the names PyTorch gives the equivalent `nn.Sequential`, so weights transfer
 * through safetensors files unchanged. Forward code reads parameters through the registry
 * (`this.getParameter(name)`), which is what lets `functionalCall` substitute other tensors and
 * differentiate with respect to them inside `grad`, `hvp` or `vjp`.
 */
import { ShapeError, ValueError, describeValue, expectFunction, expectObject, formatShape } from '../errors.ts';
import { noGrad } from '../autograd/graph.ts';
import { kernels } from '../kernels/index.ts';
import { sameShape } from '../shape.ts';
import { Tensor, expectTensor } from '../tensor.ts';

/** A detached copy in storage from the active kernel set. */
export function cloneTensor(t: Tensor): Tensor {
  const data = kernels().allocate(t.dtype, t.size);
  data.set(t.data);
  return new Tensor(data, t.shape);
}

/** Tensors by dotted name, in registration order. */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require exactly the module's keys: no missing and no unexpected ones (default true). */
  strict?: boolean;
}

/** One validated copy of `loadStateDict`: the module tensor and the values to write into it. */
interface PendingCopy {
  readonly target: Tensor;
  readonly source: Tensor;
}

function assertName(kind: string, name: string): void {
  if (typeof name !== 'string') throw new ValueError(`Module: ${kind} name must be a string, got ${describeValue(name)}`);
  if (name === '' || name.includes('.')) {
    throw new ValueError(`Module: ${kind} name '${name}' must be non-empty and contain no '.'`);
  }
}

/** Throws a ValueError naming `op` and the argument (`what`) unless `x` is a Module (see errors.ts's expect…). */
export function expectModule(op: string, what: string, x: unknown): asserts x is Module {
  if (!(x instanceof Module)) throw new ValueError(`${op}: ${what} must be a Module, got ${describeValue(x)}`);
}

/** The checks of `loadStateDict`'s and `checkStateDict`'s arguments, which plain-JS callers can get wrong. */
function checkStateArguments(op: string, state: unknown, options: unknown): void {
  expectObject(op, 'state', state);
  expectObject(op, 'options', options);
}

export abstract class Module {
  private readonly parameterSlots = new Map<string, Tensor>();
  private readonly bufferSlots = new Map<string, Tensor>();
  private readonly childModules = new Map<string, Module>();

  /** Registers a trainable tensor under `name` (marking it `requiresGrad`) and returns it. */
  protected registerParameter(name: string, value: Tensor): Tensor {
    assertName('parameter', name);
    this.assertFree(name);
    expectTensor('Module.registerParameter', `parameter '${name}'`, value);
    if (!value.isLeaf) throw new ValueError(`Module: parameter '${name}' must be a leaf tensor (use detach())`);
    value.requiresGrad_(true);
    this.parameterSlots.set(name, value);
    return value;
  }

  /** Registers a non-trainable tensor that is saved in the state dict (running statistics, masks). */
  protected registerBuffer(name: string, value: Tensor): Tensor {
    assertName('buffer', name);
    this.assertFree(name);
    expectTensor('Module.registerBuffer', `buffer '${name}'`, value);
    this.bufferSlots.set(name, value);
    return value;
  }

  /** Registers a child module; its entries appear under `name.`. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    assertName('module', name);
    this.assertFree(name);
    expectModule('Module.registerModule', `module '${name}'`, module);
    this.childModules.set(name, module);
    return module;
  }

  private assertFree(name: string): void {
    if (this.parameterSlots.has(name) || this.bufferSlots.has(name) || this.childModules.has(name)) {
      throw new ValueError(`Module: name '${name}' is already registered on ${this.constructor.name}`);
    }
  }

  /** The parameter currently registered under `name` (read this in forward code). */
  protected getParameter(name: string): Tensor {
    const p = this.parameterSlots.get(name);
    if (!p) throw new ValueError(`${this.constructor.name}: no parameter named '${name}'`);
    return p;
  }

  protected getBuffer(name: string): Tensor {
    const b = this.bufferSlots.get(name);
    if (!b) throw new ValueError(`${this.constructor.name}: no buffer named '${name}'`);
    return b;
  }

  protected hasParameter(name: string): boolean {
    return this.parameterSlots.has(name);
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.childModules];
  }

  /** Every parameter of the tree with its dotted name, own parameters first, then children in order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.parameterSlots) out.push([prefix + name, p]);
    for (const [name, child] of this.childModules) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every parameter of the tree, in the order of `namedParameters`. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.bufferSlots) out.push([prefix + name, b]);
    for (const [name, child] of this.childModules) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Total number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Parameters then buffers, each tree in its own order: the entries of the state dict. */
  private namedEntries(): [string, Tensor][] {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  /** Copies of every parameter and buffer by dotted name, detached from the graph. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of this.namedEntries()) out[name] = cloneTensor(t);
    return out;
  }

  /**
   * Checks `state` against this module without changing anything: every key known (strict),
   * every shape equal. Throws a `ValueError` naming missing/unexpected keys or a `ShapeError`
   * naming the key and both shapes. Used by `loadStateDict` and by checkpoint loading, which checks
   * everything it will write before it writes anything.
   */
  checkStateDict(state: StateDict, options: LoadStateDictOptions = {}): void {
    checkStateArguments(`${this.constructor.name}.checkStateDict`, state, options);
    this.planLoad(state, options);
  }

  private planLoad(state: StateDict, { strict = true }: LoadStateDictOptions): PendingCopy[] {
    const entries = this.namedEntries();
    const own = new Set(entries.map(([name]) => name));
    const missing = entries.map(([name]) => name).filter((name) => !(name in state));
    const unexpected = Object.keys(state).filter((name) => !own.has(name));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const parts = [
        missing.length > 0 ? `missing keys [${missing.join(', ')}]` : '',
        unexpected.length > 0 ? `unexpected keys [${unexpected.join(', ')}]` : '',
      ].filter(Boolean);
      throw new ValueError(`${this.constructor.name}.loadStateDict: ${parts.join('; ')}`);
    }
    const plan: PendingCopy[] = [];
    for (const [name, target] of entries) {
      const source = state[name];
      if (source === undefined) continue;
      if (!(source instanceof Tensor)) throw new ValueError(`${this.constructor.name}.loadStateDict: '${name}' is not a Tensor`);
      if (!sameShape(source.shape, target.shape)) {
        throw new ShapeError(
          `${this.constructor.name}.loadStateDict: '${name}' has shape ${formatShape(source.shape)} in the state dict ` +
            `but ${formatShape(target.shape)} in the module`,
        );
      }
      plan.push({ target, source });
    }
    return plan;
  }

  /**
   * Copies `state` into the module's own tensors in place (converting dtype if needed). All keys
   * and shapes are checked first, so on error nothing has changed.
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions = {}): void {
    checkStateArguments(`${this.constructor.name}.loadStateDict`, state, options);
    const plan = this.planLoad(state, options);
    noGrad(() => {
      for (const { target, source } of plan) {
        if (target.data !== source.data) target.mutate_((data) => data.set(source.data));
      }
    });
  }

  /** Drops the gradients of every parameter (sets `.grad` to null). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Freezes (`false`) or unfreezes every parameter. Returns `this`. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** @internal Swaps parameter tensors by dotted name; returns the previous ones. Used by `functionalCall`. */
  swapParameters(replacements: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
    const previous = new Map<string, Tensor>();
    const visit = (module: Module, prefix: string): void => {
      for (const [name, p] of module.parameterSlots) {
        const replacement = replacements.get(prefix + name);
        if (replacement) {
          previous.set(prefix + name, p);
          module.parameterSlots.set(name, replacement);
        }
      }
      for (const [name, child] of module.childModules) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return previous;
  }
}

/** A module with a forward map of one tensor (layers, MLPs, `Sequential`). */
export interface UnaryModule extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * Runs `fn` with some of `module`'s parameters replaced by the given tensors (by dotted name), then
 * restores them. This is how to differentiate a module's output with respect to its parameters
 * inside the function transforms, or to evaluate it at other parameter values.
 * @example
 * const names = net.namedParameters().map(([n]) => n);
 * const loss = (...ps: Tensor[]) => functionalCall(net, Object.fromEntries(names.map((n, i) => [n, ps[i]])),
 *   () => net.forward(x).square().mean());
 * const [, pullback] = vjp(loss, ...net.parameters());
 */
export function functionalCall<T>(module: Module, parameters: StateDict, fn: () => T): T {
  expectModule('functionalCall', 'module', module);
  expectObject('functionalCall', 'parameters', parameters);
  expectFunction('functionalCall', 'fn', fn);
  const own = new Map(module.namedParameters());
  const replacements = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(parameters)) {
    const current = own.get(name);
    if (!current) throw new ValueError(`functionalCall: ${module.constructor.name} has no parameter '${name}'`);
    if (!(t instanceof Tensor)) expectTensor('functionalCall', `parameters['${name}']`, t);
    if (!sameShape(current.shape, t.shape)) {
      throw new ShapeError(`functionalCall: '${name}' has shape ${formatShape(t.shape)}, the module's is ${formatShape(current.shape)}`);
    }
    replacements.set(name, t);
  }
  const previous = module.swapParameters(replacements);
  try {
    return fn();
  } finally {
    module.swapParameters(previous);
  }
}

/** Pairs the parameters (and buffers) of two modules of one architecture, checking names and shapes. */
function pairEntries(op: string, target: Module, source: Module): [Tensor, Tensor][] {
  expectModule(op, 'target', target);
  expectModule(op, 'source', source);
  const t = [...target.namedParameters(), ...target.namedBuffers()];
  const s = [...source.namedParameters(), ...source.namedBuffers()];
  if (t.length !== s.length) {
    throw new ValueError(`${op}: target has ${t.length} tensors, source has ${s.length}`);
  }
  return t.map(([name, a], i) => {
    const [sourceName, b] = s[i];
    if (name !== sourceName || !sameShape(a.shape, b.shape)) {
      throw new ShapeError(
        `${op}: target '${name}' ${formatShape(a.shape)} does not match source '${sourceName}' ${formatShape(b.shape)}`,
      );
    }
    return [a, b];
  });
}

/**
 * Copies every parameter and buffer of `source` into `target` in place (same architecture):
 * the hard target-network update.
 */
export function copyParameters(target: Module, source: Module): void {
  const pairs = pairEntries('copyParameters', target, source);
  noGrad(() => {
    for (const [a, b] of pairs) a.mutate_((data) => data.set(b.data));
  });
}

/**
 * The soft target-network update θ_target ← (1 − τ)·θ_target + τ·θ_source, in place, one fused
 * pass per tensor. Buffers are copied by the same rule. τ = 1 is a hard copy, τ = 0 a no-op.
 * @example polyakUpdate(criticTarget, critic, 0.005)
 */
export function polyakUpdate(target: Module, source: Module, tau: number): void {
  const pairs = pairEntries('polyakUpdate', target, source);
  if (typeof tau !== 'number' || !(tau >= 0 && tau <= 1)) {
    throw new ValueError(`polyakUpdate: tau must be a number in [0, 1], got ${typeof tau === 'number' ? tau : describeValue(tau)}`);
  }
  noGrad(() => {
    for (const [a, b] of pairs) {
      const from = b.data;
      a.mutate_((to) => kernels().polyak(to, from, tau));
    }
  });
}
