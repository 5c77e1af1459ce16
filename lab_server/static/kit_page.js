// A kit's own page, kept live: its readings in words, the last minute charted (numbers as
// lines, on/off channels as a state timeline), its events in words, the one Lock/Unlock
// control that follows the kit's state, its acks and snapshots, and its drawing.
(function () {
  "use strict";

  var $ = Lab.$, $$ = Lab.$$;
  var head = document.getElementById("kit");
  if (!head) return;
  var kitId = head.dataset.kit;
  var table = document.getElementById("now");
  var drawing = window.KitPageDrawing || null;  // kit_drawing.js
  var SECONDS = 60;
  var PLAIN = {unit: "", decimals: 2, boolean: false, on: "on", off: "off"};

  function readoutOf(row) { return row.readout || (row.readout = JSON.parse(row.dataset.readout)); }
  function rows() { return $$("tr[data-reading]", table); }

  // A reading the page was rendered without (the kit said what it has after the page was
  // drawn) gets its row when it first arrives.
  function ensureRows(values) {
    Object.keys(values).forEach(function (device) {
      Object.keys(values[device]).forEach(function (channel) {
        var key = device + "." + channel;
        if ($('tr[data-reading="' + CSS.escape(key) + '"]', table)) return;
        var readout = Object.assign({key: key, label: key}, PLAIN,
                                    {boolean: typeof values[device][channel] === "boolean"});
        var tr = document.createElement("tr");
        tr.dataset.reading = key;
        tr.dataset.readout = JSON.stringify(readout);
        tr.innerHTML = '<th scope="row"></th><td class="value"></td><td class="key"></td>';
        $("th", tr).textContent = key;
        $(".key", tr).textContent = key;
        $("tbody", table).appendChild(tr);
      });
    });
  }

  // --- the last minute: numbers in uPlot charts (one per device), on/off as timelines ------
  var charts = [];     // {device, keys, plot, data}
  var timelines = [];  // {key, readout, spans: [[ts, value]], svg, node}
  var latestTs = 0, chartsDirty = false;

  function value(values, key) {
    var dot = key.indexOf("."), device = values[key.slice(0, dot)];
    return device ? device[key.slice(dot + 1)] : undefined;
  }

  function isBoolean(readout, series) {
    if (readout.boolean) return true;
    return series.some(function (row) { return typeof value(row[1], readout.key) === "boolean"; });
  }

  function build(series) {
    var box = document.getElementById("charts");
    var colours = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
    var byDevice = {};
    rows().forEach(function (row) {
      var readout = readoutOf(row);
      if (isBoolean(readout, series)) { timelines.push(timeline(readout, series)); return; }
      var device = readout.key.split(".")[0];
      (byDevice[device] || (byDevice[device] = [])).push(readout);
    });
    if (typeof uPlot === "undefined") return;
    Object.keys(byDevice).forEach(function (device) {
      var readouts = byDevice[device];
      var data = [[]].concat(readouts.map(function () { return []; }));
      series.forEach(function (row) {
        if (!row[1][device]) return;
        data[0].push(row[0]);
        readouts.forEach(function (r, i) { var v = value(row[1], r.key); data[i + 1].push(typeof v === "number" ? v : null); });
      });
      var el = document.createElement("figure");
      el.className = "chart";
      el.dataset.device = device;
      el.setAttribute("aria-label", "chart of the last minute: " +
                      readouts.map(function (r) { return r.label; }).join(", "));
      box.appendChild(el);
      var opts = {
        title: readouts.length === 1 ? readouts[0].label : device,
        width: Math.min(box.clientWidth || 600, 640), height: 180,
        series: [{}].concat(readouts.map(function (r, i) {
          return {label: r.label + (r.unit ? " (" + r.unit + ")" : ""), stroke: colours[i % colours.length],
                  spanGaps: true, value: function (u, v) { return v === null ? "–" : v.toFixed(r.decimals); }};
        })),
        scales: {x: {time: true}}, legend: {live: false},
      };
      charts.push({keys: readouts.map(function (r) { return r.key; }), device: device,
                   plot: new uPlot(opts, data, el), data: data});
    });
  }

  function timeline(readout, series) {
    var node = document.createElement("figure");
    node.className = "timeline";
    node.dataset.reading = readout.key;
    node.innerHTML = '<figcaption></figcaption><svg viewBox="0 0 600 20" preserveAspectRatio="none" aria-hidden="true"></svg>';
    $("figcaption", node).textContent = readout.label;
    document.getElementById("timelines").appendChild(node);
    var line = {key: readout.key, readout: readout, spans: [], node: node, svg: $("svg", node)};
    series.forEach(function (row) { record(line, row[0], value(row[1], readout.key)); });
    return line;
  }

  function record(line, ts, v) {
    if (typeof v !== "boolean") return;
    var last = line.spans[line.spans.length - 1];
    if (!last || last[1] !== v) line.spans.push([ts, v]);
    latestTs = Math.max(latestTs, ts);
  }

  // Each timeline: the minute up to now as on (filled) and off stretches, and in words.
  function drawTimeline(line, now) {
    var start = now - SECONDS;
    while (line.spans.length > 1 && line.spans[1][0] <= start) line.spans.shift();
    var parts = [], onFor = 0;
    line.spans.forEach(function (span, i) {
      var from = Math.max(span[0], start), to = i + 1 < line.spans.length ? line.spans[i + 1][0] : now;
      if (!span[1] || to <= from) return;
      onFor += to - from;
      parts.push('<rect x="' + ((from - start) * 10).toFixed(1) + '" y="0" height="20" width="' +
                 Math.max(1, (to - from) * 10).toFixed(1) + '"></rect>');
    });
    line.svg.innerHTML = '<rect class="off" x="0" y="0" width="600" height="20"></rect>' + parts.join("");
    var current = line.spans.length ? line.spans[line.spans.length - 1][1] : null;
    var r = line.readout;
    line.node.dataset.state = current === null ? "unknown" : current ? "on" : "off";
    line.node.setAttribute("aria-label", r.label + ": " + (current === null ? "no reading yet" :
      "now " + (current ? r.on : r.off) + ", " + r.on + " for " + Math.round(onFor) + " s of the last minute"));
  }

  function push(ts, values) {
    charts.forEach(function (ch) {
      if (!values[ch.device]) return;
      ch.data[0].push(ts);
      ch.keys.forEach(function (key, i) { var v = value(values, key); ch.data[i + 1].push(typeof v === "number" ? v : null); });
      while (ch.data[0].length && ch.data[0][0] < ts - SECONDS) ch.data.forEach(function (col) { col.shift(); });
    });
    timelines.forEach(function (line) { record(line, ts, value(values, line.key)); });
    chartsDirty = true;
  }

  // --- live updates ----------------------------------------------------------------------------
  var newest = {};  // device -> values, shown at the end of the frame

  Lab.on("telemetry", function (u) {
    if (u.kit !== kitId) return;
    var ts = (u.data && u.data.ts) || u.ts, values = u.data && u.data.values ? u.data.values : u.data;
    Object.keys(values || {}).forEach(function (d) { newest[d] = values[d]; });
    push(ts, values || {});
    var seen = $('[data-field="last_seen"]', head);
    if (seen) seen.dataset.ts = ts;
  });

  Lab.on("frame", function () {
    if (Object.keys(newest).length) {
      ensureRows(newest);
      Lab.showReadouts(table, newest);
      if (drawing) drawing.values(newest);
      newest = {};
    }
    if (chartsDirty) {
      chartsDirty = false;
      charts.forEach(function (ch) { ch.plot.setData(ch.data); });
      timelines.forEach(function (line) { drawTimeline(line, Math.max(latestTs, Date.now() / 1000)); });
    }
  });
  setInterval(function () { chartsDirty = true; }, 1000);  // the minute moves on without data

  Lab.on("status", function (u) {
    var d = u.data || {};
    if (u.kit !== kitId || !d.state) return;
    var st = $('[data-field="state"]', head);
    st.textContent = d.state;
    st.className = "state state-" + d.state;
    if ("running" in d) {
      $('[data-field="running"]', head).textContent = d.running ? d.running.kind + ": " + d.running.name : "idle";
    }
    if (d.state !== "offline") {  // a will says nothing of the lock: keep what was shown
      var note = $('[data-field="lock"]', head);
      note.hidden = d.state !== "locked";
      note.textContent = d.state === "locked" ? d.message || "" : "";
      $$("form[data-lock]", head).forEach(function (f) {
        f.hidden = (f.dataset.lock === "unlock") !== (d.state === "locked");
      });
    }
    if (drawing) drawing.status(d);
  });

  Lab.on("event", function (u) {
    if (u.kit !== kitId) return;
    var d = u.data || {};
    var progress = Lab.progressText(d.kind, d.data || {});
    if (progress) $('[data-field="progress"]', head).textContent = progress;
    var li = document.createElement("li");
    li.dataset.kind = d.kind || "";
    li.innerHTML = '<time></time> <span class="text"></span>';
    var t = $("time", li);
    t.dataset.ts = d.ts || u.ts;
    t.textContent = Lab.ago(d.ts || u.ts);
    $(".text", li).textContent = d.text || d.kind;
    if (d.detail) {
      var more = document.createElement("details");
      more.innerHTML = "<summary>Details</summary><pre></pre>";
      $("pre", more).textContent = d.detail;
      li.appendChild(more);
    }
    var list = document.getElementById("events");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
  });

  Lab.on("ack", function (u) {
    var d = u.data || {};
    if (u.kit !== kitId) return;
    var acks = document.getElementById("acks");
    if (acks) {
      var li = document.createElement("li");
      li.textContent = new Date((d.ts || u.ts) * 1000).toLocaleTimeString() + " " + (d.name || "") +
        " " + d.outcome + (d.message ? ": " + d.message : "");
      li.dataset.command = d.id;
      li.dataset.outcome = d.outcome;
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
  });

  function showSnapshot(base64, ts) {
    var fig = document.getElementById("snapshot");
    if (!fig) return;
    $("img", fig).src = "data:image/jpeg;base64," + base64;
    $("figcaption", fig).textContent = "snapshot at " + new Date(ts * 1000).toLocaleTimeString();
    fig.hidden = false;
  }

  fetch("/api/kits/" + encodeURIComponent(kitId) + "/series?since=-" + SECONDS, {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : {series: []}; })
    .catch(function () { return {series: []}; })
    .then(function (body) { build(body.series || []); chartsDirty = true; })
    .then(function () { Lab.connect(kitId); });
})();
