// Argument checks shared by every public method: each throws a TypeError/RangeError
// or KafketteError naming the argument, before anything is written.
import { KafketteError } from '../errors.js'

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/

/** Kafka's topic-name rules: [a-zA-Z0-9._-], 1–249 characters, not '.' or '..'. */
export function assertTopicName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`topic name must be a string, got ${typeof name}`)
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new KafketteError('INVALID_TOPIC', `topic name ${JSON.stringify(name.length > 60 ? name.slice(0, 60) + '…' : name)} is not valid: use 1–249 characters of [a-zA-Z0-9._-], not "." or ".."`, { topic: name })
  }
}

/** A safe integer ≥ 0. */
export function assertOffset(value: unknown, what = 'offset'): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a safe integer ≥ 0, got ${String(value)}`)
  }
}

/** An integer ≥ 0 (a partition number). */
export function assertPartitionNumber(value: unknown, what = 'partition'): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`${what} must be an integer ≥ 0, got ${String(value)}`)
  }
}

/** A finite number ≥ 0 (a time span in milliseconds). */
export function assertDuration(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what} must be a number of milliseconds ≥ 0, got ${String(value)}`)
  }
}

/** A positive integer. */
export function assertPositiveInt(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what} must be an integer ≥ 1, got ${String(value)}`)
  }
}

/** A plain object (not null, not an array). */
export function isPlainObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
