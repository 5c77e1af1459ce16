// kitlab dashboard: keeps the room and kit pages live from /live (Server-Sent Events).
// No build step: plain browser JavaScript over the vendored htmx and uPlot.
(function () {
  "use strict";

  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var kitPage = document.getElementById("kit");
  var kitId = kitPage ? kitPage.dataset.kit : null;
  var drawing = window.KitPageDrawing || null;  // the kit page's drawing (kit_drawing.js)
  var SPARK_POINTS = 60;
  var CHART_SECONDS = 60;
  var sparks = {};   // "kit|device.channel" -> [values]
  var pending = {};  // command id -> {name, kit, acks: {kit: outcome}}

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function fmt(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, "");
    return String(v);
  }
  function ago(ts) {
    if (!ts) return "never";
    var s = Date.now() / 1000 - ts;
    if (s < 5) return "just now";
    if (s < 90) return Math.round(s) + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    return new Date(ts * 1000).toLocaleTimeString();
  }
  function tile(kit) { return $('.tile[data-kit="' + kit + '"]'); }
  function scopes(kit) {
    var list = [];
    var t = tile(kit);
    if (t) list.push(t);
    if (kitPage && kit === kitId) list.push(document.querySelector("main"));
    return list;
  }

  // --- telemetry --------------------------------------------------------------------------
  function drawSpark(svg, values) {
    var line = svg.querySelector("polyline");
    var nums = values.filter(function (v) { return typeof v === "number"; });
    if (nums.length < 2) { line.setAttribute("points", ""); return; }
    var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
    var span = hi - lo || 1, step = 100 / (SPARK_POINTS - 1), off = SPARK_POINTS - values.length;
    var pts = [];
    values.forEach(function (v, i) {
      if (typeof v === "number") pts.push(((off + i) * step).toFixed(1) + "," + (22 - 20 * (v - lo) / span).toFixed(1));
    });
    line.setAttribute("points", pts.join(" "));
  }

  function ensureTileReadings(t, values) {
    var list = $(".readings", t);
    if (!list || list.children.length) return;
    var count = 0;
    Object.keys(values).forEach(function (device) {
      Object.keys(values[device]).forEach(function (channel) {
        var v = values[device][channel];
        if (count >= 3 || typeof v !== "number") return;
        count++;
        var li = document.createElement("li");
        li.dataset.reading = device + "." + channel;
        li.innerHTML = '<span class="name"></span> <span class="value"></span>' +
          '<svg class="spark" viewBox="0 0 100 24" preserveAspectRatio="none"><polyline points=""></polyline></svg>';
        li.querySelector(".name").textContent = device + "." + channel;
        list.appendChild(li);
      });
    });
  }

  // A reading the page was rendered without (the kit said what it has after the page was
  // drawn) gets its row when it first arrives.
  function ensureKitRows(values) {
    var table = document.getElementById("now");
    if (!table) return;
    Object.keys(values).forEach(function (device) {
      Object.keys(values[device]).forEach(function (channel) {
        var name = device + "." + channel;
        if (table.querySelector('tr[data-reading="' + CSS.escape(name) + '"]')) return;
        var tr = document.createElement("tr");
        tr.dataset.reading = name;
        tr.innerHTML = '<th></th><td class="value"></td><td></td>';
        tr.querySelector("th").textContent = name;
        table.appendChild(tr);
      });
    });
  }

  function telemetry(u) {
    if (u.data && u.data.values) u = {kit: u.kit, ts: u.data.ts || u.ts, data: u.data.values};
    var t = tile(u.kit);
    if (t) ensureTileReadings(t, u.data);
    if (kitPage && u.kit === kitId) ensureKitRows(u.data);
    scopes(u.kit).forEach(function (root) {
      $$("[data-reading]", root).forEach(function (el) {
        var parts = el.dataset.reading.split(".");
        var dev = u.data[parts[0]];
        if (!dev || !(parts[1] in dev)) return;
        var v = dev[parts[1]];
        $(".value", el).textContent = fmt(v);
        var svg = $("svg.spark", el);
        if (svg) {
          var key = u.kit + "|" + el.dataset.reading;
          var arr = sparks[key] || (sparks[key] = []);
          arr.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
          if (arr.length > SPARK_POINTS) arr.shift();
          drawSpark(svg, arr);
        }
      });
      var seen = $('[data-field="last_seen"]', root);
      if (seen) { seen.dataset.ts = u.ts; seen.textContent = ago(u.ts); }
    });
    if (kitPage && u.kit === kitId) {
      chartPush(u.ts, u.data);
      if (drawing) drawing.values(u.data);
    }
  }

  // --- status, events, acks ---------------------------------------------------------------
  function status(u) {
    var d = u.data || {};
    scopes(u.kit).forEach(function (root) {
      if (d.state) {
        var st = $('[data-field="state"]', root);
        if (st) { st.textContent = d.state; st.className = "state state-" + d.state; }
        if (root.classList.contains("tile")) {
          root.classList.remove("state-online", "state-offline", "state-locked");
          root.classList.add("state-" + d.state);
        }
      }
      if ("running" in d) {
        var run = $('[data-field="running"]', root);
        if (run) run.textContent = d.running ? d.running.kind + ": " + d.running.name : "idle";
      }
    });
    if (drawing && u.kit === kitId) drawing.status(d);
    var online = $$(".tile").filter(function (t) { return !t.classList.contains("state-offline"); }).length;
    var count = document.getElementById("count-online");
    if (count) count.textContent = online;
  }

  function progressText(kind, data) {
    if (kind === "lesson.started") return "step 1 of " + data.steps;
    if (kind === "lesson.step_passed") return "passed step " + data.step;
    if (kind === "lesson.step_failed") return "stuck at step " + data.step;
    if (kind === "lesson.finished") return "finished: " + data.passed + " of " + data.steps + " passed";
    return null;
  }

  function event(u) {
    var d = u.data || {};
    var text = progressText(d.kind, d.data || {});
    if (text) scopes(u.kit).forEach(function (root) {
      var p = $('[data-field="progress"]', root);
      if (p) p.textContent = d.data.lesson + ": " + text;
    });
    if (kitPage && u.kit === kitId) {
      var li = document.createElement("li");
      var t = document.createElement("time");
      t.dataset.ts = d.ts || u.ts; t.textContent = ago(d.ts || u.ts);
      var k = document.createElement("strong"); k.textContent = d.kind;
      li.appendChild(t); li.appendChild(document.createTextNode(" "));
      li.appendChild(k); li.appendChild(document.createTextNode(" " + (d.text || JSON.stringify(d.data || {}))));
      var list = document.getElementById("events");
      list.insertBefore(li, list.firstChild);
      while (list.children.length > 200) list.removeChild(list.lastChild);
    }
  }

  var seenAcks = {};  // command id -> [updates], replayed when a receipt is swapped in late

  function ack(u, replay) {
    var d = u.data || {};
    if (!d.id && d.command_id) d.id = d.command_id;
    if (!replay) (seenAcks[d.id] || (seenAcks[d.id] = [])).push(u);
    var label = d.outcome === "ok" ? "✓" : "✗ " + d.outcome;
    var t = tile(u.kit);
    if (t) {
      var a = $('[data-field="ack"]', t);
      if (a) { a.textContent = (d.name || "command") + " " + label + (d.message ? ": " + d.message : ""); a.dataset.outcome = d.outcome; }
    }
    var receipt = $('.sent[data-command="' + d.id + '"]');
    if (receipt) {
      var p = pending[d.id] || (pending[d.id] = {acks: {}});
      p.acks[u.kit] = d.outcome;
      var n = Object.keys(p.acks).length;
      if (receipt.dataset.kit === "_all") {
        var ok = Object.keys(p.acks).filter(function (k) { return p.acks[k] === "ok"; }).length;
        receipt.textContent = receipt.textContent.split(" — ")[0] + " — " + n + " of " +
          $$(".tile").length + " kits answered (" + ok + " ok)";
      } else {
        receipt.textContent = receipt.textContent.split(" — ")[0].replace(/, waiting.*$/, "") +
          " — " + u.kit + ": " + d.outcome + (d.message ? " (" + d.message + ")" : "");
      }
      receipt.dataset.acked = n;
      receipt.dataset.outcome = d.outcome;
    }
    if (replay) return;
    if (kitPage && u.kit === kitId) {
      var acks = document.getElementById("acks");
      if (acks) {
        var li = document.createElement("li");
        li.textContent = new Date((d.ts || u.ts) * 1000).toLocaleTimeString() + " " + d.outcome +
          (d.message ? ": " + d.message : "");
        li.dataset.command = d.id; li.dataset.outcome = d.outcome;
        acks.insertBefore(li, acks.firstChild);
      }
      if (d.thumbnail) {
        showSnapshot(d.thumbnail, d.ts || u.ts);
      } else if (d.has_thumbnail) {  // the live update left the JPEG out: fetch it
        fetch("/api/commands/" + encodeURIComponent(d.id) + "/acks", {credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (body) {
            (body.acks || []).forEach(function (a) { if (a.kit === u.kit && a.thumbnail) showSnapshot(a.thumbnail, a.ts); });
          });
      }
    }
  }

  function showSnapshot(base64, ts) {
    var fig = document.getElementById("snapshot");
    if (!fig) return;
    $("img", fig).src = "data:image/jpeg;base64," + base64;
    $("figcaption", fig).textContent = "snapshot at " + new Date(ts * 1000).toLocaleTimeString();
    fig.hidden = false;
  }

  // --- charts (kit page) ------------------------------------------------------------------
  var charts = [];  // {device, channels, plot, data}
  var chartDirty = false;

  function buildCharts(series) {
    var box = document.getElementById("charts");
    if (!box || typeof uPlot === "undefined") return;
    var catalogue = JSON.parse(box.dataset.channels || "{}");
    var colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
    Object.keys(catalogue).forEach(function (device) {
      var chans = Object.keys(catalogue[device]);
      if (!chans.length) return;
      var data = [[]].concat(chans.map(function () { return []; }));
      series.forEach(function (row) {
        var vals = row[1][device];
        if (!vals) return;
        data[0].push(row[0]);
        chans.forEach(function (c, i) { var v = vals[c]; data[i + 1].push(typeof v === "boolean" ? +v : (v === undefined ? null : v)); });
      });
      var el = document.createElement("div");
      el.className = "chart"; el.dataset.device = device;
      box.appendChild(el);
      var opts = {
        title: device, width: Math.min(box.clientWidth || 600, 640), height: 180,
        series: [{}].concat(chans.map(function (c, i) {
          return {label: c + (catalogue[device][c] ? " (" + catalogue[device][c] + ")" : ""), stroke: colors[i % colors.length], spanGaps: true};
        })),
        scales: {x: {time: true}}, legend: {live: false},
      };
      charts.push({device: device, channels: chans, plot: new uPlot(opts, data, el), data: data});
    });
  }

  function chartPush(ts, values) {
    charts.forEach(function (ch) {
      var vals = values[ch.device];
      if (!vals) return;
      ch.data[0].push(ts);
      ch.channels.forEach(function (c, i) { var v = vals[c]; ch.data[i + 1].push(typeof v === "boolean" ? +v : (v === undefined ? null : v)); });
      var cutoff = ts - CHART_SECONDS;
      while (ch.data[0].length && ch.data[0][0] < cutoff) ch.data.forEach(function (col) { col.shift(); });
    });
    if (!chartDirty) {
      chartDirty = true;
      window.requestAnimationFrame(function () {
        chartDirty = false;
        charts.forEach(function (ch) { ch.plot.setData(ch.data); });
      });
    }
  }

  // --- wiring -------------------------------------------------------------------------------
  var handlers = {telemetry: telemetry, status: status, event: event, ack: ack};

  function connect() {
    var url = "/live" + (kitId ? "?kits=" + encodeURIComponent(kitId) : "");
    var source = new EventSource(url);
    source.addEventListener("updates", function (e) {
      JSON.parse(e.data).forEach(function (u) {
        var h = handlers[u.kind];
        if (h) h(u);
      });
      document.body.dataset.liveBatches = String(+(document.body.dataset.liveBatches || 0) + 1);
    });
    source.addEventListener("open", function () { document.body.dataset.live = "open"; });
    source.addEventListener("error", function () { document.body.dataset.live = "reconnecting"; });
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    $$(".sent[data-command]", e.detail.target).forEach(function (r) {
      (seenAcks[r.dataset.command] || []).forEach(function (u) { ack(u, true); });
    });
  });
  document.addEventListener("htmx:configRequest", function (e) { e.detail.headers["X-CSRF-Token"] = csrf; });
  setInterval(function () { $$("time[data-ts]").forEach(function (t) { if (t.dataset.ts) t.textContent = ago(+t.dataset.ts); }); }, 1000);
  $$("time[data-ts]").forEach(function (t) { if (t.dataset.ts) t.textContent = ago(+t.dataset.ts); });

  if (kitId && document.getElementById("charts")) {
    fetch("/api/kits/" + encodeURIComponent(kitId) + "/series?since=-" + CHART_SECONDS, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {series: []}; })
      .then(function (body) { buildCharts(body.series || []); })
      .catch(function () { buildCharts([]); })
      .then(connect);
  } else {
    connect();
  }
})();
