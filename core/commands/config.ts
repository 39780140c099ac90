import { InvalidArgumentError, InvalidConfigError, messageOf } from '../../errors/index.ts'
import {
  applyProfiles, getConfigValue, parseConfig, redactConfig, setConfigValue, SECRET_KEYS, type Config
} from '../../repo/index.ts'
import { defineCommand } from '../command.ts'
import { readAll } from './block.ts'
import { configDiff } from './config-diff.ts'

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
  // as Kubo: setting prints nothing (the JSON answer carries the key and the value set)
  text: (entry, _options, args) => (args?.length ?? 1) > 1 ? undefined : renderValue(entry.Value),
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
    let next: Config
    try {
      next = setConfigValue(node.repo.config, key, value)
    } catch (err) {
      // Kubo's hint: a value given as text where the key takes a number, a list or an object
      if ((err as Error).name === InvalidConfigError.name && options.json !== true && options.bool !== true) {
        throw new InvalidConfigError(`failed to set config value: ${messageOf(err)} (maybe use --json?)`, { cause: err })
      }
      throw err
    }
    await node.repo.saveConfig(next)
    return { Key: key, Value: getConfigValue(next, key) }
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
    { name: 'dry-run', type: 'boolean', default: false, description: 'print the change without saving it' }
  ],
  output: 'value',
  // the JSON answer is Kubo's {OldCfg, NewCfg}; the text is the change, one key a line
  text: (value) => configDiff(value.OldCfg, value.NewCfg),
  async run ({ node, args, options }) {
    const before = node.repo.config
    const after = applyProfiles(structuredClone(before), args[0].split(','))
    if (options['dry-run'] !== true) await node.repo.saveConfig(after)
    return { OldCfg: redactConfig(before), NewCfg: redactConfig(after) }
  }
})

/**
 * `config replace <file>`: the whole config from a file, checked as a config file is checked on
 * load before anything is written. As Kubo: the file may not set `Identity.PrivKey` (the key on
 * disk is kept, and `Identity.PeerID` is taken from the current config, whatever the file says).
 */
export const configReplace = defineCommand<undefined>({
  path: 'config replace',
  description: 'Replace the config with a file (Identity is kept)',
  args: [{ name: 'file', required: true, description: 'the new config (JSON), or - for stdin' }],
  input: 'files',
  options: [],
  output: 'value',
  async run ({ node, input }) {
    let text: string | undefined
    for await (const file of input.files ?? []) {
      if (text != null) throw new InvalidArgumentError('config replace takes one file')
      text = Buffer.from(await readAll(file.content, MAX_CONFIG_BYTES, 'the config file')).toString('utf8')
    }
    if (text == null) throw new InvalidArgumentError('config replace needs a file')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new InvalidConfigError(`the new config is not valid JSON: ${messageOf(err)}; the config was not changed`)
    }
    if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InvalidConfigError('the new config is not a JSON object; the config was not changed')
    }
    const next = parsed as Record<string, unknown>
    const identity = next.Identity as Record<string, unknown> | undefined
    if (identity != null && typeof identity === 'object' && identity.PrivKey != null && identity.PrivKey !== '') {
      throw new InvalidArgumentError('setting the private key (Identity.PrivKey) with config replace is not supported; the config was not changed')
    }
    next.Identity = { ...(identity ?? {}), PeerID: node.repo.config.Identity.PeerID, PrivKey: node.repo.config.Identity.PrivKey }
    let checked: Config
    try {
      checked = parseConfig(JSON.stringify(next), 'given to config replace')
    } catch (err) {
      const reason = messageOf(err).replace(/^config file given to config replace:? ?/, '').replace(/; fix it with .*$/, '')
      throw new InvalidConfigError(`the new config is not valid: ${reason}; the config was not changed`, { cause: err })
    }
    await node.repo.saveConfig(checked)
    return undefined
  }
})

/** The largest config file `config replace` reads. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024
