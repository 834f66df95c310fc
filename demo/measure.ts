/**
 * SAC update throughput on Pendulum-v1 in Node and in the demo page's worker (headless Chromium,
 * Debian's /usr/bin/chromium), same config, same machine, back to back; and the bundle size.
 *
 *   node --import tsx demo/measure.ts [UPDATES]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { SAC } from '../algorithms/index.ts';
import { kernels } from '../engine/index.ts';
import { make } from '../envs/index.ts';
import { buildDemo, describeBuild } from './build.ts';
import { serveStatic } from './serve.ts';

const UPDATES = Number(process.argv[2] ?? 2000);
const WARMUP = 200;
/** The page's settings and the same SAC config in Node: 64×64 networks, batch 64, lr 1e-3. */
const CONFIG = { seed: 1, hiddenSizes: [64, 64], batchSize: 64, learningStarts: WARMUP, bufferSize: WARMUP + UPDATES + 400, learningRate: 0.001 };

async function nodeRate(): Promise<number> {
  const agent = new SAC(make('Pendulum-v1'), CONFIG);
  await agent.learn({ totalSteps: WARMUP + 200, evalEvery: 0 });
  const started = performance.now();
  const before = agent.training.updates;
  await agent.learn({ totalSteps: WARMUP + 200 + UPDATES, evalEvery: 0 });
  return (agent.training.updates - before) / ((performance.now() - started) / 1000);
}

async function pageRate(url: string): Promise<number> {
  const profile = mkdtempSync(join(tmpdir(), 'varl-measure-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.locator('body[data-ready="true"]').waitFor();
    const settings = { seed: '1', steps: String(CONFIG.bufferSize), learningRate: '0.001', hiddenSize: '64', batchSize: '64', warmup: String(WARMUP), evalEvery: '1000000' };
    for (const [id, value] of Object.entries(settings)) await page.locator(`#${id}`).fill(value);
    await page.locator('#speed').selectOption('max');
    await page.locator('#start').click();
    const updates = async (): Promise<number> => Number(await page.locator('#status').getAttribute('data-updates'));
    while ((await updates()) < 200) await page.waitForTimeout(50);
    const started = performance.now();
    const before = await updates();
    while ((await updates()) < before + UPDATES) await page.waitForTimeout(50);
    return ((await updates()) - before) / ((performance.now() - started) / 1000);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const out = mkdtempSync(join(tmpdir(), 'varl-demo-'));
const report = await buildDemo(out);
const server = await serveStatic(out);
try {
  const node = await nodeRate();
  const page = await pageRate(server.url);
  console.log(`bundle:\n${describeBuild(report)}`);
  console.log(`SAC Pendulum-v1 64×64 batch 64, ${UPDATES} updates (env steps included):`);
  console.log(`  Node ${process.version} (${kernels().name} kernels): ${node.toFixed(1)} updates/s`);
  console.log(`  page worker (Chromium):            ${page.toFixed(1)} updates/s (${((100 * page) / node).toFixed(0)}% of Node)`);
} finally {
  await server.close();
  rmSync(out, { recursive: true, force: true });
}
