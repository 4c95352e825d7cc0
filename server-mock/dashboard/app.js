// The mesh dashboard: every agent with its health, usage and cost, the kill switch, and the mesh
// event log, refreshed every two seconds from the server's own AXP API. The API key lives in this
// tab's sessionStorage only. Everything from the server is put into the page as text, never HTML.
"use strict";

const KEY_STORE = "axme.dashboard.api_key";
const REFRESH_MS = 2000;
const HEALTHS = ["healthy", "degraded", "unreachable", "killed", "unknown"];

const $ = (id) => document.getElementById(id);
let timer = null;
let busy = false;

function apiKey() {
  return sessionStorage.getItem(KEY_STORE);
}

// Paths are relative, so the page also works behind a path prefix.
async function api(method, path) {
  const resp = await fetch(path, {
    method,
    headers: { "x-api-key": apiKey(), accept: "application/json" },
    cache: "no-store",
  });
  let body = null;
  try {
    body = await resp.json();
  } catch (_) {
    body = null;
  }
  if (!resp.ok) {
    const err = new Error((body && body.error && body.error.message) || `HTTP ${resp.status}`);
    err.status = resp.status;
    err.code = body && body.error && body.error.code;
    throw err;
  }
  return body;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function money(usd) {
  const v = Number(usd) || 0;
  if (v === 0) return "$0.00";
  if (v < 0.01) return "$" + v.toFixed(4);
  return "$" + v.toFixed(2);
}

function ago(at) {
  if (!at) return "never";
  const secs = Math.max(0, Math.round((Date.now() - Date.parse(at)) / 1000));
  if (secs < 60) return `${secs}s ago`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m ago`;
  if (secs < 86400) return `${Math.floor(secs / 3600)}h ago`;
  return `${Math.floor(secs / 86400)}d ago`;
}

function clock(at) {
  const d = new Date(at);
  return isNaN(d) ? at : d.toLocaleString();
}

function successRate(period) {
  const ok = Number(period.succeeded) || 0;
  const failed = Number(period.failed) || 0;
  if (ok + failed === 0) return "–";
  return `${Math.round((100 * ok) / (ok + failed))}%`;
}

function showLogin(message) {
  stop();
  $("board").hidden = true;
  $("conn").hidden = true;
  $("login").hidden = false;
  const err = $("login-error");
  err.hidden = !message;
  err.textContent = message || "";
  $("key").focus();
}

function setConn(state, text) {
  $("conn").hidden = false;
  $("conn-dot").className = "dot " + state;
  $("conn-text").textContent = text;
}

function renderSummary(summary) {
  const box = $("summary");
  box.replaceChildren(
    el("div", { class: "chip total", "data-health": "total" },
      el("b", { text: String(summary.total || 0) }), el("span", { text: "agents" })),
    ...HEALTHS.map((h) =>
      el("div", { class: "chip " + h, "data-health": h },
        el("b", { text: String(summary[h] || 0) }), el("span", { text: h }))),
  );
}

function renderAgents(day, week, month) {
  const byAddress = (list) => new Map(list.map((a) => [a.address, a]));
  const weekly = byAddress(week);
  const monthly = byAddress(month);
  const rows = day.map((a) => {
    const period = a.intents_period || {};
    const killed = a.health_status === "killed";
    const latency = a.metadata && a.metadata.avg_latency_ms;
    const action = el("button", {
      type: "button",
      class: killed ? "resume" : "kill",
      text: killed ? "Resume" : "Kill",
      "data-action": killed ? "resume" : "kill",
    });
    action.addEventListener("click", () => switchAgent(a, killed ? "resume" : "kill"));
    const cost = (agent) => money(agent && agent.cost_period ? agent.cost_period.cost_usd : 0);
    return el("tr", { "data-agent": a.address, "data-address-id": a.address_id },
      el("td", null,
        el("span", { class: "addr", text: a.address }),
        a.display_name ? el("span", { class: "sub", text: a.display_name }) : null),
      el("td", { "data-col": "health" },
        el("span", { class: "badge " + a.health_status, text: a.health_status })),
      el("td", { "data-col": "heartbeat", title: a.last_heartbeat_at ? clock(a.last_heartbeat_at) : "",
        text: ago(a.last_heartbeat_at) }),
      el("td", { class: "num", "data-col": "handled" },
        String(period.reported || 0),
        el("span", { class: "sub", text: `${period.received || 0} received` })),
      el("td", { class: "num", "data-col": "success", text: successRate(period) }),
      el("td", { class: "num", "data-col": "latency",
        text: latency === null || latency === undefined ? "–" : `${Math.round(latency)} ms` }),
      el("td", { class: "num", "data-col": "cost-day", text: cost(a) }),
      el("td", { class: "num", "data-col": "cost-week", text: cost(weekly.get(a.address)) }),
      el("td", { class: "num", "data-col": "cost-month", text: cost(monthly.get(a.address)) }),
      el("td", { class: "num" }, action),
    );
  });
  $("agents-body").replaceChildren(...rows);
  $("agents-empty").hidden = rows.length > 0;
}

function renderEvents(events) {
  const items = events.map((e) => {
    const type = e.event_type || "";
    const tone = /killed|blocked/.test(type) ? "bad" : /resumed|online/.test(type) ? "good" : "";
    const details = e.details && Object.keys(e.details).length ? JSON.stringify(e.details) : "";
    return el("li", { "data-event": type },
      el("span", { class: "muted", text: clock(e.created_at) }),
      el("span", { class: "type " + tone, text: type }),
      el("span", { class: "addr", text: e.address || "" }),
      el("span", { class: "muted", text: [e.actor_id ? "by " + e.actor_id : "", details].filter(Boolean).join(" · ") }),
    );
  });
  $("events").replaceChildren(...items);
  $("events-empty").hidden = items.length > 0;
}

async function refresh() {
  if (busy) return;
  busy = true;
  try {
    const list = (w) => api("GET", `v1/mesh/agents?window=${w}&limit=1000`);
    const [day, week, month, events] = await Promise.all([
      list("day"), list("week"), list("month"), api("GET", "v1/mesh/events?limit=50"),
    ]);
    renderSummary(day.summary || {});
    renderAgents(day.agents || [], week.agents || [], month.agents || []);
    renderEvents(events.events || []);
    $("login").hidden = true;
    $("board").hidden = false;
    setConn("live", "live");
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (err) {
    if (err.status === 401) {
      sessionStorage.removeItem(KEY_STORE);
      showLogin("The server refused this key: " + err.message);
      return;
    }
    setConn("down", "disconnected, retrying: " + err.message);
  } finally {
    busy = false;
  }
}

function start() {
  stop();
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

function stop() {
  if (timer) clearInterval(timer);
  timer = null;
}

function confirmDialog(title, text, okLabel) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  const ok = $("confirm-ok");
  ok.textContent = okLabel;
  ok.className = okLabel === "Kill" ? "danger" : "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function switchAgent(agent, action) {
  const kill = action === "kill";
  const yes = await confirmDialog(
    kill ? `Kill ${agent.address}?` : `Resume ${agent.address}?`,
    kill
      ? "Every intent to and from this agent is refused, and its open listen streams end, until it is resumed."
      : "The agent may send and receive intents again.",
    kill ? "Kill" : "Resume",
  );
  if (!yes) return;
  try {
    await api("POST", `v1/mesh/agents/${encodeURIComponent(agent.address_id)}/${action}`);
  } catch (err) {
    const hint = err.code === "admin_required" ? " (this needs an admin key)" : "";
    setConn("down", `${action} failed: ${err.message}${hint}`);
  }
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = $("key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    $("key").value = "";
    setConn("", "connecting…");
    start();
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORE);
    showLogin("");
  });
  if (apiKey()) {
    setConn("", "connecting…");
    start();
  } else {
    showLogin("");
  }
});
