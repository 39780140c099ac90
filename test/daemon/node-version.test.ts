/**
 * The `cairn` launcher on a Node too old to run it: it re-runs itself with the project's Node 24,
 * or says what to install.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CAIRN_BIN, runCairn } from '../helpers/cli.ts'

describe('bin/cairn.js on an older Node', () => {
  it('re-runs itself with the project\'s Node 24', async () => {
    const result = await runCairn(['version', '--enc=json'], { env: { CAIRN_FORCE_REEXEC: '1' } })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.out).Golang).toMatch(/^node-v24\./)
  })

  it('says what to install when the project\'s Node is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-bin-'))
    try {
      await mkdir(join(dir, 'bin'))
      await copyFile(CAIRN_BIN, join(dir, 'bin', 'cairn.js'))
      const { spawnSync } = await import('node:child_process')
      const result = spawnSync(process.execPath, [join(dir, 'bin', 'cairn.js'), 'version'], {
        env: { ...process.env, CAIRN_FORCE_REEXEC: '1' },
        encoding: 'utf8'
      })
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(/^Error: cairn needs Node\.js 22\.18 or newer .*Run "npm install"/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
