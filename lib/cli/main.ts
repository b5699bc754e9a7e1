// The `kafkette` command: its commands and flags (commander parses them), and the one place
// that turns a failure into one line on stderr and an exit status.
import type { Readable } from 'node:stream'
import { Command, CommanderError, Option } from 'commander'
import { parseInteger, type Context, type Signals } from './args.js'
import { bench } from './bench.js'
import { DEFAULT_BRIDGE_NAME, runBridge, type BridgeCommandOptions } from './bridge.js'
import { consume } from './consume.js'
import { describeError, EXIT, usage } from './errors.js'
import { deleteGroup, describeGroup, listGroups, resetGroup } from './groups.js'
import { inspect } from './inspect.js'
import { logDir } from './open.js'
import { colourOn, styles, type Output } from './output.js'
import { produce } from './produce.js'
import { serve } from './serve.js'
import { alterTopic, createTopic, deleteTopic, describeTopic, listTopics } from './topics.js'
import { packageVersion } from './version.js'

/** What the command runs against: its arguments, streams, environment and signals. */
export interface Io {
  readonly out: Output['out']
  readonly err: Output['err']
  /** stdin, asked for only by the commands that read it (opening it can hold the process open). */
  readonly input: () => Readable
  readonly env: NodeJS.ProcessEnv
  readonly signals: Signals
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]
const integer = (flag: string, min = 0, max?: number) => (text: string) => parseInteger(flag, text, min, max)

/** The command tree; `result.exitCode` is set by a command whose status is not 0-or-throw (bench, inspect --verify). */
function program(io: Io, result: { exitCode: number }): Command {
  const root = new Command('kafkette')
  const context = (cmd: Command): Context => {
    const opts = cmd.optsWithGlobals<{ dir?: string; json?: boolean }>()
    return { dir: logDir(opts.dir, io.env), output: { out: io.out, err: io.err, json: opts.json === true, env: io.env } }
  }
  root
    .description('Inspect, produce to, consume from, serve and bridge a kafkette log directory.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--dir <dir>', 'the log directory (default: $KAFKETTE_DIR, then .kafkette)')
    .option('--json', 'print JSON for scripts instead of text for people')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      // Errors are reported once, on one line, by main() below.
      outputError: () => undefined,
    })
    .addHelpText('after', '\nEvery command takes --help. Exit status: 0 done, 1 the log refused (the line names its error code), 2 the command was typed wrong.')

  root
    .command('inspect')
    .description('the log format version, every topic\'s partitions (log start, high watermark, size) and every group\'s lag')
    .option('--verify', 'also read every batch and check its checksum, offsets and the time index (exit status 3 on damage)')
    .action(async (o: { verify?: boolean }, cmd: Command) => {
      result.exitCode = await inspect(context(cmd), { verify: o.verify === true })
    })

  const topics = root.command('topics').description('list, create, describe, alter and delete topics (alone: list them)')
  topics
    .command('list', { isDefault: true })
    .description('one line per topic: name, partitions, messages, bytes')
    .action((_o, cmd: Command) => listTopics(context(cmd)))
  topics
    .command('create')
    .description('create a topic (and the log, if the directory holds none)')
    .argument('<name>', 'the topic')
    .option('--partitions <n>', 'how many partitions (default 1)', integer('--partitions', 1, 100_000))
    .option('--config <key=value>', 'a topic config, by Kafka\'s name (retention.ms) or kafkette\'s (retentionMs); repeatable', collect)
    .action((name: string, o: { partitions?: number; config?: string[] }, cmd: Command) => createTopic(context(cmd), name, o))
  topics
    .command('describe')
    .description('a topic\'s config and, per partition, log start, high watermark, messages and size')
    .argument('<name>', 'the topic')
    .action((name: string, _o, cmd: Command) => describeTopic(context(cmd), name))
  topics
    .command('alter')
    .description('change some config keys of a topic, keeping the others')
    .argument('<name>', 'the topic')
    .option('--config <key=value>', 'a topic config to set; repeatable', collect)
    .action((name: string, o: { config?: string[] }, cmd: Command) => alterTopic(context(cmd), name, o))
  topics
    .command('delete')
    .description('delete a topic and its records')
    .argument('<name>', 'the topic')
    .action((name: string, _o, cmd: Command) => deleteTopic(context(cmd), name))

  root
    .command('produce')
    .description('send one record per line of stdin; --json prints each record\'s partition and offset')
    .argument('<topic>', 'the topic')
    .option('--key-separator <sep>', 'split each line at the first SEP into key and value (as kcat -K)')
    .option('--header <key=value>', 'a header on every record; repeatable', collect)
    .option('--partition <p>', 'send every record to this partition (default: by key, murmur2)', integer('--partition'))
    .action((topic: string, o: { keySeparator?: string; header?: string[]; partition?: number }, cmd: Command) => produce(context(cmd), topic, o, io.input(), io.signals))

  root
    .command('consume')
    .description('print the records of a topic, as kcat -C does, until Ctrl-C, --max or (with --exit) the end')
    .argument('<topic>', 'the topic')
    .option('--from-beginning', 'start at the log start offset (default: at the high watermark; with --group, where it has no committed offset)')
    .option('--group <group>', 'consume as this consumer group: resume at its committed offsets and commit what is printed')
    .option('--partition <p>', 'only this partition', integer('--partition'))
    .addOption(new Option('--offset <o>', 'start every partition at this offset').argParser(integer('--offset')).conflicts('time'))
    .addOption(new Option('--time <iso8601>', 'start every partition at the first record at or after this time (2026-11-30T08:00:00Z)').conflicts('offset'))
    .option('--exit', 'stop at the end of the partitions (as kcat -e)')
    .option('--max <n>', 'stop after N records', integer('--max', 1))
    .option('--format <format>', 'as kcat -f: %t topic, %p partition, %o offset, %k key, %K key length, %s value, %S value length, %h headers, %T timestamp; \\n \\t (default \'%s\\n\')')
    .action((topic: string, o: Parameters<typeof consume>[2], cmd: Command) => consume(context(cmd), topic, o, io.signals))

  const groups = root.command('groups').description('list, describe, reset and delete consumer groups (alone: list them)')
  groups
    .command('list', { isDefault: true })
    .description('one line per group: state, members, total lag')
    .action((_o, cmd: Command) => listGroups(context(cmd)))
  groups
    .command('describe')
    .description('per partition: committed offset, high watermark, lag')
    .argument('<group>', 'the group id')
    .action((group: string, _o, cmd: Command) => describeGroup(context(cmd), group))
  groups
    .command('reset')
    .description('move a group\'s committed offsets on every partition of a topic')
    .argument('<group>', 'the group id')
    .requiredOption('--topic <topic>', 'the topic')
    .requiredOption('--to <target>', 'earliest, latest, an offset, or an ISO 8601 time')
    .action((group: string, o: { topic: string; to: string }, cmd: Command) => resetGroup(context(cmd), group, o))
  groups
    .command('delete')
    .description('delete a group and its committed offsets')
    .argument('<group>', 'the group id')
    .action((group: string, _o, cmd: Command) => deleteGroup(context(cmd), group))

  root
    .command('serve')
    .description('serve the log over the Kafka wire protocol until SIGINT/SIGTERM, printing the address')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port (0: any free port)', integer('--port', 0, 65_535), 9092)
    .option('--allow-remote', 'allow a --host that is not a loopback address (the listener has no authentication)')
    .action((o: { host: string; port: number; allowRemote?: boolean }, cmd: Command) => serve(context(cmd), o, io.signals))

  root
    .command('bridge')
    .description('forward the log\'s topics to a Kafka cluster (or, with --in, mirror the cluster\'s into the log) through KafkaJS, until SIGINT/SIGTERM')
    .requiredOption('--to <host:port>', 'the cluster\'s bootstrap brokers, separated by commas')
    .requiredOption('--topics <topics>', 'the topics, separated by commas (the same names on both sides)')
    .option('--in', 'mirror the cluster\'s topics into the log (default: forward the log\'s topics to the cluster)')
    .option('--name <name>', `the bridge's name: its consumer group, so that a next run resumes (default ${DEFAULT_BRIDGE_NAME})`)
    .option('--exactly-once', 'out only: forward in cluster transactions, with the progress kept on the cluster')
    .action((o: BridgeCommandOptions, cmd: Command) => runBridge(context(cmd), o, io.signals))

  root
    .command('bench')
    .description('run the benchmark suite (bench/run.mjs of a kafkette checkout)')
    .option('--quick', 'a first look: the produce and consume suites, with smaller counts and fewer runs')
    .option('--only <suites>', 'some suites only: produce,consume,groups,big,kafkajs,peers,retention')
    .action(async (o: { quick?: boolean; only?: string }, cmd: Command) => {
      result.exitCode = await bench({ ...o, json: context(cmd).output.json })
    })
  return root
}

/**
 * Runs the command line `argv` (without node and the script) and resolves with the exit
 * status; a failure is one line on stderr.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const result = { exitCode: EXIT.ok as number }
  try {
    await program(io, result).parseAsync([...argv], { from: 'user' })
    return result.exitCode
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here, as does a command given without its subcommand.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok
      if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') return EXIT.usage
      err = usage(err.message.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)'), `see \`kafkette ${commandPath(argv)}--help\``)
    }
    const { line, exitCode } = describeError(err)
    const red = styles(colourOn(io.err, io.env)).red
    io.err.write(`${red(line.slice(0, line.indexOf(':') + 1))}${line.slice(line.indexOf(':') + 1)}\n`)
    return exitCode
  }
}

/** The command words of `argv` ("topics create "), for the --help hint of a usage error. */
function commandPath(argv: readonly string[]): string {
  const words: string[] = []
  const known = new Set(['inspect', 'topics', 'produce', 'consume', 'groups', 'serve', 'bridge', 'bench', 'list', 'create', 'describe', 'alter', 'delete', 'reset'])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--dir') i++
    if (a.startsWith('-')) continue
    if (!known.has(a) || words.length === 2) break
    words.push(a)
  }
  return words.map((w) => `${w} `).join('')
}
