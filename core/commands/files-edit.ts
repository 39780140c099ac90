/**
 * The `files` commands that change the mutable file system: `mkdir`, `write`, `cp`, `mv`, `rm`,
 * `chcid`, `chmod`, `touch`. Each answers nothing (an empty body over RPC), as Kubo's do.
 */
import { posix } from 'node:path'
import { InvalidArgumentError } from '../../errors/index.ts'
import { readImport } from '../../repo/index.ts'
import { defineCommand } from '../command.ts'
import { CID_VERSION_OPTION, cidFormatOf, contentPath, editOptions, FLUSH_OPTION, HASH_OPTION, isContentPath, mfsOf } from './files-mfs.ts'

export const filesMkdir = defineCommand<undefined>({
  path: 'files mkdir',
  description: 'Make a directory in the mutable file system (MFS)',
  args: [{ name: 'path', required: true, description: 'path of the directory to make' }],
  options: [
    { name: 'parents', short: 'p', type: 'boolean', default: false, description: 'no error if it exists; make parent directories as needed' },
    CID_VERSION_OPTION, HASH_OPTION, FLUSH_OPTION
  ],
  output: 'value',
  async run ({ node, args, options, signal }) {
    const mfs = await mfsOf(node)
    await mfs.mkdir(args[0], { ...await editOptions(node, options, signal), parents: options.parents === true })
    return undefined
  }
})

export const filesWrite = defineCommand<undefined>({
  path: 'files write',
  description: 'Write to a file of the mutable file system (MFS): cairn files write [--create] <path> [file]',
  args: [
    { name: 'path', required: true, description: 'path of the file to write' },
    { name: 'data', description: 'file to read the bytes from (stdin when absent)' }
  ],
  input: 'files',
  fileArgsFrom: 1,
  options: [
    { name: 'offset', short: 'o', type: 'number', description: 'byte offset to begin writing at' },
    { name: 'create', short: 'e', type: 'boolean', default: false, description: 'create the file if it does not exist' },
    { name: 'parents', short: 'p', type: 'boolean', default: false, description: 'make parent directories as needed' },
    { name: 'truncate', short: 't', type: 'boolean', default: false, description: 'truncate the file to size zero before writing' },
    { name: 'count', short: 'n', type: 'number', description: 'maximum number of bytes to read' },
    { name: 'raw-leaves', type: 'boolean', description: 'use raw blocks for leaf nodes (default: on with --cid-version=1)' },
    CID_VERSION_OPTION, HASH_OPTION, FLUSH_OPTION
  ],
  output: 'value',
  async run ({ node, args, input, options, signal }) {
    const mfs = await mfsOf(node)
    const { importOptions } = await import('./add.ts')
    const importer = importOptions(readImport(node.repo.config), options)
    const edit = await editOptions(node, options, signal)
    // the upload's first part is opened before anything can fail: a daemon that refuses the
    // write then drains the body, so the client reads the refusal instead of a broken pipe
    if (input.files == null) throw new InvalidArgumentError('argument "data" is required')
    const files = input.files[Symbol.asyncIterator]()
    const first = await files.next()
    if (first.done === true) throw new InvalidArgumentError('argument "data" is required')
    await mfs.write(args[0], first.value.content, {
      ...edit,
      importer,
      create: options.create === true,
      parents: options.parents === true,
      truncate: options.truncate === true,
      offset: options.offset as number | undefined,
      count: options.count as number | undefined
    })
    if ((await files.next()).done !== true) throw new InvalidArgumentError('files write takes one file')
    return undefined
  }
})

export const filesCp = defineCommand<undefined>({
  path: 'files cp',
  description: 'Copy an /ipfs/ path or an MFS path into the mutable file system (MFS)',
  args: [
    { name: 'source', required: true, description: 'an /ipfs/ path or an MFS path to copy' },
    { name: 'dest', required: true, description: 'destination in MFS' }
  ],
  options: [
    { name: 'force', type: 'boolean', default: false, description: 'overwrite an existing file' },
    { name: 'parents', short: 'p', type: 'boolean', default: false, description: 'make parent directories as needed' },
    FLUSH_OPTION
  ],
  output: 'value',
  async run ({ node, args, options, signal }) {
    const mfs = await mfsOf(node)
    const source = args[0].replace(/(.)\/+$/, '$1')
    let cid
    if (isContentPath(source)) {
      try {
        cid = (await node.resolvePath(contentPath(source), { signal })).cid
      } catch (err) {
        // Kubo's wording, the error's name (and so its status) kept
        if (err instanceof Error) err.message = `cp: cannot get node from path ${source}: ${err.message}`
        throw err
      }
    } else {
      cid = await mfs.lookup(source, { signal })
    }
    if (cid.code !== 0x70 && cid.code !== 0x55) throw new InvalidArgumentError('cp: source must be a valid UnixFS (dag-pb or raw codec)')
    const name = posix.basename(source)
    await mfs.cp(cid, name, args[1], { ...await editOptions(node, options, signal), parents: options.parents === true, force: options.force === true })
    return undefined
  }
})

export const filesMv = defineCommand<undefined>({
  path: 'files mv',
  description: 'Move a file or directory within the mutable file system (MFS)',
  args: [
    { name: 'source', required: true, description: 'path to move' },
    { name: 'dest', required: true, description: 'where to move it' }
  ],
  options: [FLUSH_OPTION],
  output: 'value',
  async run ({ node, args, options, signal }) {
    const mfs = await mfsOf(node)
    await mfs.mv(args[0], args[1], await editOptions(node, options, signal))
    return undefined
  }
})

export const filesRm = defineCommand<undefined>({
  path: 'files rm',
  description: 'Remove files or directories from the mutable file system (MFS)',
  args: [{ name: 'path', required: true, variadic: true, description: 'paths to remove' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: false, description: 'remove directories recursively' },
    { name: 'force', type: 'boolean', default: false, description: 'remove the target whatever it is, and no error if it is absent; implies -r for directories' },
    { name: 'flush', short: 'f', type: 'boolean', description: 'files rm always flushes' }
  ],
  output: 'value',
  async run ({ node, args, options, signal }) {
    if (options.flush === false) {
      throw new InvalidArgumentError('files rm always flushes for safety. The --flush flag cannot be set to false for this command')
    }
    const mfs = await mfsOf(node)
    const edit = await editOptions(node, options, signal)
    const failures: Error[] = []
    for (const path of args) {
      try {
        await mfs.rm(path, { ...edit, recursive: options.recursive === true, force: options.force === true })
      } catch (err) {
        failures.push(err as Error)
      }
    }
    if (failures.length === 1) throw failures[0]
    if (failures.length > 1) {
      throw new InvalidArgumentError(`can't remove some files: ${failures.map(e => e.message).join('; ')}`)
    }
    return undefined
  }
})

export const filesChcid = defineCommand<undefined>({
  path: 'files chcid',
  description: 'Change the CID version or hash function of a directory of the mutable file system',
  args: [{ name: 'path', required: true, description: "path of the directory (not '/')" }],
  options: [CID_VERSION_OPTION, HASH_OPTION, FLUSH_OPTION],
  output: 'value',
  async run ({ node, args, options, signal }) {
    const mfs = await mfsOf(node)
    // no fallback to the Import config: without flags, chcid changes nothing (as Kubo)
    const format = await cidFormatOf(options)
    await mfs.chcid(args[0], format, await editOptions(node, {}, signal))
    return undefined
  }
})

export const filesChmod = defineCommand<undefined>({
  path: 'files chmod',
  description: 'Change the POSIX mode of a file or directory of the mutable file system (numeric notation)',
  args: [
    { name: 'mode', required: true, description: 'the mode, in octal (0644)' },
    { name: 'path', required: true, description: 'path to change' }
  ],
  options: [FLUSH_OPTION],
  output: 'value',
  async run ({ node, args, options, signal }) {
    if (!/^[0-7]{1,11}$/.test(args[0]) || parseInt(args[0], 8) > 0xffffffff) {
      throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(args[0])}: invalid syntax (the mode must be octal, e.g. 0644)`)
    }
    const mfs = await mfsOf(node)
    await mfs.chmod(args[1], parseInt(args[0], 8), await editOptions(node, options, signal))
    return undefined
  }
})

export const filesTouch = defineCommand<undefined>({
  path: 'files touch',
  description: 'Set the modification time of a file or directory of the mutable file system (default: now)',
  args: [{ name: 'path', required: true, description: 'path to change' }],
  options: [
    { name: 'mtime', type: 'number', description: 'modification time in seconds before or since the Unix epoch' },
    { name: 'mtime-nsecs', type: 'number', description: 'modification time fraction in nanoseconds' },
    FLUSH_OPTION
  ],
  output: 'value',
  async run ({ node, args, options, signal }) {
    const secs = options.mtime as number | undefined
    const nsecs = options['mtime-nsecs'] as number | undefined
    if (secs != null && !Number.isSafeInteger(secs)) throw new InvalidArgumentError(`--mtime must be a whole number of seconds, not ${secs}`)
    if (nsecs != null && (!Number.isInteger(nsecs) || nsecs < 0 || nsecs > 999_999_999)) {
      throw new InvalidArgumentError(`--mtime-nsecs must be a whole number from 0 to 999999999, not ${nsecs}`)
    }
    let mtime: { secs: bigint, nsecs?: number }
    if (secs != null && secs !== 0) {
      mtime = { secs: BigInt(secs), nsecs }
    } else {
      const now = Date.now()
      mtime = { secs: BigInt(Math.floor(now / 1000)), nsecs: (now % 1000) * 1_000_000 }
    }
    const mfs = await mfsOf(node)
    await mfs.touch(args[0], mtime, await editOptions(node, options, signal))
    return undefined
  }
})
