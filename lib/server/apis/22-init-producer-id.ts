// InitProducerId (key 22), versions 0–1: gives an idempotent producer its producer id
// (the log's, never given again) at epoch 0; its Produce batches then carry sequence
// numbers the log checks. A transactional id is refused (INVALID_REQUEST): transactions
// over the wire are not provided yet.
//
// | version | request | response |
// |---|---|---|
// | 0–1 | transactional_id (nullable), transaction_timeout_ms | throttle_time_ms, error, producer_id, producer_epoch |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

/** The InitProducerId API (key 22): versions, decoder, handler and encoder. */
export const initProducerId = defineApi<{ transactionalId: string | null }, { errorCode: number; producerId: number; producerEpoch: number }>({
  key: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  decode(r) {
    const transactionalId = r.string()
    r.int32()
    return { transactionalId }
  },
  async handle(ctx, req) {
    if (req.transactionalId !== null) return { errorCode: KAFKA.INVALID_REQUEST, producerId: -1, producerEpoch: -1 }
    try {
      return { errorCode: KAFKA.NONE, ...(await ctx.log.initProducerId()) }
    } catch (err) {
      return { errorCode: kafkaErrorCode(err), producerId: -1, producerEpoch: -1 }
    }
  },
  encode(w, res) {
    w.int32(0).int16(res.errorCode).int64(BigInt(res.producerId)).int16(res.producerEpoch)
  },
})
