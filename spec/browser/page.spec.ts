/**
 * The demo page in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
 * SAC trains on Pendulum in the worker, the curve and the inspect view update, a checkpoint trained
 * here in Node gives the page the same deterministic actions, and bad input leaves the session
 * running; IAPO's inference iterates and the MCMC chains (HMC-SAC, Langevin-TD3) are drawn on Q(s, ·);
 * MuJoCo's wasm loads in the worker and InvertedPendulum-v5 trains with a live animation. Screenshots
 * of the training and inspect views (SAC, IAPO, HMC-SAC, MuJoCo) go to a temporary folder, or to the
 * folder VARL_SCREENSHOTS names (`VARL_SCREENSHOTS=demo/screenshots npx mocha spec/browser/page.spec.ts`
 * refreshes the committed ones).
 *
 * When /usr/bin/chromium is missing, the before hook installs Debian's `chromium` package if it runs
 * as root with apt-get; without root or apt the suite is reported as NOT RUN, with the reason.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SAC, describeKernels, sameKernels, type KernelIdentity } from '../../algorithms/browser.ts';
import { make } from '../../envs/index.ts';
import { buildDemo, type BuildReport } from '../../demo/build.ts';
import { serveStatic, type DemoServer } from '../../demo/serve.ts';
import { packCheckpoint, unpackCheckpoint } from '../../demo/src/checkpoint-file.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = process.env.VARL_SCREENSHOTS ? resolve(root, process.env.VARL_SCREENSHOTS) : join(tmpdir(), 'varl-screenshots');
const CHECKPOINT_FILES = ['meta.json', 'model.safetensors', 'optimizers.safetensors', 'replay.safetensors'];
const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Installs Debian's chromium when missing and possible; returns why the browser test cannot run, or null. */
function ensureChromium(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) return `${CHROMIUM} is missing and it cannot be installed here (${!isRoot ? 'not root' : 'no apt-get'}); install Debian's chromium package`;
  console.log(`      ${CHROMIUM} is missing: installing Debian's chromium package (apt-get update && apt-get install -y chromium) …`);
  execSync('apt-get update && apt-get install -y chromium', { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium finished but ${CHROMIUM} does not exist`);
  return null;
}

interface StatusData {
  state: string;
  step: number;
  updates: number;
  updatesPerSecond: number;
}

async function status(page: Page): Promise<StatusData> {
  const d = await page.locator('#status').evaluate((el) => ({ ...(el as unknown as { dataset: Record<string, string> }).dataset }));
  return { state: d.state ?? 'idle', step: Number(d.step ?? 0), updates: Number(d.updates ?? 0), updatesPerSecond: Number(d.updatesPerSecond ?? 0) };
}

async function waitFor(page: Page, what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; status: ${await page.locator('#status').textContent()}; message: ${await page.locator('#message').textContent()}`);
    await page.waitForTimeout(100);
  }
}

async function fillSettings(page: Page, settings: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(settings)) {
    const element = page.locator(`#${id}`);
    if ((await element.evaluate((el) => el.tagName)) === 'SELECT') await element.selectOption(value);
    else await element.fill(value);
  }
}

/** The message the page shows after `action` (a new one, even if its text repeats an earlier one). */
async function messageAfter(page: Page, action: () => Promise<void>): Promise<string> {
  const serial = async (): Promise<number> => Number((await page.locator('#message').getAttribute('data-serial')) ?? 0);
  const before = await serial();
  await action();
  await waitFor(page, 'a new message shows', async () => (await serial()) > before);
  return (await page.locator('#message').textContent()) ?? '';
}

async function pickState(page: Page, index: number): Promise<{ observation: number[]; action: number[] }> {
  await page.locator('#state-slider').fill(String(index));
  const details = page.locator(`#inspect-details[data-index="${index}"]`);
  await details.waitFor({ timeout: 20_000 });
  return {
    observation: JSON.parse((await details.getAttribute('data-observation'))!) as number[],
    action: JSON.parse((await details.getAttribute('data-action'))!) as number[],
  };
}

async function screenshot(page: Page, selector: string, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, name);
  await page.locator(selector).screenshot({ path, animations: 'disabled' });
  console.log(`      screenshot ${path} (${(statSync(path).size / 1024).toFixed(0)} KiB)`);
}

describe('the demo page in headless Chromium', function () {
  this.timeout(120_000);
  let work = '';
  let build: BuildReport;
  let server: DemoServer;
  let context: BrowserContext;
  let page: Page;
  let nodeAgent: SAC;
  const checkpointDir = (): string => join(work, 'checkpoint');

  before(async function () {
    this.timeout(600_000);
    const reason = ensureChromium();
    if (reason) {
      console.log(`\n      BROWSER TEST NOT RUN: ${reason}\n`);
      this.skip();
    }
    work = mkdtempSync(join(tmpdir(), 'varl-page-'));
    build = await buildDemo(join(work, 'site'));
    server = await serveStatic(build.outDir, { host: '127.0.0.1', port: 0 });

    // A tiny SAC trained here in Node, saved as the files of a checkpoint/ folder.
    nodeAgent = new SAC(make('Pendulum-v1'), { seed: 7, hiddenSizes: [16, 16], batchSize: 32, learningStarts: 100, bufferSize: 1000 });
    await nodeAgent.learn({ totalSteps: 300, evalEvery: 0 });
    mkdirSync(checkpointDir());
    for (const [name, bytes] of Object.entries(nodeAgent.toCheckpoint())) writeFileSync(join(checkpointDir(), name), bytes);

    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 900 }, acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    assert.deepEqual(errors, [], `page errors: ${errors.join('; ')}`);
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves the page cross-origin isolated, with the worker ready', async () => {
    assert.equal(await page.evaluate('crossOriginIsolated'), true);
    assert.match((await page.locator('#kernels').textContent()) ?? '', /kernels: \S+/);
    console.log(`      bundle: ${(build.scriptBytes / 1024).toFixed(0)} KiB of scripts (${(build.scriptGzipBytes / 1024).toFixed(0)} KiB gzipped); ${await page.locator('#kernels').textContent()}`);
  });

  it('SAC on Pendulum: steps advance, the curve and the losses update', async () => {
    await fillSettings(page, { env: 'Pendulum-v1', algorithm: 'sac', seed: '1', steps: '40000', learningRate: '0.001', hiddenSize: '64', batchSize: '64', warmup: '200', evalEvery: '400', speed: 'max' });
    await page.locator('#start').click();
    await waitFor(page, 'SAC has taken 600 steps', async () => (await status(page)).step >= 600);
    const first = await status(page);
    const pointsBefore = Number(await page.locator('#curve svg').getAttribute('data-points'));
    await waitFor(page, 'the curve gains points', async () => Number(await page.locator('#curve svg').getAttribute('data-points')) > pointsBefore);
    const second = await status(page);
    assert.equal(second.state, 'running');
    assert.ok(second.step > first.step && second.updates > first.updates, `steps ${first.step} → ${second.step}, updates ${first.updates} → ${second.updates}`);
    assert.ok(Number(await page.locator('#curve svg').getAttribute('data-evals')) >= 1, 'no evaluation on the curve');
    const evaluatedAt = (await page.locator('#curve .eval-point').evaluateAll((marks) => marks.map((m) => m.getAttribute('data-step')))).map(Number);
    // One evaluation at the start, then one at each multiple of evalEvery (400), each once.
    assert.deepEqual(evaluatedAt, evaluatedAt.map((_, i) => 400 * i), `evaluations at 0 and each multiple of evalEvery (400), each once: ${evaluatedAt}`);
    assert.ok(await page.locator('#losses .loss-line').count() >= 2, 'no loss curves');
    assert.ok(await page.locator('#live svg').count() >= 1, 'no live frame');
    console.log(`      page: ${second.updatesPerSecond.toFixed(1)} SAC updates/s in the worker (64×64, batch 64)`);
    await screenshot(page, 'body', 'sac-training.png');
  });

  it('renders Q(s, ·), the density and the deterministic action for a picked state', async () => {
    const picked = await pickState(page, 40);
    assert.equal(picked.observation.length, 3);
    const landscape = page.locator('#landscape svg[data-dims="1"]');
    await landscape.waitFor();
    assert.equal(await landscape.locator('.q-line').count(), 1);
    assert.equal(await landscape.locator('.density').count(), 1);
    assert.equal(await landscape.locator('.deterministic').count(), 1);
    await screenshot(page, '#inspect', 'sac-inspect.png');
  });

  it('NaN or negative settings give a clear message and the session keeps training', async () => {
    const before = await status(page);
    const start = (): Promise<void> => page.locator('#start').click();
    await fillSettings(page, { learningRate: 'abc' });
    assert.equal(await messageAfter(page, start), "Learning rate must be a number, got 'abc'");
    await fillSettings(page, { learningRate: '0.001', steps: '-5' });
    assert.equal(await messageAfter(page, start), 'Steps must not be negative, got -5');
    await fillSettings(page, { steps: '40000', seed: 'NaN' });
    assert.equal(await messageAfter(page, start), "Seed must be an integer, got 'NaN'");
    await waitFor(page, 'the session trains on', async () => (await status(page)).step > before.step);
    await fillSettings(page, { seed: '1' });
  });

  it('a corrupt, foreign or mismatched checkpoint gives a clear message and leaves the session intact', async () => {
    const upload = page.locator('#upload');
    const corrupt = await messageAfter(page, () => upload.setInputFiles({ name: 'weights.json', mimeType: 'application/json', buffer: Buffer.from('{not json') }));
    assert.equal(corrupt, 'Checkpoint not loaded: weights.json is not a varl checkpoint: it is not JSON');
    const foreign = await messageAfter(page, () => upload.setInputFiles({ name: 'meta.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"something-else"}') }));
    assert.equal(foreign, 'Checkpoint not loaded: uploaded checkpoint: meta.json is not a varl checkpoint');
    const truncated = readFileSync(join(checkpointDir(), 'model.safetensors')).subarray(0, 100);
    const broken = await messageAfter(page, () => upload.setInputFiles([
      { name: 'meta.json', mimeType: 'application/json', buffer: readFileSync(join(checkpointDir(), 'meta.json')) },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: truncated },
    ]));
    assert.match(broken, /^Checkpoint not loaded: .*safetensors/);
    await fillSettings(page, { algorithm: 'td3' });
    const mismatch = await messageAfter(page, () => upload.setInputFiles(CHECKPOINT_FILES.map((f) => join(checkpointDir(), f))));
    assert.match(mismatch, /holds SAC on Pendulum-v1, but TD3 on Pendulum-v1 is selected/);
    const after = await status(page);
    assert.equal(after.state, 'running');
    assert.match((await page.locator('#status').textContent()) ?? '', /^SAC on Pendulum-v1/);
    await waitFor(page, 'the session trains on', async () => (await status(page)).step > after.step);
  });

  it('downloads a checkpoint the library reads back', async () => {
    // Paused, so that the checkpoint and the policy below are of the same step.
    if ((await status(page)).state === 'running') await page.locator('#pause').click();
    await waitFor(page, 'the run is paused', async () => (await status(page)).state !== 'running', 10_000);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const path = join(work, 'download.json');
    await download.saveAs(path);
    const files = unpackCheckpoint(readFileSync(path, 'utf8'), 'download.json');
    const restored = new SAC(make('Pendulum-v1'), { seed: 1, hiddenSizes: [64, 64], batchSize: 64, learningStarts: 200, bufferSize: 40000, learningRate: 0.001 });
    restored.fromCheckpoint(files, { allowKernelChange: true }); // the page computes with its own kernels (FMA where the browser has relaxed SIMD)
    assert.ok(restored.training.step > 0);
    assert.match(download.suggestedFilename(), /^sac-Pendulum-v1-step\d+\.varl\.json$/);

    // The policy alone: meta.json and the networks, which load networks only and act as the whole checkpoint does.
    const [policyDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#download-policy').click()]);
    const policyPath = join(work, 'policy.json');
    await policyDownload.saveAs(policyPath);
    const policy = unpackCheckpoint(readFileSync(policyPath, 'utf8'), 'policy.json');
    assert.deepEqual(Object.keys(policy).sort(), ['meta.json', 'model.safetensors']);
    assert.match(policyDownload.suggestedFilename(), /^sac-Pendulum-v1-step\d+-policy\.varl\.json$/);
    const shipped = new SAC(make('Pendulum-v1'), { seed: 1, hiddenSizes: [64, 64], batchSize: 64, learningStarts: 200, bufferSize: 40000, learningRate: 0.001 });
    shipped.fromCheckpoint(policy, { weightsOnly: true });
    for (const obs of [[1, 0, 0], [0.3, -0.95, 4]]) assert.deepEqual(shipped.predict(obs), restored.predict(obs));
  });

  it('a checkpoint trained in Node gives the same deterministic actions in the page (float32 precision)', async () => {
    await page.locator('#stop').click();
    await fillSettings(page, { algorithm: 'sac', env: 'Pendulum-v1' });
    const loaded = await messageAfter(page, () => page.locator('#upload').setInputFiles(CHECKPOINT_FILES.map((f) => join(checkpointDir(), f))));
    assert.match(loaded, /^Loaded SAC on Pendulum-v1 at step 300/);
    // Node's kernels (saved in the checkpoint) and the page's: a difference is said, as the continued run rounds differently.
    const saved = (JSON.parse(readFileSync(join(checkpointDir(), 'meta.json'), 'utf8')) as { kernels: KernelIdentity }).kernels;
    const pageText = (await page.locator('#kernels').textContent()) ?? '';
    const rounding = /FMA rounding (once|twice)/.exec(pageText)?.[1];
    const pageKernels: KernelIdentity = { set: /kernels: (\w+)/.exec(pageText)?.[1] ?? '', fma: rounding !== undefined, fusedMultiplyAdd: rounding === 'once' };
    assert.ok(pageText.startsWith(`kernels: ${describeKernels(pageKernels)}`), pageText);
    if (sameKernels(saved, pageKernels)) assert.doesNotMatch(loaded, /kernels/);
    else assert.ok(loaded.includes(`computed with the ${describeKernels(saved)} kernels and this page uses ${describeKernels(pageKernels)}`), loaded);
    let compared = 0;
    for (const index of [0, 25, 120, 199]) {
      const { observation, action } = await pickState(page, index);
      const expected = nodeAgent.predict(Float32Array.from(observation), { deterministic: true });
      assert.equal(action.length, expected.length);
      for (let i = 0; i < action.length; i++) {
        assert.ok(Math.abs(action[i] - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])), `state ${index}: page ${action[i]}, Node ${expected[i]}`);
        compared++;
      }
    }
    // The same checkpoint as one container file.
    const container = packCheckpoint(nodeAgent.toCheckpoint(), { algorithm: 'SAC', envId: 'Pendulum-v1' });
    const fromContainer = await messageAfter(page, () => page.locator('#upload').setInputFiles({ name: 'node.varl.json', mimeType: 'application/json', buffer: Buffer.from(container) }));
    assert.match(fromContainer, /^Loaded SAC on Pendulum-v1 at step 300/);
    const { observation, action } = await pickState(page, 60);
    const expected = nodeAgent.predict(Float32Array.from(observation), { deterministic: true });
    assert.ok(Math.abs(action[0] - expected[0]) <= 1e-5 * Math.max(1, Math.abs(expected[0])), `container: page ${action[0]}, Node ${expected[0]}`);
    // A policy exported to ship (`varl export`: meta.json and the networks only) loads too, to be trained afresh.
    const policy = await messageAfter(page, () => page.locator('#upload').setInputFiles(['meta.json', 'model.safetensors'].map((f) => join(checkpointDir(), f))));
    assert.match(policy, /^Loaded the SAC policy on Pendulum-v1, trained for 300 steps: networks only/);
    const fromPolicy = await pickState(page, 90);
    const policyExpected = nodeAgent.predict(Float32Array.from(fromPolicy.observation), { deterministic: true });
    assert.ok(Math.abs(fromPolicy.action[0] - policyExpected[0]) <= 1e-5 * Math.max(1, Math.abs(policyExpected[0])), `policy: page ${fromPolicy.action[0]}, Node ${policyExpected[0]}`);
    console.log(`      ${compared + 2} deterministic actions agree with Node to 1e-5`);
  });

  it('IAPO on MultiGoal: the heat map of Q with the inference iterates λ₀…λ_K', async () => {
    await fillSettings(page, { env: 'MultiGoal-v0', algorithm: 'iapo', seed: '0', steps: '30000', learningRate: '0.001', hiddenSize: '32', batchSize: '32', warmup: '150', evalEvery: '300', speed: 'max' });
    await page.locator('#start').click();
    await waitFor(page, 'IAPO has trained past an evaluation', async () => {
      const s = await status(page);
      return /^IAPO on MultiGoal-v0/.test((await page.locator('#status').textContent()) ?? '') && s.step >= 320 && s.updates > 0;
    }, 45_000);
    await screenshot(page, 'body', 'iapo-training.png');
    await pickState(page, 5);
    const landscape = page.locator('#landscape svg[data-dims="2"]');
    await landscape.waitFor();
    assert.equal(await landscape.locator('.iterate').count(), 6, 'λ₀ … λ₅ (K = 5) drawn on the heat map');
    assert.ok(await landscape.locator('.density-dot').count() > 0, 'no density drawn');
    assert.equal(await landscape.locator('.deterministic').count(), 1);
    await screenshot(page, '#inspect', 'iapo-inspect.png');
    await page.locator('#stop').click();
  });

  it('HMC-SAC on Pendulum: the leapfrog chain a₀…a_K on Q(s, ·), with the policy’s density', async () => {
    await fillSettings(page, {
      env: 'Pendulum-v1', algorithm: 'hmc-sac', seed: '0', steps: '30000', learningRate: '0.001', hiddenSize: '32', batchSize: '32', warmup: '100', evalEvery: '200',
      chainSteps: '3', speed: 'max',
    });
    await page.locator('#start').click();
    await waitFor(page, 'HMC-SAC has trained past an evaluation', async () => {
      const s = await status(page);
      return /^HMC-SAC on Pendulum-v1/.test((await page.locator('#status').textContent()) ?? '') && s.step >= 220 && s.updates > 0;
    }, 45_000);
    // The losses arrive with the curve rows of finished episodes, which the worker posts in batches: on a loaded
    // machine they can come after the step count has passed the first episode's end.
    await waitFor(page, 'the losses panel has HMC-SAC\'s first curve row', async () => ((await page.locator('#losses').textContent()) ?? '').includes('critic_loss'), 45_000);
    await page.locator('#stop').click();
    const { action } = await pickState(page, 20);
    const landscape = page.locator('#landscape svg[data-dims="1"]');
    await landscape.waitFor();
    assert.equal(await landscape.locator('.iterate').count(), 4, 'a₀ … a₃ (K = 3 leapfrog steps)');
    assert.equal(await landscape.locator('.iterate-zoom').count(), 4, 'the zoomed chain');
    const losses = (await page.locator('#losses').textContent()) ?? '';
    for (const name of ['critic_loss', 'distance', 'alpha', 'beta']) assert.ok(losses.includes(name), `the losses panel shows ${name}: ${losses.slice(0, 200)}`);
    assert.equal(await landscape.locator('.density').count(), 1);
    assert.equal(await landscape.locator('.q-line').count(), 1);
    const details = (await page.locator('#inspect-details').textContent()) ?? '';
    assert.match(details, /chain iterates a₀…a3 \(env units\)/);
    // a_K is the action the agent takes: the last iterate is predict()'s action.
    const last = Number(/a3 = \[([^\]]+)\]/.exec(details)![1]);
    assert.ok(Math.abs(last - action[0]) <= 1e-4, `a₃ = ${last}, action ${action[0]}`);
    await screenshot(page, '#inspect', 'mcmc-inspect.png');
  });

  it('Langevin-TD3 on Pendulum: the inspect view draws the chain a₀…a_K on Q(s, ·)', async () => {
    await fillSettings(page, {
      env: 'Pendulum-v1', algorithm: 'langevin-td3', seed: '0', steps: '30000', learningRate: '0.001', hiddenSize: '32', batchSize: '32', warmup: '100', evalEvery: '300',
      chainSteps: '4', speed: 'max',
    });
    await page.locator('#start').click();
    await waitFor(page, 'Langevin-TD3 has trained past an evaluation', async () => {
      const s = await status(page);
      return /^LANGEVIN-TD3 on Pendulum-v1/.test((await page.locator('#status').textContent()) ?? '') && s.step >= 320 && s.updates > 0;
    }, 45_000);
    await page.locator('#stop').click();
    const { action } = await pickState(page, 30);
    const landscape = page.locator('#landscape svg[data-dims="1"]');
    await landscape.waitFor();
    assert.equal(await landscape.locator('.iterate').count(), 5, 'a₀ … a₄ (K = 4 flow layers) drawn on Q(s, ·)');
    assert.equal(await landscape.locator('.q-line').count(), 1);
    assert.equal(await landscape.locator('.deterministic').count(), 1);
    assert.equal(await landscape.locator('.density').count(), 0, 'Langevin-TD3 is deterministic: no density');
    const details = (await page.locator('#inspect-details').textContent()) ?? '';
    assert.match(details, /chain iterates a₀…a4 \(env units\)/);
    // a_K is the action the agent takes: the last iterate is predict()'s action.
    const last = Number(/a4 = \[([^\]]+)\]/.exec(details)![1]);
    assert.ok(Math.abs(last - action[0]) <= 1e-4, `a₄ = ${last}, action ${action[0]}`);
  });

  it('MuJoCo InvertedPendulum-v5: the worker loads MuJoCo’s wasm, trains, and the animation updates', async () => {
    await fillSettings(page, {
      env: 'InvertedPendulum-v5', algorithm: 'sac', seed: '0', steps: '30000', learningRate: '0.001', hiddenSize: '32', batchSize: '32', warmup: '100', evalEvery: '500',
      speed: 'max',
    });
    await page.locator('#start').click();
    await waitFor(page, 'SAC on InvertedPendulum-v5 has taken 300 steps', async () => {
      const s = await status(page);
      return /^SAC on InvertedPendulum-v5/.test((await page.locator('#status').textContent()) ?? '') && s.step >= 300 && s.updates > 0;
    }, 45_000);
    assert.equal(await page.locator('#message').isHidden(), true, `message: ${await page.locator('#message').textContent()}`);
    const frame = async (): Promise<string> => (await page.locator('#live').innerHTML());
    const first = await frame();
    assert.match(first, /<svg/);
    const before = await status(page);
    await waitFor(page, 'the animation shows a new frame', async () => (await frame()) !== first);
    // Frames and status lines arrive separately (an evaluation animates without training steps): wait for both.
    let after = before;
    await waitFor(page, 'training goes on past the first frame', async () => {
      after = await status(page);
      return after.step > before.step && after.updates > before.updates;
    }, 45_000);
    assert.ok(after.step > before.step && after.updates > before.updates, `steps ${before.step} → ${after.step}, updates ${before.updates} → ${after.updates}`);
    assert.ok(Number(await page.locator('#curve svg').getAttribute('data-evals')) >= 1, 'no evaluation on the curve');
    await pickState(page, 3);
    await page.locator('#landscape svg[data-dims="1"]').waitFor();
    await screenshot(page, 'body', 'mujoco-training.png');
    // Hopper's 3-D actions: a slice over actions 0 and 1 through the deterministic action, said as such.
    await fillSettings(page, { env: 'Hopper-v5', steps: '20000' });
    await page.locator('#start').click();
    await waitFor(page, 'SAC on Hopper-v5 has taken steps', async () =>
      /^SAC on Hopper-v5/.test((await page.locator('#status').textContent()) ?? '') && (await status(page)).step > 0);
    await page.locator('#landscape svg[data-dims="2"]').waitFor({ timeout: 20_000 });
    assert.match((await page.locator('#landscape svg').textContent()) ?? '', /the other actions at the deterministic action/);
    assert.match((await page.locator('#inspect-details').textContent()) ?? '', /grid: actions 0 and 1, the others held at the deterministic action/);
    await screenshot(page, '#inspect', 'mujoco-slice.png');
    // Another pair of actions, chosen in the page: the third one gridded with the second.
    await page.locator('#slice').selectOption('1,2');
    await waitFor(page, 'the 1–2 slice is drawn', async () =>
      /grid: actions 1 and 2, the others held at the deterministic action/.test((await page.locator('#inspect-details').textContent()) ?? ''), 20_000);
    assert.equal(await page.locator('#slice option').count(), 3, 'Hopper: the pairs 0–1, 0–2 and 1–2');
    assert.equal(await page.locator('#message').isHidden(), true, `message: ${await page.locator('#message').textContent()}`);
    assert.match(await page.locator('#live').innerHTML(), /<svg/);
    await page.locator('#stop').click();
  });
});
