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

/** True when `s` holds no lone surrogate, so it has one UTF-8 encoding (String.prototype.isWellFormed). */
export function isWellFormedUnicode(s: string): boolean {
  return !LONE_SURROGATE.test(s)
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** What an option may hold: a `typeof` name, 'object' (a plain object), 'array', or a list of these. */
export type OptionType = 'boolean' | 'string' | 'number' | 'function' | 'object' | 'array' | 'any'

/** An options object's keys and what each may hold. */
export type OptionSchema<T> = { readonly [K in keyof Required<T>]: OptionType | readonly OptionType[] }

/**
 * Checks an options object: a plain object (or undefined), every key known, every value
 * of its type (undefined stands for absent). Throws a TypeError naming the key, with the
 * closest known key when one is near ('groupID' → 'groupId'). Ranges are the caller's.
 */
export function checkOptions<T>(where: string, options: unknown, schema: OptionSchema<T>): void {
  if (options === undefined) return
  if (!isPlainObject(options) || typeof options === 'function') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`)
  const known = Object.keys(schema)
  for (const key of Object.keys(options as object)) {
    const allowed = (schema as Record<string, OptionType | readonly OptionType[]>)[key]
    if (allowed === undefined || !Object.hasOwn(schema, key)) {
      const near = closest(key, known)
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; known options: ${known.join(', ')}`)
    }
    const value = (options as Record<string, unknown>)[key]
    if (value === undefined) continue
    const types = typeof allowed === 'string' ? [allowed] : allowed
    if (!types.some((t) => fits(value, t))) throw new TypeError(`${where}: ${key} must be ${types.map(article).join(' or ')}, got ${describe(value)}`)
  }
}

function fits(value: unknown, type: OptionType): boolean {
  if (type === 'any') return true
  if (type === 'array') return Array.isArray(value)
  if (type === 'object') return isPlainObject(value) && typeof value !== 'function'
  return typeof value === type
}

function article(type: OptionType): string {
  return type === 'object' ? 'an object' : type === 'array' ? 'an array' : type === 'any' ? 'anything' : `a ${type}`
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`
  return typeof value
}

/** The known key closest to `key`: the same but for case, or within an edit distance of 2 (a third of its length at most). */
export function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  const same = known.find((k) => k.toLowerCase() === lower)
  if (same) return same
  let best: string | undefined
  let bestDistance = Math.min(2, Math.floor(key.length / 3))
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase())
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = k
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}
