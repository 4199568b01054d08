// imcloud console: groups and chat rooms. Both are listed, created and
// dissolved; for one: its members (add, remove), admins (add, remove) and
// mutes (mute for a time, unmute). The two share the roster calls.
"use strict";
(function () {
  const C = window.imcloudConsole;
  const { call, attempt, notice, el, button, list } = C;
  const $ = (id) => document.getElementById(id);

  function setup(kind) {
    const group = kind === "chatgroups";
    const noun = group ? "group" : "chat room";
    const ids = group
      ? { table: "groups-table", panel: "group-panel", first: "groups-first", next: "groups-next", form: "create-group" }
      : { table: "rooms-table", panel: "room-panel", first: "rooms-first", next: "rooms-next", form: "create-room" };

    const listPager = C.pager($(ids.first), $(ids.next), (cursor) => attempt(async () => {
      const r = await call(`Listing ${noun}s`, "GET", `/${kind}?limit=20` + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      const body = $(ids.table).tBodies[0];
      body.replaceChildren();
      for (const g of r.data || []) {
        const id = group ? g.groupid : g.id;
        const name = group ? g.groupname : g.name;
        const count = group ? g.affiliations : g.affiliations_count;
        body.append(el("tr", {},
          el("th", { scope: "row", text: name || "" }), el("td", { text: id }),
          el("td", { text: g.owner || "" }), el("td", { text: count === undefined ? "" : String(count) }),
          el("td", {}, button("Manage", () => manage(id, name), "secondary", `Manage ${noun} ${name}`))));
      }
      if (!(r.data || []).length) body.append(el("tr", {}, el("td", { colspan: "5", text: `No ${noun}s yet.` })));
      return r.cursor || "";
    }));

    async function manage(id, name) {
      const panel = $(ids.panel);
      const base = `/${kind}/${encodeURIComponent(id)}`;
      const got = await attempt(async () => {
        const [members, admins, mutes] = await Promise.all([
          call(`Reading the ${noun}'s members`, "GET", base + "/users?pagenum=1&pagesize=1000"),
          call(`Reading the ${noun}'s admins`, "GET", base + "/admin"),
          call(`Reading the ${noun}'s mutes`, "GET", base + "/mute"),
        ]);
        return { members: members.data || [], admins: admins.data || [], mutes: mutes.data || [] };
      });
      if (!got) return;
      const owner = (got.members.find((m) => m.owner) || {}).owner;
      const members = got.members.map((m) => m.owner || m.member).filter(Boolean);
      const act = async (what, method, path, body, done) => {
        if (await attempt(() => call(what, method, path, body)) === undefined) return;
        notice(done);
        manage(id, name);
        listPager.reload();
      };
      const memberItems = members.map((u) => el("li", {}, el("span", { text: u + (u === owner ? " (owner)" : "") }),
        u === owner ? null : button("Remove", () => act(`Removing ${u}`, "DELETE", `${base}/users/${encodeURIComponent(u)}`, undefined, `${u} is removed.`), null, `Remove ${u}`)));
      const adminItems = got.admins.map((u) => el("li", {}, el("span", { text: u }),
        button("Revoke", () => act(`Revoking ${u}`, "DELETE", `${base}/admin/${encodeURIComponent(u)}`, undefined, `${u} is no longer an admin.`), null, `Revoke admin ${u}`)));
      const muteItems = got.mutes.map((m) => el("li", {}, el("span", { text: `${m.user}${m.expire && m.expire > 0 ? " until " + new Date(m.expire).toLocaleString() : " (no end)"}` }),
        button("Unmute", () => act(`Unmuting ${m.user}`, "DELETE", `${base}/mute/${encodeURIComponent(m.user)}`, undefined, `${m.user} may speak again.`), null, `Unmute ${m.user}`)));
      const p = kind === "chatgroups" ? "g" : "r";
      const addIn = el("input", { id: `${p}-add-member`, autocomplete: "off" });
      const adminIn = el("input", { id: `${p}-add-admin`, autocomplete: "off" });
      const muteIn = el("input", { id: `${p}-mute-user`, autocomplete: "off" });
      const muteFor = el("input", { id: `${p}-mute-minutes`, type: "number", min: "1", value: "10" });
      const form = (label, input, text, onsubmit) => el("form", { class: "inline", onsubmit: (ev) => { ev.preventDefault(); onsubmit(); } },
        el("div", { class: "field" }, el("label", { for: input.id, text: label }), input), el("button", { type: "submit", text }));
      panel.replaceChildren(
        el("h3", { text: `${group ? "Group" : "Chat room"} ${name || ""} (${id})` }),
        el("h4", { text: `Members (${members.length})` }), el("ul", { class: "chips", "aria-label": "Members" }, ...memberItems),
        form("Add a member", addIn, "Add member", () => {
          const u = addIn.value.trim();
          if (u) act(`Adding ${u}`, "POST", `${base}/users/${encodeURIComponent(u)}`, undefined, `${u} is a member.`);
        }),
        el("h4", { text: "Admins" }), adminItems.length ? el("ul", { class: "chips", "aria-label": "Admins" }, ...adminItems) : el("p", { class: "hint", text: "No admins." }),
        form("Make a member an admin", adminIn, "Add admin", () => {
          const u = adminIn.value.trim();
          if (u) act(`Making ${u} an admin`, "POST", `${base}/admin`, { newadmin: u }, `${u} is an admin.`);
        }),
        el("h4", { text: "Muted" }), muteItems.length ? el("ul", { class: "chips", "aria-label": "Muted members" }, ...muteItems) : el("p", { class: "hint", text: "Nobody is muted." }),
        el("form", { class: "inline", onsubmit: (ev) => {
          ev.preventDefault();
          const users = list(muteIn.value);
          const minutes = Number(muteFor.value);
          if (!users.length || !(minutes > 0)) return C.showError("Muting failed: name members and a number of minutes.");
          act("Muting " + users.join(", "), "POST", `${base}/mute`, { usernames: users, mute_duration: minutes * 60000 }, users.join(", ") + " muted.");
        } },
          el("div", { class: "field" }, el("label", { for: muteIn.id, text: "Mute members (comma-separated)" }), muteIn),
          el("div", { class: "field" }, el("label", { for: muteFor.id, text: "For minutes" }), muteFor),
          el("button", { type: "submit", text: "Mute" })),
        el("p", {}, button(`Dissolve this ${noun}`, () => {
          if (!confirm(`Dissolve ${noun} ${name || id}? Its members and messages go with it.`)) return;
          attempt(async () => {
            await call(`Dissolving the ${noun}`, "DELETE", base);
            panel.hidden = true;
            notice(`The ${noun} is dissolved.`);
            listPager.reload();
          });
        }, "danger")));
      panel.hidden = false;
    }

    $(ids.form).addEventListener("submit", (ev) => {
      ev.preventDefault();
      let body;
      if (group) {
        body = { groupname: $("group-name").value.trim(), desc: "", public: $("group-public").checked,
          maxusers: Number($("group-max").value) || 200, owner: $("group-owner").value.trim(), members: list($("group-members").value) };
        if (!body.groupname || !body.owner) return C.showError("Creating the group failed: a name and an owner are needed.");
      } else {
        body = { name: $("room-name").value.trim(), description: $("room-desc").value.trim(),
          maxusers: Number($("room-max").value) || 1000, owner: $("room-owner").value.trim() };
        const members = list($("room-members").value);
        if (members.length) body.members = members;
        if (!body.name || !body.description || !body.owner) return C.showError("Creating the chat room failed: a name, a description and an owner are needed.");
      }
      attempt(async () => {
        const r = await call(`Creating the ${noun}`, "POST", `/${kind}`, body);
        const id = group ? r.data.groupid : r.data.id;
        for (const input of $(ids.form).querySelectorAll("input:not([type=number]):not([type=checkbox])")) input.value = "";
        notice(`The ${noun} is created (id ${id}).`);
        listPager.first();
      });
    });

    C.pages[group ? "groups" : "chatrooms"] = { open: () => { $(ids.panel).hidden = true; listPager.first(); } };
  }

  setup("chatgroups");
  setup("chatrooms");
})();
