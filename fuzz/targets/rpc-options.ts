/**
 * Command options and arguments as the RPC API receives them (query strings: every value a
 * string, repeated ones as arrays) and the CLI passes them: parseOptions and checkArgs
 * (core/command.ts) for every command in the table. Property: a parsed number or duration is
 * finite, and a value with `choices` is one of them.
 */
import * as fc from 'fast-check'
import { checkArgs, parseOptions } from '../../core/command.ts'
import { COMMANDS } from '../../core/commands/index.ts'
import { stringsFrom } from '../mutate.ts'
import { callEach, defineTarget, expectThat } from '../target.ts'

const VALUES = ['true', 'false', '', '0', '1', '-1', '1e400', 'NaN', '30s', '1m', 'cidv1', 'dag-json', 'base32', 'size-262144', 'rabin-16-32-64', ' 7 ']
const rawValue = fc.oneof(
  stringsFrom(VALUES),
  fc.array(stringsFrom(VALUES), { maxLength: 3 }),
  fc.boolean() // the CLI parser gives flags as booleans
)

export default defineTarget({
  name: 'rpc-options',
  description: 'parseOptions and checkArgs (core/command.ts) for every command',
  arbitrary: fc.record({
    command: fc.integer({ min: 0, max: COMMANDS.length - 1 }),
    values: fc.array(rawValue, { minLength: 16, maxLength: 16 }),
    present: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
    args: fc.array(stringsFrom(VALUES), { maxLength: 4 })
  }),
  run ({ command: index, values, present, args }) {
    const command = COMMANDS[index]
    const raw: Record<string, unknown> = {}
    command.options.forEach((spec, i) => {
      if (present[i % 16]) raw[spec.name] = values[i % 16]
    })
    const [options] = callEach([() => parseOptions(command, raw), () => checkArgs(command, args)])
    return { command: index, options }
  },
  check (output) {
    const { command: index, options } = output as { command: number, options: Record<string, unknown> }
    for (const spec of COMMANDS[index].options) {
      const value = options[spec.name]
      if (value === undefined) continue
      if (spec.type === 'number' || spec.type === 'duration') {
        expectThat(typeof value === 'number' && Number.isFinite(value), () => `--${spec.name} parsed as ${String(value)}`)
      }
      if (spec.choices != null) expectThat(spec.choices.includes(String(value)), `--${spec.name} is not one of its choices`)
    }
  }
})
