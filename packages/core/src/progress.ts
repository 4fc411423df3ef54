/**
 * Progress for long work. On a TTY: one live line with a bar, rate and ETA. In CI (`CI=true`) or when
 * stderr is not a TTY: one line when a step starts, a few in between, one when it ends. Always on
 * stderr, so stdout stays clean for `--json`; with `json: true` and no TTY it is silent.
 */
export interface ProgressTask {
  /** Adds `n` units of work done. */
  tick(n?: number): void;
  /** Sets the absolute amount done. */
  set(done: number): void;
  /** Updates the total once it becomes known. */
  setTotal(total: number): void;
  /** Short status shown after the bar (e.g. the current loss). */
  status(text: string): void;
  done(message?: string): void;
  fail(message?: string): void;
}

export interface Progress {
  task(label: string, options?: { total?: number; unit?: 'bytes' | 'items' | string }): ProgressTask;
  /** A one-off line (step headers, notes). */
  line(message: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; columns?: number };
  json?: boolean;
  mode?: 'tty' | 'lines' | 'silent';
  now?: () => number;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatAmount(n: number, unit: string | undefined): string {
  if (unit === 'bytes') return formatBytes(n);
  return unit && unit !== 'items'
    ? `${Math.round(n).toLocaleString('en-US')} ${unit}`
    : Math.round(n).toLocaleString('en-US');
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const isTTY = Boolean((stream as { isTTY?: boolean }).isTTY) && process.env.CI !== 'true';
  const mode = options.mode ?? (isTTY ? 'tty' : options.json ? 'silent' : 'lines');
  const write = (s: string) => {
    if (mode !== 'silent') stream.write(s);
  };

  return {
    line(message) {
      write(`${message}\n`);
    },
    task(label, taskOptions = {}) {
      let total = taskOptions.total;
      const unit = taskOptions.unit;
      let done = 0;
      let statusText = '';
      const started = now();
      let lastDraw = 0;
      let lastLinePercent = -1;
      let lastLineAt = started;
      let finished = false;

      const rate = () => {
        const secs = (now() - started) / 1000;
        return secs > 0 ? done / secs : 0;
      };
      const rateText = () => {
        const r = rate();
        if (!(r > 0)) return '';
        return unit === 'bytes' ? `${formatBytes(r)}/s` : `${formatAmount(r, unit)}/s`;
      };
      const describe = () => {
        const parts: string[] = [];
        if (total !== undefined && total > 0) {
          const pct = Math.min(100, (done / total) * 100);
          parts.push(
            `${pct.toFixed(0).padStart(3)}%`,
            `${formatAmount(done, unit)}/${formatAmount(total, unit)}`,
          );
          const r = rate();
          if (r > 0 && done < total) parts.push(`ETA ${formatDuration(((total - done) / r) * 1000)}`);
        } else {
          parts.push(formatAmount(done, unit));
        }
        const rt = rateText();
        if (rt) parts.push(rt);
        if (statusText) parts.push(statusText);
        return parts.join('  ');
      };
      const draw = (force = false) => {
        if (finished) return;
        const t = now();
        if (mode === 'tty') {
          if (!force && t - lastDraw < 80) return;
          lastDraw = t;
          const width = 24;
          const filled = total ? Math.round(Math.min(1, done / total) * width) : 0;
          const bar = total ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
          const text = `${label} ${bar}${describe()}`;
          const columns = (stream as { columns?: number }).columns ?? 120;
          write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
        } else if (mode === 'lines') {
          const pct = total ? Math.floor((done / total) * 10) * 10 : -1;
          if (force || (total ? pct > lastLinePercent && pct < 100 : t - lastLineAt > 5000)) {
            lastLinePercent = pct;
            lastLineAt = t;
            write(`${label}: ${describe()}\n`);
          }
        }
      };
      if (mode === 'lines') write(`${label}: started\n`);
      const finish = (ok: boolean, message?: string) => {
        if (finished) return;
        const elapsed = formatDuration(now() - started);
        const tail =
          message ??
          (done > 0
            ? `${formatAmount(done, unit)} in ${elapsed}${rateText() ? `, ${rateText()}` : ''}`
            : `${elapsed}`);
        if (mode === 'tty') write(`\r\x1b[2K${ok ? '✔' : '✖'} ${label}: ${tail}\n`);
        else write(`${label}: ${ok ? 'done' : 'failed'} (${tail})\n`);
        finished = true;
      };
      return {
        tick(n = 1) {
          done += n;
          draw();
        },
        set(value) {
          done = value;
          draw();
        },
        setTotal(value) {
          total = value;
          draw();
        },
        status(text) {
          statusText = text;
          draw();
        },
        done: (message) => finish(true, message),
        fail: (message) => finish(false, message),
      };
    },
  };
}

/** A Progress that prints nothing, for library callers that did not ask for one. */
export const silentProgress: Progress = createProgress({ mode: 'silent' });
