// Reading a whole partition back, as most specs check what a log holds.
import type { ConsumedMessage, Log } from '../../lib/index.js'

/**
 * Every record of `topic`/`partition` from its log start, read by a consumer of its own
 * with polls of up to `maxRecords` (small polls cross batch boundaries and gaps).
 */
export async function readPartition(log: Log, topic: string, partition = 0, maxRecords?: number): Promise<ConsumedMessage[]> {
  const c = log.consumer({ fromBeginning: true })
  c.assign([{ topic, partition }])
  const out: ConsumedMessage[] = []
  for (;;) {
    const batch = await c.poll(maxRecords === undefined ? { timeoutMs: 0 } : { maxRecords, timeoutMs: 0 })
    if (batch.length === 0) break
    out.push(...batch)
  }
  await c.close()
  return out
}
