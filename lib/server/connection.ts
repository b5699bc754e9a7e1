// One client connection: frames in, one request handled at a time, responses out in
// request order (Kafka mutes a connection while a request is in flight; kafka-python
// fails on any response out of order). Anything that does not parse closes the connection
// and writes nothing.
import type { Socket } from 'node:net'
import { API_BY_KEY, writeVersions, type RequestContext } from './apis/index.js'
import { KAFKA } from './errors.js'
import { FrameReader } from './frames.js'
import { Reader, Writer } from './protocol.js'

/** Frames queued beyond this pause reading from the socket until the queue drains. */
const MAX_QUEUED = 64

/** What a connection needs from its listener. */
export interface ConnectionOwner {
  context(clientId: string, clientHost: string, closed: Promise<void>): RequestContext
  maxFrameBytes: number
  /** Called once, when the connection is gone. */
  forget(conn: Connection): void
}

/** A client connection to the listener. */
export class Connection {
  private readonly frames: FrameReader
  private readonly queue: Buffer[] = []
  private pumping = false
  private closedResolve!: () => void
  /** Resolves once the connection is closed. */
  readonly closed = new Promise<void>((resolve) => (this.closedResolve = resolve))
  private done = false

  constructor(
    private readonly socket: Socket,
    private readonly owner: ConnectionOwner,
    idleTimeoutMs: number,
  ) {
    this.frames = new FrameReader(owner.maxFrameBytes)
    socket.setNoDelay(true)
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs, () => this.destroy())
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => this.destroy())
    socket.on('close', () => this.destroy())
  }

  private onData(chunk: Buffer): void {
    if (this.done) return
    try {
      for (const f of this.frames.push(chunk)) this.queue.push(f)
    } catch {
      this.destroy()
      return
    }
    if (this.queue.length >= MAX_QUEUED) this.socket.pause()
    if (!this.pumping) void this.pump()
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.queue.length > 0 && !this.done) {
        const frame = this.queue.shift()!
        if (this.queue.length < MAX_QUEUED / 2 && this.socket.isPaused()) this.socket.resume()
        const response = await this.handle(frame)
        if (response === false) {
          this.destroy()
          return
        }
        if (response && !this.done) this.socket.write(response)
      }
    } finally {
      this.pumping = false
    }
  }

  /** The response frame, null when none is due (acks=0), false when the connection must close. */
  private async handle(frame: Buffer): Promise<Buffer | null | false> {
    if (frame.length < 8) return false
    const key = frame.readInt16BE(0)
    const version = frame.readInt16BE(2)
    const correlationId = frame.readInt32BE(4)
    const api = API_BY_KEY.get(key)
    if (!api) return false
    const w = new Writer(64)
    w.int32(0).int32(correlationId)
    if (version < api.minVersion || version > api.maxVersion) {
      // Kafka answers an ApiVersions it does not know with UNSUPPORTED_VERSION in a v0
      // body, so the client retries with a version it lists; any other key closes.
      if (key !== 18 || version < 0) return false
      writeVersions(w, KAFKA.UNSUPPORTED_VERSION, 0)
    } else {
      try {
        const r = new Reader(frame, 8)
        const clientId = r.string() ?? ''
        const ctx = this.owner.context(clientId, this.socket.remoteAddress ?? '', this.closed)
        if (!(await api.handle(ctx, version, r, w))) return null
      } catch {
        // A body that does not parse (MalformedRequest, or a read past its end).
        return false
      }
    }
    w.patchInt32(0, w.length - 4)
    return Buffer.from(w.done())
  }

  /** Closes the connection (idempotent). */
  destroy(): void {
    if (this.done) return
    this.done = true
    this.queue.length = 0
    this.socket.destroy()
    this.closedResolve()
    this.owner.forget(this)
  }
}
