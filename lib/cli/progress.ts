// A progress bar on stderr for long runs, drawn only on a terminal, only once a run has
// lasted long enough to want one, and at most ten times a second; cleared when done.
import type { Writable } from 'node:stream'

/** A progress bar over `total` units; inert when `stream` is not a terminal. */
export class Progress {
  private done = 0
  private drawn = false
  private lastDraw = 0
  private readonly started: number

  constructor(
    private readonly stream: Writable & { isTTY?: boolean; columns?: number },
    private readonly label: string,
    private readonly total: number,
    private readonly now: () => number = Date.now,
    /** How long a run lasts before the bar shows (short runs stay quiet). */
    private readonly delayMs = 500,
  ) {
    this.started = now()
  }

  /** True when the bar can be drawn at all (stderr is a terminal and there is work). */
  get active(): boolean {
    return this.stream.isTTY === true && this.total > 0
  }

  /** Counts `n` more units done, redrawing when due. */
  tick(n = 1): void {
    this.done += n
    if (!this.active) return
    const t = this.now()
    if (t - this.started < this.delayMs || t - this.lastDraw < 100) return
    this.lastDraw = t
    this.draw()
  }

  /** The line the bar shows now. */
  render(): string {
    const fraction = Math.min(1, this.done / this.total)
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - 30))
    const full = Math.round(fraction * width)
    return `${this.label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${this.done}/${this.total}`
  }

  private draw(): void {
    this.drawn = true
    this.stream.write(`\r${this.render()}\x1b[K`)
  }

  /** Clears the bar (if it was drawn), leaving the line as it was. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K')
    this.drawn = false
  }
}
