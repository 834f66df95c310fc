import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The entry points a browser bundle may start from: none of them may reach a Node built-in. */
const BROWSER_ENTRIES = ['engine/index.ts', 'envs/index.ts', 'algorithms/browser.ts'];

const BROWSER: BuildOptions = {
  absWorkingDir: root, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent',
};

interface BundleReport {
  /** esbuild's errors (a `node:*` import cannot be resolved for the browser platform). */
  readonly errors: string[];
  /** "importer → specifier" for every import of a Node built-in in the metafile, resolved or not. */
  readonly builtinImports: string[];
  readonly inputs: string[];
  readonly bytes: number;
}

/** Every import of a Node built-in, by its specifier as written, so an alias or shim cannot hide one. */
function builtinImports(metafile: Metafile): string[] {
  const found: string[] = [];
  for (const [importer, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) {
      const specifier = imported.original ?? imported.path;
      if (specifier.startsWith('node:') || isBuiltin(specifier)) found.push(`${importer} → ${specifier}`);
    }
  }
  return found;
}

async function bundle(options: BuildOptions): Promise<BundleReport> {
  try {
    const result = await build({ ...BROWSER, ...options });
    const metafile = result.metafile!;
    return {
      errors: [],
      builtinImports: builtinImports(metafile),
      inputs: Object.keys(metafile.inputs),
      bytes: result.outputFiles!.reduce((n, f) => n + f.contents.length, 0),
    };
  } catch (error) {
    const errors = (error as { errors?: { text: string; location: { file: string } | null }[] }).errors;
    if (!errors) throw error;
    return { errors: errors.map((e) => `${e.location?.file ?? '?'}: ${e.text}`), builtinImports: [], inputs: [], bytes: 0 };
  }
}

describe('browser bundles (esbuild, platform browser)', function () {
  this.timeout(60_000);

  for (const entry of BROWSER_ENTRIES) {
    it(`${entry} bundles with no Node built-in`, async () => {
      assert.ok(existsSync(`${root}${entry}`), `${entry} does not exist`);
      const report = await bundle({ entryPoints: [entry] });
      assert.deepEqual(report.errors, [], `${entry} does not bundle for the browser`);
      assert.deepEqual(report.builtinImports, [], `${entry} reaches Node built-ins`);
      assert.ok(report.inputs.includes(entry), `the bundle of ${entry} lacks the entry itself`);
      assert.ok(report.bytes > 10_000, `${entry}: a ${report.bytes}-byte bundle is suspiciously small`);
    });
  }

  it('the bundled engine, envs and algorithms run in a realm without process, Buffer or require', async () => {
    const program = [
      "import { grad, tensor } from './engine/index.ts';",
      "import { make } from './envs/index.ts';",
      "import { SAC } from './algorithms/browser.ts';",
      'const tanhPrime = grad((x) => x.tanh().sum())(tensor([0.5], { dtype: "float64" })).item();',
      'const env = make("Pendulum-v1");',
      'env.reset({ seed: 0 });',
      'const reward = env.step([0.5]).reward;',
      'const action = Array.from(new SAC(make("Pendulum-v1"), { seed: 0 }).predict([1, 0, 0]));',
      'globalThis.result = { tanhPrime, reward, action };',
    ].join('\n');
    const result = await build({ ...BROWSER, stdin: { contents: program, resolveDir: root, loader: 'ts' }, format: 'iife' });
    const realm: Record<string, unknown> = { TextEncoder, TextDecoder, console };
    runInNewContext(new TextDecoder().decode(result.outputFiles![0].contents), realm);
    assert.equal(runInNewContext('typeof process + typeof Buffer + typeof require', realm), 'undefinedundefinedundefined');
    const { tanhPrime, reward, action } = realm.result as { tanhPrime: number; reward: number; action: number[] };
    assert.ok(Math.abs(tanhPrime - (1 - Math.tanh(0.5) ** 2)) < 1e-12, `tanh'(0.5) = ${tanhPrime}`);
    assert.ok(Number.isFinite(reward) && reward <= 0, `Pendulum reward ${reward}`);
    assert.equal(action.length, 1);
    assert.ok(Math.abs(action[0]) <= 2, `action ${action[0]}`);
  });

  describe('the check bites', () => {
    it('bundling the Node entry engine/node.ts fails on its node: imports', async () => {
      const report = await bundle({ entryPoints: ['engine/node.ts'] });
      assert.ok(report.errors.length > 0, 'engine/node.ts bundled for the browser');
      assert.ok(report.errors.some((e) => /engine\/io\/files\.ts: Could not resolve "node:fs"/.test(e)), report.errors.join('\n'));
    });

    it('a built-in that a shim resolves, or that is marked external, is still found in the metafile', async () => {
      const shim: Plugin = {
        name: 'shim-fs',
        setup(b) {
          b.onResolve({ filter: /^(node:)?fs$/ }, (args) => ({ path: args.path, namespace: 'shim' }));
          b.onLoad({ filter: /.*/, namespace: 'shim' }, () => ({ contents: 'export const readFileSync = () => new Uint8Array(0);' }));
        },
      };
      const stdin = { contents: "import { readFileSync } from 'fs';\nimport { join } from 'node:path';\nconsole.log(readFileSync, join);", resolveDir: root, loader: 'ts' as const };
      const shimmed = await bundle({ stdin, plugins: [shim], external: ['node:path'] });
      assert.deepEqual(shimmed.errors, []);
      assert.deepEqual(shimmed.builtinImports, ['<stdin> → fs', '<stdin> → node:path']);
    });
  });
});
