/**
 * `effect-mcp dev`'s TCP relay: each connection of dev's listener goes to the server it runs (on
 * a loopback port of its own), or waits while there is none (see `Dev.ts`).
 *
 * @internal
 */
import { connect, type Server, type Socket } from "node:net"
import * as DevTimes from "./devTimes.ts"
import { Exchange } from "./exchange.ts"

/** Where the server listens, on a port of its own: `dev` relays to it. */
export const loopback = "127.0.0.1"
/** At most this many connections are held while no server accepts; more are closed at once. */
export const maxHeld = 1_000
/** At most this much of what a held connection sends is kept (then it is no longer read until relayed). */
const maxHeldBytes = 64 * 1024
/**
 * Relays each connection of `listener` (paused: see `Dev.listen`) to the loopback port of the
 * server that serves (`to`), or holds it while there is none (`hold`: a restart, a server that
 * does not start). Hand-written: a TCP relay is a few streams wired, no library's worth.
 *
 * - **Held** connections are read (what they send kept, to be relayed first: at most
 *   {@link maxHeldBytes}, then paused): a client that gives up (its end, a reset) is dropped at
 *   once, no longer counted among the {@link maxHeld} nor relayed to the next server.
 * - **A restart is invisible to a keep-alive client**: a connection relayed to a server that is
 *   being replaced, between two exchanges (nothing sent yet, or every request sent whole and
 *   answered whole: see {@link Exchange}), is moved to the next server (held until it serves) as
 *   its client sends its next request, instead of reaching the old one as it drains (503); and
 *   when the old server closes it there (its drain closes idle connections), the client's
 *   connection stays open, moved the same way. Anywhere else (an answer under way, cut or not; a
 *   body still coming; a request sent before the last answer ended; HTTP/1.0, `Connection:
 *   close`, an upgrade, a framing not understood) the connection stays its server's, as any TCP
 *   relay's: its bytes go there, its end comes from there.
 *
 * `holdFor`: how long a connection is held, at most (milliseconds; default `DevTimes.holdMillis`, 30 s;
 * past Node's longest timer, 24.8 days, or infinite: that long).
 */
export const make = (listener: Server, holdFor: number = DevTimes.holdMillis) => {
  let target: number | undefined
  /** How many times connections were held for a change: a server started before the last one is not relayed to. */
  let holds = 0
  /** The connections held while no server serves: each with its timer, what it sent meanwhile, and how to let it go. */
  const held = new Map<Socket, { readonly sent: Array<Buffer>; readonly release: () => void }>()
  /**
   * The relayed connections whose request has no answer yet (sent, maybe still in the server's
   * backlog): a server stopped before it read a request closes its connection unanswered.
   */
  const awaiting = new Set<Socket>()
  let answered: Array<() => void> = []
  const answer = (client: Socket) => {
    if (!awaiting.delete(client) || awaiting.size > 0) return
    for (const resolve of answered) resolve()
    answered = []
  }
  // Said once while no server accepts (again after one did): a connection closed unanswered was
  // a client's "socket hang up" with no word from dev (a server whose start hangs prints nothing).
  let toldClosed = false
  const closeHeld = (client: Socket, why: string) => {
    client.destroy()
    if (toldClosed) return
    toldClosed = true
    process.stderr.write(
      `effect-mcp dev: ${why}: no server accepts connections (it is still starting, its module or its components ` +
        "waiting for something; or it ended, and waits for a change)\n"
    )
  }

  /** Holds `client` (which sent `sent` so far) until a server serves, reading it meanwhile. */
  const hold = (client: Socket, sent: Array<Buffer>) => {
    if (held.size >= maxHeld) return closeHeld(client, `a connection was closed unanswered (${maxHeld} wait already)`)
    let size = sent.reduce((total, chunk) => total + chunk.length, 0)
    const onData = (chunk: Buffer) => {
      sent.push(chunk)
      size += chunk.length
      if (size >= maxHeldBytes) client.pause()
    }
    // The client gave up (its end; a reset closes it too): dropped now, not at the end of its wait.
    const onEnd = () => client.destroy()
    const onClose = () => release()
    const timer = setTimeout(() => closeHeld(client, `a connection held ${DevTimes.said(holdFor)} was closed unanswered`), Math.min(holdFor, maxTimer))
    const release = () => {
      clearTimeout(timer)
      held.delete(client)
      client.off("data", onData)
      client.off("end", onEnd)
      client.off("close", onClose)
      client.pause()
    }
    held.set(client, { sent, release })
    client.on("data", onData)
    client.once("end", onEnd)
    client.once("close", onClose)
    if (size < maxHeldBytes) client.resume()
  }

  /** Relays `client` (which sent `sent` while held) to the server on `port`. */
  const relayTo = (client: Socket, port: number, sent: ReadonlyArray<Buffer>) => {
    const upstream = connect({ port, host: loopback, allowHalfOpen: true })
    const exchange = new Exchange()
    const forward = (chunk: Buffer) => {
      exchange.sent(chunk)
      awaiting.add(client)
      if (!upstream.write(chunk)) client.pause()
    }
    const onClientData = (chunk: Buffer) => {
      if (port !== target && exchange.between) return moveOn(chunk)
      forward(chunk)
    }
    const onClientEnd = () => upstream.end()
    const onClientDrain = () => upstream.resume()
    const onClientClose = () => {
      upstream.destroy()
      answer(client)
    }
    /** The server on `port` is being replaced: the connection goes to the next (`first`: the request that came). */
    const moveOn = (first?: Buffer) => {
      client.off("data", onClientData)
      client.off("end", onClientEnd)
      client.off("drain", onClientDrain)
      client.off("close", onClientClose)
      upstream.removeAllListeners()
      upstream.on("error", ignore)
      upstream.destroy()
      answer(client)
      client.pause()
      const sent = first === undefined ? [] : [first]
      if (target !== undefined) relayTo(client, target, sent)
      else hold(client, sent)
    }
    /** The server's end of the connection: passed on, unless the client may send it more on another server. */
    const upstreamGone = (ended: boolean) => {
      if (port !== target && exchange.between && !client.readableEnded && !client.destroyed) return moveOn()
      if (ended) client.end()
      else client.destroy()
    }
    upstream.on("data", (chunk: Buffer) => {
      exchange.received(chunk)
      answer(client)
      if (!client.write(chunk)) upstream.pause()
    })
    upstream.on("drain", () => client.resume())
    upstream.on("end", () => upstreamGone(true))
    upstream.on("error", () => upstreamGone(false))
    client.on("data", onClientData)
    client.on("end", onClientEnd)
    client.on("drain", onClientDrain)
    client.once("close", onClientClose)
    for (const chunk of sent) forward(chunk)
    client.resume()
  }

  const onConnection = (client: Socket) => {
    // A reset ends it ('close' follows), whichever way it is relayed.
    client.on("error", ignore)
    if (target !== undefined) return relayTo(client, target, [])
    hold(client, [])
  }
  listener.on("connection", onConnection)
  return {
    /** Connections go to the server on `port` now, unless a change came after {@link holds} was `since`. */
    to: (port: number, since: number) => {
      if (since !== holds) return
      target = port
      toldClosed = false
      for (const [client, { release, sent }] of held) {
        release()
        relayTo(client, port, sent)
      }
    },
    hold: () => {
      holds++
      target = undefined
    },
    get holds() {
      return holds
    },
    /** The server on `port` ended: held, as {@link hold}, when it is the one relayed to. */
    gone: (port: number) => {
      if (target === port) target = undefined
    },
    /**
     * Resolves once every request relayed has its answer begun (at most `millis`): a server stopped
     * before it read a request closes its connection unanswered (its listen backlog is reset).
     */
    answered: (millis: number) =>
      awaiting.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, millis)
        answered.push(() => {
          clearTimeout(timer)
          resolve()
        })
      }),
    close: () => {
      listener.off("connection", onConnection)
      listener.close()
      for (const client of held.keys()) client.destroy()
    }
  }
}

const ignore = (): void => {}

/** Node's longest timer (a longer one fires at once). */
const maxTimer = 2_147_483_647
