/**
 * Optimizer state read back from a checkpoint is refused, with nothing changed, when it could not
 * have been saved by a run that still had finite weights (a NaN or ±Inf moment turns the weights
 * non-finite on the next step) or when it holds moments of parameters the optimizer does not have.
 */
import assert from 'node:assert/strict';
import {
  Adam, CheckpointError, MLP, decodeSafetensors, encodeCheckpoint, encodeSafetensors, restoreCheckpoint, tensor, type CheckpointFiles,
} from '../../engine/index.ts';

const makeNet = (seed: number): MLP => new MLP({ inputSize: 3, hiddenSizes: [4], outputSize: 2, generator: seed });

function trainedCheckpoint(): CheckpointFiles {
  const net = makeNet(1);
  const opt = new Adam(net.parameters(), { lr: 0.01 });
  for (let i = 0; i < 2; i++) {
    opt.zeroGrad();
    net.forward(tensor([[1, 2, 3], [-1, 0, 1]])).square().sum().backward();
    opt.step();
  }
  return encodeCheckpoint({ modules: { net }, optimizers: { opt } });
}

/** The checkpoint with its optimizer tensors replaced by `edit` of them. */
function withMoments(files: CheckpointFiles, edit: (moments: Record<string, ReturnType<typeof tensor>>) => void): CheckpointFiles {
  const moments = decodeSafetensors(files['optimizers.safetensors']).tensors;
  edit(moments);
  return { ...files, 'optimizers.safetensors': encodeSafetensors(moments) };
}

describe('checkpoints: optimizer state', () => {
  for (const value of [NaN, Infinity, -Infinity]) {
    it(`a moment holding ${value} is refused, naming the tensor and index, and nothing changes`, () => {
      const files = withMoments(trainedCheckpoint(), (m) => m['opt.1.expAvg'].mutate_((d) => (d[1] = value)));
      const net = makeNet(2);
      const opt = new Adam(net.parameters());
      const before = net.parameters().map((p) => Float32Array.from(p.data));
      assert.throws(
        () => restoreCheckpoint(files, { modules: { net }, optimizers: { opt } }),
        (e: Error) => e instanceof CheckpointError && e.message.includes(`'opt.1.expAvg' holds ${value} at flat index 1`),
      );
      assert.deepEqual(net.parameters().map((p) => Float32Array.from(p.data)), before);
      assert.equal(opt.stateDict().parameters[1], null);
    });
  }

  it('moments of a parameter index the optimizer does not have are refused', () => {
    const files = withMoments(trainedCheckpoint(), (m) => (m['opt.99.expAvg'] = tensor([1])));
    const net = makeNet(2);
    assert.throws(
      () => restoreCheckpoint(files, { modules: { net }, optimizers: { opt: new Adam(net.parameters()) } }),
      (e: Error) => e instanceof CheckpointError && /unexpected tensor 'opt\.99\.expAvg'/.test(e.message),
    );
  });

  it('the untouched checkpoint restores', () => {
    const net = makeNet(2);
    const opt = new Adam(net.parameters());
    restoreCheckpoint(trainedCheckpoint(), { modules: { net }, optimizers: { opt } });
    assert.equal(opt.stateDict().parameters[0]?.step, 2);
  });
});
