// The entry of the worker thread a log's compactions run in. Unless told otherwise it
// first lowers its own priority (util/priority.ts), so its work takes cores the
// producers' threads leave idle and gives them back as they wake; only then does it load
// the code that answers the log's requests (compaction-requests.ts), so loading that runs
// at the lowered priority too. Requests posted meanwhile wait in the port.
import { workerData } from 'node:worker_threads'
import { lowerThisThread, type ThreadPriority } from '../util/priority.js'

/** What the log passes the worker as it starts it. */
export interface CompactionWorkerData {
  priority: ThreadPriority
}

if ((workerData as CompactionWorkerData | undefined)?.priority === 'idle') lowerThisThread()
void import('./compaction-requests.js')
