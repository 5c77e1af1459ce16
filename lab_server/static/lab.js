// kitlab dashboard, shared by its pages: the live stream (/live, Server-Sent Events) applied
// once per animation frame, readings in words, times that age, and the command receipts.
// No build step: plain browser JavaScript over the vendored htmx. A page's own script
// (room.js, kit_page.js) registers its handlers with Lab.on and then calls Lab.connect.
(function () {
  "use strict";

  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var handlers = {};  // update kind -> [fn(update)], plus "frame" -> [fn()] after each batch
  var queue = [];
  var scheduled = false;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function ago(ts) {
    if (!ts) return "never";
    var s = Date.now() / 1000 - ts;
    if (s < 5) return "just now";
    if (s < 90) return Math.round(s) + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    return new Date(ts * 1000).toLocaleTimeString();
  }

  // A reading in words, as the server's Readout.show says it: "0.42 m", "on", "–".
  function show(readout, value) {
    if (value === null || value === undefined) return "–";
    if (typeof value === "boolean" || readout.boolean) return value ? readout.on : readout.off;
    if (typeof value === "number") {
      var text = value.toFixed(readout.decimals);
      return readout.unit ? text + " " + readout.unit : text;
    }
    return String(value);
  }

  // Every element with data-readout under root shows its channel's value from `values`
  // (device -> channel -> value); booleans also say on/off in data-value, for their chip.
  function showReadouts(root, values) {
    $$("[data-readout]", root).forEach(function (el) {
      var key = el.dataset.reading, dot = key.indexOf(".");
      var device = values[key.slice(0, dot)];
      if (!device || !(key.slice(dot + 1) in device)) return;
      var v = device[key.slice(dot + 1)];
      var readout = el.readout || (el.readout = JSON.parse(el.dataset.readout));
      var text = show(readout, v);
      var cell = $(".value", el);
      if (cell.textContent !== text) cell.textContent = text;
      var chip = typeof v === "boolean" ? (v ? "on" : "off") : "";
      if ((el.dataset.value || "") !== chip) {
        if (chip) el.dataset.value = chip; else delete el.dataset.value;
      }
    });
  }

  // A lesson event as a tile or the kit page's header says where the kit is.
  function progressText(kind, data) {
    var lesson = data.lesson ? data.lesson + ": " : "";
    if (kind === "lesson.started") return lesson + "step 1 of " + data.steps;
    if (kind === "lesson.step_passed") return lesson + "passed step " + data.step;
    if (kind === "lesson.step_failed") return lesson + "stuck at step " + data.step;
    if (kind === "lesson.finished") return lesson + "finished: " + data.passed + " of " + data.steps + " passed";
    return null;
  }

  function on(kind, fn) { (handlers[kind] || (handlers[kind] = [])).push(fn); }
  function emit(kind, arg) { (handlers[kind] || []).forEach(function (fn) { fn(arg); }); }

  // Updates wait for the next frame and are applied together: a room of 40 kits at 20 Hz
  // touches the page once a frame, not 800 times a second. A hidden tab gets no frames,
  // so it drains on a timer instead of queueing without end.
  function flush() {
    scheduled = false;
    var batch = queue;
    queue = [];
    batch.forEach(function (u) { emit(u.kind, u); });
    emit("frame");
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    if (document.hidden) setTimeout(flush, 250); else window.requestAnimationFrame(flush);
  }

  // A page that held updates back (the room draws its tiles a few times a second) asks for
  // one more frame to show what it kept.
  function redraw() { schedule(); }

  function connect(kits) {
    var source = new EventSource("/live" + (kits ? "?kits=" + encodeURIComponent(kits) : ""));
    source.addEventListener("updates", function (e) {
      Array.prototype.push.apply(queue, JSON.parse(e.data));
      schedule();
      document.body.dataset.liveBatches = String(+(document.body.dataset.liveBatches || 0) + 1);
    });
    source.addEventListener("open", function () { document.body.dataset.live = "open"; emit("open"); });
    source.addEventListener("error", function () { document.body.dataset.live = "reconnecting"; });
  }

  // --- command receipts: "stop sent, waiting for the ack…" then what the kits answered -----
  var pending = {};   // command id -> {kit: outcome}
  var seenAcks = {};  // command id -> [updates], replayed when a receipt is swapped in late

  function receipt(u) {
    var d = u.data || {};
    var el = $('.sent[data-command="' + d.id + '"]');
    if (!el) return;
    var acks = pending[d.id] || (pending[d.id] = {});
    acks[u.kit] = d.outcome;
    var n = Object.keys(acks).length;
    var head = el.textContent.split(" — ")[0];
    if (el.dataset.kit === "_all") {
      var ok = Object.keys(acks).filter(function (k) { return acks[k] === "ok"; }).length;
      el.textContent = head + " — " + n + " of " + $$("[data-kit].tile").length +
        " kits answered (" + ok + " ok)";
    } else {
      el.textContent = head.replace(/, waiting.*$/, "") + " — " + u.kit + ": " + d.outcome +
        (d.message ? " (" + d.message + ")" : "");
    }
    el.dataset.acked = n;
    el.dataset.outcome = d.outcome;
  }

  on("ack", function (u) {
    var d = u.data || (u.data = {});
    if (!d.id && d.command_id) d.id = d.command_id;
    (seenAcks[d.id] || (seenAcks[d.id] = [])).push(u);
    receipt(u);
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    $$(".sent[data-command]", e.detail.target).forEach(function (r) {
      (seenAcks[r.dataset.command] || []).forEach(receipt);
    });
  });
  document.addEventListener("htmx:configRequest", function (e) { e.detail.headers["X-CSRF-Token"] = csrf; });

  // Each second, times say how long ago; only those whose words changed are touched.
  function age() {
    $$("time[data-ts]").forEach(function (t) {
      var text = t.dataset.ts ? ago(+t.dataset.ts) : "";
      if (text && t.textContent !== text) t.textContent = text;
    });
  }
  setInterval(age, 1000);
  age();

  window.Lab = {$: $, $$: $$, ago: ago, showReadouts: showReadouts, progressText: progressText,
                on: on, connect: connect, redraw: redraw};
})();
