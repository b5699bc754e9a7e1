// lib/bridge/shared.ts: how a client's error is judged (a refused record stops the bridge,
// a lasting refusal stops it, the rest is retried), with KafkaJS 2.2.4's own error classes.
import * as kafkajs from 'kafkajs'
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSAggregateError } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { classify } from '../../../lib/bridge/shared.js'
import { KafketteError } from '../../../lib/index.js'

// KafkaJS's types omit the constructor's second argument ({ cause }), which its code takes.
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as new (e: unknown, options?: { cause?: unknown }) => Error
const protocol = (type: string, retriable: boolean) => new KafkaJSProtocolError({ type, code: 0, retriable, message: type } as never)

describe('classify', () => {
  it('stops on a record the cluster refuses, however KafkaJS wraps it', () => {
    expect(classify(protocol('MESSAGE_TOO_LARGE', false))).toEqual({ kind: 'record', type: 'MESSAGE_TOO_LARGE' })
    expect(classify(new KafkaJSNonRetriableError(protocol('RECORD_LIST_TOO_LARGE', false), { cause: protocol('RECORD_LIST_TOO_LARGE', false) })).kind).toBe('record')
    expect(classify(new KafkaJSAggregateError('send failed', [protocol('INVALID_RECORD', false)] as never)).kind).toBe('record')
  })

  it('stops on a refusal that retrying cannot mend', () => {
    expect(classify(protocol('TOPIC_AUTHORIZATION_FAILED', false))).toEqual({ kind: 'fatal', type: 'TOPIC_AUTHORIZATION_FAILED' })
    expect(classify(protocol('INVALID_PRODUCER_EPOCH', false)).kind).toBe('fatal')
    // Bad input KafkaJS refuses before sending: no cause to wait for.
    expect(classify(new KafkaJSNonRetriableError('Invalid message without value')).kind).toBe('fatal')
    expect(classify(new KafketteError('UNKNOWN_TOPIC_OR_PARTITION')).kind).toBe('fatal')
  })

  it('retries what may pass: connection errors, retriable protocol errors, and KafkaJS\'s spent retries over them', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1', code: 'ECONNREFUSED' } as never)
    expect(classify(refused).kind).toBe('retry')
    expect(classify(new KafkaJSNumberOfRetriesExceeded(refused as never, { retryCount: 1, retryTime: 50 } as never)).kind).toBe('retry')
    expect(classify(new KafkaJSNonRetriableError(refused, { cause: refused })).kind).toBe('retry')
    expect(classify(protocol('LEADER_NOT_AVAILABLE', true)).kind).toBe('retry')
    expect(classify(new KafketteError('LOG_IO_ERROR')).kind).toBe('retry')
    expect(classify(new Error('socket hang up')).kind).toBe('retry')
  })
})
