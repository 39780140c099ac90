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

type ExporterModule = typeof import('../../dag/exporter/index.ts')

let loadingExporter: Promise<ExporterModule> | undefined

/**
 * The exporter alone, for the commands that only read (`cat`, `ls`, `get`): the importer (with
 * its chunkers' WebAssembly) and the CAR codec are a large part of an offline `cat`'s start-up.
 */
export async function exporterModule (): Promise<ExporterModule> {
  loadingExporter ??= import('../../dag/exporter/index.ts')
  return await loadingExporter
}
