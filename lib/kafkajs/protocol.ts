// KafkaJS's AssignerProtocol: the consumer protocol's MemberMetadata and
// MemberAssignment, encoded as Kafka encodes them (big-endian, int16-length strings).

function writeString(parts: Buffer[], s: string): void {
  const b = Buffer.from(s, 'utf8')
  const len = Buffer.alloc(2)
  len.writeInt16BE(b.length)
  parts.push(len, b)
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

function bytes(parts: Buffer[], data: Buffer | null | undefined): void {
  if (!data) parts.push(int32(-1))
  else parts.push(int32(data.length), data)
}

class Reader {
  private at = 0
  constructor(private readonly b: Buffer) {}
  int16(): number {
    const v = this.b.readInt16BE(this.at)
    this.at += 2
    return v
  }
  int32(): number {
    const v = this.b.readInt32BE(this.at)
    this.at += 4
    return v
  }
  string(): string {
    const len = this.int16()
    const s = this.b.toString('utf8', this.at, this.at + len)
    this.at += len
    return s
  }
  bytes(): Buffer | null {
    const len = this.int32()
    if (len < 0) return null
    const out = this.b.subarray(this.at, this.at + len)
    this.at += len
    return out
  }
  array<T>(item: () => T): T[] {
    const n = this.int32()
    return Array.from({ length: Math.max(0, n) }, item)
  }
}

/** KafkaJS's AssignerProtocol. */
export const AssignerProtocol = {
  MemberMetadata: {
    encode({ version, topics, userData }: { version: number; topics: string[]; userData?: Buffer | null }): Buffer {
      const parts: Buffer[] = [int16(version), int32(topics.length)]
      for (const t of topics) writeString(parts, t)
      bytes(parts, userData ?? Buffer.alloc(0))
      return Buffer.concat(parts)
    },
    decode(buffer: Buffer | null): { version: number; topics: string[]; userData: Buffer } | null {
      if (!buffer || buffer.length === 0) return null
      const r = new Reader(buffer)
      return { version: r.int16(), topics: r.array(() => r.string()), userData: r.bytes() ?? Buffer.alloc(0) }
    },
  },
  MemberAssignment: {
    encode({ version, assignment, userData }: { version: number; assignment: Record<string, number[]>; userData?: Buffer | null }): Buffer {
      const topics = Object.keys(assignment)
      const parts: Buffer[] = [int16(version), int32(topics.length)]
      for (const t of topics) {
        writeString(parts, t)
        const ps = assignment[t]!
        parts.push(int32(ps.length), ...ps.map(int32))
      }
      bytes(parts, userData ?? Buffer.alloc(0))
      return Buffer.concat(parts)
    },
    decode(buffer: Buffer | null): { version: number; assignment: Record<string, number[]>; userData: Buffer } | null {
      if (!buffer || buffer.length === 0) return null
      const r = new Reader(buffer)
      const version = r.int16()
      const assignment: Record<string, number[]> = {}
      for (const [topic, partitions] of r.array(() => [r.string(), r.array(() => r.int32())] as const)) assignment[topic] = partitions
      return { version, assignment, userData: r.bytes() ?? Buffer.alloc(0) }
    },
  },
}
