/**
 * `--timeout` longer than a Node timer holds (about 24.8 days) used to fire at once, the timer
 * overflowing to 1 ms; it must wait, and an impossible duration is refused with a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestRepo, type TestRepo } from '../helpers/cli.ts'

describe('cairn --timeout', () => {
  let repo: TestRepo
  beforeAll(async () => { repo = await createTestRepo() })
  afterAll(async () => { await repo?.cleanup() })

  it('597h does not fire at once', async () => {
    const result = await repo.run(['--timeout=597h', 'add', '-q'], { input: 'hello world' })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.out.trim()).toBe('Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD')
  })

  it('a duration no clock can count is refused, saying so', async () => {
    const result = await repo.run(['--timeout=99999999999h', 'repo', 'stat'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('too long')
  })
})
