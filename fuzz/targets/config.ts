/**
 * Config values from `cairn config KEY VALUE [--json|--bool]`, `config profile apply NAME` and the
 * config file: setConfigValue, getConfigValue, applyProfiles and parseConfig (repo/config.ts).
 * Properties: a value that is set reads back; profiles are looked up as own entries only; nothing
 * reaches Object.prototype.
 */
import * as fc from 'fast-check'
import {
  CONFIG_SCHEMA, PROFILES, applyProfiles, defaultConfig, getConfigValue, parseConfig, setConfigValue, type Config
} from '../../repo/config.ts'
import { InvalidArgumentError } from '../../errors/index.ts'
import { stringsFrom } from '../mutate.ts'
import { callEach, defineTarget, expectThat } from '../target.ts'

const CONFIG = defaultConfig({ PeerID: '12D3KooWFuzz', PrivKey: 'CAESQFuzz' })
const KEYS = [...Object.keys(CONFIG_SCHEMA), 'API.HTTPHeaders.X-Custom', 'Gateway.PublicGateways.example.com', 'Addresses', 'Nope.Key']
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype']
const VALUES = ['true', 'false', '1', '0', '-1', '1e400', 'null', '[]', '{}', '["/ip4/127.0.0.1/tcp/0"]', '"size-262144"', '{"__proto__":{"polluted":1}}', 'NaN', '"10GB"']
const CONFIG_TEXT = JSON.stringify(CONFIG)

export default defineTarget({
  name: 'config',
  description: 'setConfigValue, getConfigValue, applyProfiles, parseConfig (repo/config.ts)',
  arbitrary: fc.record({
    key: fc.oneof(
      stringsFrom(KEYS),
      fc.tuple(fc.constantFrom(...KEYS, ''), fc.constantFrom(...PROTO_NAMES)).map(([k, p]) => k === '' ? p : `${k}.${p}`)
    ),
    raw: stringsFrom(VALUES),
    mode: fc.constantFrom('string', 'json', 'bool'),
    profiles: fc.oneof(stringsFrom(Object.keys(PROFILES)), fc.constantFrom(...PROTO_NAMES)),
    file: stringsFrom(['{}', '[]', '{"Identity":{"PeerID":1}}', CONFIG_TEXT])
  }),
  run: ({ key, raw, mode, profiles, file }) => callEach([
    () => {
      // as the config command turns VALUE into a value
      let value: unknown = raw
      if (mode === 'json') {
        try {
          value = JSON.parse(raw)
        } catch (err) {
          throw new InvalidArgumentError(`not JSON: ${(err as Error).message}`)
        }
      } else if (mode === 'bool') {
        value = raw === 'true'
      }
      return { set: setConfigValue(CONFIG, key, value), key, value }
    },
    () => getConfigValue(CONFIG, key),
    () => ({ profiles: applyProfiles(structuredClone(CONFIG), profiles.split(',')), names: profiles.split(',') }),
    () => parseConfig(file, 'config')
  ]),
  check (output) {
    const [{ set, key, value }, , { names }] = output as [{ set: Config, key: string, value: unknown }, unknown, { names: string[] }]
    expectThat(({} as Record<string, unknown>).polluted === undefined, 'Object.prototype was polluted')
    expectThat(JSON.stringify(getConfigValue(set, key)) === JSON.stringify(value), () => `config ${key} was set to ${JSON.stringify(value)} but reads back as ${JSON.stringify(getConfigValue(set, key))}`)
    for (const name of names) {
      expectThat(Object.hasOwn(PROFILES, name), `applyProfiles accepted "${name}", which is not a profile`)
    }
  }
})

