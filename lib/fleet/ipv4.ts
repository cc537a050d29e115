import { z } from "zod";

// Its own module (no database import) so client forms validate with the same schema as the server.

/** A dotted-quad IPv4, the node identity everywhere (Center, SSH, audit). */
export const ipv4Schema = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "not an IPv4 address");
