// The demo page: draw a digit, classify it with early exits, move the threshold, see the
// accuracy/latency trade-off; CIFAR-10 mode (cifar-mode.js) when the server has its model and
// data. Imports the package's browser build straight from /dist.
import { load, loadInWorker, supportedBuilds } from '/dist/index.js';
import { greyOf, toMnist } from './preprocess.js';
import { parseDigits } from './digits.js';
import { plot } from './plot.js';
import { answerElements, fullMacs, showAnswer } from './answer.js';
import { sliderOf, tauOf, tauSweep } from './threshold.js';
import { sweepPoint as exitSweepPoint } from './sweep.js';
import { startCifar } from './cifar-mode.js';
import { startDetect } from './detect-mode.js';
import { enableTabs, firstShown, showMode } from './modes.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const CANDIDATES = ['/models/branchy-lenet-mnist.int8.branchy', '/models/mnist-lenet.int8.branchy'];
const DIGITS = Array.from({ length: 10 }, (_, i) => String(i));

async function pickModel() {
  if (params.get('model')) return params.get('model');
  for (const url of CANDIDATES) if ((await fetch(url, { method: 'HEAD' })).ok) return url;
  throw new Error(`no model found at ${CANDIDATES.join(' or ')}: serve the repository root`);
}

const state = { model: null, worker: null, url: '', tau: 0.05, pixels: null, digits: null, sweep: null };

function softmaxStats(logits) {
  const m = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  const probs = Float32Array.from(e, (v) => v / s);
  let label = 0, entropy = 0;
  probs.forEach((p, i) => {
    if (p > probs[label]) label = i;
    if (p > 0) entropy -= p * Math.log(p);
  });
  return { probs, label, confidence: probs[label], entropy };
}

const policy = () => ({ kind: 'entropy', thresholds: [state.tau] });

/** One digit (uint8 28×28) through the in-page model: the answer and what it cost. */
function classify(pixels) {
  const m = state.model;
  if (m.info.exits) {
    const r = m.run(pixels, { policy: policy() });
    return { ...r, exits: m.info.exits.length };
  }
  const t0 = performance.now();
  const out = m.run(pixels);
  const timeMs = performance.now() - t0;
  return { ...softmaxStats(Object.values(out)[0].data), exit: 0, exits: 1, macs: m.info.macs, timeMs };
}

function show(r) {
  showAnswer(answerElements(), r, { names: DIGITS, full: fullMacs(state.model.info) });
}

// ---- drawing ----
const pad = $('pad'), ctx = pad.getContext('2d', { willReadFrequently: true });
function clearPad() {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, pad.width, pad.height);
  state.pixels = null;
  drawInput(new Uint8Array(784));
  show(null);
}
function drawInput(pixels) {
  const c = $('input').getContext('2d');
  const img = c.createImageData(28, 28);
  pixels.forEach((v, i) => img.data.set([v, v, v, 255], 4 * i));
  c.putImageData(img, 0, 0);
}
/** Read the pad, make the 28×28 input, classify it; returns the answer (null when empty). */
function classifyPad() {
  const pixels = toMnist(greyOf(ctx.getImageData(0, 0, pad.width, pad.height).data), pad.width, pad.height);
  state.pixels = pixels;
  if (!pixels) return (show(null), null);
  drawInput(pixels);
  const r = classify(pixels);
  show(r);
  return r;
}
let drawing = false, last = null, queued = false;
const pos = (ev) => {
  const b = pad.getBoundingClientRect();
  return { x: ((ev.clientX - b.left) * pad.width) / b.width, y: ((ev.clientY - b.top) * pad.height) / b.height };
};
pad.addEventListener('pointerdown', (ev) => {
  drawing = true;
  last = pos(ev);
  pad.setPointerCapture(ev.pointerId);
});
pad.addEventListener('pointermove', (ev) => {
  if (!drawing) return;
  const p = pos(ev);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 20;
  ctx.lineCap = ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  ctx.lineTo(p.x, p.y);
  ctx.stroke();
  last = p;
  if (!queued) (queued = true, requestAnimationFrame(() => ((queued = false), classifyPad())));
});
const stop = () => {
  if (drawing) (drawing = false, classifyPad());
};
pad.addEventListener('pointerup', stop);
pad.addEventListener('pointercancel', stop);

/** Paint shipped test digit i onto the pad (scaled up, smoothed) as if drawn, and classify it. */
function paste(i) {
  const d = state.digits.image(i);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sc = small.getContext('2d');
  const img = sc.createImageData(28, 28);
  d.forEach((v, k) => img.data.set([v, v, v, 255], 4 * k));
  sc.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, pad.width, pad.height);
  ctx.drawImage(small, 0, 0, pad.width, pad.height);
  return classifyPad();
}

// ---- threshold and the accuracy/latency curve ----
async function sweepPoint(tau) {
  const d = state.digits;
  if (!state.model.info.exits) {
    const t0 = performance.now();
    const out = Object.values(await state.worker.run(d.images))[0].data;
    const ms = (performance.now() - t0) / d.count;
    let ok = 0;
    for (let i = 0; i < d.count; i++) if (softmaxStats(out.subarray(i * 10, i * 10 + 10)).label === d.labels[i]) ok++;
    return { tau, accuracy: ok / d.count, ms, macs: state.model.info.macs };
  }
  const p = await exitSweepPoint(state.worker, d.images, d.labels, tau === 'full' ? { kind: 'full' } : { kind: 'entropy', thresholds: [tau] });
  return { tau, accuracy: p.accuracy, ms: p.ms, macs: p.macs, early: p.shares[0] };
}

const describe = (p) => `τ ${typeof p.tau === 'number' ? p.tau.toPrecision(3) : p.tau}: ${(100 * p.accuracy).toFixed(1)}%, ${p.ms.toFixed(3)} ms, ${(p.macs / 1e6).toFixed(2)} M MACs` + (p.early !== undefined ? `, ${(100 * p.early).toFixed(0)}% at exit 0` : '');

async function redrawCurve() {
  if (!state.sweep) return;
  const marks = [{ ...state.sweep.full, title: `full depth: ${describe(state.sweep.full)}`, cls: 'full' }];
  if (state.model.info.exits) {
    const cur = await sweepPoint(state.tau);
    marks.push({ ...cur, title: describe(cur), cls: 'mark' });
    $('curve-note').textContent = `slider: ${describe(cur)}`;
  }
  const xy = (p) => ({ x: p.ms, y: 100 * p.accuracy, title: describe(p) });
  plot($('plot'), state.sweep.points.map(xy), marks.map((m) => ({ ...xy(m), cls: m.cls, title: m.title })), {
    xLabel: 'mean ms per digit',
    yLabel: 'top-1 accuracy (%)',
    xFmt: (v) => v.toFixed(3),
  });
}

async function runSweep() {
  const taus = state.model.info.exits ? tauSweep(21) : [];
  // Warm the worker's code first (the engine tiers up hot wasm), so the first points are not slower.
  for (let k = 0; k < 3; k++) await sweepPoint('full');
  const full = await sweepPoint('full');
  const points = [];
  for (const t of taus) points.push(await sweepPoint(t));
  state.sweep = { points, full };
  $('sweep-n').textContent = String(state.digits.count);
  await redrawCurve();
  return state.sweep;
}

function setTau(tau) {
  state.tau = tau;
  $('tau').value = String(sliderOf(tau));
  $('tau-value').textContent = tau.toPrecision(3);
  if (state.pixels) show(classify(state.pixels));
}
// One redraw at a time; a slider moved during one gets a redraw for its latest position after it.
let curveBusy = null, curveStale = false;
function requestRedraw() {
  if (curveBusy) return void (curveStale = true);
  curveStale = false;
  curveBusy = redrawCurve().finally(() => {
    curveBusy = null;
    if (curveStale) requestRedraw();
  });
}
$('tau').addEventListener('input', () => {
  setTau(tauOf(Number($('tau').value)));
  requestRedraw();
});
$('clear').addEventListener('click', clearPad);
$('random').addEventListener('click', () => paste(Math.floor(Math.random() * state.digits.count)));
$('build').addEventListener('change', () => {
  const u = new URL(location.href);
  u.searchParams.set('build', $('build').value);
  location.href = u.href;
});

async function start() {
  const builds = supportedBuilds();
  const build = params.get('build') ?? builds.at(-1);
  $('build').replaceChildren(...builds.map((b) => Object.assign(document.createElement('option'), { value: b, textContent: b, selected: b === build })));
  state.url = await pickModel();
  const [model, worker, digits] = await Promise.all([
    load(new URL(state.url, location.href), { build }),
    loadInWorker(state.url, { build }),
    fetch('digits.bin').then((r) => r.arrayBuffer()).then(parseDigits),
  ]);
  Object.assign(state, { model, worker, digits });
  for (let i = 0; i < 30; i++) model.run(digits.image(i % digits.count)); // warm up before the first drawing is timed
  const info = model.info;
  $('exit-controls').hidden = !info.exits;
  setTau(info.exits?.[0].thresholds?.entropy ?? 0.05);
  clearPad();
  $('status').textContent = `${state.url.split('/').pop()} · build ${info.build} · ${info.exits ? `${info.exits.length} exits` : 'one exit'} · ` +
    `${(info.weightBytes / 1024).toFixed(0)} KB weights · ${(fullMacs(info) / 1e6).toFixed(2)} M MACs at full depth` +
    (crossOriginIsolated ? '' : ' · timer coarse (not cross-origin isolated)');
  return info;
}

const ready = start();
// The curve waits for its mode to be shown (CIFAR mode's does the same): the two do not compete for the CPU.
const sweepDone = Promise.all([ready, firstShown('mnist')]).then(runSweep);
ready.catch((e) => ($('status').textContent = `error: ${e.message}`));

const cifar = startCifar({ params, build: params.get('build') ?? supportedBuilds().at(-1), shown: firstShown('cifar') });
const detect = startDetect({ params, build: params.get('build') ?? supportedBuilds().at(-1), shown: firstShown('detect') });
const asked = ['cifar', 'detect'].includes(params.get('mode')) ? params.get('mode') : 'mnist';
showMode(asked);
// A mode that cannot start says why at the bottom; if it was the one asked for, MNIST shows instead.
for (const [mode, m, note, title] of [['cifar', cifar, 'cifar-note', 'CIFAR-10 mode'], ['detect', detect, 'detect-note', 'Detection mode']]) {
  m.ready.then(
    (r) => {
      if (r.available) return enableTabs(mode);
      $(note).textContent = `${title}: ${r.why}.`;
      if (asked === mode) showMode('mnist');
    },
    (e) => {
      $(note).textContent = `${title}: error: ${e.message}`;
      if (asked === mode) showMode('mnist');
    },
  );
}

// For the browser test and the console: the same model and digits, no UI in between.
window.branchyDemo = {
  ready,
  sweepDone,
  /** CIFAR-10 mode: ready resolves to { available, why?, info? }; see cifar-mode.js. */
  cifar,
  /** Detection mode: the same; see detect-mode.js. */
  detect,
  showMode,
  get info() { return state.model.info; },
  get modelUrl() { return state.url; },
  get digitCount() { return state.digits.count; },
  setTau,
  paste,
  classifyPad,
  clearPad,
  /** Shipped digits `indices` through the in-page model with entropy threshold τ. */
  classifyDigits(indices, tau) {
    setTau(tau);
    return indices.map((i) => { const r = classify(state.digits.image(i)); return { ...r, probs: Array.from(r.probs) }; });
  },
  /** All shipped digits through the worker with entropy threshold τ. */
  async workerClassify(tau) {
    const rs = await state.worker.classify(state.digits.images, { policy: { kind: 'entropy', thresholds: [tau] } });
    return rs.map((r) => ({ ...r, probs: Array.from(r.probs) }));
  },
};
