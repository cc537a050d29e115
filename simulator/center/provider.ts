import { lightsailRegionOf } from "./seed";
import type { CenterSimHooks } from "./index";
import type { CenterSimState } from "./types";

// The cloud provider's side of a machine's public address, for the Lightsail simulator's static
// IPs (AllocateStaticIp, AttachStaticIp, DetachStaticIp): an address reserved for the account,
// and an instance moved to another address (its machine moves through the node simulator's
// `onChangeIp` hook, Center's cloud instance row follows). Center's own node rows do not: they
// follow when the node's sidecar restarts and registers at its new address (center-api.md §6.6).

export function lightsailAddresses(d: { state: () => CenterSimState; hooks: CenterSimHooks; allocateIp: () => string; touch: () => void; log: (line: string) => void }) {
  // handed out here, never again (a detached static IP keeps its address): allocateIp only knows instances' and nodes'
  const reserved = new Set<string>();
  return {
    /**
     * A public address for the account (a static IP allocated, or the dynamic IP an instance gets
     * when its static IP is detached): through `onReserveAddress` (the node simulator: a free
     * 127.0.0.N no machine will be given), else one of Center's own 198.51.100.x.
     */
    async reserveLightsailAddress(): Promise<string> {
      let ip: string;
      if (d.hooks.onReserveAddress) ip = await d.hooks.onReserveAddress();
      else {
        do ip = d.allocateIp();
        while (reserved.has(ip));
      }
      reserved.add(ip);
      d.log(`lightsail address reserved ${ip}`);
      return ip;
    },
    /**
     * The Lightsail instance `name` (in `region`, if given) now has the public address `newIp`
     * (one reserveLightsailAddress handed out): its machine moves there (`onChangeIp` with
     * `wantedIpv4`; it must land there) and Center's cloud instance row says so. False: Center has
     * no such live instance. Throws when the hook does (the row keeps its address then).
     */
    async moveLightsailInstance(name: string, newIp: string, region?: string): Promise<boolean> {
      const inst = d.state().instances.find((i) => i.provider === "aws_lightsail" && i.instance_id === name && !i.deletedAt && (!region || lightsailRegionOf(i.region) === region));
      if (!inst) return false;
      const old = inst.ip_address;
      if (old === newIp) return true;
      const ref = { provider: inst.provider, instanceId: inst.instance_id, name: inst.name, wantedIpv4: newIp };
      const got = d.hooks.onChangeIp ? await d.hooks.onChangeIp(old, ref) : { ipv4: newIp };
      if (got.ipv4 !== newIp) throw new Error(`onChangeIp moved ${name} to ${got.ipv4}, not to ${newIp}`);
      inst.ip_address = newIp;
      d.touch();
      d.log(`lightsail ${name} moved ${old} -> ${newIp}`);
      return true;
    },
  };
}
