// The apigw request inspector: polls the JSON API for new requests, lists
// them with filters, shows one in detail. Everything from the gateway is
// inserted as text (textContent), never as HTML.
"use strict";

const api = "/_inspector/api/requests";
const pollMs = 250;
const keep = 1000;

const state = { entries: [], lastSeq: 0, selected: null, detail: null, paused: false };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function fmtMs(v) { return v === null || v === undefined ? "–" : v.toFixed(v < 10 ? 2 : 1) + " ms"; }
function fmtTime(t) {
  const d = new Date(t);
  return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function matches(e) {
  const sc = $("status-filter").value;
  if (sc && String(e.status)[0] !== sc) return false;
  const route = $("route-filter").value.trim().toLowerCase();
  if (route && !(e.routeKey || "").toLowerCase().includes(route)) return false;
  const text = $("text-filter").value.trim().toLowerCase();
  if (text) {
    const hay = [e.requestId, e.method, e.path, e.status, e.routeKey, e.apiId, e.stage,
      e.authorizer.type, e.authorizer.decision, e.integrationType].join(" ").toLowerCase();
    if (!hay.includes(text)) return false;
  }
  return true;
}

function authCell(a, throttled) {
  const td = el("td");
  if (throttled) td.append(el("span", { class: "tag throttled" }, "throttled"), " ");
  if (!a.type || a.type === "NONE") { td.append(a.type ? "none" : ""); return td; }
  td.append(a.type, " ");
  if (a.decision) td.append(el("span", { class: "tag " + a.decision.toLowerCase() }, a.decision));
  if (a.cacheHit) td.append(" ", el("span", { class: "tag" }, "cached"));
  return td;
}

function row(e, fresh) {
  const tr = el("tr", { "data-id": e.requestId, class: fresh ? "new" : "" },
    el("td", {}, fmtTime(e.time)),
    el("td", {}, e.method),
    el("td", { class: "path", title: e.path }, e.path),
    el("td", { class: "s" + String(e.status)[0] }, e.status),
    el("td", {}, e.routeKey || "–"),
    el("td", {}, e.apiId ? e.apiId + " / " + e.stage : "–"),
    el("td", { class: "num" }, fmtMs(e.latencyMs)),
    el("td", { class: "num" }, fmtMs(e.integrationLatencyMs)),
    authCell(e.authorizer, e.throttled));
  if (e.requestId === state.selected) tr.classList.add("selected");
  tr.addEventListener("click", () => select(e.requestId));
  return tr;
}

function render(freshIds) {
  const rows = $("rows");
  const shown = state.entries.filter(matches);
  rows.replaceChildren(...shown.map((e) => row(e, freshIds && freshIds.has(e.requestId))));
  $("empty").hidden = state.entries.length > 0;
  $("count").textContent = shown.length === state.entries.length
    ? state.entries.length + " requests" : shown.length + " of " + state.entries.length + " requests";
}

async function poll() {
  if (!state.paused) {
    try {
      const res = await fetch(api + "?after=" + state.lastSeq, { cache: "no-store" });
      if (res.ok) {
        const fresh = await res.json();
        if (fresh.length > 0) {
          state.lastSeq = fresh[0].seq;
          state.entries = fresh.concat(state.entries).slice(0, keep);
          render(state.lastSeq > fresh.length ? new Set(fresh.map((e) => e.requestId)) : null);
        }
      }
    } catch (err) {
      $("count").textContent = "gateway unreachable: " + err.message;
    }
  }
  setTimeout(poll, pollMs);
}

function headersBlock(h) {
  const names = Object.keys(h || {}).sort((a, b) => a.localeCompare(b));
  if (names.length === 0) return el("p", { class: "note" }, "no headers");
  const dl = el("dl");
  for (const n of names) for (const v of h[n]) dl.append(el("dt", {}, n), el("dd", {}, v));
  return dl;
}

function pretty(body) {
  const t = body.body;
  if (!t || body.bodyEncoding) return t;
  try { return JSON.stringify(JSON.parse(t), null, 2); } catch { return t; }
}

function bodyBlock(b) {
  if (!b || (b.bodyBytes === 0 && !b.body)) return el("p", { class: "note" }, "no body");
  const parts = [el("pre", { class: "body" }, pretty(b))];
  const notes = [b.bodyBytes + " bytes"];
  if (b.bodyEncoding) notes.push("shown as " + b.bodyEncoding);
  if (b.bodyTruncated) notes.push("cut at 256 KiB");
  parts.push(el("p", { class: "note" }, notes.join(", ")));
  return parts;
}

function kv(pairs) {
  const dl = el("dl");
  for (const [k, v] of pairs) if (v !== undefined && v !== null && v !== "") dl.append(el("dt", {}, k), el("dd", {}, v));
  return dl;
}

function section(title, ...content) {
  const s = el("section", {}, el("h3", {}, title));
  for (const c of content.flat()) if (c) s.append(c);
  return s;
}

function showDetail(d) {
  $("detail-title").textContent = d.method + " " + d.request.url + " → " + d.status;
  $("curl-text").hidden = true;
  $("copy-curl").textContent = "Copy as curl";
  const a = d.authorizer;
  const parts = [
    section("Summary", kv([
      ["Request id", d.requestId], ["Time", new Date(d.time).toISOString()], ["Route", d.routeKey],
      ["API", d.apiId], ["Stage", d.stage], ["Status", d.status], ["Latency", fmtMs(d.latencyMs)],
      ["Integration latency", fmtMs(d.integrationLatencyMs)], ["Throttled", d.throttled ? "yes" : "no"],
      ["Source IP", d.request.sourceIp]])),
  ];
  if (d.error) parts.push(section("Gateway error", kv([["Message", d.error.message],
    ["Response type", d.error.responseType], ["Integration error", d.error.integrationError]])));
  if (a.type && a.type !== "NONE") {
    const rows = [["Type", a.type], ["Decision", a.decision || "not evaluated"], ["Cache hit", a.cacheHit ? "yes" : "no"],
      ["Principal id", a.principalId], ["Error", a.error]];
    const extra = [];
    if (a.claims) extra.push(el("p", { class: "note" }, "claims"), el("pre", {}, JSON.stringify(a.claims, null, 2)));
    if (a.scopes) extra.push(el("p", { class: "note" }, "scopes"), el("pre", {}, JSON.stringify(a.scopes)));
    if (a.context) extra.push(el("p", { class: "note" }, "context"), el("pre", {}, JSON.stringify(a.context, null, 2)));
    if (a.iam) extra.push(el("p", { class: "note" }, "IAM caller"), el("pre", {}, JSON.stringify(a.iam, null, 2)));
    parts.push(section("Authorizer", kv(rows), extra));
  }
  parts.push(section("Request", kv([["URL", d.request.url], ["Host", d.request.host], ["Protocol", d.request.proto]]),
    headersBlock(d.request.headers), bodyBlock(d.request)));
  const i = d.integration;
  if (i) {
    const isHTTP = i.type === "HTTP_PROXY";
    const isFn = !!i.functionRequestId || i.target.startsWith("arn:aws:lambda:");
    const sent = isHTTP ? "Request sent to the backend" : isFn ? "Event sent to the function" : "Service call";
    parts.push(section(sent, kv([["Type", i.type], ["Target", i.target], ["Method", i.request.method], ["Error", i.error]]),
      isHTTP ? headersBlock(i.request.headers) : null, isHTTP ? null : bodyBlock(i.request)));
    const back = isFn ? "What the function returned" : "What came back";
    parts.push(section(back, kv([["Status", i.response.status || ""], ["Function error", i.functionError],
      ["Function request id", i.functionRequestId]]),
      isHTTP ? headersBlock(i.response.headers) : bodyBlock(i.response)));
    if (i.functionLog) parts.push(section("Function log", el("pre", { class: "log" }, i.functionLog)));
  }
  parts.push(section("Response", kv([["Status", d.response.status]]), headersBlock(d.response.headers), bodyBlock(d.response)));
  if (d.accessLog) parts.push(section("Access log", el("pre", { class: "log" }, d.accessLog)));
  if (d.bodiesDropped) parts.push(el("p", { class: "note" }, "Bodies dropped to keep the inspector within its memory budget."));
  $("detail-body").replaceChildren(...parts);
  $("detail").hidden = false;
}

async function select(id) {
  state.selected = id;
  for (const tr of $("rows").children) tr.classList.toggle("selected", tr.dataset.id === id);
  const res = await fetch(api + "/" + encodeURIComponent(id), { cache: "no-store" });
  if (!res.ok) {
    $("detail-title").textContent = "Request " + id + " is no longer kept";
    $("detail-body").replaceChildren();
    $("detail").hidden = false;
    return;
  }
  state.detail = await res.json();
  showDetail(state.detail);
}

// shellQuote quotes s for a POSIX shell.
function shellQuote(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }

// curlCommand rebuilds the client's request (masked values stay masked).
function curlCommand(d) {
  const skip = new Set(["host", "content-length", "connection", "accept-encoding"]);
  const scheme = location.protocol === "https:" ? "https" : "http";
  const parts = ["curl", "-i"];
  if (d.method !== "GET" || d.request.body) parts.push("-X", d.method);
  parts.push(shellQuote(scheme + "://" + d.request.host + d.request.url));
  for (const name of Object.keys(d.request.headers).sort()) {
    if (skip.has(name.toLowerCase())) continue;
    for (const v of d.request.headers[name]) parts.push("-H", shellQuote(name + ": " + v));
  }
  if (d.request.body && !d.request.bodyEncoding) parts.push("--data-raw", shellQuote(d.request.body));
  return parts.join(" ");
}

async function copyCurl() {
  if (!state.detail) return;
  const cmd = curlCommand(state.detail);
  const pre = $("curl-text");
  pre.textContent = cmd;
  pre.hidden = false;
  try {
    await navigator.clipboard.writeText(cmd);
    $("copy-curl").textContent = "Copied";
  } catch {
    const range = document.createRange();
    range.selectNodeContents(pre);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    $("copy-curl").textContent = "Selected: press Ctrl+C";
  }
  setTimeout(() => { $("copy-curl").textContent = "Copy as curl"; }, 1500);
}

for (const id of ["status-filter", "route-filter", "text-filter"]) $(id).addEventListener("input", () => render());
$("filters").addEventListener("submit", (ev) => ev.preventDefault());
$("pause").addEventListener("click", () => {
  state.paused = !state.paused;
  $("pause").setAttribute("aria-pressed", String(state.paused));
  $("pause").textContent = state.paused ? "Resume" : "Pause";
});
$("copy-curl").addEventListener("click", copyCurl);
$("close-detail").addEventListener("click", () => {
  $("detail").hidden = true;
  state.selected = null;
  render();
});
render();
poll();
