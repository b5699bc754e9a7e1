// `kafkette serve`: the log in this directory, behind the Kafka wire listener, until SIGINT
// or SIGTERM; then the listener and the log close cleanly.
import { KafketteError, Log } from '../index.js'
import type { Context, Signals } from './args.js'
import { withLog } from './open.js'
import { printJson, printLines } from './output.js'

/** What `log.listen()` resolves with: the address it listens on, and how to stop it. */
export interface Listener {
  readonly host: string
  readonly port: number
  close(): Promise<void>
}

type Listening = { listen(options: { host: string; port: number }): Promise<Listener> }

/** True when this build of kafkette has the wire listener (`log.listen`). */
export function hasListener(): boolean {
  return typeof (Log.prototype as Partial<Listening>).listen === 'function'
}

/** Starts the wire listener on `log`: the one call `serve` makes into the listener. */
export function listen(log: Log, host: string, port: number): Promise<Listener> {
  return (log as unknown as Listening).listen({ host, port })
}

/** `serve [--host] [--port]`: prints the address, then serves until a signal. */
export async function serve(ctx: Context, options: { host: string; port: number }, signals: Signals): Promise<void> {
  if (!hasListener()) {
    throw new KafketteError('NOT_IMPLEMENTED', 'the Kafka wire listener (log.listen) is not built into this version of kafkette yet, so `kafkette serve` cannot run; reach the log in-process through openLog()')
  }
  // Signals are heard from the start: one that comes while the log opens, or just as the
  // address is printed, still closes everything cleanly.
  const keepAlive = setInterval(() => undefined, 1 << 30)
  let stop!: () => void
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  signals.once('SIGINT', stop)
  signals.once('SIGTERM', stop)
  try {
    await withLog(
      ctx,
      async (log) => {
        const listener = await listen(log, options.host, options.port)
        try {
          if (ctx.output.json) printJson(ctx.output.out, { host: listener.host, port: listener.port, dir: ctx.dir })
          else printLines(ctx.output.out, [`serving ${ctx.dir} on ${listener.host}:${listener.port} (Kafka wire protocol); Ctrl-C stops`])
          await stopped
        } finally {
          await listener.close()
        }
      },
      { create: true, retention: true },
    )
  } finally {
    clearInterval(keepAlive)
    signals.removeListener('SIGINT', stop)
    signals.removeListener('SIGTERM', stop)
  }
}
