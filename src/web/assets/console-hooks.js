// imcloud console: callback rules (§14.3, every field; add, change,
// delete, and a signed test event to the rule's URL) and push credentials
// (§14.4; secrets are sent, never shown back).
"use strict";
(function () {
  const C = window.imcloudConsole;
  const { call, attempt, notice, el, button, list } = C;
  const $ = (id) => document.getElementById(id);

  const CHAT_TYPES = ["chat", "groupchat", "chatroom"];
  const MSG_TYPES = ["txt", "img", "audio", "video", "loc", "file", "custom"];
  const EVENTS = ["chat", "chat_offline", "recall", "read_ack", "muc", "roster", "user_status", "keyword_alert"];
  let editing = null;

  function choices(box, name, values) {
    box.replaceChildren(...values.map((v) => {
      const id = `${name}-${v}`;
      return el("label", { for: id }, el("input", { type: "checkbox", id, value: v }), v);
    }));
  }
  choices($("rule-chat-types"), "rule-chat", CHAT_TYPES);
  choices($("rule-msg-types"), "rule-msg", MSG_TYPES);
  choices($("rule-events"), "rule-event", EVENTS);
  const checked = (box) => [...box.querySelectorAll("input:checked")].map((i) => i.value);
  const check = (box, values) => { for (const i of box.querySelectorAll("input")) i.checked = (values || []).includes(i.value); };

  function showKind() {
    const kind = $("rule-kind").value;
    for (const f of document.querySelectorAll("#rule-form fieldset")) f.hidden = f.dataset.kind !== kind;
  }
  $("rule-kind").addEventListener("change", showKind);

  function resetForm() {
    editing = null;
    $("rule-form").reset();
    $("rule-name").disabled = false;
    $("rule-kind").disabled = false;
    $("rule-form-title").textContent = "Add a rule";
    $("rule-save").textContent = "Add rule";
    $("rule-cancel").hidden = true;
    check($("rule-chat-types"), []);
    check($("rule-msg-types"), []);
    check($("rule-events"), []);
    showKind();
  }
  $("rule-cancel").addEventListener("click", resetForm);

  function edit(rule) {
    editing = rule.name;
    $("rule-name").value = rule.name;
    $("rule-name").disabled = true;
    $("rule-kind").value = rule.kind;
    $("rule-kind").disabled = true;
    $("rule-url").value = rule.url;
    $("rule-enabled").checked = rule.enabled;
    check($("rule-chat-types"), rule.chat_types);
    check($("rule-msg-types"), rule.msg_types);
    check($("rule-events"), rule.events);
    $("rule-timeout").value = rule.timeout_ms || "";
    $("rule-fail").value = rule.fail_policy || "pass";
    $("rule-report").checked = !!rule.report_error;
    $("rule-rest").checked = !!rule.include_rest;
    $("rule-from").value = (rule.from || []).join(", ");
    $("rule-to").value = (rule.to || []).join(", ");
    $("rule-groups").value = (rule.groups || []).join(", ");
    $("rule-ext").value = (rule.ext_keys || []).join(", ");
    $("rule-form-title").textContent = `Change rule ${rule.name}`;
    $("rule-save").textContent = "Save rule";
    $("rule-cancel").hidden = false;
    showKind();
    $("rule-url").focus();
  }

  function ruleView(rule) {
    const result = el("p", { class: "result", role: "status", "aria-live": "polite", hidden: true });
    const facts = rule.kind === "pre_send"
      ? `chat types: ${(rule.chat_types || []).join(", ") || "all"} · message types: ${(rule.msg_types || []).join(", ") || "all"} · timeout ${rule.timeout_ms} ms · on failure: ${rule.fail_policy}${rule.report_error ? " · sender told" : ""}`
      : `events: ${(rule.events || []).join(", ") || "none"}${rule.include_rest ? " · REST messages included" : ""}` +
        ["from", "to", "groups", "ext_keys"].filter((k) => (rule[k] || []).length).map((k) => ` · ${k}: ${rule[k].join(", ")}`).join("") +
        (rule.queue ? ` · queue: ${rule.queue.state}, ${rule.queue.queued} waiting, ${rule.queue.delivered} delivered` : "");
    return el("article", { class: "rule", "aria-labelledby": `rule-${rule.name}-title` },
      el("h3", { id: `rule-${rule.name}-title`, text: `${rule.name} · ${rule.kind === "pre_send" ? "pre-send" : "post-send"}${rule.enabled ? "" : " (disabled)"}` }),
      el("p", { text: rule.url }),
      el("p", { class: "hint", text: facts }),
      el("p", { class: "hint" }, "Secret: ", el("code", { text: rule.secret })),
      el("div", { class: "row" },
        button("Send a test event", () => attempt(async () => {
          result.hidden = false;
          result.className = "result";
          result.textContent = "Sending…";
          const r = await call(`Testing ${rule.name}`, "POST", `/callbacks/${encodeURIComponent(rule.name)}/test`, {});
          const d = r.data;
          result.className = "result " + (d.ok ? "good" : "bad");
          result.textContent = d.status !== undefined
            ? `The receiver answered ${d.status} in ${d.duration_ms} ms${d.answer ? ": " + d.answer : ""}`
            : `No answer: ${d.error}`;
        }), "secondary", `Send a test event to ${rule.name}`),
        button("Change", () => edit(rule), "secondary", `Change ${rule.name}`),
        button("Delete", () => {
          if (!confirm(`Delete rule ${rule.name}? Events waiting in its queue are dropped.`)) return;
          attempt(async () => {
            await call(`Deleting ${rule.name}`, "DELETE", `/callbacks/${encodeURIComponent(rule.name)}`);
            notice(`Rule ${rule.name} is deleted.`);
            loadRules();
          });
        }, "danger", `Delete ${rule.name}`)),
      result);
  }

  async function loadRules() {
    const r = await attempt(() => call("Reading the callback rules", "GET", "/callbacks"));
    if (!r) return;
    $("rules-list").replaceChildren(...r.data.map(ruleView));
    if (!r.data.length) $("rules-list").append(el("p", { class: "hint", text: "No rules yet." }));
  }

  $("rule-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const kind = $("rule-kind").value;
    const rule = { url: $("rule-url").value.trim(), enabled: $("rule-enabled").checked };
    if (!editing) {
      rule.name = $("rule-name").value.trim();
      rule.kind = kind;
      if (!/^[A-Za-z0-9_]{1,32}$/.test(rule.name)) return C.showError("Saving the rule failed: the name is 1–32 of A–Z, a–z, 0–9 and _.");
    }
    if (!/^https?:\/\//.test(rule.url)) return C.showError("Saving the rule failed: the URL starts with http:// or https://.");
    if (kind === "pre_send") {
      rule.chat_types = checked($("rule-chat-types"));
      rule.msg_types = checked($("rule-msg-types"));
      if ($("rule-timeout").value) rule.timeout_ms = Number($("rule-timeout").value);
      rule.fail_policy = $("rule-fail").value;
      rule.report_error = $("rule-report").checked;
    } else {
      rule.events = checked($("rule-events"));
      rule.include_rest = $("rule-rest").checked;
      rule.from = list($("rule-from").value);
      rule.to = list($("rule-to").value);
      rule.groups = list($("rule-groups").value);
      rule.ext_keys = list($("rule-ext").value);
    }
    attempt(async () => {
      if (editing) {
        await call(`Changing ${editing}`, "PUT", `/callbacks/${encodeURIComponent(editing)}`, rule);
        notice(`Rule ${editing} is saved.`);
      } else {
        await call(`Adding ${rule.name}`, "POST", "/callbacks", rule);
        notice(`Rule ${rule.name} is added; its secret is shown with it.`);
      }
      resetForm();
      loadRules();
    });
  });

  C.pages.callbacks = { open: () => { resetForm(); loadRules(); } };

  // ---- push credentials ----
  // Each provider's fields: [name, label, secret?, multi-line?].
  const PROVIDERS = {
    apns: [["team_id", "Team ID"], ["key_id", "Key ID"], ["p8", "Private key (.p8 file's text)", true, true], ["bundle_id", "Bundle ID"], ["sandbox", "Sandbox (development)", false, false, "bool"]],
    fcm: [["service_account", "Service account JSON", true, true]],
    huawei: [["app_id", "App ID"], ["app_secret", "App secret", true]],
    honor: [["app_id", "App ID"], ["client_id", "Client ID"], ["client_secret", "Client secret", true]],
    xiaomi: [["package_name", "Package name"], ["app_secret", "App secret", true]],
    oppo: [["app_key", "App key"], ["master_secret", "Master secret", true]],
    vivo: [["app_id", "App ID"], ["app_key", "App key"], ["app_secret", "App secret", true]],
    meizu: [["app_id", "App ID"], ["app_secret", "App secret", true]],
    webhook: [["url", "URL of your push service"], ["secret", "Signing secret (optional)", true]],
  };
  $("push-provider").replaceChildren(...Object.keys(PROVIDERS).map((p) => el("option", { value: p, text: p })));

  function pushFields() {
    const fields = PROVIDERS[$("push-provider").value];
    $("push-fields").replaceChildren(...fields.map(([name, label, secret, multi, kind]) => {
      const id = "push-field-" + name;
      if (kind === "bool") {
        return el("div", { class: "field check" }, el("input", { id, type: "checkbox", "data-field": name }), el("label", { for: id, text: label }));
      }
      const input = multi
        ? el("textarea", { id, rows: "4", "data-field": name, autocomplete: "off", spellcheck: "false" })
        : el("input", { id, type: secret ? "password" : "text", "data-field": name, autocomplete: secret ? "new-password" : "off" });
      return el("div", { class: multi ? "field span2" : "field" }, el("label", { for: id, text: label }), input);
    }));
  }
  $("push-provider").addEventListener("change", pushFields);
  pushFields();

  async function loadCredentials() {
    const r = await attempt(() => call("Reading the push credentials", "GET", "/push/credentials"));
    if (!r) return;
    const body = $("push-table").tBodies[0];
    body.replaceChildren(...r.data.map((c) => {
      const shown = Object.entries(c).filter(([k]) => !["name", "provider", "created"].includes(k)).map(([k, v]) => `${k}: ${v}`).join(" · ");
      return el("tr", {},
        el("th", { scope: "row", text: c.name }), el("td", { text: c.provider }), el("td", { text: shown }),
        el("td", {}, button("Delete", () => {
          if (!confirm(`Delete push credential ${c.name}?`)) return;
          attempt(async () => {
            await call(`Deleting ${c.name}`, "DELETE", `/push/credentials/${encodeURIComponent(c.name)}`);
            notice(`Push credential ${c.name} is deleted.`);
            loadCredentials();
          });
        }, "danger", `Delete ${c.name}`)));
    }));
    if (!r.data.length) body.append(el("tr", {}, el("td", { colspan: "4", text: "No push credentials yet." })));
  }

  $("push-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = $("push-name").value.trim();
    if (!name) return C.showError("Saving the credential failed: give it a name.");
    const body = { name, provider: $("push-provider").value };
    for (const input of $("push-fields").querySelectorAll("[data-field]")) {
      const v = input.type === "checkbox" ? input.checked : input.value.trim();
      if (v !== "") body[input.dataset.field] = v;
    }
    attempt(async () => {
      await call(`Saving ${name}`, "POST", "/push/credentials", body);
      $("push-form").reset();
      pushFields();
      notice(`Push credential ${name} is saved.`);
      loadCredentials();
    });
  });

  C.pages.push = { open: loadCredentials };
})();
