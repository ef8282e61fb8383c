// The files of an in-memory embedded database, kept out of the C allocator's heap.
//
// PGlite keeps each file of an in-memory database in one Uint8Array (emscripten's MEMFS), grown by
// allocating a bigger array, copying and dropping the old one (x2 up to 1 MB, then x1.125), and a
// file's first write is copied into an array of its own. Node allocates array buffers with malloc,
// and glibc raises its mmap threshold each time a large mapped block is freed (up to 32 MB): soon every
// regrown file lands in the heap, whose freed holes glibc keeps. RSS then follows the sum of the files'
// past sizes, not their size: +430 MB after a full recompute of a 135 MB database (500,000 bars), when
// the same run with that threshold fixed (MALLOC_TRIM_THRESHOLD_ set, which a library cannot do) grew
// +109 MB.
//
// Here a file past LARGE bytes lives in a resizable ArrayBuffer instead: V8 reserves its address space
// with the page allocator (mmap, not malloc), commits pages as it grows in place, and unmaps it all when
// the buffer is collected. Nothing of it goes through malloc, so nothing of it is kept once freed.

/** Files up to this size stay ordinary arrays (small blocks are not mapped, so they move no threshold). */
const LARGE = 64 * 1024
/** A new reservation is at least this, and twice what the file needs (virtual memory only). */
const MIN_RESERVE = 8 * 1024 * 1024
/** A truncation that frees more than this part of a file's committed pages moves it to a new buffer. */
const SHRINK_MOVE = 0.5

/** A MEMFS file node, as far as these functions touch it. */
export interface MemfsNode {
  contents: Uint8Array | null
  usedBytes: number
}

/** The part of emscripten's MEMFS patched here (PGlite's module exports it as `Module.MEMFS`). */
export interface Memfs {
  expandFileStorage(node: MemfsNode, capacity: number): void
  resizeFileStorage(node: MemfsNode, size: number): void
  ops_table?: { file?: { stream?: { write?: WriteOp } } } | null
}

type WriteOp = (stream: { node: MemfsNode }, buffer: Uint8Array, offset: number, length: number, position: number, canOwn?: boolean) => number

interface Resizable extends ArrayBuffer {
  readonly maxByteLength: number
  readonly resizable: boolean
  resize(length: number): void
}

const resizable = (contents: Uint8Array | null): Resizable | undefined =>
  contents !== null && (contents.buffer as Resizable).resizable === true ? contents.buffer as Resizable : undefined

/** A length-tracking view of a new resizable buffer of `length` bytes holding `used` bytes of `from`. */
function reserve(length: number, from: Uint8Array | null, used: number): Uint8Array {
  const max = Math.max(MIN_RESERVE, 2 ** Math.ceil(Math.log2(length * 2)))
  const ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer
  const view = new Uint8Array(new ctor(length, { maxByteLength: max }))
  if (from !== null && used > 0) view.set(from.subarray(0, Math.min(used, length)))
  return view
}

/** Room for `capacity` bytes, growing in place where the reservation allows. */
function expand(original: Memfs['expandFileStorage']): Memfs['expandFileStorage'] {
  return (node, capacity) => {
    const have = node.contents?.length ?? 0
    if (have >= capacity) return
    const buffer = resizable(node.contents)
    if (buffer !== undefined && capacity <= buffer.maxByteLength) {
      // Committed in steps of 1/8 as MEMFS grows, so a file written page by page resizes seldom.
      buffer.resize(Math.min(buffer.maxByteLength, Math.max(capacity, Math.ceil(have * 1.125))))
      return
    }
    if (buffer === undefined && capacity <= LARGE) return original(node, capacity)
    node.contents = reserve(Math.max(capacity, Math.ceil(have * 1.125)), node.contents, node.usedBytes)
  }
}

/** Truncation (and extension by ftruncate): in place, or to a smaller buffer when most would be freed. */
function resize(original: Memfs['resizeFileStorage']): Memfs['resizeFileStorage'] {
  return (node, size) => {
    const buffer = resizable(node.contents)
    if (buffer === undefined) {
      if (size <= LARGE) return original(node, size)
      node.contents = reserve(size, node.contents, node.usedBytes)
      node.usedBytes = size
      return
    }
    if (size === node.usedBytes) return
    if (size === 0) {
      node.contents = null
    } else if (size < buffer.byteLength * SHRINK_MOVE) {
      // V8 keeps a shrunk buffer's pages committed: a copy lets the old reservation be unmapped.
      node.contents = size <= LARGE ? node.contents!.slice(0, size) : reserve(size, node.contents, size)
    } else {
      if (size > buffer.byteLength) {
        if (size > buffer.maxByteLength) node.contents = reserve(size, node.contents, node.usedBytes)
        else buffer.resize(size)
      }
      // Bytes past the new end read as zeros if the file grows back over them.
      if (size < node.usedBytes) node.contents!.fill(0, size, node.usedBytes)
    }
    node.usedBytes = size
  }
}

/** A file's first write at 0 (MEMFS copies it into an array of its own): large ones into a reservation. */
function write(original: WriteOp, memfs: Memfs): WriteOp {
  return (stream, buffer, offset, length, position, canOwn) => {
    const node = stream.node
    if (node.usedBytes !== 0 || position !== 0 || length <= LARGE || canOwn === true) {
      return original(stream, buffer, offset, length, position, canOwn)
    }
    memfs.expandFileStorage(node, length)
    node.contents!.set(buffer.subarray(offset, offset + length), 0)
    node.usedBytes = length
    const times = node as MemfsNode & { mtime?: number; ctime?: number }
    times.mtime = times.ctime = Date.now()
    return length
  }
}

/**
 * Keeps the large files of `memfs` in resizable buffers (see above); `false` where it cannot (no
 * resizable ArrayBuffer in this runtime, or a MEMFS without these functions). Applied once per module.
 */
export function keepFilesOffHeap(memfs: Memfs | undefined): boolean {
  const stream = memfs?.ops_table?.file?.stream
  if (memfs === undefined || stream?.write === undefined || typeof memfs.expandFileStorage !== 'function'
    || typeof memfs.resizeFileStorage !== 'function' || !('resize' in ArrayBuffer.prototype)) return false
  if ((memfs as { qdbOffHeap?: boolean }).qdbOffHeap === true) return true
  memfs.expandFileStorage = expand(memfs.expandFileStorage.bind(memfs))
  memfs.resizeFileStorage = resize(memfs.resizeFileStorage.bind(memfs))
  stream.write = write(stream.write, memfs)
  ;(memfs as { qdbOffHeap?: boolean }).qdbOffHeap = true
  return true
}
