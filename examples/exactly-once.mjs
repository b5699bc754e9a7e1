// Exactly-once payments: a service reads approved salary updates from `salary-updates`,
// and for each sends a payment to `salaries-paid`, in a transaction that also commits the
// group's offsets. A crash at any moment leaves each update paid once: the next run's
// first transaction() aborts what the dead one left open, and read_committed readers
// never see it. Usage: node examples/exactly-once.mjs [log directory]
import { openLog } from 'kafkette'

const dir = process.argv[2] ?? '.kafkette/payments'
const log = await openLog({ dir })
if (!log.hasTopic('salary-updates')) {
  await log.createTopic('salary-updates', { partitions: 2 })
  await log.createTopic('salaries-paid', { partitions: 2 })
  await log.producer().send('salary-updates', [
    { key: 'employee_id_123', value: { amount: 5200 } },
    { key: 'employee_id_456', value: { amount: 4100 } },
    { key: 'employee_id_789', value: { amount: 6100 } },
  ])
}

// The group's offsets move only inside transactions: no autoCommit.
const updates = log.consumer({ groupId: 'payments', fromBeginning: true, autoCommit: false })
await updates.subscribe(['salary-updates'])
const payments = log.producer({ transactionalId: 'payments' })
for (;;) {
  const batch = await updates.poll({ maxRecords: 100, timeoutMs: 0 })
  if (batch.length === 0) break
  const tx = await payments.transaction()
  try {
    for (const m of batch) await tx.send('salaries-paid', { key: m.key, value: { paid: m.value.amount } })
    const next = new Map(batch.map((m) => [m.partition, m.offset + 1]))
    await tx.sendOffsets({ groupId: 'payments', offsets: [...next].map(([partition, offset]) => ({ topic: 'salary-updates', partition, offset })) })
    await tx.commit()
  } catch (err) {
    await tx.abort()
    throw err
  }
  console.log(`paid ${batch.length} in one transaction`)
}
await updates.close()

// A read_committed reader (the default) sees each payment once.
const audit = log.consumer({ fromBeginning: true })
audit.assign([0, 1].map((partition) => ({ topic: 'salaries-paid', partition })))
const paid = (await audit.poll({ maxRecords: 100, timeoutMs: 0 })).map((m) => `${m.key}=${m.value.paid}`)
console.log(`payments: ${paid.sort().join(', ')}`)
await log.close()
