/**
 * How `Skills.fromDirectory` opens a file it listed: for reading, never waiting, and read through
 * the one descriptor it opened.
 *
 * A file swapped for a FIFO between the listing and the open made a plain open (`O_RDONLY`) wait
 * for a writer, for ever, holding one of the few threads of libuv's pool (an open cannot be
 * interrupted: every file operation of the process waits once they are all held). Opened with
 * `O_NONBLOCK` it returns at once, whatever is there; the descriptor's `fstat` then says what was
 * opened, and the loader refuses anything but a regular file. The bytes are read through that same
 * descriptor, never by opening the path again: nothing swapped in after the check is read.
 * (`O_NONBLOCK` changes nothing for a regular file's reads; `O_NOCTTY`: a terminal swapped in does
 * not become the process's controlling terminal.) It does change one thing of the open, on Linux:
 * a file another process holds a lease on (`fcntl` `F_SETLEASE`: Samba's kernel oplocks, the NFS
 * server's delegations) fails at once, `EAGAIN`, where a plain open waited while the lease was
 * broken (45 s at most, `/proc/sys/fs/lease-break-time`). The break is started all the same: the
 * file is opened again every {@link leaseRetryMillis} while `EAGAIN` lasts, for as long as a
 * break may take, then `Busy`. On Windows `O_NONBLOCK` and `O_NOCTTY` are not defined (no FIFO
 * there can take a file's place): the open is a plain `O_RDONLY`.
 *
 * Node's `node:fs` is used directly: Effect's `FileSystem.open` takes its flags as strings (`"r"`,
 * `"w+"`…) and has none for `O_NONBLOCK` or `O_NOCTTY`.
 *
 * {@link Open} is a `Context.Reference` so a test can put itself between the loader and the
 * file system (a file saved, a link re-pointed, a read counted right after an open).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as PlatformError from "effect/PlatformError"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type BigIntStats, constants } from "node:fs"
import { type FileHandle, open as nodeOpen, stat as nodeStat } from "node:fs/promises"

/** What was opened: its type, device and inode (as `fstat` says), and its bytes. */
export interface Opened {
  readonly type: FileSystem.File.Type
  readonly dev: bigint
  readonly ino: bigint
  /** Reads into `buffer` from where the last read ended; 0 at the end of the file. */
  readonly read: (buffer: Uint8Array) => Effect.Effect<number, PlatformError.PlatformError>
}

/** Opens `path` for reading, without waiting; closed when the scope closes. */
export type Open = (path: string) => Effect.Effect<Opened, PlatformError.PlatformError, Scope.Scope>

const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)

/** How often a file whose lease is being broken (`EAGAIN`) is opened again. */
const leaseRetryMillis = 25

/** How many times: 46 s in all, past the 45 s a lease holder is given by default. */
const leaseRetries = 1_840

/**
 * A Node error as Effect's file system says it (the same reasons as `NodeFileSystem`: the loader
 * names `NotFound` and `PermissionDenied` as the skill's). `ENXIO` is what opening a socket gives:
 * no regular file either, `BadResource`.
 */
const failure = (method: string, path: string) => (cause: unknown): PlatformError.PlatformError => {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code
  return PlatformError.systemError({
    _tag: code === "ENOENT"
      ? "NotFound"
      : code === "EACCES" || code === "EPERM"
      ? "PermissionDenied"
      : code === "EISDIR" || code === "ENOTDIR" || code === "ELOOP" || code === "ENXIO"
      ? "BadResource"
      : code === "EBUSY" || code === "EAGAIN" || code === "EWOULDBLOCK"
      ? "Busy"
      : "Unknown",
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    syscall: (cause as NodeJS.ErrnoException | undefined)?.syscall,
    description: cause instanceof Error ? cause.message : undefined,
    cause
  })
}

const typeOf = (stats: BigIntStats): FileSystem.File.Type =>
  stats.isFile()
    ? "File"
    : stats.isDirectory()
    ? "Directory"
    : stats.isSymbolicLink()
    ? "SymbolicLink"
    : stats.isBlockDevice()
    ? "BlockDevice"
    : stats.isCharacterDevice()
    ? "CharacterDevice"
    : stats.isFIFO()
    ? "FIFO"
    : stats.isSocket()
    ? "Socket"
    : "Unknown"

/** Node's open, `O_NONBLOCK` (the default of {@link Open}). */
export const openNode: Open = (path) =>
  Effect.gen(function*() {
    // Tried again outside the acquisition, which is not interruptible: the waits are.
    const handle: FileHandle = yield* Effect.retry(
      Effect.acquireRelease(
        Effect.tryPromise({ try: () => nodeOpen(path, flags), catch: failure("open", path) }),
        (handle) => Effect.promise(() => handle.close().catch(() => undefined))
      ),
      { while: (error) => error.reason._tag === "Busy", schedule: Schedule.spaced(leaseRetryMillis), times: leaseRetries }
    )
    const stats = yield* Effect.tryPromise({ try: () => handle.stat({ bigint: true }), catch: failure("stat", path) })
    return {
      type: typeOf(stats),
      dev: BigInt.asUintN(64, stats.dev),
      ino: BigInt.asUintN(64, stats.ino),
      read: (buffer) =>
        Effect.tryPromise({
          try: () => handle.read(buffer, 0, buffer.byteLength, null).then((result) => result.bytesRead),
          catch: failure("read", path)
        })
    }
  })

/**
 * The open `Skills.fromDirectory` uses: Node's, unless a test put another in its place.
 */
export const Open = Context.Reference<Open>("effect-mcp-server/extensions/RegularFile/Open", {
  defaultValue: () => openNode
})

/**
 * The open of the `FileSystem` given, for one that is not the disk Node sees (an in-memory one, or
 * one rooted elsewhere): Node's open there read another file, or none (the skill said removed
 * while it was read). No `O_NONBLOCK` (its flags are strings): such a file system has no FIFO to
 * wait on, or one of its own making.
 */
export const openWith = (fs: FileSystem.FileSystem): Open => (path) =>
  Effect.map(Effect.flatMap(fs.open(path), (file) => Effect.map(file.stat, (info) => [file, info] as const)), ([file, info]) => ({
    type: info.type,
    dev: info.dev,
    ino: Option.getOrElse(info.ino, () => BigInt(0)),
    read: (buffer: Uint8Array) => file.read(buffer)
  }))

/**
 * The open for a load of the directory whose real path (as `fs` says) is `root`, of `info` as `fs`
 * measures it: {@link Open}'s, unless that is Node's and Node finds another directory there, or
 * none (`fs` is not the disk Node sees): then the open of `fs` ({@link openWith}). One `stat` a
 * load.
 */
export const forDirectory = (
  fs: FileSystem.FileSystem,
  root: string,
  info: FileSystem.File.Info
): Effect.Effect<Open> =>
  Effect.gen(function*() {
    const open = yield* Open
    if (open !== openNode) return open
    const stats = yield* Effect.option(Effect.tryPromise(() => nodeStat(root, { bigint: true })))
    const same = stats._tag === "Some" && BigInt.asUintN(64, stats.value.dev) === info.dev &&
      (info.ino._tag === "None" || BigInt.asUintN(64, stats.value.ino) === info.ino.value)
    return same ? openNode : openWith(fs)
  })
