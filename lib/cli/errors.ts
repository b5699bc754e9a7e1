// How the command reports a failure: one line on stderr naming the error code and what to
// do next, and an exit status (1 for a failure of the log, 2 for a command typed wrong).
import { isKafketteError, type ErrorCode } from '../index.js'

/** Codes only the command line has (the library's codes are ERROR_CODES). */
export type CliErrorCode = 'USAGE' | 'LOG_NOT_FOUND' | 'BENCH_NOT_FOUND' | 'KAFKAJS_NOT_FOUND'

/** A failure of the command line itself: a bad flag or argument, a directory that holds no log, a missing optional package. */
export class CliError extends Error {
  readonly code: CliErrorCode
  /** What the user can do about it. */
  readonly hint: string | undefined

  constructor(code: CliErrorCode, detail: string, hint?: string) {
    super(`${code}: ${detail}`)
    this.name = 'CliError'
    this.code = code
    this.hint = hint
  }
}

/** A bad flag value or argument: exit status 2. */
export function usage(detail: string, hint?: string): CliError {
  return new CliError('USAGE', detail, hint)
}

/** Exit statuses. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

/** What the user can do about each library error code, where there is something to say. */
const HINTS: Partial<Record<ErrorCode, (context: Record<string, unknown>, message: string) => string | undefined>> = {
  UNKNOWN_TOPIC_OR_PARTITION: (c) =>
    typeof c.partition === 'number' ? `see the partitions of ${String(c.topic)} with \`kafkette topics describe ${String(c.topic)}\`` : 'list the topics with `kafkette topics`, or create one with `kafkette topics create NAME`',
  TOPIC_ALREADY_EXISTS: (c) => `see it with \`kafkette topics describe ${String(c.topic)}\`, or choose another name`,
  INVALID_PARTITIONS: () => 'give --partitions a whole number from 1 to 100000',
  INVALID_CONFIG: (_c, message) =>
    !message.includes('unknown topic config key') ? undefined : 'config keys are retention.ms, retention.bytes, cleanup.policy, delete.retention.ms, min.compaction.lag.ms, message.timestamp.type and max.message.bytes (or their camelCase names)',
  OFFSET_OUT_OF_RANGE: (c) => `see each partition's log start and high watermark with \`kafkette topics describe ${String(c.topic ?? 'TOPIC')}\``,
  INVALID_GROUP_ID: () => 'a group id is 1 to 255 characters',
  NON_EMPTY_GROUP: () => 'stop the consumers of the group first',
  GROUP_ID_NOT_FOUND: () => 'list the groups with `kafkette groups`',
  INVALID_RECORD: (_c, message) => (message.includes('no key') ? 'give each line a key with --key-separator' : undefined),
  MESSAGE_TOO_LARGE: (c) => `the topic's max.message.bytes limits a batch; see it with \`kafkette topics describe ${String(c.topic ?? 'TOPIC')}\``,
  LOG_CORRUPT: () => 'copy the directory aside before anything else touches it',
  LOG_FORMAT_TOO_NEW: () => 'open it with the newer kafkette that wrote it',
  LOG_IO_ERROR: () => 'check the disk and the permissions of the log directory, then try again',
}

/** The one line (without a trailing newline) and the exit status that report `err`. */
export function describeError(err: unknown): { line: string; exitCode: number } {
  let line: string
  let exitCode: number = EXIT.failure
  if (err instanceof CliError) {
    line = err.hint ? `${err.message}; ${err.hint}` : err.message
    if (err.code === 'USAGE') exitCode = EXIT.usage
  } else if (isKafketteError(err)) {
    const hint = HINTS[err.code]?.(err.context, err.message)
    line = hint ? `${err.message}; ${hint}` : err.message
  } else if (err instanceof TypeError || err instanceof RangeError) {
    // The library names the argument it refused; from the command line that is a bad flag value.
    line = `USAGE: ${err.message}`
    exitCode = EXIT.usage
  } else if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    line = typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message
    if (code === 'EADDRINUSE') line += '; choose another --port (0 takes any free one)'
  } else {
    line = String(err)
  }
  return { line: `kafkette: ${line.replace(/\s*\n\s*/g, ' ')}`, exitCode }
}
