/**
 * The dag layer (importer, exporter, codecs, CAR), loaded when a command first runs rather than
 * with the command table: the CLI that only sends a command to a daemon never needs it, and it is
 * most of the table's load time (~20 ms of every such `cairn` call).
 */
type DagModule = typeof import('../../dag/index.ts')

let loading: Promise<DagModule> | undefined

export async function dagModule (): Promise<DagModule> {
  loading ??= import('../../dag/index.ts')
  return await loading
}
