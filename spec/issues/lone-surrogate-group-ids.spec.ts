// Group ids '\uD800' and '\uDBFF' shared their committed offsets after a reopen: a lone
// surrogate has no UTF-8 encoding, and both were stored as U+FFFD. Group ids must now be
// well-formed Unicode (INVALID_GROUP_ID otherwise); well-formed ones stay apart.
import { describe, expect, it } from 'vitest'
import { stores } from '../helpers/stores.js'

describe.each(stores)('group ids on $name', (store) => {
  it('refuses a lone surrogate everywhere a group id is taken, and keeps well-formed ids apart', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    for (const id of ['\uD800', '\uDBFF', 'a\uDC00b']) {
      expect(() => log.consumer({ groupId: id })).toThrow(expect.objectContaining({ code: 'INVALID_GROUP_ID', message: expect.stringMatching(/well-formed Unicode/) }))
      await expect(log.commitOffsets(id, [{ topic: 't', partition: 0, offset: 0 }])).rejects.toMatchObject({ code: 'INVALID_GROUP_ID' })
      await expect(log.fetchOffsets(id)).rejects.toMatchObject({ code: 'INVALID_GROUP_ID' })
    }
    await log.producer().send('t', [{ value: 1 }, { value: 2 }])
    await log.commitOffsets('😀', [{ topic: 't', partition: 0, offset: 1 }])
    await log.commitOffsets('😁', [{ topic: 't', partition: 0, offset: 2 }])
    expect((await log.fetchOffsets('😀'))[0]).toMatchObject({ offset: 1 })
    expect((await log.fetchOffsets('😁'))[0]).toMatchObject({ offset: 2 })
    await log.close()
  })
})
