// The payroll service from the README: HR and Finance send salary updates keyed by
// employee id to `salary-updates`; a payroll consumer applies them in order per employee.
// Usage: node examples/payroll.mjs [log directory]   (default: .kafkette/payroll)
import { openLog } from 'kafkette'

const dir = process.argv[2] ?? '.kafkette/payroll'
const log = await openLog({ dir })
if (!log.hasTopic('salary-updates')) await log.createTopic('salary-updates', { partitions: 3 })

// Two departments send updates; an employee's updates share a key, so they share a
// partition and keep their order.
const hr = log.producer()
const finance = log.producer()
const sent = [
  ...(await hr.send('salary-updates', [
    { key: 'employee_id_123', value: { amount: 5200 }, headers: { dept: 'HR' } },
    { key: 'employee_id_456', value: { amount: 4100 }, headers: { dept: 'HR' } },
  ])),
  ...(await finance.send('salary-updates', [
    { key: 'employee_id_123', value: { amount: 5350 }, headers: { dept: 'Finance' } },
    { key: 'employee_id_789', value: { amount: 6100 }, headers: { dept: 'Finance' } },
  ])),
]
for (const m of sent) console.log(`sent      ${m.topic}/${m.partition} offset ${m.offset}`)

// The payroll consumer is a group member: it reads from where the group committed last
// time (the start, the first time), and commits what it has processed.
const payroll = log.consumer({ groupId: 'payroll', fromBeginning: true })
await payroll.subscribe(['salary-updates'])
const salaries = new Map()
let processed = 0
for (;;) {
  const batch = await payroll.poll({ maxRecords: 500, timeoutMs: 0 })
  if (batch.length === 0) break
  for (const m of batch) {
    salaries.set(m.key, m.value.amount)
    processed++
    console.log(`processed ${m.topic}/${m.partition} offset ${m.offset}: ${m.key} = ${m.value.amount} (from ${m.headers.dept})`)
  }
  await payroll.commit()
}
await payroll.close()
console.log(`payroll: ${processed} updates processed; salaries ${JSON.stringify(Object.fromEntries(salaries))}`)
await log.close()
