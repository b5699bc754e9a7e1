// A bare Kafka wire client for specs: sends hand-built request frames to a listener and
// reads the response frames, so specs can probe what real clients never send.
import { connect, type Socket } from 'node:net'
import { Writer } from '../../lib/server/protocol.js'

/** One open connection to a listener. */
export class RawClient {
  private buf = Buffer.alloc(0)
  private waiters: Array<() => void> = []
  closed = false
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d])
      for (const w of this.waiters.splice(0)) w()
    })
    socket.on('close', () => {
      this.closed = true
      for (const w of this.waiters.splice(0)) w()
    })
    socket.on('error', () => undefined)
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new RawClient(socket)
  }

  /** Writes bytes as they are. */
  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Writes a request frame: header v1 (key, version, correlation id, client id) and body. */
  send(key: number, version: number, correlationId: number, body: Buffer = Buffer.alloc(0)): void {
    const w = new Writer()
    w.int32(0).int16(key).int16(version).int32(correlationId).string('spec').raw(body)
    const frame = Buffer.from(w.done())
    frame.writeInt32BE(frame.length - 4, 0)
    this.write(frame)
  }

  /** The next response frame (without its size), or null once the connection closed. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      if (this.buf.length >= 4) {
        const size = this.buf.readInt32BE(0)
        if (this.buf.length >= 4 + size) {
          const frame = this.buf.subarray(4, 4 + size)
          this.buf = this.buf.subarray(4 + size)
          return frame
        }
      }
      if (this.closed) return null
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  /** Resolves once the listener closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve))
  }

  close(): void {
    this.socket.destroy()
  }
}

/** Asks ApiVersions v0 and returns the error code of the answer (0 = served). */
export async function apiVersionsOk(port: number): Promise<boolean> {
  const c = await RawClient.open(port)
  try {
    c.send(18, 0, 7)
    const r = await c.read()
    return r !== null && r.readInt32BE(0) === 7 && r.readInt16BE(4) === 0
  } finally {
    c.close()
  }
}
