import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Adam, CheckpointError, Generator, MLP, SGD, ShapeError, Tensor, decodeSafetensors, encodeCheckpoint, encodeSafetensors,
  readCheckpointMeta, restoreCheckpoint, tensor, type CheckpointFiles,
} from '../../engine/index.ts';
import { readDirectoryFiles, resolveDirectory, writeDirectoryAtomic } from '../../engine/node.ts';

const makeNet = (seed: number, hidden = 8): MLP =>
  new MLP({ inputSize: 3, hiddenSizes: [hidden, hidden], outputSize: 2, generator: seed });

/** A few Adam steps on a fixed regression problem. */
function train(net: MLP, opt: Adam, steps: number): void {
  const x = tensor([[0.1, 0.2, 0.3], [1, -1, 0.5], [0, 2, -2]]);
  const y = tensor([[1, 0], [0, 1], [0.5, 0.5]]);
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    net.forward(x).sub(y).square().mean().backward();
    opt.step();
  }
}

const snapshot = (tensors: Tensor[]): Float32Array[] => tensors.map((t) => Float32Array.from(t.data));
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('checkpoints', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'varl-checkpoint-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('restore modules, free tensors, optimizer state and streams so training resumes bit for bit', () => {
    const actor = makeNet(1);
    const critic = makeNet(2);
    const opt = new Adam(actor.parameters(), { lr: 0.01 });
    const criticOpt = new SGD(critic.parameters(), { lr: 0.1, momentum: 0.9 });
    const rng = new Generator(3);
    const logAlpha = tensor([-0.25]);
    train(actor, opt, 5);
    rng.normal(); // leave a pending deviate in the state
    const config = { env: 'Pendulum-v1', hiddenSizes: [8, 8], gamma: 0.99, note: null };
    writeDirectoryAtomic(join(dir, 'ckpt'), encodeCheckpoint({
      modules: { actor, critic }, tensors: { logAlpha }, optimizers: { actor: opt, critic: criticOpt }, streams: { rng }, meta: { config },
    }));

    train(actor, opt, 5);
    const expectedParams = snapshot(actor.parameters());
    const expectedDraws = [rng.normal(), rng.uniform(), rng.normal()];

    const actor2 = makeNet(10);
    const critic2 = makeNet(11);
    const opt2 = new Adam(actor2.parameters(), { lr: 0.5 });
    const criticOpt2 = new SGD(critic2.parameters(), { lr: 0.1, momentum: 0.9 });
    const rng2 = new Generator(12);
    const logAlpha2 = tensor([0]);
    const meta = restoreCheckpoint<{ config: unknown }>(readDirectoryFiles(join(dir, 'ckpt')), {
      modules: { actor: actor2, critic: critic2 }, tensors: { logAlpha: logAlpha2 }, optimizers: { actor: opt2, critic: criticOpt2 }, streams: { rng: rng2 },
    });
    assert.deepEqual(meta.config, config);
    assert.equal(opt2.lr, 0.01);
    assert.deepEqual(Array.from(logAlpha2.data), [-0.25]);
    assert.deepEqual(snapshot(critic2.parameters()), snapshot(critic.parameters()));
    train(actor2, opt2, 5);
    assert.deepEqual(snapshot(actor2.parameters()), expectedParams);
    assert.deepEqual([rng2.normal(), rng2.uniform(), rng2.normal()], expectedDraws);
  });

  it('is meta.json plus safetensors files whose module tensors carry PyTorch state-dict names', () => {
    const actor = makeNet(1);
    const opt = new Adam(actor.parameters());
    train(actor, opt, 1);
    const files = encodeCheckpoint({ modules: { actor }, optimizers: { opt }, meta: { author: 'spec' }, files: { 'extra.bin': new Uint8Array([7]) } });
    assert.deepEqual(Object.keys(files).sort(), ['extra.bin', 'meta.json', 'model.safetensors', 'optimizers.safetensors']);
    assert.deepEqual(Object.keys(decodeSafetensors(files['model.safetensors']).tensors), ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'].map((k) => `actor.${k}`));
    const moments = decodeSafetensors(files['optimizers.safetensors']).tensors;
    assert.ok('opt.0.expAvg' in moments && 'opt.5.expAvgSq' in moments);
    const meta = readCheckpointMeta<{ author: string }>(files);
    assert.equal(meta.format, 'varl-checkpoint');
    assert.equal(meta.version, 1);
    assert.equal(meta.author, 'spec');
    assert.deepEqual(meta.optimizers.opt.steps, [1, 1, 1, 1, 1, 1]);
  });

  it('a mismatched load fails with a clear error and changes nothing in memory', () => {
    const small = makeNet(1);
    const other = makeNet(2);
    const opt = new Adam(small.parameters());
    train(small, opt, 2);
    const files = encodeCheckpoint({ modules: { a: small, b: other }, optimizers: { opt }, streams: { rng: new Generator(5) } });

    const fine = makeNet(20); // listed first: must not be written either
    const wide = makeNet(21, 16);
    const fineOpt = new Adam(fine.parameters());
    const rng = new Generator(22);
    const before = [snapshot(fine.parameters()), snapshot(wide.parameters()), JSON.stringify(rng.getState())];
    assert.throws(
      () => restoreCheckpoint(files, { modules: { a: fine, b: wide }, optimizers: { opt: fineOpt }, streams: { rng } }),
      (e: Error) => e instanceof CheckpointError && /module 'b'/.test(e.message) && /'0\.weight'/.test(e.message) && /\[8, 3\]/.test(e.message) && /\[16, 3\]/.test(e.message),
    );
    assert.throws(() => restoreCheckpoint(files, { modules: { a: fine } }), (e: Error) => e instanceof CheckpointError && /unexpected tensor 'b\.0\.weight'/.test(e.message));
    assert.throws(() => restoreCheckpoint(files, { modules: { a: fine, b: makeNet(3) }, streams: { missing: rng } }), /no stream 'missing'/);
    assert.throws(() => restoreCheckpoint(files, { modules: { a: fine, b: makeNet(3) }, optimizers: { opt: new Adam(wide.parameters()) } }), CheckpointError);
    assert.deepEqual([snapshot(fine.parameters()), snapshot(wide.parameters()), JSON.stringify(rng.getState())], before);
    assert.equal(fineOpt.stateDict().parameters[0], null);
    void ShapeError;
  });

  it('refuses corrupt, truncated, foreign and prototype-polluting checkpoints without changing anything', () => {
    const net = makeNet(1);
    const files = encodeCheckpoint({ modules: { net } });
    const target = makeNet(2);
    const before = snapshot(target.parameters());
    const variants: [string, CheckpointFiles, RegExp][] = [
      ['truncated model', { ...files, 'model.safetensors': files['model.safetensors'].subarray(0, 20) }, /model\.safetensors/],
      ['no meta', { 'model.safetensors': files['model.safetensors'] }, /no meta\.json/],
      ['meta not JSON', { ...files, 'meta.json': new TextEncoder().encode('{"format": ') }, /not valid JSON/],
      ['other format', { ...files, 'meta.json': new TextEncoder().encode(text(files['meta.json']).replace('varl-checkpoint', 'x')) }, /not a varl checkpoint/],
      ['newer version', { ...files, 'meta.json': new TextEncoder().encode(text(files['meta.json']).replace('"version": 1', '"version": 9')) }, /version 9/],
      ['__proto__ tensor', { ...files, 'model.safetensors': encodeSafetensors({ ...decodeSafetensors(files['model.safetensors']).tensors, '__proto__.x': tensor([1]) }) }, /unexpected tensor '__proto__\.x'/],
      ['module key __proto__', { ...files, 'model.safetensors': encodeSafetensors({ ...decodeSafetensors(files['model.safetensors']).tensors, 'net.__proto__': tensor([1]) }) }, /__proto__/],
    ];
    for (const [label, bytes, pattern] of variants) {
      assert.throws(() => restoreCheckpoint(bytes, { modules: { net: target } }), (e: Error) => e instanceof CheckpointError && pattern.test(e.message), label);
    }
    assert.deepEqual(snapshot(target.parameters()), before);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it('a refused encode writes nothing; an interrupted swap leaves the previous checkpoint readable', () => {
    const path = join(dir, 'ckpt');
    writeDirectoryAtomic(path, encodeCheckpoint({ modules: { net: makeNet(1) }, meta: { run: 1 } }));
    const before = readDirectoryFiles(path);
    assert.throws(() => encodeCheckpoint({ modules: { 'bad.name': makeNet(2) } }), /contain no '\.'/);
    assert.throws(() => encodeCheckpoint({ modules: { net: makeNet(2) }, meta: { format: 'x' } }), /reserved/);
    assert.throws(() => encodeCheckpoint({ modules: { net: makeNet(2) }, files: { 'meta.json': new Uint8Array() } }), /reserved/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeCheckpoint({ modules: { net: makeNet(2) }, meta: { cyclic } }), TypeError);
    assert.deepEqual(readDirectoryFiles(path), before);
    assert.deepEqual(readdirSync(dir), ['ckpt']);
    assert.equal(resolveDirectory(path, 'meta.json'), path);
  });
});
