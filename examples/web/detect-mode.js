// The detection mode of the demo: subtitle and logo boxes, found by the binary-weight detector
// (models/yolo-subtitles-bwn.branchy, docs/detection.md) on the shipped test frames
// (frames/*.png, from train/make_subtitles.py's test split) or on an image the user drops,
// with the time per frame. A dropped image is fitted into the model's 256×144 input (grey
// letterbox). Available when the server has the model.
import { load, loadInWorker } from '/dist/index.js';

export const DETECT_MODEL = '/models/yolo-subtitles-bwn.branchy';
export const FRAMES = ['00000', '00001', '00002', '00003'].map((n) => `frames/images/${n}.png`);
const COLOURS = ['#ffd400', '#19e6ff', '#ff4fa3', '#7dff5a'];
const SCALE = 3; // the view shows the model input at 3×

const $ = (id) => document.getElementById(id);
const state = { model: null, worker: null, url: '', frames: [], current: null, score: 0.25, size: { w: 0, h: 0 } };

/** An image (bitmap, image element) fitted into the model's input: its canvas and CHW uint8 pixels. */
function toInput(image) {
  const { w, h } = state.size;
  const c = Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = c.getContext('2d', { willReadFrequently: true });
  const iw = image.width, ih = image.height;
  if (iw === w && ih === h) ctx.drawImage(image, 0, 0);
  else {
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, w, h);
    const s = Math.min(w / iw, h / ih);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(image, (w - iw * s) / 2, (h - ih * s) / 2, iw * s, ih * s);
  }
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const plane = w * h, chw = new Uint8Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let k = 0; k < 3; k++) chw[k * plane + p] = rgba[4 * p + k];
  return { canvas: c, chw };
}

/** Exact pixels of a PNG (no colour-space conversion): what Node reads from the same file. */
async function bitmapOf(blob) {
  return createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
}

const options = () => ({ scoreThreshold: state.score });

/** Boxes of one input, with the median time of 5 runs (detect(): run, decoding, NMS). */
function detectTimed(chw) {
  const times = [];
  let boxes;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    boxes = state.model.detect(chw, options());
    times.push(performance.now() - t0);
  }
  return { boxes, ms: times.sort((a, b) => a - b)[2] };
}

function draw(input, boxes) {
  const view = $('d-view'), ctx = view.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(input.canvas, 0, 0, view.width, view.height);
  const names = state.model.info.detect.classes;
  ctx.lineWidth = 2;
  ctx.font = '13px system-ui, sans-serif';
  for (const b of boxes) {
    const colour = COLOURS[b.label % COLOURS.length];
    ctx.strokeStyle = colour;
    ctx.strokeRect(b.x * SCALE, b.y * SCALE, b.w * SCALE, b.h * SCALE);
    const text = `${names[b.label]} ${b.score.toFixed(2)}`;
    const tw = ctx.measureText(text).width + 6;
    const ty = b.y * SCALE >= 16 ? b.y * SCALE - 16 : b.y * SCALE;
    ctx.fillStyle = colour;
    ctx.fillRect(b.x * SCALE, ty, tw, 16);
    ctx.fillStyle = '#000';
    ctx.fillText(text, b.x * SCALE + 3, ty + 12);
  }
  $('d-list').replaceChildren(...boxes.map((b) => Object.assign(document.createElement('li'), {
    textContent: `${names[b.label]} ${b.score.toFixed(3)} at (${b.x.toFixed(0)}, ${b.y.toFixed(0)}) ${b.w.toFixed(0)}×${b.h.toFixed(0)}`,
  })));
}

/** Detect on an input ({ canvas, chw }) and show it; returns the boxes and the time. */
function show(input, what) {
  state.current = input;
  const r = detectTimed(input.chw);
  draw(input, r.boxes);
  $('d-time').textContent = `${r.ms.toFixed(2)} ms per frame (median of 5)`;
  $('d-count').textContent = `${r.boxes.length}`;
  $('d-what').textContent = what;
  return r;
}

function pickFrame(i) {
  for (const t of $('d-frames').children) t.classList.toggle('picked', Number(t.dataset.index) === i);
  return show(state.frames[i], `test frame ${FRAMES[i].split('/').pop()}`);
}

async function showFile(file) {
  const input = toInput(await bitmapOf(file));
  for (const t of $('d-frames').children) t.classList.remove('picked');
  return show(input, `${file.name} (fitted into ${state.size.w}×${state.size.h})`);
}

function wireUi() {
  $('d-frames').replaceChildren(...state.frames.map((f, i) => {
    const b = Object.assign(document.createElement('button'), { className: 'thumb wide', title: FRAMES[i] });
    b.dataset.index = String(i);
    const c = Object.assign(document.createElement('canvas'), { width: state.size.w, height: state.size.h });
    c.getContext('2d').drawImage(f.canvas, 0, 0);
    b.append(c);
    b.onclick = () => pickFrame(i);
    return b;
  }));
  $('d-score').addEventListener('input', () => {
    state.score = Number($('d-score').value) / 100;
    $('d-score-value').textContent = state.score.toFixed(2);
    if (state.current) show(state.current, $('d-what').textContent);
  });
  $('d-file').addEventListener('change', () => $('d-file').files[0] && showFile($('d-file').files[0]));
  const drop = $('d-drop');
  drop.addEventListener('dragover', (ev) => (ev.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const f = ev.dataTransfer.files[0];
    if (f) showFile(f).catch((e) => ($('d-what').textContent = `could not read ${f.name}: ${e.message}`));
  });
}

/** Start the mode: ready resolves to { available, why? , info? }. */
export function startDetect({ params, build, shown }) {
  state.url = params.get('detectModel') ?? DETECT_MODEL;
  const ready = (async () => {
    if (!(await fetch(state.url, { method: 'HEAD' })).ok) return { available: false, why: `no detector at ${state.url} (?detectModel=URL)` };
    const [model, worker, frames] = await Promise.all([
      load(new URL(state.url, location.href), { build }),
      loadInWorker(state.url, { build }),
      Promise.all(FRAMES.map(async (f) => bitmapOf(await (await fetch(f)).blob()))),
    ]);
    const dims = model.info.inputs[0].dims;
    Object.assign(state, { model, worker, size: { w: dims[3], h: dims[2] } });
    state.frames = frames.map((b) => toInput(b));
    wireUi();
    const info = model.info;
    $('d-status').textContent = `${state.url.split('/').pop()} · build ${info.build} · ${info.detect.format} · classes ${info.detect.classes.join(', ')} · ` +
      `${(info.weightBytes / 1024).toFixed(0)} KB packed weights · ${(info.macs / 1e6).toFixed(1)} M MACs per frame`;
    shown.then(() => {
      for (let k = 0; k < 5; k++) model.detect(state.frames[0].chw); // warm up before the first frame is timed
      pickFrame(0);
    });
    return { available: true, info };
  })();
  return {
    ready,
    frameCount: () => state.frames.length,
    pickFrame: (i) => plain(pickFrame(i).boxes),
    /** Shipped frame i through the in-page model and through the worker (the same options). */
    detectFrame: (i, opts) => plain(state.model.detect(state.frames[i].chw, opts)),
    workerDetect: async (i, opts) => plain(await state.worker.detect(state.frames[i].chw, opts)),
    /** The CHW pixels of frame i as the page read them, base64 (to compare with Node's PNG decoder). */
    framePixels: (i) => {
      const x = state.frames[i].chw;
      let s = '';
      for (let k = 0; k < x.length; k += 0x8000) s += String.fromCharCode(...x.subarray(k, k + 0x8000));
      return btoa(s);
    },
    /** A dropped file, as the drop zone takes it. */
    showFile: async (bytes, name, type) => plain((await showFile(new File([new Uint8Array(bytes)], name, { type }))).boxes),
  };
}

const plain = (boxes) => boxes.map((b) => ({ ...b }));
