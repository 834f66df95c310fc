import { strict as assert } from 'node:assert';
import { parseCli, type Cli, type CliIo } from '../../bench/cli-args.ts';

const USAGE = 'usage: demo.ts [--updates N] [--seconds S] [--quick]';
const FLAGS = { updates: { type: 'string' }, seconds: { type: 'string' }, quick: { type: 'boolean' } } as const;

class Exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/** Runs `body` on the parsed arguments with the output captured; `status` is null when nothing exited. */
function run(argv: string[], body: (cli: Cli<typeof FLAGS>) => unknown, { maxPositionals = 0 } = {}) {
  const out = { stdout: '', stderr: '', status: null as number | null, result: undefined as unknown };
  const io: CliIo = {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
    exit: (status) => {
      throw new Exit(status);
    },
  };
  try {
    out.result = body(parseCli({ script: 'demo', usage: USAGE, flags: FLAGS, maxPositionals, argv, io }));
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    out.status = error.status;
  }
  return out;
}

describe('bench command-line flags (bench/cli-args.ts)', () => {
  it('prints the usage on stdout with status 0 for --help and -h', () => {
    for (const flag of ['--help', '-h']) {
      const r = run([flag, '--updates', '5'], () => 'ran');
      assert.equal(r.status, 0);
      assert.equal(r.stdout, `${USAGE}\n`);
      assert.equal(r.stderr, '');
      assert.equal(r.result, undefined);
    }
  });

  it('refuses an unknown flag with status 2, naming it, then the usage', () => {
    const r = run(['--update', '10'], () => 'ran');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^demo: .*'--update'/);
    assert.ok(r.stderr.endsWith(`\n\n${USAGE}\n`));
    assert.equal(r.stdout, '');
  });

  it('refuses a string flag without its value and a boolean flag with one', () => {
    assert.equal(run(['--updates'], () => 'ran').status, 2);
    assert.equal(run(['--quick=yes'], () => 'ran').status, 2);
  });

  it('refuses bad integers with status 2, naming the flag and the value', () => {
    for (const value of ['abc', '1.5', '0', '1001', '', '1e3']) {
      const r = run(['--updates', value], (cli) => cli.integer('updates', 40, { min: 1, max: 1000 }));
      assert.equal(r.status, 2, value);
      assert.ok(r.stderr.startsWith(`demo: --updates takes an integer from 1 to 1000, got ${JSON.stringify(value)}\n`), r.stderr);
    }
    const r = run(['--updates=-3'], (cli) => cli.integer('updates', 40));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--updates takes an integer ≥ 1, got "-3"/);
  });

  it('refuses a number that is not positive and finite', () => {
    for (const value of ['abc', '0', '-1', 'Infinity', ' ']) {
      const r = run([`--seconds=${value}`], (cli) => cli.positive('seconds', 2));
      assert.equal(r.status, 2, value);
      assert.match(r.stderr, new RegExp(`^demo: --seconds takes a positive number, got ${JSON.stringify(value)}`));
    }
  });

  it('applies the defaults when the flags are absent and reads them when given', () => {
    const defaults = run([], (cli) => [cli.integer('updates', 40), cli.positive('seconds', 2), cli.values.quick ?? false]);
    assert.equal(defaults.status, null);
    assert.deepEqual(defaults.result, [40, 2, false]);
    const given = run(['--updates', '7', '--seconds=0.5', '--quick'], (cli) => [cli.integer('updates', 40), cli.positive('seconds', 2), cli.values.quick]);
    assert.deepEqual(given.result, [7, 0.5, true]);
    assert.deepEqual(run(['--updates', '0'], (cli) => cli.integer('updates', 40, { min: 0 })).result, 0);
  });

  it('takes positional arguments only up to maxPositionals, checked like flags', () => {
    assert.equal(run(['100'], () => 'ran').status, 2);
    const one = run(['100'], (cli) => cli.positionalInteger(0, 'steps', 10_000), { maxPositionals: 1 });
    assert.equal(one.result, 100);
    assert.equal(run([], (cli) => cli.positionalInteger(0, 'steps', 10_000), { maxPositionals: 1 }).result, 10_000);
    const two = run(['100', '200'], () => 'ran', { maxPositionals: 1 });
    assert.equal(two.status, 2);
    assert.match(two.stderr, /takes at most 1 argument, got "100" "200"/);
    const bad = run(['ten'], (cli) => cli.positionalInteger(0, 'steps', 10_000), { maxPositionals: 1 });
    assert.match(bad.stderr, /^demo: steps takes an integer ≥ 1, got "ten"/);
  });

  it('passes a script-specific refusal through the same path', () => {
    const r = run(['--updates', '3'], (cli) => cli.fail('--updates must be even'));
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `demo: --updates must be even\n\n${USAGE}\n`);
  });
});
