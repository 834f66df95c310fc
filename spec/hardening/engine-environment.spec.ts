/**
 * Kernel environment variables (engine/kernels/environment.ts): an invalid value stops the process
 * at kernel initialisation with a message naming the variable and the value, instead of falling
 * back to the JS kernels silently.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { EnvironmentError } from '../../engine/errors.ts';
import { readKernelEnvironment } from '../../engine/kernels/environment.ts';
import { simdSupported } from '../../engine/kernels/wasm/index.ts';

const script = "import('./engine/index.ts').then((e) => { const t = e.tensor([1, 2]); console.log(e.kernels().name, t.size); })";

/** Runs a child that imports the engine and creates a tensor, with `vars` set (others removed). */
function child(vars: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['VARL_KERNELS', 'VARL_WASM_MEMORY_MB', 'VARL_WASM_FMA', 'VARL_WASM_GC']) delete env[name];
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...env, ...vars }, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('engine hardening: kernel environment variables', () => {
  describe('invalid values stop a fresh process, naming variable and value', () => {
    const cases: [string, string, RegExp][] = [
      ['VARL_KERNELS', 'cuda', /EnvironmentError: VARL_KERNELS="cuda": unknown kernel set \(expected js or wasm\)/],
      ['VARL_WASM_MEMORY_MB', 'abc', /VARL_WASM_MEMORY_MB="abc": expected an integer 16…4095/],
      ['VARL_WASM_FMA', 'yes', /VARL_WASM_FMA="yes": expected 0 or 1/],
    ];
    for (const [name, value, pattern] of cases) {
      it(`${name}=${value}`, () => {
        const run = child({ [name]: value });
        assert.notEqual(run.status, 0, run.stdout);
        assert.match(run.stderr, pattern);
      });
    }

    it('an invalid wasm variable is refused under VARL_KERNELS=js too (invalid, not merely unused)', () => {
      const run = child({ VARL_KERNELS: 'js', VARL_WASM_GC: 'off' });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /VARL_WASM_GC="off": expected 0 or 1/);
    });
  });

  it('valid values work in a fresh process', () => {
    const run = child({ VARL_KERNELS: 'js', VARL_WASM_MEMORY_MB: '64', VARL_WASM_FMA: '0', VARL_WASM_GC: '1' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'js 2');
  });

  it('a valid memory size configures the wasm set', function () {
    if (!simdSupported()) this.skip();
    const run = child({ VARL_WASM_MEMORY_MB: '32', VARL_WASM_GC: '0' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'wasm 2');
  });

  describe('readKernelEnvironment (in process, every bad memory size)', () => {
    for (const value of ['0', '-5', 'abc', '100000', '4', '15', '4096', '1e3', '64.5', '0x40', ' ']) {
      it(`VARL_WASM_MEMORY_MB=${JSON.stringify(value)} is refused`, () => {
        assert.throws(() => readKernelEnvironment({ VARL_WASM_MEMORY_MB: value }),
          (e: unknown) => e instanceof EnvironmentError && e.message.startsWith(`VARL_WASM_MEMORY_MB=${JSON.stringify(value)}:`));
      });
    }

    it('accepts the bounds and unset/empty values', () => {
      assert.equal(readKernelEnvironment({ VARL_WASM_MEMORY_MB: '16' }).wasmMemoryMB, 16);
      assert.equal(readKernelEnvironment({ VARL_WASM_MEMORY_MB: '4095' }).wasmMemoryMB, 4095);
      assert.deepEqual(readKernelEnvironment({}), { wasmFma: undefined, wasmGc: undefined });
      assert.deepEqual(readKernelEnvironment({ VARL_KERNELS: '', VARL_WASM_FMA: '' }), { wasmFma: undefined, wasmGc: undefined });
      assert.deepEqual(readKernelEnvironment({ VARL_KERNELS: 'wasm', VARL_WASM_FMA: '1', VARL_WASM_GC: '0' }),
        { kernels: 'wasm', wasmFma: true, wasmGc: false });
    });

    it('refuses unknown kernel names, including case variants', () => {
      for (const value of ['cuda', 'JS', 'Wasm', 'js ']) {
        assert.throws(() => readKernelEnvironment({ VARL_KERNELS: value }), /VARL_KERNELS=.*unknown kernel set/);
      }
    });
  });

  it('a bad memory size in a child is refused for each of 0, -5, abc, 100000, 4', function () {
    this.timeout(120_000);
    for (const value of ['0', '-5', 'abc', '100000', '4']) {
      const run = child({ VARL_WASM_MEMORY_MB: value });
      assert.notEqual(run.status, 0, `${value}: ${run.stdout}`);
      assert.match(run.stderr, new RegExp(`VARL_WASM_MEMORY_MB="${value}": expected an integer 16…4095`));
    }
  });
});
