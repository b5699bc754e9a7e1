/** Lets appends, reads and timers run between the steps of long background work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Cuts long background work (retention, compaction) into slices of about `sliceMs` of
 * the event loop: `next()` yields once the current slice has run that long, so a
 * producer's send waits for one slice at most, while small steps run without a yield
 * each. It measures how long work ran, never what time it is: the log's clock is not
 * involved.
 */
export class Slicer {
  private started = performance.now()

  constructor(private readonly sliceMs = 0.25) {}

  /** True once the current slice has run its time: the next next() yields. */
  expired(): boolean {
    return performance.now() - this.started >= this.sliceMs
  }

  async next(): Promise<void> {
    if (performance.now() - this.started < this.sliceMs) return
    await yieldToEventLoop()
    this.started = performance.now()
  }
}
