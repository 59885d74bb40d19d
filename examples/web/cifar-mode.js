// The CIFAR-10 mode of the demo: a grid of test images (only their records are fetched, by
// Range, from test.bin), click one to classify it with the multi-exit CIFAR model; one entropy
// threshold slider per early exit changes the answer live; the accuracy/latency curve over the
// shown images is computed in a Web Worker. Available when the server has the model and the data.
import { load, loadInWorker } from '/dist/index.js';
import { CLASSES, fetchCifar, rgba } from './cifar.js';
import { answerElements, fullMacs, showAnswer } from './answer.js';
import { sliderOf, tauOf, tauSweep } from './threshold.js';
import { sweepPoint } from './sweep.js';
import { plot } from './plot.js';

export const CIFAR_MODEL = '/models/mobilenet-exits-cifar10.int8.branchy';
export const CIFAR_DATA = '/data/cifar10/test.bin';

const $ = (id) => document.getElementById(id);
const state = { model: null, worker: null, data: null, modelUrl: '', dataUrl: '', taus: [], current: null, sweep: null, full: 0 };

const exists = async (url) => (await fetch(url, { method: 'HEAD' })).ok;

/** Why CIFAR mode cannot start, or null when the model and test.bin are both there. */
async function missing() {
  const [m, d] = await Promise.all([exists(state.modelUrl), exists(state.dataUrl)]);
  const why = [m ? '' : `no CIFAR-10 model at ${state.modelUrl} (?cifarModel=URL)`, d ? '' : `no CIFAR-10 data at ${state.dataUrl} (serve.mjs --data DIR)`];
  return why.filter(Boolean).join('; ') || null;
}

const policy = (taus = state.taus) => ({ kind: 'entropy', thresholds: taus });

/** One image (uint8, 3×32×32 planes) through the in-page model with the sliders' thresholds. */
function classify(image, taus = state.taus) {
  return { ...state.model.run(image, { policy: policy(taus) }), exits: state.model.info.exits.length };
}

function drawImage(canvas, image) {
  canvas.getContext('2d').putImageData(new ImageData(rgba(image), 32, 32), 0, 0);
}

/** The answer of `run()`, with the median time of 5 runs: one run's time is noisy at this scale. */
function timed(run) {
  const rs = Array.from({ length: 5 }, run);
  return { ...rs[0], timeMs: rs.map((r) => r.timeMs).sort((a, b) => a - b)[2] };
}

/** Classify shown image i, show the answer (with this image's time at full depth beside it). */
function pick(i) {
  state.current = i;
  const image = state.data.image(i);
  drawImage($('c-input'), image);
  const r = timed(() => classify(image));
  const fullMs = timed(() => state.model.run(image, { policy: { kind: 'full' } })).timeMs;
  showAnswer(answerElements('c-'), r, { names: CLASSES, full: state.full, fullMs });
  const truth = state.data.labels[i];
  $('c-truth').textContent = `test image ${i}: ${CLASSES[truth]} ${r.label === truth ? '✓' : '✗'}`;
  for (const t of $('c-grid').children) t.classList.toggle('picked', Number(t.dataset.index) === i);
  return r;
}

function buildGrid() {
  const cells = Array.from({ length: state.data.count }, (_, i) => {
    const b = document.createElement('button');
    b.className = 'thumb';
    b.dataset.index = String(i);
    b.title = `test image ${i}: ${CLASSES[state.data.labels[i]]}`;
    const c = Object.assign(document.createElement('canvas'), { width: 32, height: 32 });
    drawImage(c, state.data.image(i));
    b.append(c);
    b.onclick = () => pick(i);
    return b;
  });
  $('c-grid').replaceChildren(...cells);
  $('c-count').textContent = String(state.data.count);
}

function setTaus(taus) {
  state.taus = [...taus];
  state.taus.forEach((t, i) => {
    $(`c-tau${i}`).value = String(sliderOf(t));
    $(`c-tau${i}-value`).textContent = t.toPrecision(3);
  });
  if (state.current !== null) pick(state.current);
}

// One redraw at a time; a slider moved during one gets a redraw for its latest position after it.
let curveBusy = null, curveStale = false;
function requestRedraw() {
  if (!state.sweep) return;
  if (curveBusy) return void (curveStale = true);
  curveStale = false;
  curveBusy = redrawCurve().finally(() => {
    curveBusy = null;
    if (curveStale) requestRedraw();
  });
}

function buildSliders() {
  const n = state.model.info.exits.length - 1;
  const rows = Array.from({ length: n }, (_, i) => {
    const label = Object.assign(document.createElement('label'), { htmlFor: `c-tau${i}` });
    label.append(`entropy threshold τ${i} (exit ${i}): `, Object.assign(document.createElement('output'), { id: `c-tau${i}-value` }));
    const input = Object.assign(document.createElement('input'), { id: `c-tau${i}`, type: 'range', min: '0', max: '1000', step: '1' });
    input.addEventListener('input', () => {
      const taus = [...state.taus];
      taus[i] = tauOf(Number(input.value));
      setTaus(taus);
      requestRedraw();
    });
    const row = document.createElement('div');
    row.append(label, input);
    return row;
  });
  $('c-thresholds').replaceChildren(...rows);
}

// ---- the accuracy/latency curve ----
const fmtTaus = (taus) => (typeof taus === 'string' ? taus : taus.map((t) => t.toPrecision(3)).join(' / '));
const describe = (p) => `τ ${fmtTaus(p.taus)}: ${(100 * p.accuracy).toFixed(1)}%, ${p.ms.toFixed(3)} ms, ${(p.macs / 1e6).toFixed(2)} M MACs, exits ${p.shares.map((s) => `${(100 * s).toFixed(0)}%`).join(' / ')}`;

async function point(taus) {
  const p = await sweepPoint(state.worker, state.data.images, state.data.labels, taus === 'full' ? { kind: 'full' } : policy(taus));
  return { ...p, taus };
}

async function redrawCurve() {
  const cur = await point(state.taus);
  const xy = (p) => ({ x: p.ms, y: 100 * p.accuracy, title: describe(p) });
  plot($('c-plot'), state.sweep.points.map(xy), [{ ...xy(state.sweep.full), cls: 'full', title: `full depth: ${describe(state.sweep.full)}` }, { ...xy(cur), cls: 'mark' }], {
    xLabel: 'mean ms per image',
    yLabel: 'top-1 accuracy (%)',
    xFmt: (v) => v.toFixed(3),
  });
  $('c-curve-note').textContent = `sliders: ${describe(cur)}`;
  return cur;
}

/** The curve: one shared τ for every early exit, 13 values from full depth to always-exit, and full depth. */
async function runSweep() {
  for (let k = 0; k < 3; k++) await point('full'); // warm the worker's code up first
  const full = await point('full');
  const points = [];
  const early = state.model.info.exits.length - 1;
  for (const t of tauSweep(13)) points.push(await point(new Array(early).fill(t)));
  state.sweep = { points, full };
  $('c-sweep-n').textContent = String(state.data.count);
  await redrawCurve();
  return state.sweep;
}

/**
 * Start CIFAR mode: find the model (?cifarModel=) and test.bin (?cifarData=), fetch the first
 * ?cifarCount= (default 100) records, load the model in the page and in a worker. Resolves to
 * { available: true, info } or { available: false, why }. `shown` settles when the mode is first
 * shown: the curve waits for it.
 */
export function startCifar({ params, build, shown }) {
  state.modelUrl = params.get('cifarModel') ?? CIFAR_MODEL;
  state.dataUrl = params.get('cifarData') ?? CIFAR_DATA;
  const count = Math.max(1, Math.min(10_000, Number(params.get('cifarCount') ?? 100) || 100));
  const ready = (async () => {
    const why = await missing();
    if (why) return { available: false, why };
    const [model, worker, data] = await Promise.all([
      load(new URL(state.modelUrl, location.href), { build }),
      loadInWorker(state.modelUrl, { build }),
      fetchCifar(state.dataUrl, count),
    ]);
    Object.assign(state, { model, worker, data, full: fullMacs(model.info) });
    const info = model.info;
    if (!info.exits || info.exits.length < 2) throw new Error(`${state.modelUrl} has no early exits (outputs exit0 … exitN); CIFAR mode shows a multi-exit model`);
    for (let i = 0; i < 10; i++) model.run(data.image(i % data.count)); // warm up before the first pick is timed
    buildGrid();
    buildSliders();
    setTaus(info.exits.slice(0, -1).map((e) => e.thresholds?.entropy ?? 0.5));
    $('c-status').textContent = `${state.modelUrl.split('/').pop()} · build ${info.build} · ${info.exits.length} exits · ` +
      `${(info.weightBytes / 1024).toFixed(0)} KB weights · ${(state.full / 1e6).toFixed(2)} M MACs at full depth · ` +
      `${data.count} test images from ${state.dataUrl}`;
    return { available: true, info };
  })();
  let sweep = null;
  const sweepDone = () => (sweep ??= Promise.all([ready, shown]).then(([r]) => (r.available ? runSweep() : null)));
  shown.then(sweepDone).catch(() => {}); // a failed start is reported through `ready`
  const plain = (r) => ({ ...r, probs: Array.from(r.probs) });
  return {
    ready,
    sweepDone,
    get modelUrl() { return state.modelUrl; },
    get dataUrl() { return state.dataUrl; },
    get count() { return state.data.count; },
    get labels() { return Array.from(state.data.labels); },
    get taus() { return [...state.taus]; },
    setTaus,
    /** Click-equivalent: classify shown image i and show it. */
    pick: (i) => plain(pick(i)),
    /** Shown images `indices` through the in-page model with per-early-exit thresholds `taus`. */
    classifyImages: (indices, taus) => indices.map((i) => plain(classify(state.data.image(i), taus))),
    /** All shown images through the worker with thresholds `taus`. */
    workerClassify: async (taus) => (await state.worker.classify(state.data.images, { policy: policy(taus) })).map(plain),
  };
}
