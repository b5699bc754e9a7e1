// The outbox of the README's "From one machine to a cluster": orders are written to the
// embedded log (durable at once, whatever the network does) and a bridge forwards them to
// a Kafka cluster through the application's own KafkaJS client.
// Usage: node examples/bridge.mjs <log directory> <bootstrap servers, host:port,...>
import { openLog } from 'kafkette'
import { bridge } from 'kafkette/bridge'
import { Kafka, logLevel } from 'kafkajs'

const [dir, brokers] = process.argv.slice(2)
const log = await openLog({ dir })
if (!log.hasTopic('orders')) await log.createTopic('orders', { partitions: 3 })
await log.producer().send('orders', [
  { key: 'customer-7', value: { item: 'tea', quantity: 2 } },
  { key: 'customer-9', value: { item: 'cups', quantity: 6 } },
])

const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING })
const b = bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'orders-to-cluster' })
b.on('paused', ({ error, retryInMs }) => console.log(`cluster unavailable (${error.message}); retrying in ${retryInMs} ms`))
b.on('error', (err) => console.error(`bridge stopped: ${err.code}: ${err.message}`))
await b.start()

// Wait until every record written so far is on the cluster, then stop.
const caughtUp = () => b.lag().every((p) => p.lag === 0)
while (!caughtUp()) await new Promise((resolve) => b.once('progress', resolve))
for (const p of b.lag()) console.log(`orders/${p.partition}: forwarded up to offset ${p.offset}`)
await b.stop()
await log.close()
