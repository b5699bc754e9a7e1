// What the outer rooms (kafkajs/, bridge/, server/) share beyond the public API: kept
// deliberately small, and never exported from the package.
export { toBuffer } from './util/bytes.js'
