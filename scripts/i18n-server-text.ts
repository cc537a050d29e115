// Which of lib's sentences still lack a zh-CN translation, and which messages cannot be
// translated yet (untagged templates), for the files under the given path prefixes:
//   npm run i18n:server -- lib/rollout lib/metering
import { allSentences } from "@/lib/i18n/server-text-scan";
import { SERVER_TEXT } from "@/messages/server";

const prefixes = process.argv.slice(2);
const within = (f: string) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p));
const { uses, problems } = allSentences();
const zh = SERVER_TEXT["zh-CN"] ?? {};
const missing = uses.filter((u) => within(u.file) && zh[u.id] === undefined);
for (const p of problems.filter((p) => within(p.file))) console.log(`${p.file}:${p.line}  ${p.why}`);
const seen = new Set<string>();
for (const m of missing) {
  if (seen.has(m.id)) continue;
  seen.add(m.id);
  console.log(`${m.file}:${m.line}  missing zh-CN: ${JSON.stringify(m.id)}`);
}
console.log(`${problems.filter((p) => within(p.file)).length} untranslatable, ${seen.size} sentences without zh-CN`);
process.exitCode = seen.size > 0 || problems.some((p) => within(p.file)) ? 1 : 0;
