// What the command prints: aligned tables and human sizes for people, JSON for scripts,
// colour only on a terminal that has not asked for none (NO_COLOR).
import type { Writable } from 'node:stream'

/** Where a command writes, and how: the process's streams in use, plain streams in tests. */
export interface Output {
  readonly out: Writable & { isTTY?: boolean }
  readonly err: Writable & { isTTY?: boolean }
  /** Print JSON (one document, or one object per line) instead of text for people. */
  readonly json: boolean
  /** The environment (NO_COLOR turns colour off). */
  readonly env: NodeJS.ProcessEnv
}

/** True when `stream` is a terminal and the environment allows colour (https://no-color.org). */
export function colourOn(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return stream.isTTY === true
}

/** ANSI styles that vanish where colour is off. */
export function styles(on: boolean): { bold: (s: string) => string; dim: (s: string) => string; red: (s: string) => string; green: (s: string) => string } {
  const wrap = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s)
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39) }
}

/** Bytes as people read them: 0 B, 999 B, 1.5 KiB, 12.0 MiB (powers of 1024). */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`
}

/** A count with thousands separators (1,234,567). */
export function humanCount(n: number): string {
  return n.toLocaleString('en-US')
}

const ANSI = /\x1b\[[0-9;]*m/g
const visible = (s: string): number => s.replace(ANSI, '').length

/**
 * Lines of an aligned table: a header row, then one row per entry, columns separated by
 * two spaces; columns listed in `right` are right-aligned (numbers).
 */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, options: { right?: readonly number[]; bold?: (s: string) => string } = {}): string[] {
  const right = new Set(options.right ?? [])
  const widths = headers.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))))
  const line = (cells: readonly string[], style = (s: string) => s): string =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - visible(c))
        const last = i === cells.length - 1
        return right.has(i) ? pad + style(c) : last ? style(c) : style(c) + pad
      })
      .join('  ')
      .trimEnd()
  return [line(headers, options.bold), ...rows.map((r) => line(r))]
}

/** Writes lines to the output stream, each ending with a newline. */
export function printLines(out: Writable, lines: readonly string[]): void {
  if (lines.length > 0) out.write(lines.join('\n') + '\n')
}

/** Writes one JSON document (and a newline). */
export function printJson(out: Writable, value: unknown): void {
  out.write(JSON.stringify(value, jsonReplacer) + '\n')
}

/**
 * How values read from the log become JSON: bytes as `{ "base64": … }` (JSON has no
 * bytes), bigints as strings, Maps as objects, Sets as arrays.
 */
export function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  // The holder's own property is the value before toJSON (a Buffer's toJSON runs first).
  const original = (this as Record<string, unknown>)[key]
  if (original instanceof Uint8Array) return { base64: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') }
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Map) return Object.fromEntries(value)
  if (value instanceof Set) return [...value]
  return value
}
