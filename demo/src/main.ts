/**
 * The page: reads the settings, drives the training worker, and draws what it reports — the live
 * env, the learning curve, the losses and the inspected state's action landscape.
 */
import { packCheckpoint, readPickedFiles } from './checkpoint-file.ts';
import { curveSvg, landscapeSvg, lossesSvg } from './plots.ts';
import type { CurvePoint, EvaluationEpisode, FromWorker, Status, ToWorker } from './protocol.ts';
import { ALGORITHMS, DEFAULT_SETTINGS, ENV_IDS, parseSettings, type Settings } from './settings.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page lacks #${id}`);
  return element as T;
};

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);

let curve: CurvePoint[] = [];
let status: Status | null = null;
let episode: EvaluationEpisode | null = null;
let inspecting = false;
let inspectQueued: number | null = null;
/** Counts the messages shown, so a reader can tell a new message from an old one with the same text. */
let messageSerial = 0;

function showMessage(text: string, kind: 'error' | 'info' = 'error'): void {
  const box = $('message');
  box.textContent = text;
  box.className = kind === 'info' ? 'info' : '';
  box.hidden = false;
  box.dataset.serial = String(++messageSerial);
}

const clearMessage = (): void => void ($('message').hidden = true);

function readForm(): Record<keyof Settings, string> {
  const value = (id: string): string => $<HTMLInputElement | HTMLSelectElement>(id).value;
  return {
    envId: value('env'), algorithm: value('algorithm'), seed: value('seed'), steps: value('steps'), learningRate: value('learningRate'),
    hiddenSize: value('hiddenSize'), batchSize: value('batchSize'), warmup: value('warmup'), evalEvery: value('evalEvery'), chainSteps: value('chainSteps'),
  };
}

function renderStatus(): void {
  const el = $('status');
  if (!status) return;
  const s = status;
  el.textContent = `${s.algorithm} on ${s.envId} — ${s.state} — step ${s.step} / ${s.totalSteps} — ${s.updates} updates` +
    (s.updatesPerSecond > 0 ? ` — ${s.updatesPerSecond.toFixed(1)} updates/s` : '');
  el.dataset.state = s.state;
  el.dataset.step = String(s.step);
  el.dataset.updates = String(s.updates);
  el.dataset.updatesPerSecond = String(s.updatesPerSecond);
  $<HTMLButtonElement>('pause').disabled = s.state !== 'running';
  $<HTMLButtonElement>('resume').disabled = s.state !== 'paused';
  $<HTMLButtonElement>('stop').disabled = s.state === 'done' || s.state === 'idle';
  $<HTMLButtonElement>('download').disabled = false;
  $<HTMLButtonElement>('download-policy').disabled = false;
}

function requestInspect(index: number): void {
  if (inspecting) {
    inspectQueued = index;
    return;
  }
  inspecting = true;
  const slice = $<HTMLSelectElement>('slice').value;
  send({ type: 'inspect', index, ...(slice ? { dims: slice.split(',').map(Number) } : {}) });
}

/** With more than two action dimensions, a choice of the pair to grid (the others held at the deterministic action). */
function offerSlices(actionSize: number): void {
  const select = $<HTMLSelectElement>('slice');
  $('slice-control').hidden = actionSize <= 2;
  if (actionSize <= 2) {
    select.innerHTML = '';
    delete select.dataset.actionSize;
    return;
  }
  if (select.dataset.actionSize === String(actionSize)) return;
  select.dataset.actionSize = String(actionSize);
  const pairs: string[] = [];
  for (let i = 0; i < actionSize; i++) for (let j = i + 1; j < actionSize; j++) pairs.push(`${i},${j}`);
  select.innerHTML = pairs.map((p) => `<option value="${p}">${p.replace(',', ' and ')}</option>`).join('');
}

function showEpisode(next: EvaluationEpisode): void {
  episode = next;
  const slider = $<HTMLInputElement>('state-slider');
  slider.max = String(next.observations.length - 1);
  slider.disabled = false;
  const index = Math.min(Number(slider.value), next.observations.length - 1);
  showState(index);
}

function showState(index: number): void {
  if (!episode) return;
  $('state-frame').innerHTML = episode.frames[index];
  $('state-label').textContent = `state ${index} of ${episode.observations.length - 1} (evaluation at step ${episode.step}, return ${episode.episodeReturn.toFixed(1)})`;
  requestInspect(index);
}

const numbers = (xs: readonly number[]): string => xs.map((x) => x.toPrecision(6)).join(', ');

function handle(message: FromWorker): void {
  switch (message.type) {
    case 'ready':
      $('kernels').textContent = `kernels: ${message.kernels}${crossOriginIsolated ? ', cross-origin isolated' : ''}`;
      document.body.dataset.ready = 'true';
      return;
    case 'status':
      status = message.status;
      return renderStatus();
    case 'frame':
      $('live').innerHTML = message.svg;
      return;
    case 'curve':
      curve = curve.concat(message.points);
      $('curve').innerHTML = curveSvg(curve, status?.totalSteps ?? 1);
      $('losses').innerHTML = lossesSvg(curve);
      return;
    case 'evaluation':
      curve = curve.concat({ step: message.episode.step, evalReturn: message.episode.episodeReturn, metrics: {} });
      $('curve').innerHTML = curveSvg(curve, status?.totalSteps ?? 1);
      return showEpisode(message.episode);
    case 'inspection': {
      inspecting = false;
      const v = message.inspection;
      offerSlices(v.actionSize);
      $('landscape').innerHTML = landscapeSvg(v, { standalone: true });
      const details = $('inspect-details');
      details.dataset.index = String(message.index);
      details.dataset.observation = JSON.stringify(message.observation);
      details.dataset.action = JSON.stringify(message.action);
      details.textContent = `state s: [${numbers(message.observation)}]\n` +
        `deterministic action: [${numbers(message.action)}]\n` +
        `value: ${v.valueLabel}\n` +
        `density: ${v.densityKind ?? 'none (deterministic policy)'}\n` +
        (v.dims.length < v.actionSize ? `grid: actions ${v.dims.join(' and ')}, the others held at the deterministic action\n` : '') +
        (v.iterates.length === 0 ? '' : v.iterateKind === 'chain'
          ? `chain iterates a₀…a${v.iterates.length - 1} (env units):\n${v.iterates.map((it, k) => `  a${k} = [${numbers(it.actionEnv)}]`).join('\n')}`
          : `inference iterates λ₀…λ${v.iterates.length - 1}, tanh μ in env units:\n` +
            v.iterates.map((it, k) => `  λ${k}: [${numbers(it.actionEnv)}]`).join('\n'));
      if (inspectQueued !== null) {
        const next = inspectQueued;
        inspectQueued = null;
        requestInspect(next);
      }
      return;
    }
    case 'checkpoint': {
      const text = packCheckpoint(message.files, { algorithm: status?.algorithm ?? '', envId: status?.envId ?? '' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      link.download = `${message.name}.varl.json`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      return;
    }
    case 'loaded':
      offerSlices(0);
      curve = [];
      $('curve').innerHTML = '';
      $('losses').innerHTML = '';
      if (message.policyOnly) {
        return showMessage(`Loaded the ${message.algorithm} policy on ${message.envId}, trained for ${message.policyOnly.trainedSteps} steps: networks only ` +
          '(an exported policy), so Resume trains it afresh from these weights, with new optimizers and an empty buffer.', 'info');
      }
      return showMessage(`Loaded ${message.algorithm} on ${message.envId} at step ${message.step} (paused: Resume continues training` +
        (message.kernelChange ? `; it was computed with the ${message.kernelChange.saved} kernels and this page uses ${message.kernelChange.page}, so the continued run rounds differently` : '') + ').', 'info');
    case 'error':
      if (message.context === 'inspect') {
        // e.g. Hopper's 3-D actions: said where the picture would be, not as an alert at every evaluation.
        inspecting = false;
        $('landscape').innerHTML = `<p class="muted inspect-note">${message.message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`;
        $('inspect-details').textContent = '';
        return;
      }
      return showMessage(message.message);
  }
}

function start(): void {
  let settings: Settings;
  try {
    settings = parseSettings(readForm());
  } catch (error) {
    return showMessage(error instanceof Error ? error.message : String(error));
  }
  clearMessage();
  offerSlices(0); // a new session's env may have another action box: no slice until its first inspection
  curve = [];
  episode = null;
  $('curve').innerHTML = '';
  $('losses').innerHTML = '';
  $('landscape').innerHTML = '';
  send({ type: 'start', settings });
}

async function upload(input: HTMLInputElement): Promise<void> {
  const picked = Array.from(input.files ?? []);
  input.value = '';
  try {
    const files = await readPickedFiles(picked);
    const steps = Number($<HTMLInputElement>('steps').value);
    clearMessage();
    send({ type: 'import', files, expected: { algorithm: $<HTMLSelectElement>('algorithm').value, envId: $<HTMLSelectElement>('env').value }, totalSteps: Number.isInteger(steps) && steps > 0 ? steps : 0 });
  } catch (error) {
    showMessage(`Checkpoint not loaded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function setUp(): void {
  $('env').innerHTML = ENV_IDS.map((id) => `<option${id === DEFAULT_SETTINGS.envId ? ' selected' : ''}>${id}</option>`).join('');
  $('algorithm').innerHTML = ALGORITHMS.map((a) => `<option value="${a}"${a === DEFAULT_SETTINGS.algorithm ? ' selected' : ''}>${a.toUpperCase()}</option>`).join('');
  worker.onmessage = (event: MessageEvent<FromWorker>) => handle(event.data);
  worker.onerror = (event) => showMessage(`The training worker failed: ${event.message}`);
  $('start').onclick = start;
  $('pause').onclick = () => send({ type: 'pause' });
  $('resume').onclick = () => send({ type: 'resume' });
  $('stop').onclick = () => send({ type: 'stop' });
  $('download').onclick = () => send({ type: 'export', policy: false });
  $('download-policy').onclick = () => send({ type: 'export', policy: true });
  $<HTMLSelectElement>('speed').onchange = (e) => {
    const v = (e.target as HTMLSelectElement).value;
    send({ type: 'speed', stepsPerSecond: v === 'max' ? null : Number(v) });
  };
  $<HTMLInputElement>('upload').onchange = (e) => void upload(e.target as HTMLInputElement);
  $<HTMLInputElement>('state-slider').oninput = (e) => showState(Number((e.target as HTMLInputElement).value));
  $<HTMLSelectElement>('slice').onchange = () => requestInspect(Number($<HTMLInputElement>('state-slider').value));
}

setUp();
