// The listener's life and its defences, on both stores: port 0 picks a port, close() and
// log.close() close every connection; a frame over the limit, a truncated or lying frame,
// an unknown key or version, garbage and silent clients close only their own connection,
// write nothing, and the listener goes on answering.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { APIS } from '../../lib/server/index.js'
import { Writer } from '../../lib/server/protocol.js'
import { encodeBatch } from '../../lib/server/records.js'
import { apiVersionsOk, RawClient } from '../helpers/wire.js'
import { memory, stores } from '../helpers/stores.js'

describe.each(stores)('listener on $name', (store) => {
  it('binds a free port with port 0, tells its host and port, and close() ends every connection', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0 })
    expect(server.host).toBe('127.0.0.1')
    expect(server.port).toBeGreaterThan(0)
    const c = await RawClient.open(server.port)
    c.send(18, 2, 1)
    const r = await c.read()
    expect(r!.readInt32BE(0)).toBe(1)
    expect(server.connections).toBe(1)
    await server.close()
    await c.waitClosed()
    await expect(RawClient.open(server.port)).rejects.toThrow()
    await log.close()
  })

  it('is closed by log.close(), with its connections', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0 })
    const c = await RawClient.open(server.port)
    await log.close()
    await c.waitClosed()
    expect(server.connections).toBe(0)
    await expect(log.listen({ port: 0 })).rejects.toMatchObject({ code: 'LOG_CLOSED' })
  })

  it('refuses a non-loopback address unless allowRemote, and bad options, before binding', async () => {
    const log = await store.makeLog()
    await expect(log.listen({ host: '0.0.0.0', port: 0 })).rejects.toThrow(/allowRemote/)
    await expect(log.listen({ port: -1 })).rejects.toThrow(RangeError)
    await expect(log.listen({ port: 0, maxFrameBytes: 0 })).rejects.toThrow(RangeError)
    await expect(log.listen({ port: 0, autoCreateTopics: 'yes' as unknown as boolean })).rejects.toThrow(TypeError)
    await expect(log.listen({ prot: 0 } as unknown as { port: number })).rejects.toThrow(/unknown option "prot".*known options: host, port/)
    const remote = await log.listen({ host: '0.0.0.0', port: 0, allowRemote: true })
    expect(await apiVersionsOk(remote.port)).toBe(true)
    await log.close()
  })

  it('answers a newer ApiVersions with UNSUPPORTED_VERSION in a v0 body and keeps the connection', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0 })
    const c = await RawClient.open(server.port)
    c.send(18, 3, 9, Buffer.from([0, 0, 0]))
    const r = (await c.read())!
    expect(r.readInt32BE(0)).toBe(9)
    expect(r.readInt16BE(4)).toBe(35)
    expect(r.readInt32BE(6)).toBe(APIS.length)
    c.send(18, 0, 10)
    expect((await c.read())!.readInt16BE(4)).toBe(0)
    c.close()
    await log.close()
  })

  it('closes only the offending connection on bad frames; nothing is written; others keep working', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0, maxFrameBytes: 1024 })
    const bystander = await RawClient.open(server.port)
    const bad: Buffer[] = [
      Buffer.from([0, 0, 0x10, 0]), // 4096 bytes: over the limit
      Buffer.from([0xff, 0xff, 0xff, 0xff]), // a negative size
      Buffer.from([0, 0, 0, 2, 0, 18]), // shorter than a request header
      (() => {
        const w = new Writer()
        w.int32(8).int16(99).int16(0).int32(1) // unknown key
        return Buffer.from(w.done())
      })(),
      (() => {
        const w = new Writer()
        w.int32(8).int16(3).int16(42).int32(1) // Metadata v42
        return Buffer.from(w.done())
      })(),
      (() => {
        // Produce v7 whose topic array claims a million entries.
        const w = new Writer()
        w.int32(0).int16(0).int16(7).int32(1).string('x').string(null).int16(1).int32(1000).int32(1_000_000)
        const f = Buffer.from(w.done())
        f.writeInt32BE(f.length - 4, 0)
        return f
      })(),
    ]
    for (const frame of bad) {
      const c = await RawClient.open(server.port)
      c.write(frame)
      await c.waitClosed()
    }
    // A truncated frame then silence: the idle timeout is the remedy; here the client gives up.
    const truncated = await RawClient.open(server.port)
    truncated.write(Buffer.from([0, 0, 0, 100, 0, 3]))
    truncated.close()
    bystander.send(18, 1, 5)
    expect((await bystander.read())!.readInt32BE(0)).toBe(5)
    bystander.close()
    expect(await log.listTopics()).toEqual([])
    await log.close()
  })

  it('closes a connection that stays silent past idleTimeoutMs', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0, idleTimeoutMs: 50 })
    const c = await RawClient.open(server.port)
    await c.waitClosed()
    await log.close()
  })

  it('refuses connections beyond maxConnections and keeps serving the ones it holds', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0, maxConnections: 3 })
    const held = await Promise.all([1, 2, 3].map(() => RawClient.open(server.port)))
    for (const c of held) {
      c.send(18, 0, 1)
      await c.read()
    }
    const extra = await RawClient.open(server.port)
    await extra.waitClosed()
    held[0]!.send(18, 0, 2)
    expect((await held[0]!.read())!.readInt32BE(0)).toBe(2)
    for (const c of held) c.close()
    await log.close()
  })

  it('serves hundreds of connections at once, and counts them down as they close', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0 })
    const clients = await Promise.all(Array.from({ length: 300 }, () => RawClient.open(server.port)))
    clients.forEach((c, i) => c.send(18, 2, i))
    const ids = await Promise.all(clients.map(async (c) => (await c.read())!.readInt32BE(0)))
    expect(ids).toEqual([...Array(300).keys()])
    expect(server.connections).toBe(300)
    for (const c of clients) c.close()
    await log.close()
    expect(server.connections).toBe(0)
  })

  it('offers no SASL mechanism: a handshake gets UNSUPPORTED_SASL_MECHANISM and an empty list', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0 })
    const c = await RawClient.open(server.port)
    const body = new Writer()
    body.string('PLAIN')
    c.send(17, 1, 3, Buffer.from(body.done()))
    const r = (await c.read())!
    expect([r.readInt32BE(0), r.readInt16BE(4), r.readInt32BE(6)]).toEqual([3, 33, 0])
    c.close()
    await log.close()
  })

  it('answers pipelined requests in request order on one connection', async () => {
    const log = await store.makeLog()
    const server = await log.listen({ port: 0 })
    const c = await RawClient.open(server.port)
    // Metadata v1 for a topic (auto-created: slow) then ApiVersions (fast), ten times over.
    for (let i = 0; i < 10; i++) {
      const body = new Writer()
      body.array([`topic-${i}`], (w, t) => w.string(t))
      c.send(3, 1, i * 2, Buffer.from(body.done()))
      c.send(18, 0, i * 2 + 1)
    }
    const ids: number[] = []
    for (let i = 0; i < 20; i++) ids.push((await c.read())!.readInt32BE(0))
    expect(ids).toEqual([...Array(20).keys()])
    c.close()
    await log.close()
  })
})

describe('fuzz', () => {
  // Never a crash, never a write: random and mutated request bodies for every key and
  // version close the connection or get an answer, and the listener answers a good
  // request afterwards. Runs on memory (the store does not change what is parsed).
  it('random and mutated frames to every API version leave the log unwritten and the listener serving (property)', async () => {
    const log = await memory.makeLog()
    const server = await log.listen({ port: 0, autoCreateTopics: false, maxFrameBytes: 4096 })
    const versions = APIS.flatMap((a) => Array.from({ length: a.maxVersion - a.minVersion + 1 }, (_, i) => [a.key, a.minVersion + i] as const))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...versions), fc.uint8Array({ maxLength: 200 }), async ([key, version], body) => {
        const c = await RawClient.open(server.port)
        c.send(key, version, 3, Buffer.from(body))
        const r = await c.read()
        if (r !== null) expect(r.readInt32BE(0)).toBe(3)
        c.close()
      }),
      { numRuns: 300 },
    )
    expect(await apiVersionsOk(server.port)).toBe(true)
    expect(await log.listTopics()).toEqual([])
    expect(await log.listGroups()).toEqual([])
    await log.close()
  })

  it('mutated valid requests (bytes flipped, frames cut) close the connection or get an answer, and write nothing (property)', async () => {
    const log = await memory.makeLog()
    const server = await log.listen({ port: 0, autoCreateTopics: false })
    const body = (fill: (w: Writer) => void): Buffer => {
      const w = new Writer()
      fill(w)
      return Buffer.from(w.done())
    }
    const batch = new Writer()
    encodeBatch(batch, [{ topic: 'fuzz', partition: 0, offset: 0, key: 'k', value: Buffer.from('v'), headers: { h: 'x' }, timestamp: 1 }])
    const valid: Array<[number, number, Buffer]> = [
      [3, 5, body((w) => w.array(['fuzz'], (w, t) => w.string(t)).bool(true))],
      [0, 7, body((w) => w.string(null).int16(-1).int32(1000).array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch.done()))))],
      [1, 11, body((w) => w.int32(-1).int32(10).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1).array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int32(-1).int64(0).int64(-1).int32(1 << 20))).int32(0).string(''))],
      [2, 3, body((w) => w.int32(-1).int8(0).array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(-2))))],
      [11, 5, body((w) => w.string('fuzz-group').int32(100).int32(100).string('').string(null).string('consumer').array(['range'], (w, n) => w.string(n).bytes(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))))],
      [8, 2, body((w) => w.string('fuzz-group').int32(-1).string('').int64(-1).array(['fuzz'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(1).string(null))))],
    ]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat()), async ([key, version, good], flips, cut) => {
        const mutated = Buffer.from(good)
        for (const [at, byte] of flips) if (mutated.length > 0) mutated[at % mutated.length] = byte
        const c = await RawClient.open(server.port)
        c.send(key, version, 4, cut === null ? mutated : mutated.subarray(0, cut % (mutated.length + 1)))
        const r = await c.read()
        if (r !== null) expect(r.readInt32BE(0)).toBe(4)
        c.close()
      }),
      { numRuns: 300 },
    )
    expect(await apiVersionsOk(server.port)).toBe(true)
    expect(await log.listTopics()).toEqual([])
    expect(await log.fetchOffsets('fuzz-group')).toEqual([])
    await log.close()
  })

  it('every decoder throws only MalformedRequest on random bodies (property)', async () => {
    const { MalformedRequest, Reader } = await import('../../lib/server/protocol.js')
    for (const api of APIS) {
      const decode = (api as { decode?: (r: InstanceType<typeof Reader>, v: number) => unknown }).decode
      if (!decode) continue
      fc.assert(
        fc.property(fc.integer({ min: api.minVersion, max: api.maxVersion }), fc.uint8Array({ maxLength: 120 }), (version, body) => {
          try {
            decode(new Reader(Buffer.from(body)), version)
          } catch (err) {
            expect(err).toBeInstanceOf(MalformedRequest)
          }
        }),
        { numRuns: 200 },
      )
    }
  })
})
