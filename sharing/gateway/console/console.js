// The sharing console (sharing/gateway/console): sign in with a token, the directory beside a SQL
// editor (analysts, stewards) or a rows browser (consumers), all through the gateway's own API.
// Every value shown comes from the lake and may be hostile: it is set with textContent, never as
// markup. The token lives in sessionStorage and travels only in the Authorization header.
"use strict";

(() => {
  const KEY = "govlake.console.token";
  const PAGE_SIZE = 50;
  const ANALYSTS = new Set(["analyst", "steward"]);
  const $ = (id) => document.getElementById(id);
  const state = { caller: null, resources: [], selected: null, rowsPage: 1 };

  class ApiError extends Error {
    constructor(status, reason) {
      super(reason);
      this.status = status;
    }
  }

  // -- small DOM helpers: text only --------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function show(node, on) {
    node.hidden = !on;
  }

  function say(node, text) {
    node.textContent = text || "";
    show(node, Boolean(text));
  }

  function cellText(value) {
    if (value === null || value === undefined) return "NULL";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function fillTable(table, columns, rows) {
    const head = table.tHead, body = table.tBodies[0];
    head.replaceChildren();
    body.replaceChildren();
    const tr = document.createElement("tr");
    for (const c of columns) tr.append(el("th", "", c));
    head.append(tr);
    const fragment = document.createDocumentFragment();
    for (const row of rows) {
      const line = document.createElement("tr");
      for (const c of columns) {
        const value = row[c];
        line.append(el("td", value === null || value === undefined ? "null" : "", cellText(value)));
      }
      fragment.append(line);
    }
    body.append(fragment);
  }

  // -- the API -------------------------------------------------------------------------------
  async function api(path, options = {}) {
    const token = sessionStorage.getItem(KEY) || "";
    const headers = { ...(options.headers || {}), Authorization: `Bearer ${token}` };
    let answer;
    try {
      answer = await fetch(path, { ...options, headers, credentials: "omit", cache: "no-store" });
    } catch (e) {
      throw new ApiError(0, `请求未送达 — request failed: ${e.message}`);
    }
    if (!answer.ok) {
      let reason = `HTTP ${answer.status}`;
      try {
        const body = await answer.json();
        if (body && body.reason) reason = String(body.reason);
      } catch (e) {
        // not JSON: the status is the reason
      }
      if (answer.status === 401) signOut(reason);
      throw new ApiError(answer.status, reason);
    }
    return answer;
  }

  function resourcePath(code) {
    return "/resources/" + code.split("/").map(encodeURIComponent).join("/");
  }

  // -- sign in and out -------------------------------------------------------------------------
  async function signIn(event) {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) {
      say($("sign-in-error"), "请粘贴令牌 — paste a token");
      return;
    }
    if (!/^[\x21-\x7e]+$/.test(token)) {
      say($("sign-in-error"), "令牌只含可见 ASCII 字符 — a token is printable ASCII");
      return;
    }
    sessionStorage.setItem(KEY, token);
    $("token").value = "";
    await start();
  }

  function signOut(reason) {
    sessionStorage.removeItem(KEY);
    state.caller = null;
    state.selected = null;
    show($("app"), false);
    show($("who"), false);
    show($("sign-in"), true);
    say($("sign-in-error"), reason ? `需要重新登录 — signed out: ${reason}` : "");
    $("token").focus();
  }

  async function start() {
    say($("sign-in-error"), "");
    let body;
    try {
      body = await (await api("/resources")).json();
    } catch (e) {
      if (e.status !== 401) signOut(e.message);
      return;
    }
    state.caller = body.caller;
    state.resources = body.resources;
    $("who-holder").textContent = body.caller.holder;
    $("who-role").textContent = body.caller.role;
    $("version").textContent = cellText(body.version);
    const analyst = ANALYSTS.has(body.caller.role);
    show($("query"), analyst);
    show($("browse"), !analyst);
    show($("detail"), false);
    show($("sign-in"), false);
    show($("who"), true);
    show($("app"), true);
    listResources();
    filterResources();
  }

  // -- the directory ---------------------------------------------------------------------------
  // a: the "access" of a /resources answer; r: the resource (its 共享属性 tells a refusal from a
  // missing application; a 404 is a resource the gateway serves no rows of)
  function accessOf(a, r) {
    if (a.readable) {
      if (a.grant) {
        const until = a.expires_at ? ` 至 until ${a.expires_at}` : "";
        return ["granted", `已授权 granted ${a.grant}`, until];
      }
      if (a.basis === "无条件共享") return ["open", "无条件共享 open", ""];
      return ["granted", `可查询 readable`, a.basis];
    }
    const reason = a.reason || "";
    if (a.status === 404) return ["none", "无数据服务 not served", reason];
    if (r.sharing === "不予共享") return ["refused", "不予共享 refused", reason];
    if (a.status === 403) return ["apply", "需申请 needs application", reason];
    return ["refused", "不可读 refused", reason];
  }

  function listResources() {
    const list = $("resources");
    list.replaceChildren();
    for (const r of state.resources) {
      const [kind, label, detail] = accessOf(r.access, r);
      const item = el("li");
      item.dataset.code = r.code;
      const button = el("button");
      button.type = "button";
      button.append(el("span", "code", r.code), " ", el("strong", "title", r.title), el("span", `access ${kind}`, label));
      button.append(el("span", "title-en", r.title_en));
      if (detail) button.append(el("span", "reason", detail));
      button.addEventListener("click", () => select(r));
      item.append(button);
      list.append(item);
    }
  }

  function filterResources() {
    const words = $("search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of $("resources").children) {
      const r = state.resources.find((x) => x.code === item.dataset.code);
      const text = [r.code, r.title, r.title_en].map((v) => (v || "").toLowerCase()).join(" ");
      const on = words.every((w) => text.includes(w));
      item.hidden = !on;
      shown += on ? 1 : 0;
    }
    $("count").textContent = String(shown);
  }

  function quoted(name) {
    return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
  }

  async function select(summary) {
    state.selected = summary;
    for (const item of $("resources").children) item.classList.toggle("selected", item.dataset.code === summary.code);
    let r;
    try {
      r = await (await api(resourcePath(summary.code))).json();
    } catch (e) {
      say($(ANALYSTS.has(state.caller?.role) ? "query-error" : "rows-error"), e.message);
      return;
    }
    showDetail(r);
    const readable = r.access && r.access.readable;
    if (ANALYSTS.has(state.caller.role)) {
      if (readable && r.relation) {
        const columns = r.items.map((i) => quoted(i.name)).join(", ");
        $("sql").value = `SELECT ${columns || "*"}\nFROM ${r.relation}\nLIMIT 100`;
        $("sql").focus();
      }
      return;
    }
    state.rowsPage = 1;
    $("rows-title").textContent = `${r.code} ${r.title}`;
    if (readable) {
      await loadRows();
    } else {
      clearRows();
      say($("rows-error"), r.access ? r.access.reason : "");
    }
  }

  function showDetail(r) {
    $("detail-title").textContent = r.title;
    $("detail-title-en").textContent = r.title_en || "";
    $("detail-code").textContent = r.code;
    $("detail-sharing").textContent = [r.sharing, r.sharing_condition].filter(Boolean).join("：");
    $("detail-relation").textContent = r.relation || "";
    const [kind, label, detail] = accessOf(r.access || {}, r);
    const access = $("detail-access");
    access.replaceChildren(el("span", `access ${kind}`, label), " ", el("span", "reason", detail));
    const body = $("items").tBodies[0];
    body.replaceChildren();
    for (const i of r.items || []) {
      const tr = el("tr");
      tr.dataset.item = i.name;
      tr.append(el("td", "", i.name), el("td", "", i.name_zh), el("td", i.masked ? "sensitive" : "", i.sensitivity));
      tr.append(el("td", "", i.masked ? "脱敏 masked" : "原值 as is"));
      body.append(tr);
    }
    show($("detail"), true);
  }

  // -- consumers: rows under the grant ------------------------------------------------------
  function clearRows() {
    fillTable($("rows"), [], []);
    $("rows-status").textContent = "";
    $("rows-prev").disabled = true;
    $("rows-next").disabled = true;
  }

  async function loadRows() {
    const r = state.selected;
    if (!r) return;
    say($("rows-error"), "");
    const query = new URLSearchParams({ page: String(state.rowsPage), page_size: String(PAGE_SIZE) });
    let body;
    try {
      body = await (await api(`${resourcePath(r.code)}/rows?${query}`)).json();
    } catch (e) {
      clearRows();
      say($("rows-error"), e.message);
      return;
    }
    fillTable($("rows"), body.columns, body.rows);
    const pages = Math.max(1, Math.ceil(body.total / body.page_size));
    const masked = body.masked.length ? ` · 脱敏 masked: ${body.masked.join(", ")}` : "";
    $("rows-status").textContent =
      `第 ${body.page} / ${pages} 页 page · 共 ${body.total} 行 rows · 依据 basis: ${body.basis}${masked}`;
    $("rows-prev").disabled = body.page <= 1;
    $("rows-next").disabled = body.page >= pages;
  }

  function turn(by) {
    state.rowsPage = Math.max(1, state.rowsPage + by);
    loadRows();
  }

  // -- analysts: SQL ---------------------------------------------------------------------------
  function sqlRequest(format) {
    return api(`/sql?format=${format}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sql: $("sql").value }),
    });
  }

  async function runSql() {
    const status = $("query-status");
    say($("query-error"), "");
    status.textContent = "运行中 running…";
    let body;
    try {
      body = await (await sqlRequest("json")).json();
    } catch (e) {
      status.textContent = "";
      fillTable($("result"), [], []);
      say($("query-error"), e.message);
      return;
    }
    fillTable($("result"), body.columns, body.rows);
    status.replaceChildren(`${body.rows.length} 行 rows · ${body.seconds} 秒 s`);
    if (body.truncated) {
      status.append(" · ", el("span", "truncated", `已截断 truncated at ${body.row_limit} 行 rows`));
    }
  }

  async function downloadCsv() {
    say($("query-error"), "");
    let blob;
    try {
      blob = await (await sqlRequest("csv")).blob();
    } catch (e) {
      say($("query-error"), e.message);
      return;
    }
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = "query.csv";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  // -- wiring ------------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", () => signOut(""));
    $("search").addEventListener("input", filterResources);
    $("run").addEventListener("click", runSql);
    $("download").addEventListener("click", downloadCsv);
    $("sql").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        runSql();
      }
    });
    $("rows-prev").addEventListener("click", () => turn(-1));
    $("rows-next").addEventListener("click", () => turn(1));
    if (sessionStorage.getItem(KEY)) start();
    else signOut("");
  });
})();
