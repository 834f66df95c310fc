import { strict as assert } from 'node:assert';
import {
  CheckpointError, NonFiniteEvaluationError, SAC, TD3, algorithmNames, createAgent, evaluate,
} from '../../algorithms/index.ts';
import { decodeSafetensors, encodeSafetensors } from '../../engine/index.ts';
import { make } from '../../envs/index.ts';
import { BanditEnv } from '../algorithms/bandit-env.ts';
import { TINY } from '../algorithms/helpers.ts';

describe('hardening: non-finite weights and evaluations', () => {
  it('a checkpoint holding NaN or ±Inf in any weight is refused at load, naming the tensor, and nothing changes', () => {
    const source = new SAC(new BanditEnv(), { ...TINY, seed: 1 });
    const target = new SAC(new BanditEnv(), { ...TINY, seed: 2 });
    const before = Array.from(target.predict([0.3]));
    const names = Object.keys(decodeSafetensors(source.toCheckpoint()['model.safetensors']).tensors);
    for (const [i, name] of names.entries()) {
      for (const value of [NaN, Infinity, -Infinity]) {
        const files = source.toCheckpoint();
        const tensors = decodeSafetensors(files['model.safetensors']).tensors;
        tensors[name].data[i % tensors[name].size] = value;
        files['model.safetensors'] = encodeSafetensors(tensors);
        assert.throws(() => target.fromCheckpoint(files, { weightsOnly: i % 2 === 0 }),
          (e: Error) => e instanceof CheckpointError && e.message.includes(`'${name}' holds ${value}`), `${name} ${value}`);
      }
    }
    assert.deepEqual(Array.from(target.predict([0.3])), before);
  });

  it('every algorithm\'s predict refuses an observation with an entry that is not a finite number, naming it', () => {
    for (const name of algorithmNames()) {
      const agent = createAgent(name, () => make('Pendulum-v1'), { seed: 0 });
      for (const [obs, shown] of [[[0, NaN, 0], 'observation\\[1\\] must be a finite number, got NaN'], [[0, 0, '1'], 'observation\\[2\\] must be a finite number, got "1"']] as const) {
        assert.throws(() => agent.predict(obs as unknown as number[]), new RegExp(shown), `${name} ${JSON.stringify(obs)}`);
      }
      agent.close();
    }
  });

  it('a config value or a learn() count that is NaN, ±Infinity or a bigint is named as such in the error (JSON would print null)', async () => {
    for (const name of algorithmNames()) {
      for (const [value, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [3n, '3n']] as const) {
        assert.throws(() => createAgent(name, () => make('Pendulum-v1'), { gamma: value }),
          (e: Error) => e.name === 'ConfigError' && e.message.includes(`'gamma' `) && e.message.endsWith(`, got ${shown}`), `${name}: gamma ${shown}`);
      }
    }
    const sac = new SAC(make('Pendulum-v1'), { ...TINY, seed: 0 });
    await assert.rejects(sac.learn({ totalSteps: NaN }), /learn: totalSteps must be a positive integer, got NaN$/);
    assert.throws(() => new SAC(make('Pendulum-v1'), { hiddenSizes: [64, NaN] }), /'hiddenSizes' must be .*, got \[64,NaN\]$/);
  });

  it('a NaN weight reaches the action (relu propagates NaN) and evaluation refuses to report a return', () => {
    const agent = new TD3(make('Pendulum-v1'), { ...TINY, seed: 3 });
    agent.actor.parameters()[0].mutate_((d) => (d[0] = NaN));
    assert.ok(Number.isNaN(agent.predict([1, 0, 0])[0]));
    assert.throws(() => evaluate((o) => agent.predict(o), make('Pendulum-v1'), { episodes: 2 }),
      (e: Error) => e instanceof NonFiniteEvaluationError && /action 0 is NaN in episode 0 at step 0/.test(e.message));
  });

  it('a non-finite reward from the env stops evaluation instead of becoming the mean', () => {
    const env = new BanditEnv({ nanAfter: 3 });
    assert.throws(() => evaluate(() => [0.5], env, { episodes: 5 }), /env returned reward NaN in episode 3 at step 1/);
  });
});
