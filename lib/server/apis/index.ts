// The API table: every key the listener answers, by key. ApiVersions advertises exactly this.
import type { Api } from './api.js'
import { produce } from './00-produce.js'
import { fetch } from './01-fetch.js'
import { listOffsets } from './02-list-offsets.js'
import { metadata } from './03-metadata.js'
import { offsetCommit } from './08-offset-commit.js'
import { offsetFetch } from './09-offset-fetch.js'
import { findCoordinator } from './10-find-coordinator.js'
import { joinGroup } from './11-join-group.js'
import { heartbeat } from './12-heartbeat.js'
import { leaveGroup } from './13-leave-group.js'
import { syncGroup } from './14-sync-group.js'
import { describeGroups } from './15-describe-groups.js'
import { listGroups } from './16-list-groups.js'
import { saslHandshake } from './17-sasl-handshake.js'
import { apiVersions, setApiTable } from './18-api-versions.js'
import { createTopics } from './19-create-topics.js'
import { deleteTopics } from './20-delete-topics.js'
import { deleteRecords } from './21-delete-records.js'
import { initProducerId } from './22-init-producer-id.js'
import { createPartitions } from './37-create-partitions.js'
import { deleteGroups } from './42-delete-groups.js'

/** Every API the listener answers, in key order. */
export const APIS: readonly Api[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  saslHandshake,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  createPartitions,
  deleteGroups,
]

/** The APIs by key. */
export const API_BY_KEY: ReadonlyMap<number, Api> = new Map(APIS.map((a) => [a.key, a]))

setApiTable(APIS)

export { writeVersions } from './18-api-versions.js'
export type { Api, RequestContext } from './api.js'
