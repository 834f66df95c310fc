import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Adam, CheckpointError, Generator, MLP, SGD, SafetensorsError, ShapeError, Tensor, decodeSafetensors, loadCheckpoint,
  readCheckpoint, saveCheckpoint, tensor,
} from '../../engine/index.ts';

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

describe('checkpoints', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'varl-checkpoint-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('restore modules, optimizer state, generators and config so training resumes bit for bit', () => {
    const actor = makeNet(1);
    const critic = makeNet(2);
    const opt = new Adam(actor.parameters(), { lr: 0.01 });
    const criticOpt = new SGD(critic.parameters(), { lr: 0.1, momentum: 0.9 });
    const rng = new Generator(3);
    train(actor, opt, 5);
    rng.normal(); // leave a pending deviate in the state
    const config = { env: 'Pendulum-v1', hiddenSizes: [8, 8], gamma: 0.99, note: null };
    const path = join(dir, 'ckpt.safetensors');
    saveCheckpoint(path, { modules: { actor, critic }, optimizers: { actor: opt, critic: criticOpt }, generators: { rng }, config });

    // continue the original
    train(actor, opt, 5);
    const expectedParams = snapshot(actor.parameters());
    const expectedDraws = [rng.normal(), rng.uniform(), rng.normal()];

    // restore into fresh objects
    const actor2 = makeNet(10);
    const critic2 = makeNet(11);
    const opt2 = new Adam(actor2.parameters(), { lr: 0.5 });
    const criticOpt2 = new SGD(critic2.parameters(), { lr: 0.1, momentum: 0.9 });
    const rng2 = new Generator(12);
    const data = loadCheckpoint(path, {
      modules: { actor: actor2, critic: critic2 }, optimizers: { actor: opt2, critic: criticOpt2 }, generators: { rng: rng2 },
    });
    assert.deepEqual(data.config, config);
    assert.equal(opt2.lr, 0.01);
    assert.deepEqual(snapshot(critic2.parameters()), snapshot(critic.parameters()));
    train(actor2, opt2, 5);
    assert.deepEqual(snapshot(actor2.parameters()), expectedParams);
    assert.deepEqual([rng2.normal(), rng2.uniform(), rng2.normal()], expectedDraws);
  });

  it('is a plain safetensors file whose module tensors carry PyTorch state-dict names', () => {
    const actor = makeNet(1);
    const opt = new Adam(actor.parameters());
    train(actor, opt, 1);
    const path = join(dir, 'ckpt.safetensors');
    saveCheckpoint(path, { modules: { actor }, optimizers: { opt }, metadata: { author: 'spec' } });
    const { tensors, metadata } = decodeSafetensors(readFileSync(path));
    assert.deepEqual(
      Object.keys(tensors).filter((k) => k.startsWith('modules.')),
      ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'].map((k) => `modules.actor.${k}`),
    );
    assert.ok('optimizers.opt.0.expAvg' in tensors && 'optimizers.opt.5.expAvgSq' in tensors);
    assert.equal(metadata.format, 'varl.checkpoint/1');
    assert.equal(metadata.author, 'spec');
    assert.deepEqual(readCheckpoint(path).modules.actor['4.bias'].data, actor.stateDict()['4.bias'].data);
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
  });

  it('a mismatched load fails with a clear error and changes nothing in memory', () => {
    const path = join(dir, 'ckpt.safetensors');
    const small = makeNet(1);
    const other = makeNet(2);
    const opt = new Adam(small.parameters());
    train(small, opt, 2);
    saveCheckpoint(path, { modules: { a: small, b: other }, optimizers: { opt }, generators: { rng: new Generator(5) } });

    const fine = makeNet(20); // listed first: must not be written either
    const wide = makeNet(21, 16);
    const fineOpt = new Adam(fine.parameters());
    const rng = new Generator(22);
    const before = [snapshot(fine.parameters()), snapshot(wide.parameters()), JSON.stringify(rng.getState())];
    assert.throws(
      () => loadCheckpoint(path, { modules: { a: fine, b: wide }, optimizers: { opt: fineOpt }, generators: { rng } }),
      (e: Error) => e instanceof ShapeError && /'0\.weight'/.test(e.message) && /\[8, 3\]/.test(e.message) && /\[16, 3\]/.test(e.message),
    );
    assert.throws(() => loadCheckpoint(path, { modules: { a: fine, missing: wide } }), (e: Error) => e instanceof CheckpointError && /no module 'missing'/.test(e.message));
    assert.throws(() => loadCheckpoint(path, { optimizers: { opt: new Adam(wide.parameters()) } }), ShapeError);
    assert.deepEqual([snapshot(fine.parameters()), snapshot(wide.parameters()), JSON.stringify(rng.getState())], before);
    assert.equal(fineOpt.stateDict().parameters[0], null);
  });

  it('a corrupt or truncated checkpoint is refused, in memory and on disk nothing changes', () => {
    const path = join(dir, 'ckpt.safetensors');
    const net = makeNet(1);
    saveCheckpoint(path, { modules: { net } });
    const full = readFileSync(path);
    const target = makeNet(2);
    const before = snapshot(target.parameters());
    for (const bytes of [full.subarray(0, full.length - 1), full.subarray(0, 20)]) {
      writeFileSync(path, bytes);
      assert.throws(() => loadCheckpoint(path, { modules: { net: target } }), SafetensorsError);
      assert.deepEqual(readFileSync(path), bytes);
    }
    assert.deepEqual(snapshot(target.parameters()), before);
    writeFileSync(path, Buffer.from(full.toString('latin1').replace('varl.checkpoint/1', 'varl.checkpoint/9'), 'latin1'));
    assert.throws(() => loadCheckpoint(path, { modules: { net: target } }), /format/);
  });

  it('a failed save leaves the previous checkpoint in place', () => {
    const path = join(dir, 'ckpt.safetensors');
    saveCheckpoint(path, { modules: { net: makeNet(1) }, config: { run: 1 } });
    const before = readFileSync(path);
    assert.throws(() => saveCheckpoint(path, { modules: { 'bad.name': makeNet(2) } }), /no '\.'/);
    assert.throws(() => saveCheckpoint(path, { modules: { net: makeNet(2) }, metadata: { format: 'x' } }), /reserved/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => saveCheckpoint(path, { modules: { net: makeNet(2) }, config: cyclic }), TypeError);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
  });
});
