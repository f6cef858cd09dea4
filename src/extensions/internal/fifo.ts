/**
 * A FIFO put where a skill's file was listed (swapped in between the listing and the open):
 * opening it for reading waits for a writer, for ever, holding one of the few threads of libuv's
 * pool (every file operation of the process waits once they are all held). `FileSystem.open`
 * takes no `O_NONBLOCK`; instead, while the open waits, {@link releaseReader} gives the FIFO a
 * writer that leaves at once, which ends the wait (the reader counts as one as it waits, so the
 * non-blocking open for writing succeeds), and what was opened is then refused by its type.
 *
 * @internal
 */
import { closeSync, constants, openSync, statSync } from "node:fs"

/**
 * Opens the FIFO at `path` for writing without blocking and closes it: a reader waiting in its
 * open is let through. Nothing when `path` is no FIFO, or when no reader waits yet (`ENXIO`).
 */
export const releaseReader = (path: string): void => {
  try {
    if (!statSync(path).isFIFO()) return
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK))
  } catch {
    // No reader waits yet (ENXIO), or the path changed again: tried at the next turn.
  }
}
