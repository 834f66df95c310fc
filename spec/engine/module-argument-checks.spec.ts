/**
 * Modules, optimizers, initializers, distributions and I/O called from plain JavaScript: an argument
 * the TypeScript types would reject is refused with a ValueError that names the function, the
 * argument and what was passed, instead of a TypeError from deep inside ("params is not iterable").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Activation, Adam, AdamW, AffineBox, AffineCouplingTransform, AffineTransform, ComposeTransform, Generator, LayerNorm, Linear, MLP,
  Normal, Optimizer, SGD, Sequential, TanhNormal, TanhTransform, Tensor, TransformedDistribution, ValueError, calculateGain,
  clipGradNorm, constant_, copyParameters, decodeSafetensors, defaultLinearInit, encodeCheckpoint, encodeOptimizers, encodeSafetensors,
  fans, functionalCall, kaimingNormal_, kaimingUniform_, klDivergence, loadSafetensors, modelTensors, normal_, orthogonal_,
  polyakUpdate, prepareRestore, readCheckpointMeta, readCheckpointTensors, readDirectoryFiles, resolveDirectory, restoreCheckpoint,
  saveSafetensors, seedWords, tensor, uniform_, writeDirectoryAtomic, writeFileAtomic, xavierNormal_, xavierUniform_, zeroGrad, zeros, zeros_,
} from '../../engine/node.ts';
import { refuses as refusesWith } from '../support/plain-js.ts';

const refuses = (f: () => unknown, message: RegExp): void => refusesWith(f, ValueError, message);

/** `f` called with arguments typed away, as a plain-JS caller would. */
const call = (f: unknown) => (...args: unknown[]) => (): unknown => (f as (...a: unknown[]) => unknown)(...args);
/** `new C(...)` with arguments typed away. */
const build = (C: unknown) => (...args: unknown[]) => (): unknown => new (C as new (...a: unknown[]) => unknown)(...args);

const net = (seed = 0): MLP => new MLP({ inputSize: 2, hiddenSizes: [3], outputSize: 1, generator: seed });
const x = tensor([[0.5, -1]]);

describe('argument checks of modules, optimizers, distributions and I/O', () => {
  describe('optimizers refuse what is not an iterable of Tensors, and wrong options', () => {
    it('Adam, AdamW, SGD: params', () => {
      refuses(build(Adam)(), /^Adam: params must be an iterable of Tensors \(such as module\.parameters\(\)\), got undefined$/);
      refuses(build(AdamW)(null), /^AdamW: params must be an iterable of Tensors .*, got null$/);
      refuses(build(SGD)({}, { lr: 1 }), /^SGD: params must be an iterable of Tensors .*, got an Object$/);
      refuses(build(Adam)(net()), /^Adam: params must be an iterable of Tensors \(such as module\.parameters\(\)\), got a MLP$/);
      refuses(build(Adam)('ab'), /^Adam: params .* got the string "ab"$/);
      refuses(build(Adam)([...net().parameters(), undefined]), /^Adam: params\[4\] must be a Tensor, got undefined$/);
    });

    it('Adam, AdamW, SGD: options', () => {
      const params = net().parameters();
      refuses(build(Adam)(params, null), /^Adam: options must be an object, got null$/);
      refuses(build(AdamW)(params, 1e-3), /^AdamW: options must be an object, got the number 0\.001$/);
      refuses(build(Adam)(params, { betas: 0.9 }), /^Adam: options\.betas must be a pair \[beta1, beta2\], got 0\.9$/);
      refuses(build(Adam)(params, { lr: '1e-3' }), /^Adam: lr must be a number, got the string "1e-3"$/);
      refuses(build(SGD)(params), /^SGD: options must be an object, got undefined$/);
      refuses(build(SGD)(params, {}), /^SGD: lr must be a number, got undefined$/);
      refuses(build(SGD)(params, { lr: 0.1, momentum: 0.9, nesterov: 'yes' }), /^SGD: nesterov must be true or false, got the string "yes"$/);
    });

    it('Optimizer itself, loadStateDict, zeroGrad and clipGradNorm', () => {
      refuses(build(Optimizer)(), /^Optimizer: an abstract base class; construct Adam, AdamW, SGD or a subclass$/);
      const opt = new Adam(net().parameters());
      refuses(call(opt.loadStateDict.bind(opt))(undefined), /^Adam\.loadStateDict: state must be an object, got undefined$/);
      refuses(call(opt.loadStateDict.bind(opt))({ kind: 'Adam', hyper: {}, parameters: null }), /^Adam\.loadStateDict: state\.parameters must be an array, got null$/);
      refuses(call(opt.loadStateDict.bind(opt))({ kind: 'Adam', hyper: {}, parameters: [undefined, null, null, null] }),
        /^Adam\.loadStateDict: state\.parameters\[0\] must be an object, got undefined$/);
      refuses(call(zeroGrad)(), /^zeroGrad: params must be an iterable of Tensors .*, got undefined$/);
      refuses(call(zeroGrad)([x, 1]), /^zeroGrad: params\[1\] must be a Tensor, got the number 1$/);
      refuses(call(clipGradNorm)(undefined, 1), /^clipGradNorm: params must be an iterable of Tensors .*, got undefined$/);
      refuses(call(clipGradNorm)([], 1, null), /^clipGradNorm: options must be an object, got null$/);
      refuses(call(clipGradNorm)([], '1'), /^clipGradNorm: maxNorm must be a number ≥ 0, got the string "1"$/);
    });

    it('valid optimizers still step, zero and clip as before', () => {
      const model = net(3);
      const opt = new Adam(model.parameters(), { lr: 0.1, betas: [0.8, 0.9] });
      const sgd = new SGD(new Set(model.parameters()), { lr: 0.01, momentum: 0.9, nesterov: true });
      model.forward(x).sum().backward();
      assert.ok(clipGradNorm(model.parameters(), 1e-3) > 0);
      const before = model.parameters()[0].toArray();
      opt.step();
      sgd.step();
      assert.notDeepEqual(model.parameters()[0].toArray(), before);
      zeroGrad(model.parameters());
      assert.ok(model.parameters().every((p) => p.grad === null));
      opt.loadStateDict(opt.stateDict());
    });
  });

  describe('modules', () => {
    it('Sequential, Linear, LayerNorm, Activation, MLP: layers and options', () => {
      refuses(build(Sequential)(), /^Sequential: layers must be an array, got undefined$/);
      refuses(build(Sequential)(null), /^Sequential: layers must be an array, got null$/);
      refuses(build(Sequential)([new Activation('relu'), 'relu']), /^Sequential: layers\[1\] must be a Module with forward\(x\), got the string "relu"$/);
      refuses(build(Linear)(2, 2, { generator: 0, init: 'kaiming' }), /^Linear: options\.init must be a function, got the string "kaiming"$/);
      refuses(build(Linear)(2, 2, { generator: 0, bias: 'false' }), /^Linear: options\.bias must be true or false, got the string "false"$/);
      refuses(build(Linear)(2, 2, { generator: 0, dtype: 'int32' }), /^Linear: options\.dtype must be 'float32' or 'float64', got the string "int32"$/);
      refuses(build(Linear)(2, 2, null), /^Linear: options must be an object with a generator, got null$/);
      refuses(build(LayerNorm)(), /^LayerNorm: normalizedSize must be an integer 0…\d+ \(MAX_LAYER_WIDTH\), got undefined$/);
      refuses(build(LayerNorm)(3, null), /^LayerNorm: options must be an object, got null$/);
      refuses(build(LayerNorm)(3, { eps: '1e-5' }), /^LayerNorm: options\.eps must be a finite number ≥ 0, got the string "1e-5"$/);
      refuses(call((v: unknown) => new LayerNorm(2).forward(v as Tensor))(undefined), /^LayerNorm\.forward: x must be a Tensor, got undefined$/);
      refuses(build(Activation)('toString'), /^Activation: activation must be one of 'relu', 'tanh', 'elu', 'sigmoid', 'softplus', 'identity' or a function, got the string "toString"$/);
      refuses(build(Activation)(), /^Activation: activation must be one of .* or a function, got undefined$/);
      const mlp = (o: Record<string, unknown>) => build(MLP)({ inputSize: 2, hiddenSizes: [3], outputSize: 1, generator: 0, ...o });
      refuses(mlp({ activation: 'gelu' }), /^MLP: options\.activation must be one of .* or a function, got the string "gelu"$/);
      refuses(mlp({ outputActivation: null }), /^MLP: options\.outputActivation must be one of .* or a function, got null$/);
      refuses(mlp({ hiddenInit: {} }), /^MLP: options\.hiddenInit must be a function, got an Object$/);
      refuses(mlp({ layerNorm: 1 }), /^MLP: options\.layerNorm must be true or false, got 1$/);
    });

    it('functionalCall, copyParameters, polyakUpdate, loadStateDict', () => {
      const a = net(1);
      refuses(call(functionalCall)(), /^functionalCall: module must be a Module, got undefined$/);
      refuses(call(functionalCall)(a, null, () => 0), /^functionalCall: parameters must be an object, got null$/);
      refuses(call(functionalCall)(a, {}), /^functionalCall: fn must be a function, got undefined$/);
      refuses(call(functionalCall)(a, { '0.weight': undefined }, () => 0), /^functionalCall: parameters\['0\.weight'\] must be a Tensor, got undefined$/);
      refuses(call(copyParameters)(), /^copyParameters: target must be a Module, got undefined$/);
      refuses(call(copyParameters)(a, null), /^copyParameters: source must be a Module, got null$/);
      refuses(call(polyakUpdate)(a, {}, 0.5), /^polyakUpdate: source must be a Module, got an Object$/);
      refuses(call(polyakUpdate)(a, net(2), '0.5'), /^polyakUpdate: tau must be a number in \[0, 1\], got the string "0\.5"$/);
      refuses(call(a.loadStateDict.bind(a))(undefined), /^MLP\.loadStateDict: state must be an object, got undefined$/);
      refuses(call(a.loadStateDict.bind(a))(a.stateDict(), null), /^MLP\.loadStateDict: options must be an object, got null$/);
      refuses(call(a.checkStateDict.bind(a))(null), /^MLP\.checkStateDict: state must be an object, got null$/);
    });

    it('valid module calls give what they gave before', () => {
      const [a, b] = [net(1), net(2)];
      const w = a.namedParameters()[0][1];
      const doubled = functionalCall(a, { '0.weight': w.mul(2) }, () => a.forward(x));
      assert.equal(doubled.shape.join(), '1,1');
      copyParameters(b, a);
      assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());
      polyakUpdate(b, net(3), 0.5);
      b.loadStateDict(a.stateDict());
      assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());
      const seq = new Sequential([new Linear(2, 2, { generator: 4, bias: false }), new Activation('relu'), new LayerNorm(2, { eps: 0 })]);
      assert.deepEqual(seq.forward(x).shape, [1, 2]);
    });
  });

  describe('initializers', () => {
    it('refuse a missing tensor, a missing options bag or generator, and values of the wrong type', () => {
      refuses(call(fans)(), /^fans: its argument must be a Tensor, got undefined$/);
      refuses(call(constant_)(null, 1), /^constant_: the first argument must be a Tensor, got null$/);
      refuses(call(constant_)(zeros([2]), '1'), /^constant_: value must be a number, got the string "1"$/);
      refuses(call(zeros_)({}), /^zeros_: its argument must be a Tensor, got an Object$/);
      refuses(call(uniform_)(zeros([2]), '-1', 1, { generator: 0 }), /^uniform_: low must be a number, got the string "-1"$/);
      refuses(call(normal_)(zeros([2]), 0, 1), /^normal_: options must be an object, got undefined$/);
      const w = zeros([3, 2]);
      for (const [name, init] of Object.entries({ xavierUniform_, xavierNormal_, kaimingUniform_, kaimingNormal_, orthogonal_ })) {
        refuses(call(init)(), new RegExp(`^${name}: the first argument must be a Tensor, got undefined$`));
        refuses(call(init)(w), new RegExp(`^${name}: options must be an object, got undefined$`));
        refuses(call(init)(w, null), new RegExp(`^${name}: options must be an object, got null$`));
        refuses(call(init)(w, {}), new RegExp(`^${name}: options\\.generator must be a seed \\(a safe integer\\) or a Generator, got undefined$`));
      }
      refuses(call(xavierUniform_)(w, { generator: 0, gain: '2' }), /^xavierUniform_: options\.gain must be a finite number, got the string "2"$/);
      refuses(call(kaimingUniform_)(w, { generator: 0, mode: 'fan_in' }), /^kaimingUniform_: options\.mode must be 'fanIn' or 'fanOut', got the string "fan_in"$/);
      refuses(call(kaimingNormal_)(w, { generator: 0, nonlinearity: 'gelu' }), /^kaimingNormal_: options\.nonlinearity must be one of 'linear', .*'selu', got the string "gelu"$/);
      refuses(call(calculateGain)('gelu'), /^calculateGain: nonlinearity must be one of .*, got the string "gelu"$/);
      refuses(call(defaultLinearInit)(), /^defaultLinearInit: layer must be a Linear, got undefined$/);
      refuses(call(defaultLinearInit)(new Linear(2, 2, { generator: 0 })), /^defaultLinearInit: generator must be a seed \(a safe integer\) or a Generator, got undefined$/);
    });

    it('valid calls draw the same numbers as the generator does directly', () => {
      const expected = new Float32Array(6);
      new Generator(5).fillUniform(expected, -1, 1);
      assert.deepEqual(uniform_(zeros([3, 2]), -1, 1, { generator: 5 }).data, expected);
      const bound = Math.sqrt(6 / 5);
      new Generator(5).fillUniform(expected, -bound, bound);
      assert.deepEqual(xavierUniform_(zeros([3, 2]), { generator: 5 }).data, expected);
      assert.deepEqual(fans(zeros([3, 2])), [2, 3]);
      assert.deepEqual(constant_(zeros([2]), 4).toArray(), [4, 4]);
      assert.equal(calculateGain('leakyRelu', 0), Math.SQRT2);
      kaimingNormal_(zeros([3, 2]), { generator: new Generator(1), mode: 'fanOut', nonlinearity: 'relu' });
      orthogonal_(zeros([3, 2]), { generator: 1, gain: 2 });
    });
  });

  describe('distributions and transforms', () => {
    it('Normal, klDivergence: parameters, generators, values', () => {
      refuses(build(Normal)(), /^Normal: loc must be a Tensor, got undefined$/);
      refuses(build(Normal)(null, 1), /^Normal: loc must be a Tensor, got null$/);
      refuses(build(Normal)(x), /^Normal: scale must be a Tensor or a number, got undefined$/);
      refuses(build(Normal)(x, '1'), /^Normal: scale must be a Tensor or a number, got the string "1"$/);
      refuses(build(Normal)(x, 1, null), /^Normal: options must be an object, got null$/);
      refuses(build(Normal)(x, 1, { eventDims: '1' }), /^Normal: options\.eventDims must be an integer, got the string "1"$/);
      refuses(call(Normal.fromLogScale)(undefined, 0), /^Normal\.fromLogScale: loc must be a Tensor, got undefined$/);
      const pi = new Normal(x, 1);
      refuses(call(pi.rsample.bind(pi))(), /^Normal\.rsample: generator must be a seed \(a safe integer\) or a Generator, got undefined$/);
      refuses(call(pi.sample.bind(pi))(0, 3), /^Normal\.sample: sampleShape must be an array, got the number 3$/);
      refuses(call(pi.logProb.bind(pi))(null), /^Normal\.logProb: value must be a Tensor, got null$/);
      refuses(call(pi.klDivergence.bind(pi))({}), /^Normal\.klDivergence: other must be a Normal, got an Object$/);
      refuses(call(klDivergence)(), /^klDivergence: p must be a Normal, got undefined$/);
      refuses(call(klDivergence)(pi, null), /^klDivergence: q must be a Normal, got null$/);
    });

    it('TanhNormal, AffineBox', () => {
      refuses(build(TanhNormal)(), /^TanhNormal: loc must be a Tensor, got undefined$/);
      refuses(build(TanhNormal)(x, null), /^TanhNormal: scale must be a Tensor or a number, got null$/);
      refuses(build(TanhNormal)(x, 1, null), /^TanhNormal: options must be an object, got null$/);
      refuses(build(TanhNormal)(x, 1, { box: 2 }), /^TanhNormal: options\.box must be an object, got the number 2$/);
      refuses(call(TanhNormal.fromLogScale)(undefined, 0), /^TanhNormal\.fromLogScale: loc must be a Tensor, got undefined$/);
      refuses(call(TanhNormal.fromBase)({}), /^TanhNormal\.fromBase: base must be a Normal, got an Object$/);
      const pi = new TanhNormal(x, 1);
      refuses(call(pi.rsample.bind(pi))(null), /^TanhNormal\.rsample: generator must be a seed \(a safe integer\) or a Generator, got null$/);
      refuses(call(pi.logProb.bind(pi))(), /^TanhNormal\.logProb: value must be a Tensor, got undefined$/);
      refuses(call(pi.logProb.bind(pi))(x, [1]), /^TanhNormal\.logProb: preTanh must be a Tensor, got an Array$/);
      refuses(call(pi.klToUniform.bind(pi))(), /^TanhNormal\.klToUniform: generator must be a seed .*, got undefined$/);
      refuses(build(AffineBox)(), /^AffineBox: box must be an object, got undefined$/);
      refuses(build(AffineBox)(null, 'float32'), /^AffineBox: box must be an object, got null$/);
      refuses(build(AffineBox)({}, 'float32'), /^AffineBox: box\.low must be a Tensor, a number or an array of numbers, got undefined$/);
      refuses(build(AffineBox)({ low: -1, high: '1' }, 'float32'), /^AffineBox: box\.high must be .*, got the string "1"$/);
      refuses(build(AffineBox)({ low: -1, high: 1 }, 'int8'), /^AffineBox: dtype must be 'float32' or 'float64', got the string "int8"$/);
    });

    it('transforms and TransformedDistribution', () => {
      refuses(build(TanhTransform)(null), /^TanhTransform: options must be an object, got null$/);
      refuses(build(TanhTransform)({ epsilon: '1e-6' }), /^TanhTransform: epsilon must be a finite number ≥ 0, got the string "1e-6"$/);
      refuses(call((y: unknown) => new TanhTransform().inverse(y as Tensor))(undefined), /^TanhTransform\.inverse: y must be a Tensor, got undefined$/);
      refuses(build(AffineTransform)(0, 1, null), /^AffineTransform: options must be an object, got null$/);
      refuses(build(AffineTransform)(0, 1, { dtype: 'half' }), /^AffineTransform: options\.dtype must be 'float32' or 'float64', got the string "half"$/);
      refuses(build(AffineTransform)(null, 1), /^AffineTransform: loc must be a tensor, a number or an array of numbers, got null$/);
      refuses(build(AffineCouplingTransform)([1, 0], () => 0, null), /^AffineCouplingTransform: options must be an object, got null$/);
      refuses(build(AffineCouplingTransform)(null, () => 0), /^AffineCouplingTransform: mask must be a tensor or an array of 0s and 1s, got null$/);
      refuses(build(ComposeTransform)(), /^ComposeTransform: transforms must be an array, got undefined$/);
      refuses(build(ComposeTransform)([1]), /^ComposeTransform: transforms\[0\] is not a Transform \(forward, inverse, logAbsDetJacobian\), got the number 1$/);
      refuses(build(TransformedDistribution)(), /^TransformedDistribution: base must be a distribution such as Normal .*, got undefined$/);
      const dist = new TransformedDistribution(new Normal(x, 1), [new TanhTransform()]);
      refuses(call(dist.rsample.bind(dist))(), /^TransformedDistribution\.rsample: generator must be a seed .*, got undefined$/);
      refuses(call(dist.logProb.bind(dist))(), /^TransformedDistribution\.logProb: value must be a Tensor, got undefined$/);
      refuses(call(dist.logProb.bind(dist))(x, 1), /^TransformedDistribution\.logProb: intermediates must be an array, got the number 1$/);
    });

    it('valid distributions sample and score as before', () => {
      const pi = TanhNormal.fromLogScale(x, tensor([[0, -1]]), { box: { low: -2, high: [2, 3] } });
      const { value, preTanh } = pi.rsample(new Generator(3), [2]);
      assert.deepEqual(value.shape, [2, 1, 2]);
      assert.ok(Number.isFinite(pi.logProb(value, preTanh).data[0]));
      const normal = new Normal(x, 1);
      assert.deepEqual(normal.rsample(3).toArray(), normal.rsample(new Generator(3)).toArray());
      assert.equal(klDivergence(normal, normal).data[0], 0);
      const box = new AffineBox({ low: -1, high: 1 }, undefined as never);
      assert.equal(box.center.dtype, 'float32');
      const t = new AffineTransform([0, 1], 2, { logAbsScale: tensor(Math.log(2)) });
      assert.deepEqual(t.logAbsDetJacobian(tensor([1, 2])).toArray(), [Math.fround(Math.log(2)), Math.fround(Math.log(2))]);
    });
  });

  describe('safetensors and checkpoints', () => {
    it('encodeSafetensors, decodeSafetensors', () => {
      refuses(call(encodeSafetensors)(), /^encodeSafetensors: tensors must be an object, got undefined$/);
      refuses(call(encodeSafetensors)(null), /^encodeSafetensors: tensors must be an object, got null$/);
      refuses(call(encodeSafetensors)({}, null), /^encodeSafetensors: metadata must be an object, got null$/);
      refuses(call(decodeSafetensors)(), /^decodeSafetensors: bytes must be a Uint8Array, got undefined$/);
      refuses(call(decodeSafetensors)(new ArrayBuffer(8)), /^decodeSafetensors: bytes must be a Uint8Array, got an ArrayBuffer$/);
      const bytes = encodeSafetensors({ a: tensor([1, 2]) }, { note: 'x' });
      assert.deepEqual(decodeSafetensors(bytes).tensors.a.toArray(), [1, 2]);
    });

    it('encodeCheckpoint, encodeOptimizers, modelTensors', () => {
      refuses(call(encodeCheckpoint)(), /^encodeCheckpoint: contents must be an object, got undefined$/);
      refuses(call(encodeCheckpoint)(null), /^encodeCheckpoint: contents must be an object, got null$/);
      refuses(call(encodeCheckpoint)({ modules: { actor: undefined } }), /^encodeCheckpoint: contents\.modules\['actor'\] must be a Module, got undefined$/);
      refuses(call(encodeCheckpoint)({ modules: [net()] }), /^encodeCheckpoint: contents\.modules must be an object of Modules by name, got an Array$/);
      refuses(call(encodeCheckpoint)({ optimizers: { actor: net() } }), /^encodeCheckpoint: contents\.optimizers\['actor'\] must be an Optimizer, got a MLP$/);
      refuses(call(encodeCheckpoint)({ streams: { rng: 1 } }), /^encodeCheckpoint: contents\.streams\['rng'\] must be a Generator, got the number 1$/);
      refuses(call(encodeCheckpoint)({ files: { 'a.bin': 'text' } }), /^encodeCheckpoint: contents\.files\['a\.bin'\] must be a Uint8Array, got the string "text"$/);
      refuses(call(encodeCheckpoint)({ meta: 3 }), /^encodeCheckpoint: contents\.meta must be an object, got the number 3$/);
      refuses(call(encodeOptimizers)(), /^encodeOptimizers: optimizers must be an object of Optimizers by name, got undefined$/);
      refuses(call(modelTensors)(null), /^modelTensors: modules must be an object of Modules by name, got null$/);
      refuses(call(modelTensors)({}, { logAlpha: 0 }), /^modelTensors: tensors\['logAlpha'\] must be a Tensor, got the number 0$/);
    });

    it('readCheckpointMeta, readCheckpointTensors, prepareRestore, restoreCheckpoint name the argument, not meta.json', () => {
      for (const [name, read] of Object.entries({ readCheckpointMeta, readCheckpointTensors, prepareRestore, restoreCheckpoint })) {
        refuses(call(read)(), new RegExp(`^${name}: files must be checkpoint files \\(\\{ 'meta\\.json': Uint8Array, … \\}\\), got undefined$`));
        refuses(call(read)(null), new RegExp(`^${name}: files must be checkpoint files .*, got null$`));
      }
      refuses(call(readCheckpointMeta)({ 'meta.json': '{}' }), /^readCheckpointMeta: files\['meta\.json'\] must be a Uint8Array, got the string "\{\}"$/);
      refuses(call(readCheckpointMeta)({}, 7), /^readCheckpointMeta: where must be a string \(it names the checkpoint in messages\), got the number 7$/);
      refuses(call(readCheckpointTensors)({}), /^readCheckpointTensors: name must be a file name, got undefined$/);
      refuses(call(prepareRestore)({}), /^prepareRestore: targets must be an object, got undefined$/);
      refuses(call(prepareRestore)({}, { modules: { actor: {} } }), /^prepareRestore: targets\.modules\['actor'\] must be a Module, got an Object$/);
      refuses(call(restoreCheckpoint)({}, { tensors: { logAlpha: [0] } }), /^restoreCheckpoint: targets\.tensors\['logAlpha'\] must be a Tensor, got an Array$/);
    });

    it('a checkpoint still round-trips, byte for byte', () => {
      const [a, b] = [net(1), net(2)];
      const opt = new Adam(a.parameters());
      a.forward(x).sum().backward();
      opt.step();
      const rng = new Generator(9);
      const files = encodeCheckpoint({ modules: { a }, optimizers: { a: opt }, streams: { rng }, meta: { step: 1 } });
      const meta = restoreCheckpoint<{ step: number }>(files, { modules: { a: b }, optimizers: { a: new Adam(b.parameters()) }, streams: { rng: new Generator(0) } });
      assert.equal(meta.step, 1);
      assert.deepEqual(encodeCheckpoint({ modules: { a: b } })['model.safetensors'], encodeCheckpoint({ modules: { a } })['model.safetensors']);
      assert.deepEqual(Object.keys(readCheckpointTensors(files, 'model.safetensors')), Object.keys(modelTensors({ a })));
      assert.equal(readCheckpointMeta(files).optimizers.a.kind, 'Adam');
    });
  });

  describe('Node files (engine/node.ts)', () => {
    let dir = '';
    before(() => { dir = mkdtempSync(join(tmpdir(), 'varl-arguments-')); });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('paths must be non-empty strings, contents strings or bytes', () => {
      refuses(call(writeFileAtomic)(), /^writeFileAtomic: file must be a non-empty path string, got undefined$/);
      refuses(call(writeFileAtomic)(join(dir, 'a'), 5), /^writeFileAtomic: contents must be a string or a Uint8Array, got the number 5$/);
      refuses(call(saveSafetensors)('', {}), /^saveSafetensors: file must be a non-empty path string, got the string ""$/);
      refuses(call(saveSafetensors)(join(dir, 'a.safetensors')), /^saveSafetensors: tensors must be an object, got undefined$/);
      refuses(call(loadSafetensors)(), /^loadSafetensors: file must be a non-empty path string, got undefined$/);
      refuses(call(writeDirectoryAtomic)(null, {}), /^writeDirectoryAtomic: dir must be a non-empty path string, got null$/);
      refuses(call(writeDirectoryAtomic)(join(dir, 'd')), /^writeDirectoryAtomic: files must be an object, got undefined$/);
      refuses(call(resolveDirectory)(), /^resolveDirectory: dir must be a non-empty path string, got undefined$/);
      refuses(call(resolveDirectory)(dir), /^resolveDirectory: marker must be a non-empty path string, got undefined$/);
      refuses(call(readDirectoryFiles)(), /^readDirectoryFiles: dir must be a non-empty path string, got undefined$/);
    });

    it('valid calls still write and read', () => {
      const file = join(dir, 'w.safetensors');
      saveSafetensors(file, { w: tensor([1, 2]) });
      assert.deepEqual(loadSafetensors(file).tensors.w.toArray(), [1, 2]);
      writeDirectoryAtomic(join(dir, 'c'), { 'meta.json': '{}' });
      assert.equal(resolveDirectory(join(dir, 'c'), 'meta.json'), join(dir, 'c'));
      assert.deepEqual(Object.keys(readDirectoryFiles(join(dir, 'c'))), ['meta.json']);
    });
  });

  describe('Generator', () => {
    it('seeds and fills', () => {
      refuses(build(Generator)('5'), /^Generator: seed must be a safe integer, got "5"$/);
      refuses(call(seedWords)(), /^seedWords: seed must be a safe integer, got undefined$/);
      const g = new Generator(0);
      refuses(call(g.fillUniform.bind(g))([0, 0]), /^Generator\.fillUniform: out must be a Float32Array or Float64Array, got an Array$/);
      refuses(call(g.fillNormal.bind(g))(new Float64Array(2), '0'), /^Generator\.fillNormal: mean must be a number, got the string "0"$/);
      assert.equal(g.fillNormal(new Float64Array(2), 0, 1).length, 2);
    });
  });
});
