// The kit page's drawing: the kit as its student sees it (kitsdk's KitDrawing, kitview.js),
// read-only for everyone who may see the page, teacher or mentor: it draws, it never sends.
// lab.js feeds it from the live stream: KitPageDrawing.values(deviceValues) with each of this
// kit's telemetry updates, KitPageDrawing.status(statusData) with each of its statuses.
(function () {
  "use strict";

  var box = document.getElementById("kit-drawing");
  if (!box || typeof KitDrawing === "undefined") return;
  var note = document.getElementById("kit-drawing-note");
  var drawing = null;
  var drawn = null;  // the parts drawn, as key() writes them
  var values = {};   // device -> its newest values: a drawing made later starts from them

  // A kit that does not describe its parts (an older kit agent) is drawn from its channel
  // catalogue, a plain box per device listing its readings, as docs/mqtt.md promises for such
  // a status: the teacher finds every kit's devices in the same place on the page, and a kit
  // that updates its agent turns into its real drawing in place.
  function plainParts(channels) {
    return Object.keys(channels || {}).map(function (device) {
      return {name: device, kind: "part", label: device,
              channels: Object.keys(channels[device]).map(function (name) {
                return {name: name, unit: channels[device][name]};
              })};
    });
  }

  // JSON with every object's keys sorted: the page's parts (written by Python, keys sorted)
  // and a status's (in the kit's order) are the same drawing when they are the same parts.
  function key(value) {
    return JSON.stringify(value, function (name, v) {
      if (!v || typeof v !== "object" || Array.isArray(v)) return v;
      var sorted = {};
      Object.keys(v).sort().forEach(function (k) { sorted[k] = v[k]; });
      return sorted;
    });
  }

  // (Re)draws the kit when what it is made of changed (a script with another profile).
  function draw(parts, channels) {
    var described = Array.isArray(parts) && parts.length > 0;
    var shown = described ? parts : plainParts(channels);
    var now = key(shown);
    if (now === drawn) return;
    if (drawing) drawing.destroy();
    drawing = KitDrawing.create(box, {kit: box.dataset.kit, parts: shown}, {interactive: false});
    drawn = now;
    if (note) note.hidden = described;
    drawing.update({values: values});
  }

  function update(latest) {
    Object.keys(latest || {}).forEach(function (device) { values[device] = latest[device]; });
    drawing.update({values: latest});
  }

  function status(data) {
    // An offline status is the kit's will, made when it connected: its parts may be older
    // than its latest status's. The store keeps the parts it had, and so does the page.
    if (!data || data.state === "offline") return;
    draw(data.parts || [], data.channels);
  }

  draw(JSON.parse(box.dataset.parts || "[]"), JSON.parse(box.dataset.channels || "{}"));
  update(JSON.parse(box.dataset.latest || "{}"));
  window.KitPageDrawing = {values: update, status: status};
})();
