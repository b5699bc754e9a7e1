// The shapes of the public API: messages in and out, metadata, topic descriptions.

/** An offset within a partition: a safe integer ≥ 0. */
export type Offset = number

/** A message key: a string (partitioned by its UTF-8 bytes) or bytes; it comes back with the same type. */
export type Key = string | Uint8Array

/** Message headers; an array holds a header that repeats (Kafka allows a key more than once). */
export type Headers = Record<string, string | Uint8Array | Array<string | Uint8Array>>

/** A message handed to `producer.send`. */
export interface Message<V = unknown> {
  /** Picks the partition (murmur2) unless `partition` is given; keeps its type when read back. */
  key?: Key | null
  /** Any value msgpackr encodes; `null` is a tombstone on compacted topics. */
  value: V
  headers?: Headers
  /** Sends to this partition, whatever the key. */
  partition?: number
  /** CreateTime in milliseconds since the epoch; defaults to the log's clock. */
  timestamp?: number
}

/** Where a sent message landed. */
export interface RecordMetadata {
  topic: string
  partition: number
  offset: Offset
  timestamp: number
}

/** A message read from the log. */
export interface ConsumedMessage<V = unknown> {
  topic: string
  partition: number
  offset: Offset
  key: Key | null
  value: V
  headers: Headers
  timestamp: number
}

/** A topic and one of its partitions. */
export interface TopicPartition {
  topic: string
  partition: number
}

/** A topic, a partition and an offset. */
export interface TopicPartitionOffset extends TopicPartition {
  offset: Offset
}

/** One partition as describeTopic reports it. */
export interface PartitionDescription {
  partition: number
  /** The first offset still readable. */
  logStartOffset: Offset
  /** One past the last offset written. */
  highWatermark: Offset
  /** The first offset of the oldest open transaction, or the high watermark when none is open: read_committed consumers read below it. */
  lastStableOffset: Offset
  /** The bytes its record batches take in the store. */
  sizeBytes: number
}

/** A topic as describeTopic reports it. */
export interface TopicDescription<C = unknown> {
  name: string
  config: C
  partitions: PartitionDescription[]
}

/** Options of `log.listen()`: where the Kafka wire-protocol listener binds and what it tells clients. */
export interface ListenOptions {
  /** The address to bind (default '127.0.0.1'). Anything but a loopback address needs `allowRemote: true`. */
  host?: string
  /** The port (default 9092); 0 picks a free one (read it from `server.port`). */
  port?: number
  /** The host clients are told to connect to in Metadata and FindCoordinator (default: `host`, or 127.0.0.1 when `host` is a wildcard). */
  advertisedHost?: string
  /** Create a topic a client produces to or asks metadata for (default true). */
  autoCreateTopics?: boolean
  /** The largest request frame accepted, in bytes (default 100 MiB); a larger one closes the connection. */
  maxFrameBytes?: number
  /** Bind a non-loopback address. There is no authentication: anyone who reaches the port reads and writes the log. */
  allowRemote?: boolean
  /** A connection that sends nothing for this long is closed (default 600000, Kafka's connections.max.idle.ms; 0 = never). */
  idleTimeoutMs?: number
  /** Connections beyond this many are refused at once (default 4096). */
  maxConnections?: number
}

/** A running Kafka wire-protocol listener over a log. */
export interface WireListener {
  /** The address it is bound to. */
  readonly host: string
  /** The port it is bound to (the one picked when asked for port 0). */
  readonly port: number
  /** How many client connections are open. */
  readonly connections: number
  /** Stops listening and closes every connection. */
  close(): Promise<void>
}
