// `kafkette serve`: the log in this directory, behind the Kafka wire listener, until SIGINT
// or SIGTERM; then the listener and the log close cleanly.
import { listenForStop, type Context, type Signals } from './args.js'
import { usage } from './errors.js'
import { withLog } from './open.js'
import { printJson, printLines } from './output.js'

/** `serve [--host] [--port] [--allow-remote]`: prints the address, then serves until a signal. */
export async function serve(ctx: Context, options: { host: string; port: number; allowRemote?: boolean }, signals: Signals): Promise<void> {
  // Signals are heard from the start: one that comes while the log opens, or just as the
  // address is printed, still closes everything cleanly.
  const stop = listenForStop(signals)
  try {
    await withLog(
      ctx,
      async (log) => {
        const listener = await log.listen({ host: options.host, port: options.port, allowRemote: options.allowRemote === true }).catch((err: unknown) => {
          // The library names its option; the command line names the flag.
          if (err instanceof RangeError && /allowRemote/.test(err.message)) {
            throw usage(`--host ${options.host} is not a loopback address and the listener has no authentication: pass --allow-remote to bind it`)
          }
          throw err
        })
        try {
          if (ctx.output.json) printJson(ctx.output.out, { host: listener.host, port: listener.port, dir: ctx.dir })
          else printLines(ctx.output.out, [`serving ${ctx.dir} on ${listener.host}:${listener.port} (Kafka wire protocol); Ctrl-C stops`])
          await stop.stopped
        } finally {
          await listener.close()
        }
      },
      { create: true, retention: true },
    )
  } finally {
    stop.dispose()
  }
}
