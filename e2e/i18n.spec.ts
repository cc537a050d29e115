import { expect, test, type Locator, type Page } from "@playwright/test";
import { ADMIN, DEMO_PASSWORD, VIEWER, addUser, chooseOption, signIn, signOut } from "./helpers";

// zh-CN and en (issue 16): the language is chosen in the top bar or on the Account page, saved on
// the account (so it follows the user after sign-out and into other browsers), and an unsaved
// choice follows the browser's language. Own accounts, so no other spec sees a changed language.

const PASSWORD = "i18n-e2e-password-0123";
const SAVER = "i18n-saver@k2ops.local";
const BROWSER_ZH = "i18n-browser@k2ops.local";
const FLEET_ZH = "i18n-fleet@k2ops.local";
const AUDIT_ZH = "i18n-audit@k2ops.local";
const ROLLOUT_ZH = "i18n-rollout@k2ops.local";

const nav = (page: Page) => page.getByRole("navigation").first();
const header = (page: Page) => page.getByRole("banner");

/** A select offers this option: opens its list (options exist only while it is open), looks, closes it. */
async function expectOption(combobox: Locator, option: string) {
  const page = combobox.page();
  await combobox.click();
  await expect(page.getByRole("listbox").getByRole("option", { name: option, exact: true })).toHaveCount(1);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("listbox")).toHaveCount(0);
}

/** Signs in on the sign-in page in Chinese (the helpers' signIn fills the English form). */
async function signInZh(page: Page, email: string, password: string) {
  await page.goto("/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await page.getByLabel("邮箱").fill(email);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
}

test.describe("languages", () => {
  test.beforeAll(async ({ browser }) => {
    const page = await browser.newPage();
    await signIn(page, ADMIN);
    await addUser(page, SAVER, PASSWORD);
    await addUser(page, BROWSER_ZH, PASSWORD);
    await addUser(page, FLEET_ZH, PASSWORD);
    await addUser(page, AUDIT_ZH, PASSWORD);
    // an operator of its own: the rollout form is for operators
    await page.goto("/settings/users");
    await page.getByLabel("Email", { exact: true }).fill(ROLLOUT_ZH);
    await page.getByLabel("Initial password").fill(PASSWORD);
    await chooseOption(page, "Role", "operator");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.locator(`tr[data-email="${ROLLOUT_ZH}"]`)).toBeVisible();
    await page.close();
  });

  test("中文 in the top bar: the console switches, and the choice is saved on the account", async ({ page }) => {
    await signIn(page, SAVER, PASSWORD);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();

    await header(page).getByRole("radiogroup", { name: "Language" }).getByRole("radio", { name: "中文" }).click();
    await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();
    for (const name of ["任务", "计量", "开通节点", "设备日志", "审计日志", "设置"]) await expect(nav(page).getByRole("link", { name, exact: true })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
    await expect(header(page).getByRole("radio", { name: "中文" })).toHaveAttribute("aria-checked", "true");
    await expect(header(page).getByRole("button", { name: "退出登录" })).toBeVisible();

    // kept across a reload
    await page.reload();
    await expect(nav(page).getByRole("link", { name: "审计日志", exact: true })).toBeVisible();

    // signing out keeps it for this browser's sign-in page, and signing back in keeps it
    await header(page).getByRole("button", { name: "退出登录" }).click();
    await expect(page).toHaveURL(/\/login\?reason=signedout/);
    await expect(page.getByText("你已退出登录。")).toBeVisible();
    await expect(page.getByText("Kaitu k2s 节点集群控制台")).toBeVisible();
    await signInZh(page, SAVER, PASSWORD);
    await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();

    // saved per user, not only in this browser: without any cookie (another browser) it is still Chinese
    await signOut(page);
    await page.goto("/login");
    await expect(page.getByText("Control plane for the Kaitu k2s fleet")).toBeVisible();
    await signIn(page, SAVER, PASSWORD);
    await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();

    // the audit log has the change (as the admin, in English)
    const admin = await page.context().browser()!.newPage();
    await signIn(admin, ADMIN);
    await admin.goto(`/audit?action=account.locale.change&user=${encodeURIComponent(SAVER)}`);
    await expect(admin.getByTestId("audit-table")).toContainText("succeeded");
    await admin.close();

    // the Account page: the language section, a time with UTC on hover, and back to English
    await page.goto("/settings/account");
    await expect(page.getByRole("heading", { level: 1, name: "我的账号" })).toBeVisible();
    await expect(page.locator("main time").first()).toHaveAttribute("title", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await page.getByRole("main").getByRole("radiogroup", { name: "语言" }).getByRole("radio", { name: "English" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
    await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await page.reload();
    await expect(nav(page).getByRole("link", { name: "Audit log", exact: true })).toBeVisible();
  });

  test("the fleet page in 中文: headings, filters, buttons, the table and the theme switch from the Chinese catalog", async ({ page }) => {
    await signIn(page, FLEET_ZH, PASSWORD);
    const main = page.getByRole("main");
    await expect(main.getByRole("heading", { level: 1, name: "Fleet" })).toBeVisible();
    await expect(main.getByRole("button", { name: "Columns" })).toBeVisible();

    await header(page).getByRole("radiogroup", { name: "Language" }).getByRole("radio", { name: "中文" }).click();
    await expect(main.getByRole("heading", { level: 1, name: "节点" })).toBeVisible();
    await expect(page).toHaveTitle("节点 · k2ops");
    await expect(main.getByText("全部 k2s 节点：Center 的节点列表，合并 k2ops 自己通过 SSH 获取的信息。")).toBeVisible();
    await expect(page.getByTestId("fleet-summary")).toContainText("个节点");
    // filters
    await expect(main.getByRole("textbox", { name: "搜索名称或 IPv4" })).toHaveAttribute("placeholder", "名称或 IPv4");
    await expect(main.getByRole("combobox", { name: "校验状态" })).toBeVisible();
    await expectOption(main.getByRole("combobox", { name: "类型", exact: true }), "专属");
    await expect(main.getByText("显示已下线节点")).toBeVisible();
    // the table: its name, headers, the count line
    await expect(main.getByRole("table", { name: "节点列表" })).toBeVisible();
    for (const name of ["名称", "校验", "配额"]) await expect(main.getByRole("columnheader", { name: new RegExp(`^${name}`) })).toBeVisible();
    await expect(main.getByRole("checkbox", { name: "选择所有显示的节点" })).toBeVisible();
    await expect(page.getByTestId("fleet-count")).toContainText(/显示 \d+ 个 · 已选 0 个/);
    // the Columns menu
    await main.getByRole("button", { name: "列", exact: true }).click();
    await expect(page.getByRole("menu").getByRole("menuitem", { name: "恢复默认" })).toBeVisible();
    await page.keyboard.press("Escape");
    // the theme switch in the top bar
    await expect(header(page).getByRole("radiogroup", { name: "主题" }).getByRole("radio", { name: "深色主题" })).toBeVisible();
    // a viewer: no operator buttons, in any language
    await expect(main.getByRole("button", { name: "从 Center 同步" })).toHaveCount(0);
  });

  test.describe("a Chinese browser", () => {
    test.use({ locale: "zh-CN" });

    test("starts in Chinese on the sign-in page and in the console, until the user chooses English", async ({ page }) => {
      await page.goto("/login");
      await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
      await expect(page.getByText("Kaitu k2s 节点集群控制台")).toBeVisible();
      await expect(page).toHaveTitle("登录 · k2ops");

      await signInZh(page, BROWSER_ZH, PASSWORD);
      await expect(nav(page).getByRole("link", { name: "节点", exact: true })).toBeVisible();
      await expect(header(page).getByRole("radio", { name: "中文" })).toHaveAttribute("aria-checked", "true");

      await header(page).getByRole("radiogroup", { name: "语言" }).getByRole("radio", { name: "English" }).click();
      await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();
      await expect(header(page).getByRole("button", { name: "Sign out" })).toBeVisible();
      // the saved choice wins over the browser's language, also after signing in again
      await signOut(page);
      await signInZh(page, BROWSER_ZH, PASSWORD);
      await expect(nav(page).getByRole("link", { name: "Fleet", exact: true })).toBeVisible();
      await expect(page.locator("html")).toHaveAttribute("lang", "en");
    });

    test("every area in 中文: the Operations, fleet reports, Metering, Provisioning and Device logs pages take their headings from the Chinese catalog", async ({ page }) => {
      // the demo viewer never chose a language: the browser's (zh-CN) applies
      await signInZh(page, VIEWER, DEMO_PASSWORD);
      const main = page.getByRole("main");
      for (const [path, title] of [
        ["/operations", "任务"],
        ["/operations/reports", "集群报告"],
        ["/metering", "计量"],
        ["/provisioning", "开通节点"],
        ["/device-logs", "设备日志"],
      ] as const) {
        await page.goto(path);
        await expect(main.getByRole("heading", { level: 1, name: title, exact: true }), path).toBeVisible();
        await expect(page).toHaveTitle(`${title} · k2ops`);
      }
      await page.goto("/metering");
      await expect(main.getByRole("columnheader").first()).toBeVisible();
      // no English column header left on the Metering page
      const headers = await main.getByRole("columnheader").allTextContents();
      expect(headers.filter((h) => /\b(Node|Used|Limit|State|Projected|Mode)\b/.test(h))).toEqual([]);
    });

    test("the audit log in 中文: heading, filters, columns, outcomes and the pager from the Chinese catalog", async ({ page }) => {
      await signInZh(page, AUDIT_ZH, PASSWORD);
      await page.goto(`/audit?action=auth.signin&user=${encodeURIComponent(AUDIT_ZH)}`);
      const main = page.getByRole("main");
      await expect(main.getByRole("heading", { level: 1, name: "审计日志" })).toBeVisible();
      await expect(page).toHaveTitle("审计日志 · k2ops");
      await expect(main.getByRole("link", { name: "导出 CSV" })).toBeVisible();
      // the filters (a GET form), with the outcome options in Chinese
      await expect(main.getByRole("form", { name: "审计日志筛选" })).toBeVisible();
      await expectOption(main.getByRole("combobox", { name: "结果" }), "降级（已完成，但不健康）");
      await expect(main.getByRole("textbox", { name: "用户" })).toHaveValue(AUDIT_ZH);
      await expect(main.getByRole("button", { name: "筛选" })).toBeVisible();
      // the table: headers, this sign-in as a succeeded event, the count and the pager
      for (const name of ["时间", "操作人", "操作", "对象", "结果", "详情"]) await expect(main.getByRole("columnheader", { name, exact: true })).toBeVisible();
      await expect(page.getByTestId("audit-table")).toContainText("成功");
      await expect(page.getByTestId("audit-table")).toContainText("只读");
      await expect(page.getByTestId("audit-total")).toHaveText(/^共 \d+ 条事件$/);
      await expect(main.getByRole("navigation", { name: "审计日志分页" })).toContainText(/第 1 页，共 1 页/);
    });

    test("a node's status read in 中文: the facts, the detector and the summary from lib's sentences; the node's own words verbatim", async ({ page }) => {
      await signInZh(page, ROLLOUT_ZH, PASSWORD);
      // the wrong-timezone scenario: a detector with a fix
      await page.goto("/nodes/127.0.0.13");
      await page.getByRole("button", { name: "读取状态", exact: true }).click();
      const facts = page.getByTestId("status-facts");
      await expect(facts.locator('[data-fact="disk"]')).toContainText("磁盘（/）");
      await expect(facts.locator('[data-fact="hop_ports"]')).toContainText("443/tcp 已发布，跳跃端口 20/20 个（40000-40019/udp）");
      await expect(facts.locator('[data-fact="container_net"]')).toContainText("以 127.0.0.13 访问互联网");
      const detector = page.locator('[data-detector="wrong-timezone"]');
      await expect(detector).toContainText("时区错误");
      await expect(detector).toContainText("04:00 的自动更新 cron 会在错误的时间触发（必须是 Asia/Singapore）");
      await expect(page.getByTestId("op-result")).toContainText(/发现 \d+ 个问题/);
      // the containers' statuses are the node's words
      await expect(page.getByTestId("op-result")).toContainText("k2-sidecar");
    });

    test("a job's node results in 中文: a verification's failing checks are said from lib's sentences, the check names verbatim", async ({ page }) => {
      test.setTimeout(120_000);
      await signInZh(page, ROLLOUT_ZH, PASSWORD);
      const main = page.getByRole("main");
      await main.getByRole("button", { name: "从 Center 同步" }).click();
      for (const name of ["jp-tokyo-01", "sg-singapore-01"]) await page.getByLabel(`选择 ${name}`).check();
      await main.getByRole("button", { name: "校验所选节点" }).click();
      await expect(page.getByTestId("job-progress")).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
      // the wrong-timezone node's step summary, stored as a sentence, read back in the reader's language
      await expect(page.getByTestId("job-failures")).toContainText("sg-singapore-01 (127.0.0.13): 失败：timezone");
      await expect(page.getByTestId("job-failures")).not.toContainText("fail: timezone");
    });

    test("the rollout form in 中文: heading, labels, hints, buttons and the browser's own validation from the Chinese catalog", async ({ page }) => {
      await signInZh(page, ROLLOUT_ZH, PASSWORD);
      await page.goto("/operations/rollout/new?target=selection&nodes=127.0.0.1,127.0.0.2");
      const main = page.getByRole("main");
      await expect(main.getByRole("heading", { level: 1, name: "新建发布" })).toBeVisible();
      await expect(page).toHaveTitle("新建发布 · k2ops");
      const form = main.getByRole("form", { name: "新建发布" });
      await expect(form).toBeVisible();
      // the target: the mode switch, the node list and its hint
      await expect(form.getByRole("radiogroup", { name: "目标" }).getByRole("radio", { name: "按 IPv4 指定节点" })).toBeChecked();
      await expect(form.getByLabel("节点（IPv4，每行一个或用逗号分隔）")).toHaveValue("127.0.0.1\n127.0.0.2");
      await expect(page.locator("#rollout-target-nodes-hint")).toContainText("2 个节点，按此顺序执行（金丝雀最先）");
      await expect(form.getByRole("link", { name: "节点列表" })).toBeVisible();
      // what and how carefully: labels (with the schema's defaults), options and hints
      await expect(form.getByRole("combobox", { name: "类型", exact: true })).toHaveText("update");
      await expect(form.getByLabel("目标标签")).toBeVisible();
      await expect(form.getByText("同时推送标准 compose 文件")).toBeVisible();
      await expect(form.getByLabel("金丝雀节点数")).toHaveValue("1");
      await expectOption(form.getByRole("combobox", { name: "晋级方式" }), "manual：等待操作员确认");
      await expectOption(form.getByRole("combobox", { name: "批次大小单位" }), "% 的目标节点");
      await expect(form.getByLabel("最短健康时长（秒）")).toHaveValue("20");
      await expect(form.getByLabel("健康截止时间（秒）")).toBeVisible();
      await expect(form.getByText("自动回滚", { exact: true })).toBeVisible();
      await expect(page.getByTestId("threshold-words")).toContainText("失败时中止");
      // the form's own refusal (an emptied number) in Chinese; nothing is previewed
      await form.getByLabel("金丝雀节点数").fill("");
      await form.getByRole("button", { name: "预览发布" }).click();
      await expect(page.getByTestId("error-strategy.canary")).toHaveText("请输入数字");
      await expect(main.getByTestId("rollout-preview")).toHaveCount(0);
      // the server's own schema message, checked in the browser, in Chinese (lib's sentence tables)
      await form.getByLabel("金丝雀节点数").fill("1");
      await form.getByLabel("目标标签").fill("latest");
      await form.getByRole("button", { name: "预览发布" }).click();
      await expect(page.getByTestId("error-params.targetTag")).toHaveText("应为固定版本的标签，如 v0.4.8-9d7c6f95（不能是 latest）");
      // the server's refusal, said in Chinese with the data verbatim: a node that is not in the fleet
      await form.getByLabel("目标标签").fill("v0.4.8-9d7c6f95");
      await form.getByLabel("节点（IPv4，每行一个或用逗号分隔）").fill("10.9.9.9");
      await form.getByRole("button", { name: "预览发布" }).click();
      await expect(page.getByTestId("rollout-server-error")).toHaveText("不在集群中：10.9.9.9。");
      await expect(main.getByTestId("rollout-preview")).toHaveCount(0);
      await expect(main.getByRole("link", { name: "返回任务" })).toBeVisible();
    });
  });
});
