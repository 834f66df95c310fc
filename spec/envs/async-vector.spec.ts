import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PPO, loadAgent, type PPOConfig } from '../../algorithms/index.ts';
import {
  AsyncVectorEnv,
  AsyncVectorEnvError,
  EnvConfigError,
  InvalidActionError,
  Rng,
  SubEnvError,
  SyncVectorEnv,
  loadMujocoEnvs,
  make,
  type AsyncAutoresetMode,
  type AutoresetMode,
  type SubEnvSpec,
  type VectorStepResult,
} from '../../envs/index.ts';
import { checkpointFingerprint, tempDir } from '../algorithms/helpers.ts';

/** Everything a step returned, copied (both vector envs reuse their buffers). */
function copyStep(result: VectorStepResult) {
  const { obs, rewards, terminations, truncations, info } = result;
  return {
    obs: obs.slice(), rewards: rewards.slice(), terminations: terminations.slice(), truncations: truncations.slice(),
    autoreset: info.autoreset.slice(), finalObs: info.finalObs.slice(), finalObsMask: info.finalObsMask.slice(),
    envInfos: structuredClone(info.envInfos), finalInfos: structuredClone(info.finalInfos),
  };
}

function syncTwin(specs: readonly SubEnvSpec[], autoresetMode: AutoresetMode): SyncVectorEnv {
  return new SyncVectorEnv(specs.map((spec) => () => make(spec.id, spec)), { autoresetMode });
}

/** Random actions within ±`reach` × the bounds (beyond them, so clipping is exercised). */
function randomActions(rng: Rng, vec: AsyncVectorEnv, reach: number): Float32Array {
  const { low, high } = vec.actionSpace;
  return Float32Array.from(low, (l, j) => rng.uniform(l * reach, high[j]! * reach));
}

/** Steps both vector envs with the same random actions; asserts every result is the same bits; counts episode ends. */
function runBoth(vec: AsyncVectorEnv, sync: SyncVectorEnv, steps: number, seed: number, reach: number): { terminations: number; truncations: number } {
  assert.deepStrictEqual(structuredClone(vec.reset({ seed })), structuredClone(sync.reset({ seed })));
  const rng = new Rng(seed);
  const ends = { terminations: 0, truncations: 0 };
  for (let t = 0; t < steps; t++) {
    const actions = randomActions(rng, vec, reach);
    const expected = copyStep(sync.step(actions));
    const actual = copyStep(t % 2 === 0 ? vec.step(actions) : vec.step(Array.from(actions)));
    assert.deepStrictEqual(actual, expected, `step ${t}`);
    ends.terminations += actual.terminations.reduce((a, b) => a + b, 0);
    ends.truncations += actual.truncations.reduce((a, b) => a + b, 0);
  }
  return ends;
}

/** The worker-side registrations some specs need, as a module the workers import (functions cannot cross threads). */
const FIXTURE_MODULE = `data:text/javascript,${encodeURIComponent(`
import { register } from ${JSON.stringify(new URL('../../envs/registry.ts', import.meta.url).href)};
import { PendulumEnv } from ${JSON.stringify(new URL('../../envs/classic/pendulum.ts', import.meta.url).href)};
// Pendulum, except that the torque 1.75 never returns and -1.75 ends the thread.
register({
  id: 'TrapPendulum-v0',
  create: (options) => {
    const env = new PendulumEnv(options);
    const step = env.step.bind(env);
    env.step = (action) => {
      if (action[0] === 1.75) for (;;);
      if (action[0] === -1.75) process.exit(3);
      return step(action);
    };
    return env;
  },
  maxEpisodeSteps: 200, rewardThreshold: null, reference: 'async-vector spec',
});
`)}`;

function threadCount(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

describe('AsyncVectorEnv', function () {
  this.timeout(60_000);
  before(() => loadMujocoEnvs());

  describe('gives the same bits as SyncVectorEnv for the same seeds and actions', () => {
    const cases: { name: string; specs: SubEnvSpec[]; workers: number; steps: number; reach: number; terminates: boolean }[] = [
      // 4 sub-envs on 2 workers: two per thread
      { name: 'Pendulum-v1', specs: Array.from({ length: 4 }, (_, i) => ({ id: 'Pendulum-v1', maxEpisodeSteps: 60 + 20 * i })), workers: 2, steps: 400, reach: 1.5, terminates: false },
      { name: 'CartPoleSwingup-v0', specs: Array.from({ length: 3 }, (_, i) => ({ id: 'CartPoleSwingup-v0', maxEpisodeSteps: 90 + 10 * i })), workers: 2, steps: 300, reach: 1.5, terminates: false },
      // Hopper terminates often under random actions; a short limit truncates sub-env 0 too
      { name: 'Hopper-v5', specs: [{ id: 'Hopper-v5', maxEpisodeSteps: 25 }, { id: 'Hopper-v5' }, { id: 'Hopper-v5', envOptions: { healthyReward: 2 } }], workers: 2, steps: 300, reach: 1, terminates: true },
    ];
    for (const mode of ['NEXT_STEP', 'SAME_STEP'] as const) {
      for (const { name, specs, workers, steps, reach, terminates } of cases) {
        it(`${name}, ${mode}: ${steps} random steps, episodes ending by ${terminates ? 'termination and ' : ''}truncation, then checkpoints both ways`, async () => {
          const vec = await AsyncVectorEnv.create(specs, { autoresetMode: mode, workers });
          try {
            assert.equal(vec.numWorkers, workers);
            const sync = syncTwin(specs, mode);
            const ends = runBoth(vec, sync, steps, 11, reach);
            assert.ok(ends.truncations > 0, 'some episode was truncated');
            if (terminates) assert.ok(ends.terminations > 0, 'some episode terminated');

            // The checkpoint formats are the same: each restores the other's, mid-episode and with pending resets.
            const state = vec.getState();
            assert.deepStrictEqual(state, sync.getState());
            const rng = new Rng(5);
            const actions = Array.from({ length: 40 }, () => randomActions(rng, vec, reach));
            const expected = actions.map((a) => copyStep(sync.step(a)));
            const fromSync = sync.getState();
            sync.setState(JSON.parse(JSON.stringify(state)));
            vec.setState(JSON.parse(JSON.stringify(state)));
            assert.deepStrictEqual(actions.map((a) => copyStep(vec.step(a))), expected);
            vec.setState(fromSync);
            sync.setState(fromSync);
            for (let t = 0; t < 10; t++) assert.deepStrictEqual(copyStep(vec.step(actions[t]!)), copyStep(sync.step(actions[t]!)));
            // per-sub-env seeds
            assert.deepStrictEqual(structuredClone(vec.reset({ seed: [9, 3, 7, 1].slice(0, specs.length) })), structuredClone(sync.reset({ seed: [9, 3, 7, 1].slice(0, specs.length) })));
          } finally {
            await vec.close();
          }
        });
      }
    }

    it("DISABLED never resets by itself: reset({ resetMask }) resets the ended sub-envs, as single envs stepped by hand", async () => {
      const specs: SubEnvSpec[] = [{ id: 'Hopper-v5', maxEpisodeSteps: 30 }, { id: 'Hopper-v5' }, { id: 'Hopper-v5', maxEpisodeSteps: 45 }];
      const vec = await AsyncVectorEnv.create(specs, { autoresetMode: 'DISABLED', workers: 1 });
      try {
        const singles = specs.map((spec) => make(spec.id, spec));
        const { obs } = vec.reset({ seed: 4 });
        assert.deepStrictEqual(obs.slice(), Float32Array.from(singles.flatMap((env, i) => Array.from(env.reset({ seed: 4 + i }).obs))));
        const rng = new Rng(2);
        let resets = 0;
        for (let t = 0; t < 200; t++) {
          const actions = randomActions(rng, vec, 1);
          const step = vec.step(actions);
          const ended = singles.map((env, i) => {
            const single = env.step(actions.subarray(3 * i, 3 * i + 3));
            assert.deepStrictEqual(step.obs.slice(11 * i, 11 * i + 11), single.obs, `step ${t} sub-env ${i}`);
            assert.equal(step.rewards[i], single.reward);
            assert.deepStrictEqual([step.terminations[i], step.truncations[i], step.info.autoreset[i], step.info.finalObsMask[i]], [single.terminated ? 1 : 0, single.truncated ? 1 : 0, 0, 0]);
            return single.terminated || single.truncated;
          });
          if (!ended.some(Boolean)) continue;
          if (resets === 0) {
            // stepping an ended sub-env is the sub-env's ResetNeededError, with its index; the others may have
            // stepped, so the checkpoint puts them back
            const saved = vec.getState();
            const index = ended.indexOf(true);
            assert.throws(() => vec.step(actions), (e: unknown) => e instanceof SubEnvError && e.index === index && e.causeName === 'ResetNeededError');
            vec.setState(saved);
          }
          resets++;
          const reset = vec.reset({ resetMask: ended });
          singles.forEach((env, i) => {
            if (ended[i]) assert.deepStrictEqual(reset.obs.slice(11 * i, 11 * i + 11), env.reset().obs);
          });
        }
        assert.ok(resets >= 3, `${resets} masked resets`);
      } finally {
        await vec.close();
      }
    });
  });

  describe('API', () => {
    let vec: AsyncVectorEnv<'NEXT_STEP'>;
    before(async () => {
      vec = await AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 3 });
    });
    after(() => vec.close());

    it('stepAsync/stepWait and resetAsync/resetWait split the calls, in order only', () => {
      assert.deepEqual(vec.observationSpace.shape, [3, 3]);
      assert.deepEqual(vec.singleActionSpace.shape, [1]);
      vec.resetAsync({ seed: 0 });
      assert.throws(() => vec.stepAsync([0, 0, 0]), /stepAsync\(\) while a resetAsync\(\) is pending; call resetWait\(\) first/);
      assert.throws(() => vec.stepWait(), /stepWait\(\) without a pending stepAsync\(\) \(a resetAsync\(\) is pending\)/);
      const { obs } = vec.resetWait();
      assert.deepStrictEqual(obs.slice(0, 3), make('Pendulum-v1').reset({ seed: 0 }).obs);
      vec.stepAsync([0.5, 0.5, 0.5]);
      assert.throws(() => vec.getState(), /getState\(\) while a stepAsync\(\) is pending/);
      assert.equal(vec.stepWait().rewards.length, 3);
      assert.throws(() => vec.resetWait(), /resetWait\(\) without a pending resetAsync\(\)/);
    });

    it('call, getAttr and setAttr reach the sub-envs through their wrappers', () => {
      assert.deepEqual(vec.getAttr('id'), ['Pendulum-v1', 'Pendulum-v1', 'Pendulum-v1']);
      assert.deepEqual(vec.getAttr('maxEpisodeSteps'), [200, 200, 200]); // TimeLimit's own field
      const svgs = vec.call('renderSvg');
      assert.ok(svgs.every((svg) => typeof svg === 'string' && svg.startsWith('<svg')));
      const reset = vec.call('reset', { seed: 8 }) as { obs: Float32Array }[];
      assert.deepStrictEqual(reset[2]!.obs, make('Pendulum-v1').reset({ seed: 8 }).obs);
      vec.setAttr('maxEpisodeSteps', [5, 6, 7]);
      assert.deepEqual(vec.getAttr('maxEpisodeSteps'), [5, 6, 7]);
      vec.setAttr('maxEpisodeSteps', 200);
      assert.deepEqual(vec.getAttr('maxEpisodeSteps'), [200, 200, 200]);
      assert.throws(() => vec.getAttr('noSuchThing'), (e: unknown) => e instanceof SubEnvError && e.index === 0 && /Pendulum-v1 has no attribute 'noSuchThing'/.test(e.message));
      assert.throws(() => vec.getAttr('step'), /sub-env|cannot be sent between threads/);
      assert.throws(() => vec.call('reset', () => 1), /call\('reset'\) arguments cannot be sent to the worker threads/);
      assert.throws(() => vec.setAttr('maxEpisodeSteps', [1, 2]), /setAttr\('maxEpisodeSteps'\) got 2 values for 3 sub-envs/);
      vec.reset({ seed: 1 });
      vec.step([0, 0, 0]);
    });

    it('bad actions: a wrong shape is refused before anything moves; a sub-env error names its index and message', () => {
      vec.reset({ seed: 2 });
      const before = vec.getState();
      assert.throws(() => vec.step([0.1, 0.2]), (e: unknown) =>
        e instanceof InvalidActionError && /AsyncVectorEnv\(Pendulum-v1 ×3\): actions must have shape \[3, 1\] \(3 numbers\), got length 2/.test(e.message));
      assert.throws(() => vec.step(7 as never), /got 7/);
      assert.deepStrictEqual(vec.getState(), before);
      assert.throws(() => vec.step([0, 0, NaN]), (e: unknown) =>
        e instanceof SubEnvError && e.index === 2 && e.causeName === 'InvalidActionError'
        && /sub-env 2 threw InvalidActionError: Pendulum-v1: action\[0\] = NaN is not finite/.test(e.message));
      assert.equal(vec.closed, false);
      assert.equal(vec.step([0, 0, 0]).rewards.length, 3, 'still usable');
    });
  });

  describe('bad input and failures', () => {
    it('refuses functions (closures cannot cross threads), unknown ids and bad options, naming them', async () => {
      await assert.rejects(AsyncVectorEnv.create((() => make('Pendulum-v1')) as never), /the env is a function: sub-envs live in worker threads and functions \(closures\) cannot be sent to another thread; pass an env id/);
      await assert.rejects(AsyncVectorEnv.create(['Pendulum-v1', () => make('Pendulum-v1')] as never), /env 1 is a function/);
      await assert.rejects(AsyncVectorEnv.create({ id: 'Pendulum-v1', envOptions: (() => 1) as never }), /env\.envOptions is a function/);
      await assert.rejects(AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 0 }), /numEnvs must be an integer ≥ 1, got 0/);
      await assert.rejects(AsyncVectorEnv.create(['Pendulum-v1'], { numEnvs: 2 }), /numEnvs is 2 but 1 env specs were given/);
      await assert.rejects(AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 2, workers: 3 }), /workers must be an integer in \[1, numEnvs = 2\], got 3/);
      await assert.rejects(AsyncVectorEnv.create('Pendulum-v1', { autoresetMode: 'LATER' as never }), /autoresetMode must be 'NEXT_STEP', 'SAME_STEP' or 'DISABLED', got "LATER"/);
      await assert.rejects(AsyncVectorEnv.create('Pendulum-v1', { timeoutMs: '100' as never }), /timeoutMs must be a number > 0, got "100"/);
      await assert.rejects(AsyncVectorEnv.create('Pendulum-v1', { numEnvs: '2' as never }), /numEnvs must be an integer ≥ 1, got "2"/);
      await assert.rejects(AsyncVectorEnv.create(['Pendulum-v1', 'Nope-v0'], { workers: 1 }), (e: unknown) =>
        e instanceof EnvConfigError && /sub-env 1 \(Nope-v0\) could not be made: EnvConfigError: Nope-v0: not registered; known ids: Pendulum-v1/.test(e.message));
      await assert.rejects(AsyncVectorEnv.create(['Pendulum-v1', 'Hopper-v5']), /Hopper-v5: AsyncVectorEnv: sub-env spaces differ from Pendulum-v1's/);
    });

    it('a hung sub-env: a timeout closes the vector env; close({ terminate: true }) stops a busy worker; use after close throws', async () => {
      const vec = await AsyncVectorEnv.create('TrapPendulum-v0', { numEnvs: 2, imports: [FIXTURE_MODULE], timeoutMs: 20_000 });
      vec.reset({ seed: 0 });
      vec.step([1, 1]);
      const started = performance.now();
      assert.throws(() => vec.stepWait(), /stepWait\(\) without a pending stepAsync/);
      vec.stepAsync([1.75, 0]);
      assert.throws(() => vec.stepWait(300), (e: unknown) =>
        e instanceof AsyncVectorEnvError && /step timed out after 300 ms waiting for worker 0 \(sub-env 0\); the vector env is closed \(its workers were terminated\)/.test(e.message));
      assert.equal(vec.closed, true);
      await vec.close();
      assert.ok(performance.now() - started < 15_000);
      assert.throws(() => vec.step([0, 0]), /stepAsync\(\) after close\(\) \(it was closed because step timed out after 300 ms/);
      assert.throws(() => vec.reset(), /resetAsync\(\) after close\(\)/);
      assert.throws(() => vec.getState(), /getState\(\) after close\(\)/);

      const busy = await AsyncVectorEnv.create('TrapPendulum-v0', { numEnvs: 2, imports: [FIXTURE_MODULE] });
      busy.reset({ seed: 0 });
      busy.stepAsync([0, 1.75]);
      const closing = busy.close({ terminate: true });
      assert.equal(busy.close(), closing, 'close is idempotent');
      await closing;

      const exiting = await AsyncVectorEnv.create('TrapPendulum-v0', { numEnvs: 2, imports: [FIXTURE_MODULE] });
      exiting.reset({ seed: 0 });
      assert.throws(() => exiting.step([0, -1.75]), /worker 1 \(sub-env 1\) exited during step; the vector env is closed/);
      await exiting.close();
    });

    it('leaks no threads: close() ends every worker, and a process that forgets close() still exits', async () => {
      const warm = await AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 1 });
      await warm.close();
      const before = threadCount();
      const vec = await AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 4, workers: 3 });
      assert.ok(threadCount() >= before + 3, `${threadCount()} threads with 3 workers, ${before} before`);
      vec.reset({ seed: 0 });
      vec.step([0, 0, 0, 0]);
      await vec.close();
      assert.equal(threadCount(), before);

      const script = `
        import { AsyncVectorEnv } from ${JSON.stringify(new URL('../../envs/vector/async-vector-env.ts', import.meta.url).href)};
        const forgotten = await AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 2 });
        forgotten.reset({ seed: 0 }); forgotten.step([0, 0]);
        console.log('stepped');`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 50_000 });
      assert.equal(child.error, undefined, 'the process exited by itself');
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), 'stepped');
    });
  });

  describe('as the EnvSource of an on-policy agent', () => {
    const config: Partial<PPOConfig> = { numEnvs: 2, rolloutSteps: 16, batchSize: 16, epochs: 2, hiddenSizes: [8], seed: 5 };
    const specs: SubEnvSpec[] = [{ id: 'Pendulum-v1', maxEpisodeSteps: 20 }, { id: 'Pendulum-v1', maxEpisodeSteps: 27 }];
    const learnOptions = (runDir: string) => ({ runDir, checkpointEvery: 0, evalEvery: 0 });

    it('PPO learns the same bits with an AsyncVectorEnv as with a SyncVectorEnv, and resumes from its checkpoint exactly', async () => {
      const straight = tempDir();
      await new PPO(syncTwin(specs, 'SAME_STEP'), config).learn({ totalSteps: 96, ...learnOptions(straight) });

      const first = await AsyncVectorEnv.create(specs, { autoresetMode: 'SAME_STEP' });
      const partial = tempDir();
      try {
        await new PPO(first, config).learn({ totalSteps: 48, ...learnOptions(partial) }); // ends mid-rollout
      } finally {
        await first.close();
      }
      const second = await AsyncVectorEnv.create(specs, { autoresetMode: 'SAME_STEP' });
      try {
        const resumed = loadAgent(path.join(partial, 'checkpoint'), second);
        assert.equal(resumed.training.step, 48);
        await resumed.learn({ totalSteps: 96, ...learnOptions(partial) });
      } finally {
        await second.close();
      }
      assert.deepStrictEqual(checkpointFingerprint(path.join(partial, 'checkpoint')), checkpointFingerprint(path.join(straight, 'checkpoint')));
    });

    it('is refused in another autoreset mode or size, as a SyncVectorEnv is', async () => {
      const vec = await AsyncVectorEnv.create('Pendulum-v1', { numEnvs: 2, workers: 1, autoresetMode: 'NEXT_STEP' as AsyncAutoresetMode });
      try {
        assert.throws(() => new PPO(vec as never, { numEnvs: 2 }), /SAME_STEP autoreset, got NEXT_STEP/);
        assert.throws(() => new PPO(vec as never, { numEnvs: 3 }), /the vector env has 2 envs, config numEnvs is 3/);
      } finally {
        await vec.close();
      }
    });
  });
});
