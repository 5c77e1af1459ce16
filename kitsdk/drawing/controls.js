// The kit drawing's controls for simulated inputs: a press button, a tick box, a slider and a
// number field, each sending the student's value and showing the kit's refusal by it. Only the
// student's interactive view loads this file, after kitview.js (whose helpers it uses):
// KitDrawing.create({interactive: true}) makes a KitDrawing.Control for each of the kit's inputs.
(function () {
  "use strict";

  if (!window.KitDrawing) throw new Error("controls.js needs kitview.js, loaded before it");
  var u = window.KitDrawing.util;
  var uid = u.uid, html = u.html, attr = u.attr, text = u.text;

  // Sends the newest value, one request at a time: a slider dragged fast does not queue a
  // hundred requests, and the last value always gets there.
  function sender(send, ok, failed) {
    var busy = false, waiting = null;
    function push(value) {
      if (busy) { waiting = {value: value}; return; }
      busy = true;
      Promise.resolve().then(function () { return send(value); })
        .then(function () { ok(value); }, failed)
        .then(function () {
          busy = false;
          if (waiting) { var next = waiting.value; waiting = null; push(next); }
        });
    }
    return push;
  }

  function rangeText(input) {
    var u = input.unit ? " " + input.unit : "";
    if (input.low === null || input.low === undefined) {
      return input.high === null || input.high === undefined ? "any value" : "up to " + input.high + u;
    }
    if (input.high === null || input.high === undefined) return "from " + input.low + u;
    return "allowed " + input.low + " to " + input.high + u;
  }

  function Control(input, parent, options, drivenBy) {
    var self = this;
    this.name = input.name;
    this.node = html("div", {class: "kv-control", "data-input": input.name}, parent);
    this.error = html("p", {class: "kv-error", role: "alert", hidden: ""});
    this.note = html("p", {class: "kv-note", hidden: ""}, null, drivenBy);
    this.fields = [];
    this.good = null;  // the last value the kit accepted or reported: a refused one goes back
    function failed(err) {
      self.show(err && err.message ? err.message : String(err));
      self.set(self.good, true);
    }
    function ok(value) { self.good = value; self.show(""); }
    if (input.button) {
      this.pressButton(input, options, failed);
    } else if (input.kind === "bool") {
      var box = this.field("checkbox", input.name, {});
      var sendBool = sender(function (v) { return options.onInput(input.name, v); }, ok, failed);
      box.addEventListener("change", function () { sendBool(box.checked); });
    } else {
      this.numberFields(input, sender(function (v) { return options.onInput(input.name, v); }, ok, failed));
    }
    this.node.appendChild(this.note);
    this.node.appendChild(this.error);
  }

  // An <input> with its <label>, in `row` (a new one by default); a `quiet` label is there for
  // screen readers only, where a visible one next to it already says what the field is.
  Control.prototype.field = function (type, labelText, extra, row, quiet) {
    var id = uid("input");
    row = row || html("div", {class: "kv-field"}, this.node);
    var field = html("input", Object.assign({id: id, type: type}, extra));
    var label = html("label", quiet ? {for: id, class: "kv-quiet"} : {for: id}, row, labelText);
    row.insertBefore(field, type === "checkbox" ? label : null);  // a tick box goes first
    this.fields.push(field);
    return field;
  };

  Control.prototype.numberFields = function (input, send) {
    var bounds = {};
    if (input.low !== null && input.low !== undefined) bounds.min = input.low;
    if (input.high !== null && input.high !== undefined) bounds.max = input.high;
    var named = input.name + (input.unit ? " (" + input.unit + ")" : "");
    var slider = null, box;
    if ("min" in bounds && "max" in bounds) {  // a slider needs both ends
      // Bounds before the value: a range input clamps its value to the bounds it has so far.
      var step = (input.high - input.low) / 100;
      slider = this.field("range", named, Object.assign({}, bounds, {step: step, value: input.low}));
      box = this.field("number", input.name + " value", Object.assign({step: "any"}, bounds),
                       slider.parentNode, true);
    } else {
      box = this.field("number", named, Object.assign({step: "any"}, bounds));
    }
    html("p", {class: "kv-range"}, this.node, rangeText(input));
    if (slider) {
      slider.addEventListener("input", function () { box.value = slider.value; send(Number(slider.value)); });
    }
    box.addEventListener("change", function () {
      if (box.value === "" || !isFinite(Number(box.value))) return;
      if (slider) slider.value = box.value;
      send(Number(box.value));
    });
  };

  Control.prototype.pressButton = function (input, options, failed) {
    var button = html("button", {type: "button", class: "kv-press", "aria-pressed": "false"},
                      this.node, "Press " + input.name);
    this.fields.push(button);
    var down = false;
    function press(now) {
      if (now === down) return;
      down = now;
      attr(button, "aria-pressed", now);
      Promise.resolve().then(function () { return options.onPress(input.name, now); }).catch(failed);
    }
    function isPressKey(e) { return e.key === " " || e.key === "Enter"; }
    button.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      e.preventDefault();  // keep the press on the button, no text selection or drag
      button.setPointerCapture(e.pointerId);
      button.focus();
      press(true);
    });
    ["pointerup", "pointercancel", "lostpointercapture", "blur"].forEach(function (type) {
      button.addEventListener(type, function () { press(false); });
    });
    button.addEventListener("keydown", function (e) {
      if (!isPressKey(e)) return;
      e.preventDefault();  // no scrolling on Space, no synthetic click
      press(true);  // a key held repeats: press() lets only the first one through
    });
    button.addEventListener("keyup", function (e) {
      if (!isPressKey(e)) return;
      e.preventDefault();
      press(false);
    });
    button.addEventListener("contextmenu", function (e) { e.preventDefault(); });  // a long touch
  };

  Control.prototype.show = function (message) {
    text(this.error, message);
    this.error.hidden = !message;
    this.node.classList.toggle("kv-refused", Boolean(message));
  };

  // Shows the kit's value, except in a field the student is using right now (unless `force`:
  // a refused value goes back). A press button has no value: its part shows what the kit says.
  Control.prototype.set = function (value, force) {
    this.fields.forEach(function (field) {
      if (value === null || value === undefined || field.tagName !== "INPUT" ||
          (field === document.activeElement && !force)) return;
      if (field.type === "checkbox") field.checked = Boolean(value);
      else if (String(field.value) !== String(value)) field.value = value;
    });
  };

  Control.prototype.follow = function (input) {
    if (!input || typeof input !== "object") return;
    var driven = Boolean(input.driven);
    this.fields.forEach(function (field) { field.disabled = driven; });
    this.note.hidden = !driven;
    if (input.value !== undefined && input.value !== null) {
      this.good = input.value;
      this.set(input.value);
    }
  };

  window.KitDrawing.Control = Control;
})();
