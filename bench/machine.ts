// What every benchmark number is recorded with: the machine, the Node version, the date.
import os from 'node:os';

export function machine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}
