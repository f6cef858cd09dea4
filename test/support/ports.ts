/**
 * Free ports on 127.0.0.1, for servers a test starts (its own, a child process's, redis-server's):
 * never a fixed port.
 */
import { createServer } from "node:net"

/** A port nobody listens on right now (another process may take it before the test does: retry then). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
