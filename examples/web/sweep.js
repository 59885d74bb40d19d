// One point of an accuracy/latency curve: a labelled batch through a model in a worker under one
// exit policy. Accuracy, mean time and MACs per sample, and the share of samples at each exit.
export async function sweepPoint(worker, images, labels, policy) {
  const rs = await worker.classify(images, { policy });
  const n = labels.length;
  const shares = new Array(worker.info.exits.length).fill(0);
  let ok = 0, ms = 0, macs = 0;
  rs.forEach((r, i) => {
    if (r.label === labels[i]) ok++;
    ms += r.timeMs;
    macs += r.macs;
    shares[r.exit] += 1 / n;
  });
  return { accuracy: ok / n, ms: ms / n, macs: macs / n, shares };
}
