// A one-line progress bar on stderr for long work (conversion, calibration, evaluation).
// Silent when stderr is not a terminal, so logs and CI output stay clean.

export class Progress {
  private last = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.tty = Boolean(process.stderr.isTTY);
  }

  tick(done: number): void {
    if (!this.tty) return;
    const now = Date.now();
    if (done < this.total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const f = this.total ? done / this.total : 1;
    const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
    process.stderr.write(`\r${this.label} [${bar}] ${done}/${this.total}`);
  }

  end(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
