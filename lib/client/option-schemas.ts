// The keys of the clients' option objects and what each may hold, checked by
// checkOptions (util/validate.ts) before anything else: an unknown key (a misspelling)
// or a value of the wrong type is a TypeError naming it. Ranges are checked where used.
import type { OptionSchema } from '../util/validate.js'
import type { ConsumerOptions, MessagesOptions, PollOptions, RetryOptions, RunConfig } from './consumer-types.js'

/** log.consumer() */
export const CONSUMER_OPTIONS: OptionSchema<ConsumerOptions> = {
  groupId: 'string',
  clientId: 'string',
  fromBeginning: 'boolean',
  isolationLevel: 'string',
  autoOffsetReset: 'string',
  maxPollRecords: 'number',
  autoCommit: 'boolean',
  autoCommitIntervalMs: 'number',
  autoCommitThreshold: 'number',
  commitUnprocessed: 'boolean',
  sessionTimeoutMs: 'number',
  heartbeatIntervalMs: 'number',
  rebalanceTimeoutMs: 'number',
  assignor: ['string', 'object', 'function'],
  retry: 'object',
}

/** log.consumer({ retry }) */
export const RETRY_OPTIONS: OptionSchema<RetryOptions> = {
  retries: 'number',
  initialRetryTimeMs: 'number',
  maxRetryTimeMs: 'number',
  multiplier: 'number',
  restartOnFailure: 'function',
}

/** consumer.poll() (signal: an AbortSignal, checked where used) */
export const POLL_OPTIONS: OptionSchema<PollOptions> = { maxRecords: 'number', timeoutMs: 'number', signal: 'any' }

/** consumer.messages() */
export const MESSAGES_OPTIONS: OptionSchema<MessagesOptions> = { signal: 'any' }

/** consumer.run() */
export const RUN_OPTIONS: OptionSchema<RunConfig> = {
  eachMessage: 'function',
  eachBatch: 'function',
  partitionsConsumedConcurrently: 'number',
  eachBatchAutoResolve: 'boolean',
  signal: 'any',
}
