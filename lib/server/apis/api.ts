// What every API module provides: its key, the versions it answers, and a handler that
// decodes a request body, does the work and encodes the response body.
import type { Log, Producer } from '../../index.js'
import { kafkaErrorCode, KAFKA } from '../errors.js'
import type { Reader, Writer } from '../protocol.js'

/** What a handler knows about the listener and the connection its request came on. */
export interface RequestContext {
  readonly log: Log
  /** The listener's producer: wire produce requests append through it. */
  readonly producer: Producer
  /** The host and port clients are told to connect to (Metadata, FindCoordinator). */
  readonly advertisedHost: string
  readonly advertisedPort: number
  readonly autoCreateTopics: boolean
  /** The client's id from the request header. */
  readonly clientId: string
  /** The client's address, as DescribeGroups reports it. */
  readonly clientHost: string
  /** Resolves when the connection or the listener closes (long polls end early). */
  readonly closed: Promise<void>
}

/** One Kafka API: its key, its versions, and its handler. */
export interface Api {
  readonly key: number
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
  /**
   * Reads the request body at `version` (throwing MalformedRequest when it does not parse),
   * answers it, and writes the response body; returns false when Kafka sends no response
   * (Produce with acks=0).
   */
  handle(ctx: RequestContext, version: number, r: Reader, w: Writer): Promise<boolean> | boolean
}

/** Defines an API from its decoder, handler and encoder, which keeps each module in Kafka's own order. */
export function defineApi<Req, Res>(spec: {
  key: number
  name: string
  minVersion: number
  maxVersion: number
  decode(r: Reader, version: number): Req
  handle(ctx: RequestContext, req: Req, version: number): Promise<Res | null> | Res | null
  encode(w: Writer, res: Res, version: number): void
}): Api & { decode(r: Reader, version: number): Req } {
  return {
    key: spec.key,
    name: spec.name,
    minVersion: spec.minVersion,
    maxVersion: spec.maxVersion,
    decode: spec.decode,
    async handle(ctx, version, r, w) {
      const req = spec.decode(r, version)
      const res = await spec.handle(ctx, req, version)
      if (res === null) return false
      spec.encode(w, res, version)
      return true
    },
  }
}

/** A group of wire members, as the log's coordinator holds it. */
type WireGroup = NonNullable<ReturnType<ReturnType<Log['groups']>['findProtocolGroup']>>

/**
 * The error code of a member's request to its wire group (Heartbeat, LeaveGroup): NONE when
 * `op` succeeds, UNKNOWN_MEMBER_ID when the group has no wire members, else the Kafka code
 * of what `op` threw.
 */
export function memberRequest(ctx: RequestContext, groupId: string, op: (group: WireGroup) => void): number {
  try {
    const group = ctx.log.groups().findProtocolGroup(groupId)
    if (!group) return KAFKA.UNKNOWN_MEMBER_ID
    op(group)
    return KAFKA.NONE
  } catch (err) {
    return kafkaErrorCode(err)
  }
}
