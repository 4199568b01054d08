// imcloud console: live figures from this node's /metrics (Prometheus
// text), read every 2 seconds while the page is open and drawn as line
// charts on canvas: connections, messages per second, fan-out per second,
// and what was shed per second. Each chart states its latest value in
// text too.
"use strict";
(function () {
  const C = window.imcloudConsole;
  const { call, el } = C;
  const $ = (id) => document.getElementById(id);
  const EVERY_MS = 2000;
  const KEEP = 60;

  // [id, title, unit, how the value is made from the sums by metric name]
  const CHARTS = [
    ["connections", "Connections", "open", (m) => m.imcloud_connections, false],
    ["messages", "Messages per second", "/s", (m) => m.imcloud_messages_in_total, true],
    ["fanout", "Fan-out per second", "/s", (m) => (m.imcloud_fanout_notices_total || 0) + (m.imcloud_chatroom_deliveries_total || 0), true],
    ["shed", "Shed per second", "/s", (m) => (m.imcloud_chatroom_shed_total || 0) + (m.imcloud_chatroom_device_shed_total || 0) +
      (m.imcloud_slow_consumer_closes_total || 0) + (m.imcloud_rest_overloaded_total || 0) + (m.imcloud_ws_overloaded_total || 0), true],
  ];
  const series = new Map();
  let last = null;
  let timer = null;

  /// The sum of every sample of each metric name (labels summed over).
  function parse(text) {
    const sums = {};
    for (const line of text.split("\n")) {
      if (!line || line[0] === "#") continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      const v = Number(m[3]);
      if (Number.isFinite(v)) sums[m[1]] = (sums[m[1]] || 0) + v;
    }
    return sums;
  }

  function build() {
    const box = $("charts");
    if (box.children.length) return;
    for (const [id, title] of CHARTS) {
      const canvas = el("canvas", { id: "chart-" + id, width: "600", height: "280", role: "img", "aria-label": title + ": no reading yet" });
      box.append(el("figure", { class: "chart" },
        el("figcaption", {}, el("span", { text: title }), el("span", { class: "now", id: "now-" + id, text: "…" })),
        canvas));
      series.set(id, []);
    }
  }

  function draw(id, title, unit) {
    const canvas = $("chart-" + id);
    const points = series.get(id);
    const ctx = canvas.getContext("2d");
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1, ...points);
    const pad = 36;
    ctx.strokeStyle = "#c6ccd4";
    ctx.lineWidth = 1;
    ctx.fillStyle = "#4f5864";
    ctx.font = "20px system-ui, sans-serif";
    for (const f of [0, 0.5, 1]) {
      const y = h - pad - f * (h - 2 * pad);
      ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(w - 8, y); ctx.stroke();
      ctx.fillText(String(Math.round(max * f * 10) / 10), 2, y - 4);
    }
    if (points.length > 1) {
      ctx.strokeStyle = "#0a58ca";
      ctx.lineWidth = 3;
      ctx.beginPath();
      points.forEach((v, i) => {
        const x = pad + (i / (KEEP - 1)) * (w - pad - 8);
        const y = h - pad - (v / max) * (h - 2 * pad);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
    const now = points.length ? points[points.length - 1] : 0;
    const text = `${Math.round(now * 10) / 10} ${unit}`;
    $("now-" + id).textContent = text;
    canvas.setAttribute("aria-label", `${title}: now ${text}, highest of the last two minutes ${Math.round(max * 10) / 10}`);
  }

  async function tick() {
    let text;
    try {
      text = await call("Reading /metrics", "GET", "/metrics", undefined, { root: true, auth: "none", text: true });
    } catch (e) {
      C.showError(e.message);
      return;
    }
    const sums = parse(text);
    const at = Date.now();
    for (const [id, title, unit, value, isRate] of CHARTS) {
      const v = value(sums) || 0;
      let point = v;
      if (isRate) {
        const before = last && last.values[id];
        const secs = last ? (at - last.at) / 1000 : 0;
        point = before !== undefined && secs > 0 ? Math.max(0, (v - before) / secs) : 0;
      }
      const s = series.get(id);
      s.push(point);
      if (s.length > KEEP) s.shift();
      draw(id, title, unit);
    }
    last = { at, values: Object.fromEntries(CHARTS.map(([id, , , value]) => [id, value(sums) || 0])) };
  }

  C.pages.metrics = {
    open: () => {
      build();
      clearInterval(timer);
      tick();
      timer = setInterval(tick, EVERY_MS);
    },
    leave: () => { clearInterval(timer); timer = null; },
  };
})();
