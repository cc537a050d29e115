import net from "node:net";

/** Does anything accept a TCP connection on ip:port within `timeoutMs` (another run, or a node of ours)? */
export function acceptsTcp(ip: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
    s.setTimeout(timeoutMs, () => (s.destroy(), resolve(false)));
  });
}
