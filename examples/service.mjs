// A payroll service: a consumer that runs until the process is told to stop. The README's
// "Running a service" quotes it, and a test runs it and sends it SIGTERM.
import { openLog } from 'kafkette'

const log = await openLog({ dir: process.argv[2] ?? '.kafkette/payroll' })
if (!log.hasTopic('salary-updates')) await log.createTopic('salary-updates', { partitions: 3 })
const payroll = log.consumer({ groupId: 'payroll-service', fromBeginning: true })
await payroll.subscribe('salary-updates')

// SIGTERM (a deploy, `docker stop`, systemd) or Ctrl-C ends the loop; close() then commits
// what was processed and closes the store. Nothing else holds the process: it exits.
const shutdown = new AbortController()
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => shutdown.abort())
console.log(`payroll service: ${payroll.lag().reduce((n, p) => n + p.lag, 0)} updates waiting`)

for await (const m of payroll.messages({ signal: shutdown.signal })) {
  console.log(`processed ${m.topic}/${m.partition} offset ${m.offset}: ${m.key} = ${m.value.amount}`)
}
await log.close()
console.log('payroll service: stopped')
