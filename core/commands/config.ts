import { InvalidArgumentError } from '../../errors/index.ts'
import {
  applyProfiles, getConfigValue, redactConfig, setConfigValue, SECRET_KEYS
} from '../../repo/index.ts'
import { defineCommand } from '../command.ts'

/** `config KEY [VALUE]` output, Kubo's shape. */
export interface ConfigEntry {
  Key: string
  Value: unknown
}

function renderValue (value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2)
}

export const config = defineCommand<ConfigEntry>({
  path: 'config',
  description: 'Get or set a config value: cairn config KEY [VALUE]',
  args: [
    { name: 'key', required: true, description: 'the dotted key, e.g. Addresses.API' },
    { name: 'value', description: 'the new value' }
  ],
  options: [
    { name: 'json', type: 'boolean', default: false, description: 'parse VALUE as JSON' },
    { name: 'bool', type: 'boolean', default: false, description: 'parse VALUE as a boolean' }
  ],
  output: 'value',
  text: (entry) => renderValue(entry.Value),
  async run ({ node, args, options }) {
    const [key, raw] = args
    if (SECRET_KEYS.has(key) || key === 'Identity') {
      throw new InvalidArgumentError(`${key} is secret and cannot be read or changed with config`)
    }
    if (raw === undefined) {
      const value = getConfigValue(node.repo.config, key)
      if (value === undefined) throw new InvalidArgumentError(`config key ${key} is not set`)
      return { Key: key, Value: value }
    }
    let value: unknown = raw
    if (options.json === true) {
      try {
        value = JSON.parse(raw)
      } catch (err) {
        throw new InvalidArgumentError(`--json value for ${key} is not valid JSON: ${(err as Error).message}`)
      }
    } else if (options.bool === true) {
      if (raw !== 'true' && raw !== 'false') throw new InvalidArgumentError(`--bool value for ${key} must be true or false, not "${raw}"`)
      value = raw === 'true'
    }
    await node.repo.saveConfig(setConfigValue(node.repo.config, key, value))
    return { Key: key, Value: value }
  }
})

export const configShow = defineCommand<Record<string, unknown>>({
  path: 'config show',
  description: 'Show the whole config (without Identity.PrivKey)',
  args: [],
  options: [],
  output: 'value',
  text: (value) => JSON.stringify(value, null, 2),
  async run ({ node }) {
    return redactConfig(node.repo.config)
  }
})

export const configProfileApply = defineCommand<{ OldCfg: Record<string, unknown>, NewCfg: Record<string, unknown> }>({
  path: 'config profile apply',
  description: 'Apply a profile (test, unixfs-v0-2015 alias legacy-cid-v0, unixfs-v1-2025) to the config',
  args: [{ name: 'profile', required: true, description: 'the profile name' }],
  options: [
    { name: 'dry-run', type: 'boolean', default: false, description: 'print the result without saving it' }
  ],
  output: 'value',
  text: (value) => `applied profile; Import is now ${JSON.stringify(value.NewCfg.Import)}`,
  async run ({ node, args, options }) {
    const before = node.repo.config
    const after = applyProfiles(structuredClone(before), args[0].split(','))
    if (options['dry-run'] !== true) await node.repo.saveConfig(after)
    return { OldCfg: redactConfig(before), NewCfg: redactConfig(after) }
  }
})
