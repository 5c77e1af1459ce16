// The room: a tile per kit kept live, the problems bar, the team filter and grouping.
// Tiles are drawn by the server in natural order; this script only changes what is in them,
// never their order (a teacher finds kit-7 where it was), except "group by team".
(function () {
  "use strict";

  var $ = Lab.$, $$ = Lab.$$;
  var tiles = document.getElementById("tiles");
  var dirty = {};     // kit -> device -> newest values, shown at the end of the frame
  var minis = {};     // kit -> its small drawing (tile_drawing.js), for kits that describe parts
  var PROBLEMS_EVERY = 5000;

  function tile(kit) { return $('.tile[data-kit="' + CSS.escape(kit) + '"]', tiles); }

  // --- small drawings ----------------------------------------------------------------------
  $$(".mini[data-parts]", tiles).forEach(function (box) {
    if (typeof TileDrawing === "undefined") return;
    var kit = box.closest(".tile").dataset.kit;
    try {
      minis[kit] = TileDrawing.create(box, JSON.parse(box.dataset.parts), JSON.parse(box.dataset.latest || "{}"));
    } catch (err) {  // a description this page cannot draw costs the tile its picture only
      box.hidden = true;
    }
  });

  // --- live updates --------------------------------------------------------------------------
  Lab.on("telemetry", function (u) {
    var values = u.data && u.data.values ? u.data.values : u.data;
    var mine = dirty[u.kit] || (dirty[u.kit] = {ts: 0, values: {}});
    Object.keys(values || {}).forEach(function (d) { mine.values[d] = values[d]; });
    mine.ts = Math.max(mine.ts, (u.data && u.data.ts) || u.ts || 0);
  });

  // A tile is redrawn at most every TILE_MS (a reading read from the back of the room needs a
  // few changes a second, not twenty), and a frame redraws at most TILES_A_FRAME tiles: forty
  // tiles at 20 Hz become small frames, never one long task. What waits stays in `dirty`.
  var TILE_MS = 400, TILES_A_FRAME = 4, drawnAt = {}, later = 0;

  function drawTile(kit, got) {
    var t = tile(kit);
    if (!t) return;
    Lab.showReadouts(t, got.values);
    if (minis[kit]) minis[kit].update(got.values);
    var seen = $('[data-field="last_seen"]', t);
    if (seen && got.ts) {
      seen.dataset.ts = got.ts;
      var text = Lab.ago(got.ts);
      if (seen.textContent !== text) seen.textContent = text;
    }
  }

  Lab.on("frame", function () {
    var now = performance.now(), budget = TILES_A_FRAME, wait = TILE_MS;
    Object.keys(dirty).forEach(function (kit) {
      var due = (drawnAt[kit] || 0) + TILE_MS - now;
      if (due > 0 || budget === 0) { wait = Math.min(wait, Math.max(due, 16)); return; }
      budget -= 1;
      drawnAt[kit] = now;
      drawTile(kit, dirty[kit]);
      delete dirty[kit];
    });
    if (!later && Object.keys(dirty).length) {
      later = setTimeout(function () { later = 0; Lab.redraw(); }, wait);
    }
  });

  function shownState(state, running) {
    return state === "online" && running ? "running" : state;
  }

  Lab.on("status", function (u) {
    var d = u.data || {}, t = tile(u.kit);
    if (!t || !d.state) return;
    var st = $('[data-field="state"]', t);
    st.textContent = d.state;
    st.className = "state state-" + d.state;
    t.classList.remove("state-online", "state-offline", "state-locked");
    t.classList.add("state-" + d.state);
    t.dataset.state = shownState(d.state, d.running);
    if ("running" in d) {
      $('[data-field="running"]', t).textContent = d.running ? d.running.kind + ": " + d.running.name : "idle";
    }
    var note = $('[data-field="lock"]', t);
    if (d.state !== "offline") {  // a will says nothing of the lock: keep what was shown
      note.hidden = d.state !== "locked";
      note.textContent = d.state === "locked" ? d.message || "" : "";
    }
    var online = $$(".tile", tiles).filter(function (x) { return !x.classList.contains("state-offline"); }).length;
    document.getElementById("count-online").textContent = online;
    refreshProblemsSoon();
  });

  Lab.on("event", function (u) {
    var d = u.data || {}, t = tile(u.kit);
    var text = Lab.progressText(d.kind, d.data || {});
    if (t && text) $('[data-field="progress"]', t).textContent = text;
    if (/^script\.|^lesson\.step_failed$/.test(d.kind || "")) refreshProblemsSoon();
  });

  Lab.on("ack", function (u) {
    var d = u.data || {}, t = tile(u.kit);
    var a = t && $('[data-field="ack"]', t);
    if (!a) return;
    a.textContent = (d.name || "command") + " " + (d.outcome === "ok" ? "✓" : "✗ " + d.outcome);
    a.dataset.outcome = d.outcome;
  });

  // --- the problems bar: asked of the server, which knows the whole room ----------------------
  var list = document.getElementById("problems"), shown = null, soon = 0;

  function drawProblems(problems) {
    var key = JSON.stringify(problems);
    if (key === shown) return;
    shown = key;
    while (list.firstChild) list.removeChild(list.firstChild);
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.dataset.kit = p.kit;
      li.dataset.kind = p.kind;
      var a = document.createElement("a");
      a.href = "/kits/" + encodeURIComponent(p.kit);
      a.textContent = p.text;
      li.appendChild(a);
      list.appendChild(li);
    });
    document.getElementById("problems-count").textContent = problems.length;
  }

  function refreshProblems() {
    soon = 0;
    fetch("/api/problems", {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) drawProblems(body.problems); })
      .catch(function () {});  // the stale-readings banner says when the lab is unreachable
  }
  function refreshProblemsSoon() { if (!soon) soon = setTimeout(refreshProblems, 300); }
  setInterval(refreshProblems, PROBLEMS_EVERY);

  // --- which kits: a team filter, and grouping by team ---------------------------------------
  var filter = document.getElementById("team-filter");
  var group = document.getElementById("group-teams");
  var order = $$(".tile", tiles);  // the server's order, natural by kit

  function arrange() {
    var team = filter ? filter.value : "";
    var grouped = group && group.checked;
    $$(".team-head", tiles).forEach(function (h) { h.parentNode.removeChild(h); });
    var sorted = order.slice();
    if (grouped) {
      sorted.sort(function (a, b) {
        var ta = a.dataset.team || "\uffff", tb = b.dataset.team || "\uffff";
        return ta === tb ? order.indexOf(a) - order.indexOf(b)
          : ta.localeCompare(tb, undefined, {numeric: true, sensitivity: "base"});
      });
    }
    var last = null;
    sorted.forEach(function (t) {
      t.hidden = Boolean(team) && t.dataset.team !== team;
      if (grouped && !t.hidden && t.dataset.team !== last) {
        last = t.dataset.team;
        var h = document.createElement("h2");
        h.className = "team-head";
        h.textContent = last || "No team";
        tiles.appendChild(h);
      }
      tiles.appendChild(t);
    });
    try {
      localStorage.setItem("kitlab.room", JSON.stringify({team: team, grouped: grouped}));
    } catch (err) { /* private mode: the choice lasts as long as the page */ }
  }

  if (filter && group) {
    try {
      var saved = JSON.parse(localStorage.getItem("kitlab.room") || "{}");
      if ($$("option", filter).some(function (o) { return o.value === saved.team; })) filter.value = saved.team;
      group.checked = Boolean(saved.grouped);
    } catch (err) { /* nothing saved */ }
    filter.addEventListener("change", arrange);
    group.addEventListener("change", arrange);
    arrange();
  }

  Lab.connect();
})();
