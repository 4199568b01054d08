// imcloud console: an app's settings (§14.1, each with its limits
// explained), its sensitive words (add, import a file, search, remove)
// and its REST IP allow-list (the rest_allow_list setting).
"use strict";
(function () {
  const C = window.imcloudConsole;
  const { call, attempt, notice, el, button, list } = C;
  const $ = (id) => document.getElementById(id);

  // Every setting: its kind, what it does and its limits (docs/rest.md).
  const SETTINGS = [
    ["plan", ["free", "pro", "flagship"], "The plan. Choosing one sets the limits marked “plan” to its values: free 100 members per group, 100 groups per user, 1,000 per room, 100 friends, 3 days kept, 100 REST calls/s; pro 3,000 / 600 / 10,000 / 3,000 / 7 days / 300; flagship 8,000 / 100,000 / 100,000 / 3,000 / 90 days / 1,000."],
    ["user_send_rate", "number", "Messages a user may send per second from clients (0 = no limit; 0–100,000). Over it: error 509."],
    ["user_send_burst", "number", "Messages a user may send at once before the rate applies (1–100,000; at least the rate when the rate is on)."],
    ["rest_rate_per_s", "number", "REST calls per second of the default class (1–1,000,000). Plan."],
    ["recall_enabled", "bool", "Whether senders may recall their messages."],
    ["recall_window_secs", "number", "How long after sending a message may be recalled, seconds (1–604,800 = 7 days)."],
    ["friend_check", "bool", "Refuse 1:1 messages between users who are not contacts (error 221)."],
    ["sensitive_words", ["off", "replace", "refuse"], "What a listed sensitive word does: nothing, becomes ***, or refuses the message (error 501)."],
    ["max_devices", "number", "Devices a user may have online at once (1–64); one more logs the oldest out."],
    ["max_message_bytes", "number", "Largest message body, bytes (256–65,536)."],
    ["group_max_users", "number", "Most members of a group (3–100,000). Plan."],
    ["groups_per_user", "number", "Most groups a user may be in (1–100,000). Plan."],
    ["chatroom_max_users", "number", "Most members of a chat room (1–1,000,000). Plan."],
    ["friends_per_user", "number", "Most contacts of a user (1–10,000). Plan."],
    ["retention_days", "number", "Days messages are kept; older ones are deleted by a background sweep (0 = forever; at most 3,650). Plan."],
    ["token_ttl_secs", "number", "Lifetime of a token when the request sets none, seconds (60 to 10 years)."],
    ["open_registration", "bool", "Let anyone register a user without the app token."],
    ["push_policy", ["all_offline", "any_offline"], "When a message is pushed: only when none of the user's devices is online, or to every bound device that is offline."],
  ];
  let current = null;

  function field(key, kind, help, value) {
    const id = "setting-" + key;
    const helpId = id + "-help";
    let input;
    if (kind === "bool") {
      input = el("input", { id, type: "checkbox", "aria-describedby": helpId });
      input.checked = !!value;
      return el("div", { class: "setting" },
        el("div", { class: "field check" }, input, el("label", { for: id, text: key })),
        el("p", { class: "hint", id: helpId, text: help }));
    }
    if (Array.isArray(kind)) {
      input = el("select", { id, "aria-describedby": helpId }, ...kind.map((o) => el("option", { value: o, text: o })));
      input.value = value;
    } else {
      input = el("input", { id, type: "number", min: "0", "aria-describedby": helpId });
      input.value = String(value);
    }
    return el("div", { class: "setting" }, el("label", { for: id, text: key }), input, el("p", { class: "hint", id: helpId, text: help }));
  }

  function render(data) {
    current = data;
    $("settings-fields").replaceChildren(...SETTINGS.filter(([k]) => k in data).map(([k, kind, help]) => field(k, kind, help, data[k])));
  }

  async function load() {
    const r = await attempt(() => call("Reading the settings", "GET", "/settings"));
    if (r) render(r.data);
    return r && r.data;
  }

  $("settings-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!current) return;
    const patch = {};
    for (const [key, kind] of SETTINGS) {
      const input = $("setting-" + key);
      if (!input) continue;
      const v = kind === "bool" ? input.checked : Array.isArray(kind) ? input.value : Number(input.value);
      if (v !== current[key]) patch[key] = v;
    }
    // The plan first: later keys override what it sets.
    if (!Object.keys(patch).length) return notice("Nothing changed.");
    attempt(async () => {
      const r = await call("Saving the settings", "PUT", "/settings", patch);
      render(r.data);
      notice("Settings saved: " + Object.keys(patch).join(", ") + ".");
    });
  });

  C.pages.settings = { open: load };

  // ---- sensitive words ----
  const WORDS_PAGE = 1000;
  const CHUNK = 10000;
  let wordsCursor = null;
  let filter = "";

  function wordItem(w) {
    return el("li", {}, el("span", { text: w }),
      button("Remove", () => attempt(async () => {
        await call(`Removing “${w}”`, "DELETE", "/sensitive_words", { words: [w] });
        notice(`“${w}” is removed.`);
        loadWords(true);
      }), null, `Remove ${w}`));
  }

  /// The first page (or the next), keeping only words that hold the
  /// search text; a search reads on until it found a page's worth.
  async function loadWords(fresh) {
    if (fresh) { wordsCursor = null; $("words-list").replaceChildren(); }
    const shown = [];
    let reads = 0;
    await attempt(async () => {
      do {
        const q = `/sensitive_words?limit=${WORDS_PAGE}` + (wordsCursor ? "&cursor=" + encodeURIComponent(wordsCursor) : "");
        const r = await call("Reading the sensitive words", "GET", q);
        const words = r.data.words || [];
        wordsCursor = r.data.cursor || null;
        shown.push(...words.filter((w) => !filter || w.includes(filter)));
        reads += 1;
      } while (filter && wordsCursor && shown.length < 200 && reads < 50);
    });
    $("words-list").append(...shown.map(wordItem));
    const n = $("words-list").children.length;
    $("words-summary").textContent = `${n} word${n === 1 ? "" : "s"} shown${filter ? ` containing “${filter}”` : ""}${wordsCursor ? "; more follow" : ""}.`;
    $("words-more").disabled = !wordsCursor;
  }

  async function addWords(words, what) {
    let added = 0;
    for (let i = 0; i < words.length; i += CHUNK) {
      const part = words.slice(i, i + CHUNK);
      const r = await call(what + (words.length > CHUNK ? ` (${i + 1}–${i + part.length} of ${words.length})` : ""), "POST", "/sensitive_words", { words: part });
      added += r.data.added;
    }
    return added;
  }

  $("add-words").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const words = list($("new-words").value);
    if (!words.length) return C.showError("Adding words failed: enter at least one word.");
    attempt(async () => {
      const added = await addWords(words, "Adding words");
      $("new-words").value = "";
      notice(`${added} word${added === 1 ? "" : "s"} added.`);
      loadWords(true);
    });
  });

  $("import-words").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const file = $("words-file").files[0];
    if (!file) return C.showError("Importing failed: choose a file first.");
    attempt(async () => {
      const text = await file.text();
      const words = [...new Set(text.split(/\r?\n/).map((w) => w.trim()).filter(Boolean))];
      if (!words.length) throw new Error("Importing failed: the file holds no words.");
      const added = await addWords(words, "Importing " + file.name);
      notice(`Imported ${file.name}: ${words.length} words read, ${added} new.`);
      loadWords(true);
    });
  });

  $("search-words").addEventListener("submit", (ev) => {
    ev.preventDefault();
    filter = $("words-filter").value.trim().toLowerCase();
    loadWords(true);
  });
  $("words-more").addEventListener("click", () => loadWords(false));

  C.pages.words = { open: () => loadWords(true) };

  // ---- the REST allow-list ----
  async function saveAllowList(entries, done) {
    const r = await attempt(() => call("Saving the allow-list", "PUT", "/settings", { rest_allow_list: entries }));
    if (!r) return;
    notice(done);
    renderAllowList(r.data.rest_allow_list);
  }

  function renderAllowList(entries) {
    const items = entries.map((e) => el("li", {}, el("span", { text: e }),
      button("Remove", () => saveAllowList(entries.filter((x) => x !== e), `${e} is removed.`), null, `Remove ${e}`)));
    $("allow-entries").replaceChildren(...items);
    if (!entries.length) $("allow-entries").append(el("li", {}, el("span", { text: "Empty: every address is allowed." })));
    $("allow-entries").dataset.entries = JSON.stringify(entries);
  }

  $("allow-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const entry = $("allow-entry").value.trim();
    if (!entry) return;
    const entries = JSON.parse($("allow-entries").dataset.entries || "[]");
    if (entries.length >= 8) return C.showError("Adding failed: the allow-list holds at most 8 entries.");
    saveAllowList([...entries, entry], `${entry} is allowed.`).then(() => { $("allow-entry").value = ""; });
  });

  C.pages["allow-list"] = {
    open: async () => {
      const r = await attempt(() => call("Reading the allow-list", "GET", "/settings"));
      if (r) renderAllowList(r.data.rest_allow_list || []);
    },
  };
})();
