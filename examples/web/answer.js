// The answer panel of both modes: the class, the exit that gave it, confidence, entropy, time,
// MACs against full depth, and one probability bar per class.

/** MACs of a full-depth answer: every stage and the final head, no early heads. */
export function fullMacs(info) {
  if (!info.exits) return info.macs;
  return info.exits.reduce((a, e) => a + e.macs.stage, 0) + info.exits.at(-1).macs.head;
}

/**
 * Fill the panel's elements `el` ({ label, exit, conf, entropy, time, macs, bars }) with answer
 * `r` ({ label, exit, exits, probs, confidence, entropy, timeMs, macs }), or clear it (r null).
 * `names`: the class names; `full`: MACs at full depth; `fullMs`: this input's time at full depth, if measured.
 */
export function showAnswer(el, r, { names, full, fullMs }) {
  if (!r) {
    for (const k of ['exit', 'conf', 'entropy', 'time', 'macs']) el[k].textContent = '–';
    el.label.textContent = '?';
    el.bars.replaceChildren();
    return;
  }
  el.label.textContent = names[r.label];
  el.exit.textContent = r.exits > 1 ? `${r.exit} ${r.exit < r.exits - 1 ? 'early' : 'final'} (exits 0–${r.exits - 1})` : 'single exit';
  el.conf.textContent = `${(100 * r.confidence).toFixed(2)}%`;
  el.entropy.textContent = `${r.entropy.toFixed(4)} nats`;
  el.time.textContent = `${r.timeMs.toFixed(3)} ms` + (fullMs === undefined ? '' : ` (${fullMs.toFixed(3)} ms at full depth)`);
  el.macs.textContent = `${(r.macs / 1e6).toFixed(3)} M of ${(full / 1e6).toFixed(3)} M at full depth (${((100 * r.macs) / full).toFixed(0)}%)`;
  const rows = [];
  r.probs.forEach((p, i) => {
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(100 * p).toFixed(1)}%`;
    const a = document.createElement('span'), c = document.createElement('span');
    a.textContent = names[i];
    c.textContent = `${(100 * p).toFixed(1)}%`;
    const wrap = document.createElement('div');
    wrap.append(bar);
    rows.push(a, wrap, c);
  });
  el.bars.replaceChildren(...rows);
}

/** The panel's elements, by id: `${prefix}label`, `${prefix}exit`, … */
export function answerElements(prefix = '') {
  const get = (k) => document.getElementById(prefix + k);
  return { label: get('label'), exit: get('exit'), conf: get('conf'), entropy: get('entropy'), time: get('time'), macs: get('macs'), bars: get('bars') };
}
