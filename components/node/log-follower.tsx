"use client";

import { useEffect, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";

const MAX_CHARS = 200_000;

// Live `docker logs -f` over Server-Sent Events; closing it (or leaving the page) ends the SSH stream.
export function LogFollower({ ipv4, container }: { ipv4: string; container: string }) {
  const t = useTranslations("node.logs");
  const [on, setOn] = useState(false);
  const [text, setText] = useState("");
  const [note, setNote] = useState("");
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (!on) return;
    const es = new EventSource(`/api/nodes/${ipv4}/logs?container=${encodeURIComponent(container)}&tail=100&mode=follow`);
    es.addEventListener("log", (e) => {
      const { chunk } = JSON.parse((e as MessageEvent).data) as { chunk: string };
      setText((prev) => (prev + chunk).slice(-MAX_CHARS));
    });
    es.addEventListener("end", () => {
      setNote(t("ended"));
      es.close();
    });
    es.addEventListener("error", (e) => {
      const data = (e as MessageEvent).data;
      setNote(data ? (JSON.parse(data) as { message: string }).message : t("closed"));
      es.close();
    });
    return () => es.close();
  }, [on, ipv4, container, t]);

  useEffect(() => {
    pre.current?.scrollTo({ top: pre.current.scrollHeight });
  }, [text]);

  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button
        size="sm"
        variant="outline"
        aria-pressed={on}
        onClick={() => {
          if (!on) {
            setText("");
            setNote(t("following"));
          }
          setOn(!on);
        }}
      >
        {on ? t("stop") : t("follow")}
      </Button>
      <a className="text-xs underline underline-offset-4" href={`/api/nodes/${ipv4}/logs?container=${encodeURIComponent(container)}&tail=5000&mode=download`} download>
        {t("download", { lines: 5000 })}
      </a>
      {on || text ? (
        <div className="w-full">
          <p className="text-xs text-muted-foreground" role="status">
            {note}
          </p>
          <pre ref={pre} className="mt-1 max-h-80 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-xs" data-testid="log-follow">
            {text}
          </pre>
        </div>
      ) : null}
    </div>
  );
}
