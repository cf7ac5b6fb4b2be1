// A one-line progress bar on a terminal; periodic plain lines otherwise (CI logs).

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export class Progress {
  private readonly started = Date.now();
  private readonly tty: boolean;
  private lastPrinted = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, fields: Record<string, string>): void {
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : Infinity;
    const text = Object.entries(fields).map(([k, v]) => `${k} ${v}`).join('  ');
    if (this.tty) {
      const width = 24;
      const filled = Math.round((done / this.total) * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r\x1b[K${this.label} ${bar} ${done}/${this.total}  ${text}  ETA ${formatDuration(eta)}`);
    } else {
      // Without a terminal: a line at every 10 %.
      const decile = Math.floor((done / this.total) * 10);
      if (decile !== this.lastPrinted && (decile > 0 || done === this.total)) {
        this.lastPrinted = decile;
        this.stream.write(`${this.label} ${done}/${this.total}  ${text}  ETA ${formatDuration(eta)}\n`);
      }
    }
  }

  finish(summary: string): void {
    if (this.tty) this.stream.write(`\r\x1b[K`);
    this.stream.write(`${this.label} ${summary}\n`);
  }
}
