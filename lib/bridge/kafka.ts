// The part of KafkaJS 2.x's API the bridge calls, written down structurally: kafkette has
// no Kafka client among its dependencies; the application brings one (KafkaJS 2.2.4 is
// the tested client; any client with this shape is accepted).

/** A message as KafkaJS sends it. */
export interface KafkaOutMessage {
  key?: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>
  timestamp?: string
}

/** A message as a KafkaJS consumer hands it out. */
export interface KafkaInMessage {
  key: Buffer | null
  value: Buffer | null
  timestamp: string
  offset: string
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>
}

/** What send, sendBatch and a transaction have in common. */
export interface KafkaSender {
  sendBatch(batch: { acks?: number; timeout?: number; topicMessages?: Array<{ topic: string; messages: KafkaOutMessage[] }> }): Promise<unknown[]>
}

/** A KafkaJS transaction. */
export interface KafkaTransaction extends KafkaSender {
  commit(): Promise<void>
  abort(): Promise<void>
}

/** A KafkaJS producer. */
export interface KafkaProducer extends KafkaSender {
  connect(): Promise<void>
  disconnect(): Promise<void>
  transaction(): Promise<KafkaTransaction>
}

/** A KafkaJS consumer's batch. */
export interface KafkaBatch {
  topic: string
  partition: number
  highWatermark: string
  messages: KafkaInMessage[]
}

/** A KafkaJS consumer. */
export interface KafkaConsumer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  subscribe(subscription: { topics: string[]; fromBeginning?: boolean }): Promise<void>
  run(config: {
    autoCommit?: boolean
    eachBatchAutoResolve?: boolean
    eachBatch: (payload: { batch: KafkaBatch; resolveOffset(offset: string): void; heartbeat(): Promise<void>; isRunning(): boolean; isStale(): boolean }) => Promise<void>
  }): Promise<void>
  commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>
  stop(): Promise<void>
  on(event: string, listener: (event: { payload: any }) => void): unknown
  readonly events: { CRASH: string; GROUP_JOIN: string }
}

/** A KafkaJS admin client. */
export interface KafkaAdmin {
  connect(): Promise<void>
  disconnect(): Promise<void>
  listTopics(): Promise<string[]>
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ topics: Array<{ name: string; partitions: Array<{ partitionId: number }> }> }>
  createTopics(options: { waitForLeaders?: boolean; topics: Array<{ topic: string; numPartitions?: number; configEntries?: Array<{ name: string; value: string }> }> }): Promise<boolean>
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; high: string; low: string }>>
}

/** A KafkaJS `Kafka` instance: the application's client of its cluster. */
export interface KafkaClient {
  producer(config?: { allowAutoTopicCreation?: boolean; transactionalId?: string; maxInFlightRequests?: number; idempotent?: boolean }): KafkaProducer
  consumer(config: { groupId: string; allowAutoTopicCreation?: boolean; maxWaitTimeInMs?: number; readUncommitted?: boolean; sessionTimeout?: number; heartbeatInterval?: number; retry?: { restartOnFailure?: (error: Error) => Promise<boolean> } }): KafkaConsumer
  admin(): KafkaAdmin
}
