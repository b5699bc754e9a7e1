// Keeps the process alive while kafkette has work a user is waiting on (a consumer
// running or waiting for records, a send in flight), and never otherwise: the log's own
// timers are unref'd, so a log with nothing running never holds a process open.

let holds = 0
let handle: NodeJS.Timeout | undefined

/**
 * Holds the process open until the returned function is called (once; later calls do
 * nothing). Holds are counted: one timer that never fires is ref'd while any is held and
 * unref'd when the last is released, so taking and releasing a hold costs no allocation.
 */
export function holdProcess(): () => void {
  if (holds++ === 0) {
    handle ??= setInterval(() => undefined, 0x7fffffff)
    handle.ref()
  }
  let released = false
  return () => {
    if (released) return
    released = true
    if (--holds === 0) handle?.unref()
  }
}

/** How many holds are taken now (tests look at it). */
export function processHolds(): number {
  return holds
}
