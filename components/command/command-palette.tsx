"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { usePathname, useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { Command } from "cmdk";
// the same @radix-ui/react-dialog cmdk's Command.Dialog renders: its Title and Description name and describe the dialog
import * as Dialog from "@radix-ui/react-dialog";
import { Search } from "lucide-react";
import { NAV_LINKS } from "@/components/shell/nav-links";
import { ActivityIcon, ServerIcon } from "@/components/ui/icons";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import type { NodeHit, NodeSearchResult } from "@/lib/fleet/node-search";
import { NODE_OP_LABELS, matchPages, matchesQuery, nodeIpOfPath, nodeOpHref, nodeOpsFor } from "./commands";

// The command palette (issue 16): Ctrl-K / Cmd-K anywhere, or the header's button. Jump to a
// node by a part of its name or IPv4 (searched on the server as you type: GET /api/command/nodes),
// to a page of the navigation, or, on a node page, start one of that node's operations: the
// palette only navigates to /nodes/<ip>?op=<operation>, where the node page opens that
// operation's own confirmation (see ./commands.ts). It never runs an operation itself.
//
// The role comes from the shell (the session's user, read on the server for every page): a
// viewer gets no operations. The server checks every operation's role again anyway.

/** The event CommandPaletteButton sends to open the palette (the palette is mounted once, in the shell). */
const OPEN_EVENT = "k2ops:command-palette";
const DEBOUNCE_MS = 200;

const STATE_VARIANT: Record<NodeHit["state"], "success" | "warning" | "destructive" | "outline"> = {
  active: "success",
  incomplete: "warning",
  unreachable: "destructive",
  decommissioned: "outline",
};

const noop = () => () => {};
/** Apple keyboards say ⌘K; the others Ctrl K (false while server rendering). */
function useIsMac() {
  return useSyncExternalStore(noop, () => /Mac|iPhone|iPad/i.test(navigator.platform || navigator.userAgent), () => false);
}

/** The small header button that opens the palette (mounted by CommandPalette unless `button={false}`). */
export function CommandPaletteButton({ className }: { className?: string }) {
  const mac = useIsMac();
  const t = useTranslations("command");
  return (
    <Button
      variant="outline"
      size="sm"
      className={cn("gap-2 text-muted-foreground", className)}
      aria-haspopup="dialog"
      aria-keyshortcuts="Control+K Meta+K"
      onClick={() => window.dispatchEvent(new Event(OPEN_EVENT))}
    >
      <Search size={14} aria-hidden="true" />
      {/* the name is "Jump to… (command palette)"; the visible words begin it (WCAG 2.5.3) */}
      <span className="sr-only lg:not-sr-only">{t("button")}</span>
      <span className="sr-only"> {t("buttonHint")}</span>
      <kbd aria-hidden="true" className="hidden rounded border border-border bg-muted px-1 font-mono text-[10px] sm:inline">
        {mac ? "⌘K" : "Ctrl K"}
      </kbd>
    </Button>
  );
}

type NodeSearch = { q: string; status: "ok" | "error"; nodes: NodeHit[]; more: boolean };

/** A result for `prev` still holds for `q` when `q` narrows it: shown while the server answers. */
const narrows = (prev: string, q: string) => q.toLowerCase().includes(prev.toLowerCase());
const hitMatches = (n: NodeHit, q: string) => n.name.toLowerCase().includes(q.toLowerCase()) || n.ipv4.includes(q);

export function CommandPalette({ role, button = true }: { role: string; button?: boolean }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [value, setValue] = useState("");
  const [search, setSearch] = useState<NodeSearch | null>(null);
  const router = useRouter();
  const path = usePathname();
  const tNav = useTranslations("nav");
  const t = useTranslations("command");

  // Ctrl-K / Cmd-K toggles anywhere (even in a text field); the button sends OPEN_EVENT
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== "k" || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey || e.isComposing) return;
      e.preventDefault();
      setOpen((o) => !o);
      setQuery("");
      setValue("");
    };
    const onOpen = () => {
      setOpen(true);
      setQuery("");
      setValue("");
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener(OPEN_EVENT, onOpen);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener(OPEN_EVENT, onOpen);
    };
  }, []);

  // the node search, debounced; a newer query aborts the older request
  const q = query.trim().slice(0, 100);
  useEffect(() => {
    if (!open || !q) return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const res = await fetch(`/api/command/nodes?q=${encodeURIComponent(q)}`, { signal: ctrl.signal, cache: "no-store" });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const data = (await res.json()) as NodeSearchResult;
        setSearch({ q, status: "ok", nodes: data.nodes, more: data.more });
      } catch {
        if (!ctrl.signal.aborted) setSearch({ q, status: "error", nodes: [], more: false });
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [open, q]);

  const current = search && q && search.q === q ? search : null;
  const loading = !!q && !current;
  // while the server answers, the previous answer's nodes that still match stay listed
  const nodes = !q ? [] : current ? current.nodes : search && narrows(search.q, q) ? search.nodes.filter((n) => hitMatches(n, q)) : [];

  const ip = nodeIpOfPath(path);
  const ops = ip ? nodeOpsFor(role).filter((op) => matchesQuery(q, [t(`ops.${op}`), NODE_OP_LABELS[op].label, op, ...NODE_OP_LABELS[op].keywords])) : [];
  const pages = matchPages(
    NAV_LINKS.map((l) => ({ href: l.href, label: tNav(l.label), Icon: l.Icon })),
    q,
  );

  // the highlighted item: the one the user moved to while it is still listed, else the first
  const values = [...ops.map((op) => `op:${op}`), ...nodes.map((n) => `node:${n.ipv4}`), ...pages.map((p) => `page:${p.href}`)];
  const selected = values.includes(value) ? value : (values[0] ?? "");

  function go(href: string) {
    setOpen(false);
    router.push(href);
  }

  // class lists through cn(): the catalogs test reads a plain string with "=" or "," in it as text
  const item = cn("flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-sm data-[selected=true]:bg-muted data-[disabled=true]:opacity-50");
  const heading = "[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:pb-1 [&_[cmdk-group-heading]]:pt-2 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-medium [&_[cmdk-group-heading]]:text-muted-foreground";

  return (
    <>
      {button ? <CommandPaletteButton /> : null}
      <Command.Dialog
        open={open}
        onOpenChange={setOpen}
        label={t("title")}
        shouldFilter={false}
        loop
        vimBindings={false}
        value={selected}
        onValueChange={setValue}
        overlayClassName="fixed inset-0 z-50 bg-black/40"
        contentClassName={cn("fixed left-1/2 top-[12vh] z-50 w-[min(38rem,calc(100vw-1.5rem))] -translate-x-1/2 overflow-hidden rounded-lg border border-border bg-popover text-popover-foreground shadow-xl focus:outline-none")}
      >
        <Dialog.Title className="sr-only">{t("title")}</Dialog.Title>
        <Dialog.Description className="sr-only">{ip ? t("descriptionOnNode") : t("description")}</Dialog.Description>
        <div className="flex items-center gap-2 border-b border-border px-3">
          <Search size={15} aria-hidden="true" className="shrink-0 text-muted-foreground" />
          <Command.Input
            value={query}
            onValueChange={(v) => {
              setQuery(v);
              setValue("");
            }}
            maxLength={100}
            placeholder={t("placeholder")}
            className="h-11 w-full bg-transparent text-sm outline-none placeholder:text-muted-foreground"
          />
        </div>
        <Command.List className="max-h-[min(60vh,26rem)] overflow-y-auto p-1" label={t("list")}>
          {loading && nodes.length === 0 ? <Command.Loading label={t("searching")}>
            <p className="px-2 py-1.5 text-xs text-muted-foreground">{t("searchingText")}</p>
          </Command.Loading> : null}
          {!loading ? <Command.Empty className="px-2 py-6 text-center text-sm text-muted-foreground">{t("empty", { query: q })}</Command.Empty> : null}

          {ops.length ? (
            <Command.Group heading={t("thisNode", { ip: ip ?? "" })} className={heading}>
              {ops.map((op) => (
                <Command.Item key={op} value={`op:${op}`} onSelect={() => go(nodeOpHref(ip!, op))} className={item}>
                  <ActivityIcon size={14} aria-hidden="true" className="text-muted-foreground" />
                  <span>{t(`ops.${op}`)}</span>
                  <span className="ml-auto text-xs text-muted-foreground">{op === "verify" ? t("onPage") : t("asksConfirm")}</span>
                </Command.Item>
              ))}
            </Command.Group>
          ) : null}

          {nodes.length || current?.status === "error" ? (
            <Command.Group heading={t("nodes")} className={heading}>
              {current?.status === "error" ? <p role="alert" className="px-2 py-1.5 text-xs text-destructive">{t("searchFailed")}</p> : null}
              {nodes.map((n) => (
                <Command.Item key={n.ipv4} value={`node:${n.ipv4}`} onSelect={() => go(`/nodes/${n.ipv4}`)} className={cn(item, n.state === "decommissioned" && "text-muted-foreground")}>
                  <ServerIcon size={14} aria-hidden="true" className="text-muted-foreground" />
                  <span className="min-w-0 truncate font-medium">{n.name || n.ipv4}</span>
                  <span className="font-mono text-xs text-muted-foreground">{n.ipv4}</span>
                  <span className="ml-auto hidden truncate text-xs text-muted-foreground sm:inline">{n.region}</span>
                  <Badge variant={STATE_VARIANT[n.state]}>{t(`state.${n.state}`)}</Badge>
                </Command.Item>
              ))}
              {current?.more ? <p className="px-2 py-1 text-xs text-muted-foreground">{t("more")}</p> : null}
            </Command.Group>
          ) : null}

          {pages.length ? (
            <Command.Group heading={t("pages")} className={heading}>
              {pages.map((p) => (
                <Command.Item key={p.href} value={`page:${p.href}`} onSelect={() => go(p.href)} className={item}>
                  <p.Icon size={14} aria-hidden="true" className="text-muted-foreground" />
                  <span>{p.label}</span>
                </Command.Item>
              ))}
            </Command.Group>
          ) : null}
        </Command.List>
        <p className="border-t border-border px-3 py-1.5 text-[11px] text-muted-foreground" aria-hidden="true">
          {t("footer")}
        </p>
      </Command.Dialog>
    </>
  );
}
