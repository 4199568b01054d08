// imcloud console: sign-in (the operator secret, or one app's client id
// and secret), the REST caller every page uses, the pages' navigation,
// and the operator's app list and an app's details. The other pages live
// in console-*.js and register themselves with window.imcloudConsole.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const SESSION_KEY = "imcloud-console";
  const pages = {};
  const state = {
    // {secret} for the operator; {appkey, clientId, clientSecret} for one app.
    operator: null,
    app: null, // {appkey, org, name, token, clientId, clientSecret, created}
    page: null,
  };

  // ---- messages ----
  function showError(text) {
    $("alert-text").textContent = text;
    $("alert").hidden = false;
  }
  function clearError() {
    $("alert").hidden = true;
  }
  let noticeTimer = null;
  function notice(text) {
    $("notice").textContent = text;
    $("notice").hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { $("notice").hidden = true; }, 6000);
  }
  $("alert-close").addEventListener("click", clearError);

  // ---- REST ----
  class ApiError extends Error {
    constructor(status, body, what) {
      const code = body && body.error ? body.error : "";
      const detail = body && body.error_description ? body.error_description : "";
      let text = `${what} failed: `;
      if (status === 0) text += "the server did not answer (is it running?)";
      else text += `${status}${code ? " " + code : ""}${detail ? " – " + detail : ""}`;
      super(text);
      this.status = status;
      this.body = body;
    }
  }

  /// One call. `path` under the app (`/users`) unless `root` is set;
  /// `auth`: "app" (default), "operator" or "none".
  async function call(what, method, path, body, opts) {
    const o = opts || {};
    const headers = {};
    const auth = o.auth || "app";
    if (auth === "operator" && state.operator) headers.Authorization = "Bearer " + state.operator.secret;
    if (auth === "app" && state.app) headers.Authorization = "Bearer " + state.app.token;
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const url = o.root ? path : `/${state.app.org}/${state.app.name}${path}`;
    let resp;
    try {
      resp = await fetch(url, { method, headers, body: payload });
    } catch (e) {
      throw new ApiError(0, null, what);
    }
    if (o.text) {
      const text = await resp.text();
      if (!resp.ok) throw new ApiError(resp.status, null, what);
      return text;
    }
    let json = null;
    try { json = await resp.json(); } catch (e) { json = null; }
    if (!resp.ok) throw new ApiError(resp.status, json, what);
    return json;
  }

  /// Runs `fn`, showing its failure; answers its result or undefined.
  async function attempt(fn) {
    try {
      const r = await fn();
      clearError();
      return r;
    } catch (e) {
      showError(e.message || String(e));
      return undefined;
    }
  }

  // ---- small DOM helpers shared by the pages ----
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v === true) e.setAttribute(k, "");
      else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  function button(text, onclick, cls, label) {
    return el("button", { type: "button", class: cls || null, onclick, "aria-label": label || null, text });
  }
  function when(ms) {
    return ms ? new Date(ms).toLocaleString() : "";
  }
  function list(text) {
    return text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
  }
  /// A pager over cursor pages: remembers the cursors of the pages shown.
  function pager(firstBtn, nextBtn, load) {
    let cursors = [null];
    let next = null;
    async function show(cursor) {
      const n = await load(cursor);
      if (n === undefined) return;
      next = n || null;
      nextBtn.disabled = !next;
      firstBtn.disabled = cursors.length <= 1;
    }
    firstBtn.addEventListener("click", () => { cursors = [null]; show(null); });
    nextBtn.addEventListener("click", () => { if (next) { cursors.push(next); show(next); } });
    return { reload: () => show(cursors[cursors.length - 1]), first: () => { cursors = [null]; return show(null); } };
  }

  // ---- sign-in ----
  function save() {
    const s = { operator: state.operator, app: state.app };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  }

  async function appToken(appkey, clientId, clientSecret) {
    const [org, name] = appkey.split("#");
    const r = await call("Signing in to " + appkey, "POST", `/${org}/${name}/token`,
      { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret },
      { root: true, auth: "none" });
    return { appkey, org, name, token: r.access_token, clientId, clientSecret };
  }

  $("operator-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const secret = $("operator-secret").value;
    if (!secret) return showError("Enter the operator secret.");
    attempt(async () => {
      state.operator = { secret };
      try {
        await call("Signing in as the operator", "GET", "/_admin/apps?limit=1", undefined, { root: true, auth: "operator" });
      } catch (e) {
        state.operator = null;
        if (e.status === 404) throw new Error("Signing in as the operator failed: the operator endpoints are off (set [admin] secret or IMCLOUD_ADMIN__SECRET on the server)");
        if (e.status === 401) throw new Error("Signing in as the operator failed: the secret is wrong");
        throw e;
      }
      $("operator-secret").value = "";
      state.app = null;
      save();
      enter("apps");
    });
  });

  $("app-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const appkey = $("app-key").value.trim();
    if (!/^[a-z0-9-]{1,32}#[a-z0-9-]{1,32}$/.test(appkey)) {
      return showError("The app key is org#app: lowercase letters, digits and hyphens, at most 32 each.");
    }
    attempt(async () => {
      state.operator = null;
      state.app = await appToken(appkey, $("app-client-id").value.trim(), $("app-client-secret").value);
      $("app-client-secret").value = "";
      save();
      enter("details");
    });
  });

  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(SESSION_KEY);
    state.operator = null;
    state.app = null;
    leave();
  });

  /// The operator opens one app: its credentials, then an app token.
  async function openApp(appkey, page) {
    const [org, name] = appkey.split("#");
    const r = await call("Opening " + appkey, "GET", `/_admin/apps/${org}/${name}`, undefined, { root: true, auth: "operator" });
    const d = r.data;
    state.app = await appToken(appkey, d.client_id, d.client_secret);
    state.app.created = d.created;
    save();
    enter(page || "details");
  }

  // ---- navigation ----
  function leave() {
    for (const p of document.querySelectorAll(".page")) p.hidden = true;
    $("console-view").hidden = true;
    $("sign-in-view").hidden = false;
    $("sign-out").hidden = true;
    $("who").textContent = "Not signed in";
    if (location.hash) history.replaceState(null, "", location.pathname);
    for (const p of Object.values(pages)) if (p.leave) p.leave();
  }

  function enter(page) {
    $("sign-in-view").hidden = true;
    $("console-view").hidden = false;
    $("sign-out").hidden = false;
    $("who").textContent = state.operator
      ? "Operator" + (state.app ? " · " + state.app.appkey : "")
      : "App " + state.app.appkey;
    for (const li of document.querySelectorAll("#nav li")) {
      li.hidden = (li.hasAttribute("data-operator") && !state.operator) || (li.hasAttribute("data-app") && !state.app);
    }
    $("current-app").textContent = state.app ? "App: " + state.app.appkey : "No app open: pick one under Apps.";
    show(page);
  }

  function show(page) {
    const link = document.querySelector(`#nav a[data-page="${page}"]`);
    if (!link || link.parentElement.hidden) page = state.app ? "details" : state.operator ? "apps" : "metrics";
    if (state.page && pages[state.page] && pages[state.page].leave) pages[state.page].leave();
    state.page = page;
    for (const p of document.querySelectorAll(".page")) p.hidden = p.id !== "page-" + page;
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.dataset.page === page) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    if (location.hash !== "#" + page) history.replaceState(null, "", "#" + page);
    if (pages[page] && pages[page].open) pages[page].open();
  }

  window.addEventListener("hashchange", () => {
    if (!$("console-view").hidden) show(location.hash.slice(1));
  });

  // ---- the operator's apps ----
  const appsPager = pager($("apps-first"), $("apps-next"), (cursor) => attempt(async () => {
    const q = "/_admin/apps?limit=20" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    const r = await call("Listing the apps", "GET", q, undefined, { root: true, auth: "operator" });
    const body = $("apps-table").tBodies[0];
    body.replaceChildren();
    for (const a of r.data) {
      const actions = el("td", {},
        button("Open", () => attempt(() => openApp(a.appkey)), "secondary", "Open " + a.appkey),
        button("Delete", () => deleteApp(a.appkey), "danger", "Delete " + a.appkey));
      body.append(el("tr", {},
        el("th", { scope: "row", text: a.appkey + (a.deleting ? " (being deleted)" : "") }),
        el("td", { text: when(a.created) }), el("td", { text: String(a.users) }), actions));
    }
    if (!r.data.length) body.append(el("tr", {}, el("td", { colspan: "4", text: "No apps yet." })));
    return r.cursor || "";
  }));

  function deleteApp(appkey) {
    if (!confirm(`Delete ${appkey} with all its users, groups, rooms, messages, settings and tokens? This cannot be undone.`)) return;
    const [org, name] = appkey.split("#");
    attempt(async () => {
      await call("Deleting " + appkey, "DELETE", `/_admin/apps/${org}/${name}`, undefined, { root: true, auth: "operator" });
      if (state.app && state.app.appkey === appkey) { state.app = null; save(); enter("apps"); }
      notice(`${appkey} is deleted.`);
      appsPager.first();
    });
  }

  $("create-app").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const org = $("new-org").value.trim();
    const name = $("new-app").value.trim();
    const rule = /^[a-z0-9-]{1,32}$/;
    if (!rule.test(org) || !rule.test(name)) {
      return showError("Creating the app failed: organization and app name are 1–32 lowercase letters, digits or hyphens.");
    }
    attempt(async () => {
      const r = await call("Creating the app", "POST", "/_admin/apps", { appkey: `${org}#${name}` }, { root: true, auth: "operator" });
      const d = r.data;
      const box = $("created-app");
      box.replaceChildren(
        el("h3", { text: `${d.appkey} is created` }),
        el("p", { class: "hint", text: "Its credentials are also on its details page." }),
        el("dl", { class: "facts" },
          el("dt", { text: "Client ID" }), el("dd", { text: d.client_id }),
          el("dt", { text: "Client secret" }), el("dd", { text: d.client_secret })),
        el("p", {}, button("Open " + d.appkey, () => attempt(() => openApp(d.appkey)))));
      box.hidden = false;
      $("new-org").value = "";
      $("new-app").value = "";
      notice(`${d.appkey} is created.`);
      appsPager.first();
    });
  });

  pages.apps = { open: () => { appsPager.reload(); } };

  // ---- an app's details ----
  pages.details = {
    open: () => {
      const a = state.app;
      const base = location.origin;
      const ws = base.replace(/^http/, "ws");
      const facts = [
        ["Organization", a.org], ["App name", a.name], ["App key", a.appkey],
        ["Client ID", a.clientId], ["Client secret", a.clientSecret],
        ["REST base URL", `${base}/${a.org}/${a.name}`],
        ["WebSocket (imcloud protocol)", `${ws}/ws`],
        ["WebSocket (Easemob Web SDK, msync)", `${ws}/websocket`],
      ];
      if (a.created) facts.push(["Created", when(a.created)]);
      $("details-list").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
    },
  };

  // ---- shared with the other files ----
  window.imcloudConsole = { call, attempt, notice, showError, el, button, when, list, pager, pages, state };

  // Resume a session of this tab once every script has registered.
  window.addEventListener("load", () => {
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch (e) { saved = null; }
    const page = location.hash.slice(1);
    if (saved && (saved.operator || saved.app)) {
      state.operator = saved.operator;
      state.app = saved.app;
      enter(page);
    }
  });
})();
