/**
 * Builds the demo into a static folder (default demo/dist/): main.js and worker.js bundled by
 * esbuild for the browser from the library's public entries, plus index.html and style.css, and
 * MuJoCo's wasm build: its JS loader split into a chunk the worker imports only for a MuJoCo env,
 * and mujoco.wasm copied next to worker.js (where the worker's `locateFile` points).
 *
 *   npm run demo:build             # → demo/dist/
 *   node --import tsx demo/build.ts OUT_DIR
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const demoDir = fileURLToPath(new URL('./', import.meta.url));
/** The single-threaded MuJoCo build's wasm, found by Node's resolution from the demo folder. */
const MUJOCO_WASM = `${dirname(createRequire(import.meta.url).resolve('@mujoco/mujoco'))}/mujoco.wasm`;
export const DEFAULT_OUT_DIR = `${demoDir}dist`;

export interface BuildReport {
  readonly outDir: string;
  /** Bytes of each written file, and the gzip size of the scripts. */
  readonly files: Record<string, number>;
  readonly scriptBytes: number;
  readonly scriptGzipBytes: number;
}

/** Bundles the page and its worker into `outDir` (emptied first). */
export async function buildDemo(outDir = DEFAULT_OUT_DIR, { minify = true } = {}): Promise<BuildReport> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    absWorkingDir: demoDir,
    entryPoints: { main: 'src/main.ts', worker: 'src/worker.ts' },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    // MuJoCo's loader (~290 KB) goes to its own chunk, fetched only when a MuJoCo env is chosen.
    splitting: true,
    chunkNames: '[name]-[hash]',
    // Emscripten's Node branch imports 'module'; it never runs in a browser.
    external: ['module'],
    target: 'es2022',
    minify,
    // Checkpoints record wrapper class names (an env's getState), so minifying must keep them.
    keepNames: true,
    sourcemap: false,
    logLevel: 'warning',
  });
  for (const name of ['index.html', 'style.css']) copyFileSync(`${demoDir}${name}`, `${outDir}/${name}`);
  copyFileSync(MUJOCO_WASM, `${outDir}/mujoco.wasm`);
  const files: Record<string, number> = {};
  for (const name of ['index.html', 'style.css', 'main.js', 'worker.js', ...readdirSync(outDir).filter((f) => /^mujoco-.*\.js$/.test(f)), 'mujoco.wasm']) {
    files[name] = statSync(`${outDir}/${name}`).size;
  }
  const scripts = ['main.js', 'worker.js'].map((name) => readFileSync(`${outDir}/${name}`));
  return {
    outDir,
    files,
    scriptBytes: scripts.reduce((n, b) => n + b.length, 0),
    scriptGzipBytes: scripts.reduce((n, b) => n + gzipSync(b).length, 0),
  };
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

/** One line per file and the script totals. */
export function describeBuild(report: BuildReport): string {
  return Object.entries(report.files).map(([name, bytes]) => `  ${name.padEnd(19)} ${kib(bytes)}`).join('\n') +
    `\n  scripts: ${kib(report.scriptBytes)} (${kib(report.scriptGzipBytes)} gzipped)`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = await buildDemo(process.argv[2] ?? DEFAULT_OUT_DIR);
  console.log(`built ${report.outDir}\n${describeBuild(report)}`);
}
