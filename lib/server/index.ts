// The Kafka wire-protocol listener: a TCP server over a log, speaking the non-flexible
// versions of Kafka's protocol that KafkaJS, kafka-python and librdkafka use. One module
// per API key (apis/), one request at a time per connection, responses in request order.
import { createServer, isIP, type Server, type Socket } from 'node:net'
import type { ListenOptions, Log, Producer, WireListener } from '../index.js'
import { checkOptions } from '../internal.js'
import type { RequestContext } from './apis/index.js'
import { Connection, type ConnectionOwner } from './connection.js'

export type { ListenOptions, WireListener } from '../index.js'
export { APIS } from './apis/index.js'

const MiB = 1024 * 1024
const DEFAULTS = { host: '127.0.0.1', port: 9092, autoCreateTopics: true, maxFrameBytes: 100 * MiB, idleTimeoutMs: 600_000, maxConnections: 4096 }

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

const LISTEN_OPTIONS = {
  host: 'string',
  port: 'number',
  advertisedHost: 'string',
  autoCreateTopics: 'boolean',
  maxFrameBytes: 'number',
  allowRemote: 'boolean',
  idleTimeoutMs: 'number',
  maxConnections: 'number',
} as const

function check(options: unknown): Required<Omit<ListenOptions, 'advertisedHost'>> & { advertisedHost: string } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError('listen: options must be an object')
  checkOptions<ListenOptions>('listen', options, LISTEN_OPTIONS)
  const o = options as ListenOptions
  const host = o.host ?? DEFAULTS.host
  if (typeof host !== 'string' || host.length === 0) throw new TypeError('listen: host must be a non-empty string')
  const port = o.port ?? DEFAULTS.port
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`listen: port must be an integer from 0 to 65535, got ${String(port)}`)
  const allowRemote = o.allowRemote ?? false
  if (typeof allowRemote !== 'boolean') throw new TypeError('listen: allowRemote must be a boolean')
  if (!isLoopback(host) && !allowRemote) {
    throw new RangeError(`listen: ${host} is not a loopback address; the listener has no authentication, so binding it needs allowRemote: true`)
  }
  const wildcard = host === '0.0.0.0' || host === '::'
  const advertisedHost = o.advertisedHost ?? (wildcard ? '127.0.0.1' : host)
  if (typeof advertisedHost !== 'string' || advertisedHost.length === 0) throw new TypeError('listen: advertisedHost must be a non-empty string')
  const autoCreateTopics = o.autoCreateTopics ?? DEFAULTS.autoCreateTopics
  if (typeof autoCreateTopics !== 'boolean') throw new TypeError('listen: autoCreateTopics must be a boolean')
  const int = (v: unknown, name: string, min: number, dflt: number): number => {
    if (v === undefined) return dflt
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new RangeError(`listen: ${name} must be an integer ≥ ${min}, got ${String(v)}`)
    return v
  }
  const maxFrameBytes = int(o.maxFrameBytes, 'maxFrameBytes', 8, DEFAULTS.maxFrameBytes)
  if (maxFrameBytes > 0x7fffffff) throw new RangeError(`listen: maxFrameBytes must be at most ${0x7fffffff}`)
  return {
    host,
    port,
    allowRemote,
    advertisedHost,
    autoCreateTopics,
    maxFrameBytes,
    idleTimeoutMs: int(o.idleTimeoutMs, 'idleTimeoutMs', 0, DEFAULTS.idleTimeoutMs),
    maxConnections: int(o.maxConnections, 'maxConnections', 1, DEFAULTS.maxConnections),
  }
}

/** A listener over one log. Open one with `log.listen()` (or `listen(log)`). */
export class KafkaServer implements WireListener, ConnectionOwner {
  private readonly open = new Set<Connection>()
  private closing: Promise<void> | undefined
  readonly maxFrameBytes: number
  private boundPort = 0
  private readonly producer: Producer

  /** @internal Use listen(). */
  constructor(
    private readonly log: Log,
    private readonly server: Server,
    private readonly settings: ReturnType<typeof check>,
  ) {
    this.maxFrameBytes = settings.maxFrameBytes
    this.producer = log.producer()
  }

  get host(): string {
    return this.settings.host
  }

  get port(): number {
    return this.boundPort
  }

  get connections(): number {
    return this.open.size
  }

  /** @internal */
  bound(port: number): void {
    this.boundPort = port
  }

  /** @internal */
  accept(socket: Socket): void {
    if (this.closing || this.open.size >= this.settings.maxConnections) {
      socket.destroy()
      return
    }
    this.open.add(new Connection(socket, this, this.settings.idleTimeoutMs))
  }

  /** @internal */
  context(clientId: string, clientHost: string, closed: Promise<void>): RequestContext {
    return {
      log: this.log,
      producer: this.producer,
      advertisedHost: this.settings.advertisedHost,
      advertisedPort: this.boundPort,
      autoCreateTopics: this.settings.autoCreateTopics,
      clientId,
      clientHost,
      closed,
    }
  }

  /** @internal */
  forget(conn: Connection): void {
    this.open.delete(conn)
  }

  /** Stops listening, closes every connection, and waits until the port is free. */
  close(): Promise<void> {
    if (this.closing) return this.closing
    this.closing = (async () => {
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
      for (const c of [...this.open]) c.destroy()
      await stopped
      this.log.untrack(this)
      await this.producer.close().catch(() => undefined)
    })()
    return this.closing
  }
}

/** Starts a Kafka wire-protocol listener over `log`; `log.close()` closes it too. */
export async function listen(log: Log, options: ListenOptions = {}): Promise<KafkaServer> {
  const settings = check(options)
  log.assertOpen()
  const server = createServer()
  const kafka = new KafkaServer(log, server, settings)
  server.on('connection', (socket) => kafka.accept(socket))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: settings.host, port: settings.port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  kafka.bound(typeof address === 'object' && address ? address.port : settings.port)
  log.track(kafka)
  return kafka
}
