// Types of index.mjs: librdkafka's mock Kafka cluster in a child process.

/** A running mock cluster and its control channel. */
export interface MockCluster {
  /** The bootstrap list, "127.0.0.1:PORT,…". */
  readonly bootstrap: string
  /** One "host:port" per broker, in broker id order (id 1 first). */
  readonly brokers: string[]
  /** The child's process id. */
  readonly pid: number
  /** Sends one command line (see mock-cluster.c); resolves with its "ok …" answer. */
  command(line: string): Promise<string>
  /** Takes a broker down: its connections close and new ones are refused; the port is kept. */
  down(id?: number): Promise<string>
  /** Brings a broker back up on the same port. */
  up(id?: number): Promise<string>
  /** Answers the next `count` (default 1) requests of API `apiKey` with Kafka error `code`. */
  failRequests(apiKey: number, code: number, count?: number): Promise<string>
  /** Creates a topic (the mock has no CreateTopics API). */
  createTopic(name: string, partitions?: number): Promise<string>
  /** Stops the cluster and resolves when its process has exited. */
  stop(): Promise<{ code: number | null; signal: string | null }>
}

/** The path of the compiled mock-cluster program, compiled on demand and cached by source hash. */
export function buildMockCluster(): string

/** Starts a mock cluster of `brokers` brokers (ids 1..N) on 127.0.0.1, on kernel-chosen ports. */
export function startMockCluster(options?: { brokers?: number; topics?: Array<string | { name: string; partitions?: number }> }): Promise<MockCluster>
