// A benchmark's helper process (node with tsx as a loader, so its pid is the process that does the
// work): it speaks one JSON line per request, the first line its readiness. Used by bench:scale
// (its database and SSH endpoints) and bench:verify (the endpoints of its modelled nodes).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

/** A child speaking one JSON line per request (a line on its stdin), the first line its readiness. */
export function child(script: string, argv: string[]): { proc: ChildProcess; first: Promise<Record<string, unknown>>; ask(line?: string): Promise<Record<string, unknown>> } {
  // node itself, with tsx as a loader: the pid is the process that does the work (no tsx wrapper)
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...argv], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, LOG_LEVEL: "warn" } });
  const lines = readline.createInterface({ input: proc.stdout! });
  const waiting: ((v: Record<string, unknown>) => void)[] = [];
  lines.on("line", (l) => {
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(l) as Record<string, unknown>;
    } catch {
      return void console.log(`[${path.basename(script)}] ${l}`);
    }
    waiting.shift()?.(v);
  });
  const next = () => new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve));
  const first = Promise.race([
    next(),
    new Promise<never>((_, reject) => proc.once("exit", (code) => reject(new Error(`${script} exited (${code}) before it was ready`)))),
  ]);
  return {
    proc,
    first,
    /** sends `line` (default "rss"), resolves with the answer */
    ask(line = "rss") {
      const p = next();
      proc.stdin!.write(line + "\n");
      return p;
    },
  };
}
