// The KafkaJS side of the wire bench, in its own process (as a wire client is): connects
// to BOOTSTRAP, does one measured thing, prints its figure as JSON on stdout.
// usage: wire-client.mjs BOOTSTRAP produce SENDS | consume COUNT GROUP | join JOINS GROUP-PREFIX
import { Kafka, logLevel } from 'kafkajs'
import { sends } from '../lib/data.mjs'

const [bootstrap, mode, arg, name] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING })
const messages = sends({ batch: 1000, size: 100, keyed: false }).map((msgs) => msgs.map((m) => ({ value: m.value })))
const now = () => process.hrtime.bigint()
const secondsSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e9

if (mode === 'produce' || mode === 'fill') {
  const count = Number(arg)
  const p = kafka.producer()
  await p.connect()
  const t0 = now()
  for (let s = 0; s < count; s++) await p.send({ topic: 't', messages: messages[s % messages.length] })
  const rate = (count * 1000) / secondsSince(t0)
  await p.disconnect()
  console.log(JSON.stringify({ rate }))
} else if (mode === 'consume') {
  const n = Number(arg)
  const c = kafka.consumer({ groupId: name, maxBytesPerPartition: 1024 * 1024 })
  await c.connect()
  await c.subscribe({ topics: ['t'], fromBeginning: true })
  let seen = 0
  const t0 = now()
  await new Promise((resolve) => c.run({ eachBatch: async ({ batch }) => ((seen += batch.messages.length) >= n ? resolve() : undefined) }))
  const rate = n / secondsSince(t0)
  await c.disconnect()
  console.log(JSON.stringify({ rate }))
} else if (mode === 'join') {
  const durations = []
  for (let i = 0; i < Number(arg); i++) {
    const c = kafka.consumer({ groupId: `${name}-${i}` })
    await c.connect()
    await c.subscribe({ topics: ['t'] })
    const joined = new Promise((resolve) => c.on(c.events.GROUP_JOIN, (e) => resolve(e.payload.duration)))
    await c.run({ eachBatch: async () => undefined })
    durations.push(await joined)
    await c.disconnect()
  }
  durations.sort((a, b) => a - b)
  console.log(JSON.stringify({ median: durations[Math.floor((durations.length - 1) / 2)] }))
}
process.exit(0)
