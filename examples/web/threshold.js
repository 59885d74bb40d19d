// The threshold sliders: a range input 0…1000 on a log scale of the entropy threshold τ, from
// 1e-4 nats (practically never exit early) to ln 10 (always exit: the largest entropy of ten classes).
export const TAU_MIN = 1e-4, TAU_MAX = Math.log(10);
export const tauOf = (v) => TAU_MIN * (TAU_MAX / TAU_MIN) ** (v / 1000);
export const sliderOf = (tau) => Math.round((1000 * Math.log(Math.max(tau, TAU_MIN) / TAU_MIN)) / Math.log(TAU_MAX / TAU_MIN));
/** `n` thresholds spread evenly on the slider's scale, both ends included. */
export const tauSweep = (n) => Array.from({ length: n }, (_, k) => TAU_MIN * (TAU_MAX / TAU_MIN) ** (k / (n - 1)));
