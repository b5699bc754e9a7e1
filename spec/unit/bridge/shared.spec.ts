// lib/bridge/shared.ts: how a client's error is judged (a refused record stops the bridge,
// a lasting refusal stops it, the rest is retried) and reported, with KafkaJS 2.2.4's own
// error classes.
import * as kafkajs from 'kafkajs'
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSAggregateError, KafkaJSServerDoesNotSupportApiKey } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { classify, refused, transactionsRefused } from '../../../lib/bridge/shared.js'
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

describe('refused and transactionsRefused', () => {
  const host = { name: 'b' }
  // What KafkaJS throws when the broker's ApiVersions lacks an API.
  const noApi = (apiName: string) => new KafkaJSServerDoesNotSupportApiKey('The Kafka server does not support the requested API version', { apiKey: 0, apiName })

  it('names an API the cluster does not offer', () => {
    const err = refused(host, noApi('CreateTopics'))
    expect(err).toMatchObject({ code: 'BRIDGE_CLUSTER_ERROR', context: { bridge: 'b', api: 'CreateTopics' } })
    expect(err.message).toMatch(/^BRIDGE_CLUSTER_ERROR: bridge b: the cluster does not offer the CreateTopics API the bridge needs/)
    expect(refused(host, protocol('TOPIC_AUTHORIZATION_FAILED', false)).message).toMatch(/^BRIDGE_CLUSTER_ERROR: bridge b: the cluster refused the bridge: TOPIC_AUTHORIZATION_FAILED$/)
  })

  it('says exactlyOnce needs transactions when the cluster will not start a transactional producer, and leaves a passing failure to the retries', () => {
    expect(transactionsRefused(host, noApi('InitProducerId'))!.message).toMatch(/exactlyOnce needs transactions and the cluster refused a transactional producer \(it has no InitProducerId API\)/)
    expect(transactionsRefused(host, protocol('INVALID_REQUEST', false))).toMatchObject({ code: 'BRIDGE_CLUSTER_ERROR', retriable: false, context: { bridge: 'b', api: 'InitProducerId' } })
    expect(transactionsRefused(host, new KafkaJSConnectionError('Connection error', { broker: '127.0.0.1:1', code: 'ECONNREFUSED' } as never))).toBeUndefined()
  })
})
