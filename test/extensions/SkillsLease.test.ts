/**
 * `Skills.fromDirectory` opens each file `O_NONBLOCK` (`internal/regularFile.ts`). On Linux that
 * flag also says what an open does when another process holds a lease on the file (`fcntl`
 * `F_SETLEASE`: Samba's kernel oplocks, the NFS server's delegations): instead of waiting while
 * the holder lets go (a lease break, 45 s at most), the open fails at once, `EAGAIN`. The break
 * is started all the same, so the file is opened again until the holder has let go. A real lease,
 * held by a `python3` child (Node has no `fcntl`): skipped where there is none, or no leases.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Skills } from "../../src/skills.ts"

const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

const leasesAvailable = (() => {
  if (process.platform !== "linux") return false
  try {
    if (readFileSync("/proc/sys/fs/leases-enable", "utf8").trim() !== "1") return false
    execFileSync("python3", ["-c", "import fcntl"], { timeout: 10_000, stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/**
 * Holds a write lease on the file named in argv[1]; when it is broken (SIGIO), lets go 300 ms
 * later (a holder flushing what it wrote). Gone after 20 s whatever happens (SIGALRM).
 */
const holder = `
import fcntl, os, signal, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
def on_break(*_):
    time.sleep(0.3)
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    print("released", flush=True)
signal.signal(signal.SIGIO, on_break)
signal.alarm(20)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
print("leased", flush=True)
while True:
    signal.pause()
`

describe.skipIf(!leasesAvailable)("Skills.fromDirectory and a file another process holds a lease on", () => {
  it.live("waits while the lease is broken, then reads the file (not a bare EAGAIN)", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "skills-lease-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const skillMd = join(dir, "SKILL.md")
      writeFileSync(skillMd, "---\nname: leased-skill\ndescription: Held by another process.\n---\nBody\n")
      const child = spawn("python3", ["-c", holder, skillMd], { stdio: ["ignore", "pipe", "inherit"], timeout: 25_000 })
      yield* Effect.addFinalizer(() => Effect.sync(() => child.kill()))
      let output = ""
      child.stdout.setEncoding("utf8")
      yield* Effect.callback<void>((resume) => {
        child.stdout.on("data", (chunk: string) => {
          output += chunk
          if (output.includes("leased")) resume(Effect.void)
        })
        child.on("exit", () => resume(Effect.void))
      })
      assert.include(output, "leased")
      const skill = yield* Skills.fromDirectory(dir)
      assert.strictEqual(skill.frontmatter.name, "leased-skill")
      assert.include(skill.files[0]!.content as string, "Body")
      // Read once the holder had let go of its lease, not around it.
      assert.include(output, "released")
    }).pipe(Effect.provide(platform), Effect.scoped), 30_000)
})
