// Request/response plumbing shared by the Center simulator's route modules:
// gin's envelope (HTTP 200 + {code, message?, data?}), JSON binding with
// gin-like 422 failures, and small normalisers Center applies to node input.
import type http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import type { SimNode, SimUser } from "./types";

export class Reply {
  constructor(
    public status: number,
    public body: string | Buffer,
    public contentType = "application/json; charset=utf-8",
  ) {}
}
export const ok = (data: unknown = {}) => new Reply(200, JSON.stringify({ code: 0, data }));
export const fail = (code: number, message: string) => new Reply(200, JSON.stringify({ code, message }));
export const notFound = () => new Reply(404, "404 page not found", "text/plain");

export class BindError extends Error {}

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const hex32 = () => randomBytes(32).toString("hex");

export function parseIntStrict(s: string | undefined): number | null {
  if (s === undefined || !/^-?\d+$/.test(s)) return null;
  return Number(s);
}

export function normIpType(v: string | undefined): string {
  return v === "residential" || v === "non_residential" ? v : "unknown";
}
export function normProtocol(v: string | undefined): string {
  const p = (v ?? "").replace(/[+\s]/g, "");
  return p === "" ? "k2v4" : p;
}
export const displayProtocol = (p: string) => (p === "k2v5" ? "k2s" : p);

export type Ctx = {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
  user?: SimUser;
  node?: SimNode;
};
export type Handler = (c: Ctx) => Reply | Promise<Reply>;

// JSON binding with gin-like failures (422)
export function bindJson(c: Ctx): Record<string, unknown> {
  if (c.body.trim() === "") throw new BindError("EOF");
  let v: unknown;
  try {
    v = JSON.parse(c.body);
  } catch (e) {
    throw new BindError(`invalid character in JSON body: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new BindError(`json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into Go value of type struct`);
  return v as Record<string, unknown>;
}
export function typeErr(field: string, want: string, got: unknown): BindError {
  return new BindError(`json: cannot unmarshal ${Array.isArray(got) ? "array" : got === null ? "null" : typeof got} into Go struct field .${field} of type ${want}`);
}
export function optStr(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw typeErr(k, "string", v);
  return v;
}
export function optNum(o: Record<string, unknown>, k: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw typeErr(k, "int64", v);
  return v;
}
export function optBool(o: Record<string, unknown>, k: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw typeErr(k, "bool", v);
  return v;
}
export function required(field: string): BindError {
  const F = field.charAt(0).toUpperCase() + field.slice(1);
  return new BindError(`Key: 'Request.${F}' Error:Field validation for '${F}' failed on the 'required' tag`);
}
export function reqStr(o: Record<string, unknown>, k: string): string {
  const v = optStr(o, k);
  if (!v) throw required(k);
  return v;
}
export function reqNum(o: Record<string, unknown>, k: string): number {
  const v = optNum(o, k);
  if (!v) throw required(k);
  return v;
}

export type RouteAuth = "none" | "app" | "admin" | "slave" | "slave-path";
/** registers one route: `:name` path segments become c.params.name */
export type RouteFn = (method: string, path: string, auth: RouteAuth, mask: number | undefined, h: Handler) => void;
