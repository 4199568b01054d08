// imcloud console: an app's users: create, find, page through, and for
// one user: deactivate or activate, force logout, reset the password,
// see the online devices.
"use strict";
(function () {
  const C = window.imcloudConsole;
  const { call, attempt, notice, el, button, when } = C;
  const $ = (id) => document.getElementById(id);

  function row(u) {
    return el("tr", {},
      el("th", { scope: "row", text: u.username }),
      el("td", { text: u.nickname || "" }),
      el("td", { text: u.activated === false ? "no (deactivated)" : "yes" }),
      el("td", { text: when(u.created) }),
      el("td", {}, button("Manage", () => manage(u.username), "secondary", "Manage " + u.username)));
  }

  const usersPager = C.pager($("users-first"), $("users-next"), (cursor) => attempt(async () => {
    const r = await call("Listing users", "GET", "/users?limit=20" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
    const body = $("users-table").tBodies[0];
    body.replaceChildren(...r.entities.map(row));
    if (!r.entities.length) body.append(el("tr", {}, el("td", { colspan: "5", text: "No users yet." })));
    return r.cursor || "";
  }));

  /// Shows one user with what can be done to it.
  async function manage(name) {
    const panel = $("user-panel");
    const u = await attempt(async () => (await call(`Reading ${name}`, "GET", `/users/${encodeURIComponent(name)}`)).entities[0]);
    if (!u) return;
    const devices = await attempt(async () => (await call(`Reading ${name}'s devices`, "GET", `/users/${encodeURIComponent(name)}/resources`)).data) || [];
    const path = `/users/${encodeURIComponent(name)}`;
    const pw = el("input", { id: "reset-password", type: "password", autocomplete: "new-password" });
    const active = u.activated !== false;
    panel.replaceChildren(
      el("h3", { text: `User ${u.username}` }),
      el("p", { text: `${active ? "Active" : "Deactivated"} · created ${when(u.created)}${u.nickname ? " · nickname " + u.nickname : ""}` }),
      el("p", { id: "user-devices", text: devices.length ? "Online devices: " + devices.map((d) => d.res || d.device_name || d.device_uuid).join(", ") : "No device online." }),
      el("div", { class: "row" },
        active
          ? button("Deactivate", () => act(`Deactivating ${name}`, "POST", path + "/deactivate", `${name} is deactivated and logged out.`), "danger")
          : button("Activate", () => act(`Activating ${name}`, "POST", path + "/activate", `${name} is active again.`)),
        button("Force logout", () => act(`Logging ${name} out`, "GET", path + "/disconnect", `${name}'s devices are logged out.`), "secondary")),
      el("form", { class: "inline", id: "reset-form", onsubmit: (ev) => {
        ev.preventDefault();
        if (!pw.value) return C.showError("Resetting the password failed: enter a new password.");
        act(`Resetting ${name}'s password`, "PUT", path + "/password", `${name}'s password is changed; their devices were logged out.`, { newpassword: pw.value });
      } },
        el("div", { class: "field" }, el("label", { for: "reset-password", text: "New password" }), pw),
        el("button", { type: "submit", text: "Reset password" })));
    panel.hidden = false;
    panel.scrollIntoView({ block: "nearest" });

    async function act(what, method, p, done, body) {
      const ok = await attempt(() => call(what, method, p, body));
      if (ok === undefined) return;
      notice(done);
      usersPager.reload();
      manage(name);
    }
  }

  $("create-user").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const username = $("new-user-name").value.trim();
    const password = $("new-user-password").value;
    if (!username || !password) return C.showError("Creating the user failed: a user name and a password are needed.");
    const body = { username, password };
    const nick = $("new-user-nick").value.trim();
    if (nick) body.nickname = nick;
    attempt(async () => {
      await call(`Creating ${username}`, "POST", "/users", body);
      $("new-user-name").value = "";
      $("new-user-password").value = "";
      $("new-user-nick").value = "";
      notice(`${username} is created.`);
      usersPager.reload();
    });
  });

  $("find-user").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = $("find-user-name").value.trim();
    if (name) manage(name);
  });

  C.pages.users = {
    open: () => { $("user-panel").hidden = true; usersPager.first(); },
  };
})();
