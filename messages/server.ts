// lib's sentences in other languages than English (lib/text, lib/i18n/server-text), one file per
// area in messages/<lang>/server/, each a flat map: the English id (template with {0}, {1}…) → its
// translation. English needs no table: the id is the English. lib/i18n/server-text.test.ts checks
// every sentence lib can say has a translation with the same placeholders, and none is stale.
import type { Locale } from "@/lib/i18n/locales";
import zh_actions from "./zh-CN/server/actions.json";
import zh_nodeOps from "./zh-CN/server/nodeOps.json";
import zh_provisioning from "./zh-CN/server/provisioning.json";
import zh_rollout from "./zh-CN/server/rollout.json";

type Table = Record<string, string>;

/** Each zh-CN table by file name (the test checks no id is in two files with two translations). */
export const ZH_SERVER_FILES: Record<string, Table> = { actions: zh_actions, nodeOps: zh_nodeOps, provisioning: zh_provisioning, rollout: zh_rollout };

/** Translation tables by language (English: none; its id is the text). */
export const SERVER_TEXT: Record<Locale, Table | undefined> = {
  en: undefined,
  "zh-CN": Object.assign({}, ...Object.values(ZH_SERVER_FILES)) as Table,
};
