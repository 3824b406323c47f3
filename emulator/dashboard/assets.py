"""The dashboard's stylesheet and script, served from ``/_emulator/dashboard/`` (no external assets).

The script only does live updates: it polls ``/_emulator/dashboard/changes`` and, when the
emulator changed, fetches the current page again and swaps its ``[data-live]`` sections in
place (forms are outside them, so nothing being typed is lost). Pages work without it.
"""

from __future__ import annotations

CSS = """
:root { --fg:#1a1f36; --muted:#697386; --line:#e3e8ee; --bg:#f6f9fc; --accent:#635bff; --good:#0e6245;
  --good-bg:#cbf4c9; --bad:#a41c4e; --bad-bg:#fde2dd; --neutral-bg:#e3e8ee; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color:var(--fg);
  background:var(--bg); }
header.top { display:flex; gap:16px; align-items:center; padding:10px 24px; background:#fff;
  border-bottom:1px solid var(--line); position:sticky; top:0; z-index:2; }
header.top .brand { font-weight:700; color:var(--accent); text-decoration:none; white-space:nowrap; }
header.top .testmode { background:#ffde92; color:#983705; font-size:11px; font-weight:700; padding:2px 6px;
  border-radius:4px; text-transform:uppercase; }
header.top form { flex:1; display:flex; gap:6px; max-width:560px; }
header.top input[type=search] { flex:1; }
#live { margin-left:auto; font-size:12px; color:var(--muted); white-space:nowrap; }
#live.on::before { content:"\\25CF  "; color:#3ecf8e; }
main { padding:18px 24px 48px; max-width:1400px; }
h1 { font-size:22px; margin:6px 0 4px; }
h1 code { font-size:18px; }
h2 { font-size:16px; margin:26px 0 8px; display:flex; gap:10px; align-items:baseline; }
h2 .count { color:var(--muted); font-weight:400; font-size:13px; }
h3 { font-size:14px; margin:16px 0 6px; }
a { color:var(--accent); text-decoration:none; }
a:hover { text-decoration:underline; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:12.5px; }
table.objects { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line);
  border-radius:6px; overflow:hidden; }
table.objects th { text-align:left; font-size:11px; text-transform:uppercase; letter-spacing:.04em;
  color:var(--muted); background:#fafbfc; padding:7px 10px; border-bottom:1px solid var(--line); }
table.objects td { padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
table.objects tr:last-child td { border-bottom:0; }
.badge, .chip { display:inline-block; padding:1px 7px; border-radius:10px; font-size:12px; font-weight:500;
  background:var(--neutral-bg); margin:1px 3px 1px 0; white-space:nowrap; }
.good { background:var(--good-bg); color:var(--good); }
.bad { background:var(--bad-bg); color:var(--bad); }
code.reason { padding:1px 5px; border-radius:4px; background:var(--neutral-bg); }
.muted { color:var(--muted); }
.small { font-size:12px; }
.num, .nowrap { white-space:nowrap; font-variant-numeric: tabular-nums; }
.empty { margin:4px 0; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin:10px 0; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 18px; margin:0; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; }
.decision { font-size:16px; font-weight:600; }
.flash { padding:10px 14px; border-radius:6px; margin:8px 0 12px; border:1px solid; }
.flash.ok { background:#effcf1; border-color:#9ee6a7; color:#0e6245; }
.flash.error { background:#fff1f0; border-color:#f5a3a3; color:#a41c4e; }
.actions { display:flex; flex-wrap:wrap; gap:12px; }
.actions > form { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px;
  display:flex; flex-wrap:wrap; gap:8px; align-items:flex-end; }
.actions > form h3 { width:100%; margin:0 0 2px; }
label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
input, select { font:inherit; padding:5px 7px; border:1px solid #c1c9d2; border-radius:4px; background:#fff;
  color:var(--fg); }
button { font:inherit; font-weight:600; padding:5px 12px; border-radius:4px; border:1px solid var(--accent);
  background:var(--accent); color:#fff; cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); }
form.inline { display:inline; }
form.inline button { padding:1px 8px; font-size:12px; }
pre.json { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px 14px; overflow:auto;
  max-height:640px; }
pre.json .k { color:#0a2540; } pre.json .s { color:#067a3b; } pre.json .d, pre.json .b { color:#b25b00; }
pre.json .n { color:var(--muted); }
pre.json a .s { color:var(--accent); text-decoration:underline; }
.grid2 { display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1fr); gap:18px; }
nav.pages { margin:8px 0; display:flex; gap:12px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
"""

JS = """
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="emulator-version"]');
  var badge = document.getElementById("live");
  if (!meta || !badge) { return; }
  var version = meta.getAttribute("content");
  var busy = false;
  var INTERVAL = 1000;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live]").forEach(function (old) {
      var next = fresh.getElementById(old.id);
      if (next) { old.replaceWith(document.importNode(next, true)); }
    });
    var freshMeta = fresh.querySelector('meta[name="emulator-version"]');
    if (freshMeta) { version = freshMeta.getAttribute("content"); }
  }

  function tick() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch("/_emulator/dashboard/changes", {cache: "no-store", credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        badge.className = "on";
        if (String(body.version) === version) { return null; }
        return fetch(window.location.href, {cache: "no-store", credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html) { swap(html); } });
      })
      .catch(function () { badge.className = ""; })
      .then(function () { busy = false; });
  }
  badge.textContent = "live";
  badge.className = "on";
  window.setInterval(tick, INTERVAL);
})();
"""
