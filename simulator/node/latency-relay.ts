// A delaying TCP relay: what a simulated node (fleet.ts) puts in front of its sshd so the console
// meets a real network's latency, jitter and bandwidth (real nodes are 50-300 ms away; an sshd on
// 127.x.y.z answers in microseconds, and kernel traffic shaping, tc netem, is not available here).
// It listens on host:port and forwards every connection to targetHost:port:
// - every byte waits rttMs / 2 in each direction (plus a chunk's jitter), in order;
// - the TCP handshake costs what it costs on a network: the target is connected CONNECT_RTTS × rttMs
//   after accept, so a server that speaks first (sshd's "SSH-2.0-…") is heard 2 RTT after connect(),
//   as over a real path (SYN, SYN-ACK, ACK, banner: four one-way trips);
// - an optional bandwidth cap paces each direction;
// - backpressure, half-close and resets go through.
import net from "node:net";

/** A network path between the console and a node. Applies to each direction alike. */
export type NetworkProfile = {
  /** the round-trip time added, in ms: every byte is delayed rttMs / 2 each way */
  rttMs: number;
  /** extra one-way delay per chunk, in ms: uniform in [0, jitterMs) (so the mean RTT grows by jitterMs); never reorders */
  jitterMs?: number;
  /** each direction's bandwidth, in kbit/s (1 kbit/s = 1000 bit/s); unset: unlimited */
  bandwidthKbps?: number;
};

/**
 * The TCP handshake, in RTTs from the client's connect() to the moment the server accepts: SYN and
 * SYN-ACK (1 RTT, when the client's connect completes) and the client's ACK (0.5 RTT more). The
 * relay's own accept completes on loopback at once, so it holds the connection that long: the
 * client's first bytes reach the server at 1.5 RTT, the server's first bytes the client at 2 RTT.
 */
export const CONNECT_RTTS = 1.5;
/** Queued bytes per direction (the relay's queue and the writing socket's buffer) above which the reading socket is paused. */
export const HIGH_WATER_BYTES = 1 << 20;
/** Under a bandwidth cap a chunk is cut into pieces of this many ms on the wire (at least MIN_PIECE_BYTES), so the pacing is smooth. */
const PIECE_MS = 4;
const MIN_PIECE_BYTES = 512;

/** The profile, checked: finite, rttMs and jitterMs ≥ 0, bandwidthKbps > 0. Throws otherwise. */
export function checkProfile(p: NetworkProfile): NetworkProfile {
  const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
  const ok = num(p.rttMs) && (p.jitterMs === undefined || num(p.jitterMs)) && (p.bandwidthKbps === undefined || (num(p.bandwidthKbps) && p.bandwidthKbps > 0));
  if (!ok) throw new Error(`not a network profile: ${JSON.stringify(p)}`);
  return { rttMs: p.rttMs, ...(p.jitterMs ? { jitterMs: p.jitterMs } : {}), ...(p.bandwidthKbps ? { bandwidthKbps: p.bandwidthKbps } : {}) };
}

/**
 * The address a node's sshd listens on while a relay holds the node's own: 127.a.b.c → 127.(a+128).b.c
 * (every 127/8 address answers on loopback without set-up; simulated fleets use 127.0-127.x.y only).
 */
export function innerAddress(ip: string): string {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m || Number(m[1]) >= 128) throw new Error(`a network profile needs a node address in 127.0.0.0/9, not ${ip}`);
  return `127.${Number(m[1]) + 128}.${m[2]}.${m[3]}`;
}

/** One direction of a relayed connection: what `src` sends is written to `dst` when it is due. */
class Pipe {
  private queue: { buf: Buffer; due: number }[] = [];
  /** bytes read and not yet written */
  queued = 0;
  private lastDue = 0;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  /** `src` ended (FIN): `dst` is ended once the queue is empty */
  ended = false;
  private dst: net.Socket | null = null;

  /** `notBefore`: nothing is written before this time (performance.now() ms): the connection's opening. */
  constructor(
    private readonly src: net.Socket,
    private readonly relay: LatencyRelay,
    private readonly notBefore: number,
  ) {
    relay.pipes.add(this);
    src.on("data", (b: Buffer) => this.push(b));
    src.on("end", () => {
      this.ended = true;
      this.flush();
    });
  }

  /** Writes to `dst` from now on (a pipe can fill before the other side is connected). */
  attach(dst: net.Socket): void {
    this.dst = dst;
    dst.on("drain", () => this.flush());
    this.flush();
  }

  /**
   * A chunk's departure: its arrival (now + rttMs/2 + a jitter in [0, jitterMs), not before the
   * opening), then, under a cap, its serialization (due = max(arrival, previous due) + bytes·8 / kbit/s,
   * piece by piece): never before the chunk ahead of it.
   */
  private push(chunk: Buffer): void {
    const p = this.relay.profile();
    const arrival = Math.max(performance.now() + p.rttMs / 2 + (p.jitterMs ? Math.random() * p.jitterMs : 0), this.notBefore);
    const bw = p.bandwidthKbps;
    // kbit/s = bit/ms: bytes · 8 / bw is ms on the wire
    const piece = bw ? Math.max(MIN_PIECE_BYTES, Math.floor((bw / 8) * PIECE_MS)) : chunk.length;
    for (let at = 0; at < chunk.length; at += piece) {
      const buf = chunk.subarray(at, at + piece);
      this.lastDue = Math.max(arrival, this.lastDue) + (bw ? (buf.length * 8) / bw : 0);
      this.queue.push({ buf, due: this.lastDue });
    }
    this.queued += chunk.length;
    this.relay.noteQueued();
    this.flush();
  }

  /** Writes what is due, ends `dst` after the last byte of an ended `src`, re-arms the timer, pauses or resumes `src`. */
  private flush(): void {
    const dst = this.dst;
    if (dst?.destroyed) return this.stop();
    if (dst) {
      const now = performance.now();
      while (this.queue.length && this.queue[0].due <= now) {
        const { buf } = this.queue.shift()!;
        this.queued -= buf.length;
        dst.write(buf);
      }
      if (!this.queue.length && this.ended) {
        dst.end();
        return this.stop();
      }
      if (this.queue.length && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.flush();
        }, Math.max(1, Math.ceil(this.queue[0].due - now)));
      }
    }
    const load = this.queued + (dst?.writableLength ?? 0);
    if (!this.paused && load > HIGH_WATER_BYTES) {
      this.paused = true;
      this.src.pause();
    } else if (this.paused && load <= HIGH_WATER_BYTES) {
      this.paused = false;
      this.src.resume();
    }
  }

  /** The pipe is done (all delivered, or the connection is gone: what is queued is dropped). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.queued = 0;
    this.relay.pipes.delete(this);
  }
}

/**
 * A delaying TCP relay from host:port to targetHost:targetPort (see the file's head for the model).
 * `setProfile` applies to data read from then on (and to connections accepted from then on).
 * A target that refuses: the client's connection is reset once the handshake time has passed.
 */
export class LatencyRelay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  /** @internal the directions with bytes to deliver */
  readonly pipes = new Set<Pipe>();
  private current: NetworkProfile;
  private peak = 0;

  constructor(private readonly o: { host: string; port: number; targetHost: string; targetPort: number; profile: NetworkProfile }) {
    this.current = checkProfile(o.profile);
  }

  /** The profile in force. */
  profile(): NetworkProfile {
    return this.current;
  }

  /** The path from now on: delays of bytes read from now on, the handshake of connections accepted from now on. */
  setProfile(p: NetworkProfile): void {
    this.current = checkProfile(p);
  }

  /** Starts listening; rejects when the address cannot be bound (EADDRINUSE …). Resolves with the port (port 0: one the system chose). */
  listen(): Promise<number> {
    const server = net.createServer({ allowHalfOpen: true }, (c) => this.accept(c));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: this.o.host, port: this.o.port }, () => {
        server.off("error", reject);
        server.on("error", () => undefined);
        this.server = server;
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Is it listening? */
  get listening(): boolean {
    return this.server !== null;
  }

  /** Stops listening (connection refused from now on); the open connections go on. */
  stopListening(): void {
    this.server?.close();
    this.server = null;
  }

  /** Stops listening and destroys every connection (what is queued is dropped). */
  close(): void {
    this.stopListening();
    for (const s of this.sockets) s.destroy();
    for (const p of this.pipes) p.stop();
  }

  /** Open sockets (two per connection once the target is connected), bytes queued now, and the most ever queued at once (bytes). */
  stats(): { sockets: number; queuedBytes: number; peakQueuedBytes: number } {
    return { sockets: this.sockets.size, queuedBytes: this.queuedNow(), peakQueuedBytes: this.peak };
  }

  private queuedNow(): number {
    let n = 0;
    for (const p of this.pipes) n += p.queued;
    return n;
  }

  /** @internal a pipe's queue grew */
  noteQueued(): void {
    this.peak = Math.max(this.peak, this.queuedNow());
  }

  private track(s: net.Socket, pipe: Pipe): void {
    this.sockets.add(s);
    s.setNoDelay(true);
    // closed after its FIN: what it sent is still on its way
    s.once("close", () => (this.sockets.delete(s), pipe.ended || pipe.stop()));
  }

  private accept(client: net.Socket): void {
    const openAt = performance.now() + CONNECT_RTTS * this.current.rttMs;
    const up = new Pipe(client, this, openAt);
    this.track(client, up);
    let target: net.Socket | null = null;
    // an error, or a close without FIN, on either side: the other side is reset
    const reset = (other: () => net.Socket | null) => () => {
      const o = other();
      if (o && !o.destroyed) o.resetAndDestroy();
    };
    client.on("error", reset(() => target));
    client.once("close", () => !up.ended && reset(() => target)());
    // the handshake's time (a client gone meanwhile, or closed by close(), is not connected)
    setTimeout(
      () => {
        if (client.destroyed) return;
        const t = net.connect({ host: this.o.targetHost, port: this.o.targetPort, allowHalfOpen: true });
        target = t;
        const down = new Pipe(t, this, 0);
        this.track(t, down);
        t.on("error", reset(() => client));
        t.once("close", () => !down.ended && reset(() => client)());
        up.attach(t);
        down.attach(client);
      },
      Math.max(0, openAt - performance.now()),
    );
  }
}

/**
 * The relays of one node: host:p → targetHost:p for each port p its sshd listens on, following
 * its ports (`sync`). All share one profile.
 */
export class RelaySet {
  private readonly relays = new Map<number, LatencyRelay>();
  /** relays that stopped listening, their open connections going on */
  private readonly spent = new Set<LatencyRelay>();

  constructor(
    readonly host: string,
    readonly targetHost: string,
    private profile: NetworkProfile,
  ) {}

  /** The ports listened on now. */
  ports(): number[] {
    return [...this.relays.keys()].filter((p) => this.relays.get(p)!.listening);
  }

  /**
   * Listens on exactly `ports` from now on: new ones start (a bind that fails is tried again at the
   * next sync: the first failure is thrown after every port was tried), ports no longer wanted stop
   * listening (their open connections go on).
   */
  async sync(ports: number[]): Promise<void> {
    for (const r of this.spent) if (!r.stats().sockets) this.spent.delete(r);
    for (const [p, r] of this.relays) {
      if (ports.includes(p)) continue;
      r.stopListening();
      this.relays.delete(p);
      this.spent.add(r);
    }
    let failed: unknown = null;
    for (const p of ports) {
      const r = this.relays.get(p) ?? new LatencyRelay({ host: this.host, port: p, targetHost: this.targetHost, targetPort: p, profile: this.profile });
      this.relays.set(p, r);
      if (!r.listening) await r.listen().catch((e: unknown) => (failed ??= e));
    }
    if (failed) throw failed;
  }

  /** The profile of every relay (also of connections still open on ports no longer listened on). */
  setProfile(p: NetworkProfile): void {
    this.profile = checkProfile(p);
    for (const r of [...this.relays.values(), ...this.spent]) r.setProfile(this.profile);
  }

  /** Stops listening everywhere (connection refused); the open connections go on. */
  unlisten(): void {
    for (const r of this.relays.values()) {
      r.stopListening();
      this.spent.add(r);
    }
    this.relays.clear();
  }

  /** Stops listening and destroys every connection. */
  close(): void {
    for (const r of [...this.relays.values(), ...this.spent]) r.close();
    this.relays.clear();
    this.spent.clear();
  }
}
