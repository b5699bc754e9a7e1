// The built-in assignors, and how a consumer's `assignor` option is resolved to one.
import { cooperativeSticky } from './cooperative-sticky.js'
import { range } from './range.js'
import { roundRobin } from './round-robin.js'
import type { Assignor, AssignorOption } from './types.js'

export { cooperativeSticky } from './cooperative-sticky.js'
export { range } from './range.js'
export { roundRobin } from './round-robin.js'
export type { AssignArgs, AssignFn, Assignor, AssignorMember, AssignorOption } from './types.js'

/** The built-in assignors by name. */
export const ASSIGNORS: Readonly<Record<'range' | 'roundRobin' | 'cooperativeSticky', Assignor>> = { range, roundRobin, cooperativeSticky }

/** Resolves an `assignor` option (default roundRobin); a bad one is a TypeError naming it. */
export function resolveAssignor(option: AssignorOption | undefined): Assignor {
  if (option === undefined) return roundRobin
  if (typeof option === 'string') {
    const found = (ASSIGNORS as Record<string, Assignor>)[option]
    if (!found) throw new TypeError(`consumer: assignor must be 'range', 'roundRobin', 'cooperativeSticky', an assignor object or a function, got ${JSON.stringify(option)}`)
    return found
  }
  if (typeof option === 'function') return { name: option.name || 'custom', protocol: 'eager', assign: option }
  if (option !== null && typeof option === 'object' && typeof option.assign === 'function' && typeof option.name === 'string' && option.name.length > 0) {
    if (option.protocol !== 'eager' && option.protocol !== 'cooperative') throw new TypeError(`consumer: assignor ${option.name}: protocol must be 'eager' or 'cooperative'`)
    return option
  }
  throw new TypeError('consumer: assignor must be a built-in name, { name, protocol, assign } or a function')
}
