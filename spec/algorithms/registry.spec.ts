import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import {
  ALGORITHMS, CheckpointError, ConfigError, IAPO, SAC, agentFromFiles, algorithm, algorithmNames, createAgent, loadAgent,
} from '../../algorithms/index.ts';
import { planCommand, UsageError } from '../../algorithms/cli.ts';
import { decodeSafetensors, encodeSafetensors, tensor } from '../../engine/index.ts';
import { BanditEnv } from './bandit-env.ts';
import { TINY, tempDir } from './helpers.ts';

const small: Record<string, Record<string, unknown>> = {
  sac: TINY,
  td3: TINY,
  iapo: { hiddenSizes: [8], criticHiddenSizes: [8], batchSize: 8, actionSamples: 2, inferenceIterations: 2, learningStarts: 20, bufferSize: 500 },
};
const ON_POLICY_SMALL = { hiddenSizes: [8], numEnvs: 2, rolloutSteps: 8, batchSize: 8, particles: 2 };
/** A small config of any registered algorithm (on-policy records without a batch size get none). */
function smallConfig(name: string): Record<string, unknown> {
  const record = algorithm(name);
  if (small[name]) return small[name];
  if (record.kind === 'off-policy') return TINY;
  return Object.fromEntries(Object.entries(ON_POLICY_SMALL).filter(([key]) => Object.hasOwn(record.defaults, key)));
}
const bandit = (): BanditEnv => new BanditEnv();

describe('algorithm registry', () => {
  it('lists one record per algorithm, each creating its own agent from its defaults, presets and env presets', () => {
    assert.deepEqual(algorithmNames().slice(0, 6), ['sac', 'td3', 'iapo', 'reinforce', 'ppo', 'trpo']);
    assert.equal(new Set(algorithmNames()).size, ALGORITHMS.length, 'names are unique');
    for (const record of ALGORITHMS) {
      assert.equal(record.name, record.name.toLowerCase());
      const agent = record.create(bandit, smallConfig(record.name));
      assert.equal(agent.kind, record.kind);
      assert.equal(agent.algorithm, record.name.toUpperCase());
      assert.ok(record.summary.length > 10);
      for (const [name, preset] of Object.entries(record.presets)) {
        assert.doesNotThrow(() => record.resolveConfig(preset), `preset ${name}`);
      }
      for (const [envId, preset] of Object.entries(record.envPresets)) {
        assert.doesNotThrow(() => record.resolveConfig(preset.config), `env preset ${envId}`);
        assert.ok(preset.totalSteps > 0 && preset.source.length > 0);
      }
    }
  });

  it('refuses unknown names, including Object.prototype keys, naming the known ones', () => {
    for (const name of ['dqn', 'constructor', '__proto__', 'toString', '']) {
      assert.throws(() => createAgent(name, new BanditEnv()), (e: Error) => e instanceof RangeError && e.message.includes(`expected one of ${algorithmNames().join(', ')}`));
    }
    assert.throws(() => algorithm(undefined as unknown as string), /unknown algorithm undefined/);
  });

  it('checks configs and envs given from plain JavaScript', () => {
    assert.throws(() => createAgent('sac', new BanditEnv(), { lr: 1 }), (e: Error) => e instanceof ConfigError && /unknown key 'lr'/.test(e.message));
    assert.throws(() => createAgent('sac', new BanditEnv(), 5 as unknown as Record<string, unknown>), /SAC config must be an object, got number/);
    assert.throws(() => new SAC(undefined as never), (e: Error) => e instanceof TypeError && /SAC: the first argument must be an env/.test(e.message));
    assert.throws(() => new IAPO({} as never), /IAPO: the first argument must be an env/);
  });

  it('rebuilds every algorithm from in-memory checkpoint files and from a directory, with identical actions', () => {
    for (const record of ALGORITHMS) {
      const agent = record.create(bandit, { ...smallConfig(record.name), seed: 3 });
      const files = agent.toCheckpoint();
      const buffer = record.kind === 'off-policy' ? 'replay.safetensors' : 'rollout.safetensors';
      assert.deepEqual(Object.keys(files).sort(), ['meta.json', 'model.safetensors', 'optimizers.safetensors', buffer]);
      const copy = agentFromFiles(files, bandit);
      assert.deepEqual(Array.from(copy.predict([0.25])), Array.from(agent.predict([0.25])), record.name);
      const dir = path.join(tempDir(), 'checkpoint');
      agent.save(dir);
      assert.deepEqual(Array.from(loadAgent(dir, bandit, { weightsOnly: true }).predict([0.25])), Array.from(agent.predict([0.25])));
    }
  });

  it('close() closes exactly the envs an agent made from a function, once; then learn throws and predict works', async () => {
    class CountedBandit extends BanditEnv {
      closes = 0;
      close(): void {
        this.closes++;
      }
    }
    for (const record of ALGORITHMS) {
      const made: CountedBandit[] = [];
      const agent = record.create(() => {
        const env = new CountedBandit();
        made.push(env);
        return env;
      }, smallConfig(record.name));
      const expected = record.kind === 'on-policy' ? (agent.config as { numEnvs?: number }).numEnvs ?? 1 : 1;
      assert.equal(made.length, expected, record.name);
      assert.equal(agent.closed, false);
      agent.close();
      agent.close();
      assert.deepEqual(made.map((env) => env.closes), made.map(() => 1), `${record.name}: each made env closed once`);
      assert.equal(agent.closed, true);
      assert.equal(agent.predict([0.25]).length, 1);
      await assert.rejects(agent.learn({ totalSteps: 10 }), /was closed/);

      const given = new CountedBandit();
      const single = record.create(given, { ...smallConfig(record.name), ...(record.kind === 'on-policy' ? { numEnvs: 1 } : {}), ...(record.name === 'svpg' ? { particles: 1 } : {}) });
      single.close();
      assert.equal(given.closes, 0, `${record.name}: an env passed as an object stays the caller's`);

      const dir = path.join(tempDir(), 'checkpoint');
      agent.save(dir);
      const reloaded: CountedBandit[] = [];
      const again = loadAgent(dir, () => {
        const env = new CountedBandit();
        reloaded.push(env);
        return env;
      });
      again.close();
      assert.deepEqual(reloaded.map((env) => env.closes), reloaded.map(() => 1), `${record.name}: loadAgent's envs`);
    }
  });

  it('refuses a checkpoint of another algorithm, and a tensor named __proto__, before anything changes', () => {
    const sac = createAgent('sac', new BanditEnv(), { ...TINY, seed: 1 });
    const td3 = createAgent('td3', new BanditEnv(), { ...TINY, seed: 1 });
    const before = Array.from(td3.predict([0.1]));
    assert.throws(() => td3.fromCheckpoint(sac.toCheckpoint()), (e: Error) => e instanceof CheckpointError && /for SAC, not TD3/.test(e.message));
    assert.deepEqual(Array.from(td3.predict([0.1])), before);
    const sacBefore = Array.from(sac.predict([0.1]));
    for (const name of ['__proto__.x', 'constructor', 'actor.__proto__']) {
      const files = sac.toCheckpoint();
      const model = decodeSafetensors(files['model.safetensors']).tensors;
      files['model.safetensors'] = encodeSafetensors({ ...model, [name]: tensor([1, 2]) });
      assert.throws(() => sac.fromCheckpoint(files), (e: Error) => e instanceof CheckpointError || /__proto__|constructor/.test(e.message), name);
      assert.deepEqual(Array.from(sac.predict([0.1])), sacBefore);
    }
    assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched');
  });

  it('drives the CLI: --preset picks a named preset of the algorithm, and an unknown one is a usage error', () => {
    const cwd = tempDir();
    const plan = planCommand(['train', '--algo', 'iapo', '--env', 'Pendulum-v1', '--preset', 'reduced-direct'], cwd);
    assert.ok(plan.kind === 'train');
    assert.equal(plan.config.inference, 'direct');
    assert.equal(plan.config.batchSize, 64);
    assert.throws(() => planCommand(['train', '--algo', 'sac', '--env', 'Pendulum-v1', '--preset', 'reduced'], cwd),
      (e: Error) => e instanceof UsageError && /unknown --preset 'reduced' for sac; it has no named presets/.test(e.message));
    assert.throws(() => planCommand(['train', '--algo', '__proto__', '--env', 'Pendulum-v1'], cwd), /unknown --algo '__proto__'; expected sac, td3, iapo, reinforce, ppo, trpo/);
  });
});
