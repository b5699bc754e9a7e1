// What the outer rooms (kafkajs/, bridge/, server/) share beyond the public API: kept
// deliberately small, and never exported from the package.
export { toBuffer } from './util/bytes.js'
export { crc32c } from './util/crc32c.js'
export { checkOptions } from './util/validate.js'
