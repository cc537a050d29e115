// The catalogs, one JSON file per namespace and language (messages/<lang>/<namespace>.json), so
// that work on one area of the console touches only its own files. tsc checks every t("…") key
// against `en`; lib/i18n/catalogs.test.ts checks zh-CN has the same keys.
import en_account from "./en/account.json";
import en_audit from "./en/audit.json";
import en_command from "./en/command.json";
import en_confirm from "./en/confirm.json";
import en_copy from "./en/copy.json";
import en_deviceLogs from "./en/deviceLogs.json";
import en_dialog from "./en/dialog.json";
import en_fleet from "./en/fleet.json";
import en_help from "./en/help.json";
import en_jobs from "./en/jobs.json";
import en_language from "./en/language.json";
import en_login from "./en/login.json";
import en_meta from "./en/meta.json";
import en_metering from "./en/metering.json";
import en_nav from "./en/nav.json";
import en_node from "./en/node.json";
import en_notify from "./en/notify.json";
import en_operations from "./en/operations.json";
import en_pagination from "./en/pagination.json";
import en_provisioning from "./en/provisioning.json";
import en_reports from "./en/reports.json";
import en_roles from "./en/roles.json";
import en_rollout from "./en/rollout.json";
import en_runbook from "./en/runbook.json";
import en_settings from "./en/settings.json";
import en_table from "./en/table.json";
import en_shell from "./en/shell.json";
import en_theme from "./en/theme.json";
import en_users from "./en/users.json";
import zh_account from "./zh-CN/account.json";
import zh_audit from "./zh-CN/audit.json";
import zh_command from "./zh-CN/command.json";
import zh_confirm from "./zh-CN/confirm.json";
import zh_copy from "./zh-CN/copy.json";
import zh_deviceLogs from "./zh-CN/deviceLogs.json";
import zh_dialog from "./zh-CN/dialog.json";
import zh_fleet from "./zh-CN/fleet.json";
import zh_help from "./zh-CN/help.json";
import zh_jobs from "./zh-CN/jobs.json";
import zh_language from "./zh-CN/language.json";
import zh_login from "./zh-CN/login.json";
import zh_meta from "./zh-CN/meta.json";
import zh_metering from "./zh-CN/metering.json";
import zh_nav from "./zh-CN/nav.json";
import zh_node from "./zh-CN/node.json";
import zh_notify from "./zh-CN/notify.json";
import zh_operations from "./zh-CN/operations.json";
import zh_pagination from "./zh-CN/pagination.json";
import zh_provisioning from "./zh-CN/provisioning.json";
import zh_reports from "./zh-CN/reports.json";
import zh_roles from "./zh-CN/roles.json";
import zh_rollout from "./zh-CN/rollout.json";
import zh_runbook from "./zh-CN/runbook.json";
import zh_settings from "./zh-CN/settings.json";
import zh_table from "./zh-CN/table.json";
import zh_shell from "./zh-CN/shell.json";
import zh_theme from "./zh-CN/theme.json";
import zh_users from "./zh-CN/users.json";

export const en = {
  account: en_account,
  audit: en_audit,
  command: en_command,
  confirm: en_confirm,
  copy: en_copy,
  deviceLogs: en_deviceLogs,
  dialog: en_dialog,
  fleet: en_fleet,
  help: en_help,
  jobs: en_jobs,
  language: en_language,
  login: en_login,
  meta: en_meta,
  metering: en_metering,
  nav: en_nav,
  node: en_node,
  notify: en_notify,
  operations: en_operations,
  pagination: en_pagination,
  provisioning: en_provisioning,
  reports: en_reports,
  roles: en_roles,
  rollout: en_rollout,
  runbook: en_runbook,
  settings: en_settings,
  table: en_table,
  shell: en_shell,
  theme: en_theme,
  users: en_users,
};

export type Messages = typeof en;

export const zhCN: Messages = {
  account: zh_account,
  audit: zh_audit,
  command: zh_command,
  confirm: zh_confirm,
  copy: zh_copy,
  deviceLogs: zh_deviceLogs,
  dialog: zh_dialog,
  fleet: zh_fleet,
  help: zh_help,
  jobs: zh_jobs,
  language: zh_language,
  login: zh_login,
  meta: zh_meta,
  metering: zh_metering,
  nav: zh_nav,
  node: zh_node,
  notify: zh_notify,
  operations: zh_operations,
  pagination: zh_pagination,
  provisioning: zh_provisioning,
  reports: zh_reports,
  roles: zh_roles,
  rollout: zh_rollout,
  runbook: zh_runbook,
  settings: zh_settings,
  table: zh_table,
  shell: zh_shell,
  theme: zh_theme,
  users: zh_users,
};

/** The namespaces, in file-name order: the catalog test reads the same files. */
export const NAMESPACES = Object.keys(en) as (keyof Messages)[];
