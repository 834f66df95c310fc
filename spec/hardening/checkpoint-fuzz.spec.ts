/**
 * Hostile checkpoints: meta.json fields replaced by random JSON (own and __proto__ keys, wrong
 * types, out-of-range counters), replay positions, and truncated files. Every case either restores
 * a consistent agent or is refused with an error, leaving the agent and Object.prototype untouched.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { SAC, type CheckpointFiles } from '../../algorithms/index.ts';
import { BanditEnv } from '../algorithms/bandit-env.ts';
import { TINY } from '../algorithms/helpers.ts';

const source = new SAC(new BanditEnv(), { ...TINY, learningStarts: 10, seed: 1 });
await source.learn({ totalSteps: 60 });
const original = source.toCheckpoint();
const meta = JSON.parse(new TextDecoder().decode(original['meta.json'])) as Record<string, unknown>;

function withMeta(edit: (m: Record<string, unknown>) => void): CheckpointFiles {
  const m = JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
  edit(m);
  return { ...original, 'meta.json': new TextEncoder().encode(JSON.stringify(m)) };
}

/** predict + counters + replay state: what a failed load must not change (the observation counts only mid-episode). */
function snapshot(agent: SAC): string {
  const { observation, ...counters } = agent.training;
  return JSON.stringify([
    Array.from(agent.predict([0.2])), counters, counters.needsReset ? null : Array.from(observation),
    agent.buffer.getState().size, agent.buffer.getState().position,
  ]);
}

const hostile = fc.oneof(fc.jsonValue(), fc.constant(-1), fc.constant(1.5), fc.constant(2 ** 53), fc.constant(null), fc.constant('7'));
const paths: string[][] = [
  ['training', 'step'], ['training', 'episode'], ['training', 'updates'], ['training', 'episodeLength'], ['training', 'episodeReturn'],
  ['training', 'needsReset'], ['training', 'observation'], ['training', 'wallSeconds'], ['replay', 'position'], ['replay', 'size'],
  ['replay', 'capacity'], ['replay'], ['training'], ['streams'], ['optimizers'], ['config'], ['algorithm'], ['version'], ['format'],
  ['streams', 'minibatch'], ['optimizers', 'actor', 'steps'],
];

describe('hardening: fuzzed checkpoints', () => {
  it('a random value at any meta.json field is loaded consistently or refused without changes (fast-check)', () => {
    let refused = 0;
    fc.assert(fc.property(fc.constantFrom(...paths), hostile, (at, value) => {
      const target = new SAC(new BanditEnv(), { ...TINY, learningStarts: 10, seed: 2 });
      const before = snapshot(target);
      const files = withMeta((m) => {
        let node = m as Record<string, unknown>;
        for (const key of at.slice(0, -1)) node = node[key] as Record<string, unknown>;
        node[at[at.length - 1]] = value;
      });
      try {
        target.fromCheckpoint(files);
      } catch (error) {
        refused++;
        assert.ok(error instanceof Error && error.message.length > 0);
        assert.equal(snapshot(target), before, `${at.join('.')} = ${JSON.stringify(value)}: changed before refusing`);
        return;
      }
      // Accepted: the values must be in range.
      const t = target.training;
      for (const n of [t.step, t.episode, t.updates, t.episodeLength]) assert.ok(Number.isInteger(n) && n >= 0, `${at.join('.')} = ${JSON.stringify(value)} accepted as ${n}`);
      const s = target.buffer.getState();
      assert.ok(Number.isInteger(s.position) && s.position >= 0 && s.position < s.capacity);
    }), { numRuns: 400 });
    assert.ok(refused > 300, `refused ${refused} of 400`);
    assert.deepEqual(Object.keys(Object.prototype), []);
  });

  it('__proto__ and constructor keys in meta.json sections do not reach Object.prototype', () => {
    for (const at of ['streams', 'optimizers', 'training', 'config']) {
      const files = { ...original, 'meta.json': new TextEncoder().encode(new TextDecoder().decode(original['meta.json']).replace(`"${at}": {`, `"${at}": {"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}},`)) };
      const target = new SAC(new BanditEnv(), { ...TINY, learningStarts: 10, seed: 2 });
      try {
        target.fromCheckpoint(files);
      } catch {
        // refusing is fine; polluting is not
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined, at);
    }
  });

  it('every truncation of every file is refused, or (meta.json without its final newline) loads the saved agent', () => {
    const expected = snapshot(source);
    let refused = 0;
    for (const name of Object.keys(original)) {
      const bytes = original[name];
      for (const length of [0, 1, 8, Math.floor(bytes.length / 2), bytes.length - 1]) {
        const target = new SAC(new BanditEnv(), { ...TINY, learningStarts: 10, seed: 2 });
        const before = snapshot(target);
        try {
          target.fromCheckpoint({ ...original, [name]: bytes.subarray(0, length) });
        } catch {
          refused++;
          assert.equal(snapshot(target), before, `${name} cut at ${length}: changed before refusing`);
          continue;
        }
        assert.equal(snapshot(target), expected, `${name} cut at ${length} loaded something else`);
      }
    }
    assert.equal(refused, 5 * Object.keys(original).length - 1);
  });
});
