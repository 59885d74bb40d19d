// The demo's modes as tabs: draw an MNIST digit, pick CIFAR-10 test images, or find subtitles
// and logos in frames (detection). The mode is kept in the URL (?mode=cifar, ?mode=detect), so a reload or a change of build stays in it. Each mode's
// `<main id="mode-NAME">` and its header line `[data-mode-only=NAME]` show only in that mode.
const shown = new Map(); // mode -> resolve of its first showing
const first = new Map(); // mode -> promise: the mode has been shown once

/** Settles the first time `mode` is shown (a mode's costly work, like its curve, waits for it). */
export function firstShown(mode) {
  if (!first.has(mode)) first.set(mode, new Promise((resolve) => shown.set(mode, resolve)));
  return first.get(mode);
}

export function showMode(mode) {
  if (!document.getElementById(`mode-${mode}`)) return;
  for (const m of document.querySelectorAll('main[id^="mode-"]')) m.hidden = m.id !== `mode-${mode}`;
  for (const e of document.querySelectorAll('[data-mode-only]')) e.hidden = e.dataset.modeOnly !== mode;
  for (const b of document.querySelectorAll('#modes button')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  const u = new URL(location.href);
  if (mode === 'mnist') u.searchParams.delete('mode');
  else u.searchParams.set('mode', mode);
  history.replaceState(null, '', u.href);
  firstShown(mode);
  shown.get(mode)();
}

/** Show the tabs with `mode`'s (once a second mode is available) and switch on click. */
export function enableTabs(mode) {
  document.getElementById('modes').hidden = false;
  document.querySelector(`#modes button[data-mode="${mode}"]`).hidden = false;
  for (const b of document.querySelectorAll('#modes button')) b.onclick = () => showMode(b.dataset.mode);
}
