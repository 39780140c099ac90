import { describe, expect, it } from 'vitest'
import { importOptions } from '../../core/commands/add.ts'
import { readImport } from '../../repo/index.ts'

describe('add reads the Import section through its reader', () => {
  it('passes every Import key the schema accepts to the importer, flags first', () => {
    const imports = readImport({
      Import: {
        CidVersion: 1,
        UnixFSRawLeaves: false,
        UnixFSChunker: 'size-1024',
        HashFunction: 'sha2-512',
        UnixFSFileMaxLinks: 20,
        UnixFSDirectoryMaxLinks: 10,
        UnixFSHAMTDirectoryMaxFanout: 16,
        UnixFSHAMTDirectorySizeThreshold: '1KiB',
        UnixFSHAMTDirectorySizeEstimation: 'block',
        UnixFSDAGLayout: 'trickle',
        BatchMaxNodes: 7,
        BatchMaxSize: 4096
      }
    })
    expect(importOptions(imports, {})).toEqual({
      cidVersion: 1,
      hash: 'sha2-512',
      rawLeaves: false,
      chunker: 'size-1024',
      layout: 'trickle',
      maxLinks: 20,
      maxDirectoryLinks: 10,
      hamtFanout: 16,
      hamtThreshold: 1024,
      hamtSizeEstimation: 'block',
      batchMaxBlocks: 7,
      batchMaxBytes: 4096
    })
    expect(importOptions(imports, { chunker: 'size-2048', 'max-file-links': 3 })).toMatchObject({ chunker: 'size-2048', maxLinks: 3 })
  })
})
