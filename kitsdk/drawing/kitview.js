// The kit view's drawing: an SVG picture of each part of a kit, kept live from its readings.
// Plain browser JavaScript, no build step; used by the student's kit view (page.js) and,
// read-only, by the lab's kit page. The data it draws is described in the kit view contract:
// KitDrawing.create(container, description, options) -> {update(state), destroy()}.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var lastId = 0;

  // --- small helpers ----------------------------------------------------------------------
  function uid(what) { lastId += 1; return "kv" + lastId + "-" + what; }

  function make(ns, tag, attrs, parent, text) {
    var node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function svg(tag, attrs, parent) { return make(SVG_NS, tag, attrs, parent); }
  function html(tag, attrs, parent, text) { return make(null, tag, attrs, parent, text); }

  // Writes only what changed: update() may come 60 times a second, most of it the same.
  function attr(node, name, value) {
    value = String(value);
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }
  function text(node, value) { if (node.textContent !== value) node.textContent = value; }

  function num(v) { return typeof v === "number" && isFinite(v) ? v : null; }
  function bool(v) { return v === null || v === undefined ? null : Boolean(v); }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
  function round(v, places) { var k = Math.pow(10, places); return Math.round(v * k) / k; }
  function fmt(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return String(round(v, 3));
    if (typeof v === "boolean") return v ? "yes" : "no";
    return String(v);
  }
  function withUnit(v, unit) {
    if (v === null) return "–";
    return fmt(v) + (!unit ? "" : unit === "°" ? unit : " " + unit);  // 90°, but 21.5 °C
  }
  function hex(levels) {
    return "#" + levels.map(function (v) {
      return ("0" + Math.round(clamp(v || 0, 0, 1) * 255).toString(16)).slice(-2);
    }).join("");
  }
  function channel(part, name) {
    return part.channels.filter(function (c) { return c.name === name; })[0] || null;
  }
  function unit(part, name, fallback) {
    var c = channel(part, name);
    return c && c.unit ? c.unit : fallback;
  }

  // --- wheels (motors, drive bases): spun by one animation loop per drawing ---------------
  function wheel(parent, cx, cy, r) {
    svg("circle", {cx: cx, cy: cy, r: r, class: "kv-tyre"}, parent);
    var spokes = svg("g", {class: "kv-spokes"}, parent);
    svg("circle", {cx: cx, cy: cy, r: r * 0.7, class: "kv-rim"}, spokes);
    for (var i = 0; i < 5; i += 1) {
      var a = i * 2 * Math.PI / 5;
      svg("line", {x1: cx, y1: cy, x2: cx + r * 0.7 * Math.sin(a), y2: cy - r * 0.7 * Math.cos(a),
                   class: "kv-spoke"}, spokes);
    }
    svg("circle", {cx: cx, cy: cy, r: r * 0.18, class: "kv-hub"}, spokes);
    // The arrow shows the direction even when motion is reduced or the speed is tiny.
    var arrow = svg("path", {class: "kv-arrow", d: "M" + (cx - r * 0.5) + " " + (cy - r * 1.12) +
      " A" + r * 1.12 + " " + r * 1.12 + " 0 0 1 " + (cx + r * 0.5) + " " + (cy - r * 1.12) +
      " l-3 -3 m3 3 l-4 2"}, parent);
    return {spokes: spokes, arrow: arrow, cx: cx, cy: cy, speed: 0, angle: 0};
  }

  // --- the kinds: each draws its part into a card and returns draw(values) ----------------
  // draw() returns {state: data-state, text: the reading shown, active?: a class for "doing
  // something", sound?: Hz for a buzzer, speeds?: wheel speeds}.
  function ledShape(s, colour, legs) {
    var glow = svg("circle", {cx: 50, cy: 36, r: 30, class: "kv-glow", fill: colour, opacity: 0}, s);
    legs.forEach(function (x, i) {
      svg("line", {x1: x, y1: 62, x2: x, y2: i === 0 ? 96 : 90, class: "kv-leg"}, s);
    });
    var dome = svg("path", {d: "M34 62 V38 A16 16 0 0 1 66 38 V62 Z", class: "kv-dome", fill: colour}, s);
    var rim = svg("rect", {x: 31, y: 59, width: 38, height: 5, rx: 1.5, class: "kv-dome", fill: colour}, s);
    svg("path", {d: "M40 36 A10 10 0 0 1 48 28", class: "kv-shine"}, s);
    return function light(level, fill) {
      level = level === null ? 0 : clamp(level, 0, 1);
      [dome, rim].forEach(function (n) {
        attr(n, "fill-opacity", round(0.3 + 0.7 * level, 2));
        if (fill) attr(n, "fill", fill);
      });
      attr(glow, "opacity", round(0.8 * level, 2));
      if (fill) attr(glow, "fill", fill);
    };
  }

  var KINDS = {
    led: function (part, card) {
      var pwm = Boolean(channel(part, "brightness"));
      var light = ledShape(card.art, part.look.color || "red", [42, 58]);
      return function (v) {
        var level = pwm ? num(v.brightness) : bool(v.on);
        light(level === null ? 0 : Number(level));
        if (level === null) return {state: "unknown", text: "–"};
        if (pwm) return {state: fmt(level), text: "brightness " + fmt(level), active: level > 0};
        return {state: level ? "on" : "off", text: level ? "on" : "off", active: level};
      };
    },
    rgb_led: function (part, card) {
      var light = ledShape(card.art, "#000000", [38, 46, 54, 62]);
      return function (v) {
        var levels = [num(v.red), num(v.green), num(v.blue)];
        if (levels.every(function (x) { return x === null; })) {
          light(0);
          return {state: "unknown", text: "–"};
        }
        var colour = hex(levels);
        light(Math.max.apply(null, levels.map(function (x) { return x || 0; })), colour);
        return {state: colour, text: colour, active: colour !== "#000000"};
      };
    },
    button: function (part, card) {
      var s = card.art;
      [[24, 34], [70, 34], [24, 80], [70, 80]].forEach(function (p) {
        svg("rect", {x: p[0] - 8, y: p[1] - 2, width: 22, height: 4, class: "kv-leg-flat"}, s);
      });
      svg("rect", {x: 22, y: 30, width: 56, height: 56, rx: 5, class: "kv-button-base"}, s);
      svg("circle", {cx: 50, cy: 58, r: 18, class: "kv-cap"}, s);
      return function (v) {
        var pressed = bool(v.pressed);
        if (pressed === null) return {state: "unknown", text: "–"};
        return {state: pressed ? "pressed" : "released", text: pressed ? "pressed" : "released",
                active: pressed};
      };
    },
    buzzer: function (part, card) {
      var tonal = Boolean(part.look.tonal || channel(part, "pitch"));
      var s = card.art;
      var waves = svg("g", {class: "kv-waves"}, s);
      [12, 20, 28].forEach(function (r) {
        svg("path", {d: "M" + (74 + r * 0.3) + " " + (50 - r) + " A" + (r + 12) + " " + (r + 12) +
                        " 0 0 1 " + (74 + r * 0.3) + " " + (50 + r)}, waves);
      });
      svg("circle", {cx: 45, cy: 50, r: 28, class: "kv-buzzer"}, s);
      svg("circle", {cx: 45, cy: 50, r: 5, class: "kv-hole"}, s);
      svg("text", {x: 45, y: 36, class: "kv-mark"}, s).textContent = "+";
      return function (v) {
        if (tonal) {
          var pitch = num(v.pitch);
          if (pitch === null) return {state: "unknown", text: "–", sound: 0};
          return {state: fmt(pitch), text: pitch > 0 ? withUnit(pitch, unit(part, "pitch", "Hz")) : "quiet",
                  active: pitch > 0, sound: Math.max(pitch, 0)};
        }
        var on = bool(v.on);
        if (on === null) return {state: "unknown", text: "–", sound: 0};
        return {state: on ? "on" : "off", text: on ? "beeping" : "quiet", active: on, sound: on ? 2000 : 0};
      };
    },
    motor: function (part, card) {
      var w = wheel(card.art, 50, 54, 32);
      return function (v) {
        var speed = num(v.speed);
        card.spin(w, speed || 0);
        if (speed === null) return {state: "unknown", text: "–"};
        return {state: fmt(speed), text: "speed " + fmt(speed), active: speed !== 0};
      };
    },
    drive_base: function (part, card) {
      var s = card.art;
      var left = wheel(s, 26, 58, 20), right = wheel(s, 74, 58, 20);
      svg("text", {x: 26, y: 95, class: "kv-mark"}, s).textContent = "L";
      svg("text", {x: 74, y: 95, class: "kv-mark"}, s).textContent = "R";
      return function (v) {
        var l = num(v.left), r = num(v.right);
        card.spin(left, l || 0);
        card.spin(right, r || 0);
        return {state: fmt(l) + "," + fmt(r), text: "left " + fmt(l) + ", right " + fmt(r),
                active: Boolean(l || r)};
      };
    },
    servo: function (part, card) {
      var lo = num(part.look.min_angle), hi = num(part.look.max_angle);
      lo = lo === null ? -90 : lo;
      hi = hi === null ? 90 : hi;
      var byPosition = !channel(part, "angle");
      var s = card.art;
      svg("rect", {x: 12, y: 52, width: 76, height: 10, rx: 2, class: "kv-servo"}, s);
      svg("rect", {x: 24, y: 38, width: 52, height: 52, rx: 4, class: "kv-servo"}, s);
      var horn = svg("g", {class: "kv-horn"}, s);
      svg("path", {d: "M44 48 L47 16 A3 3 0 0 1 53 16 L56 48 A6 6 0 0 1 44 48 Z"}, horn);
      svg("circle", {cx: 50, cy: 48, r: 4, class: "kv-hub"}, s);
      return function (v) {
        var angle = byPosition ? num(v.position) : num(v.angle);
        if (angle !== null && byPosition) angle = lo + (clamp(angle, -1, 1) + 1) / 2 * (hi - lo);
        // Angles count anticlockwise, like the rover's heading; SVG rotates clockwise.
        attr(horn, "transform", "rotate(" + round(-(angle || 0), 1) + " 50 48)");
        if (angle === null) return {state: "relaxed", text: "relaxed"};
        angle = round(angle, 1);
        return {state: String(angle), text: angle + "°"};
      };
    },
    distance: function (part, card) {
      var s = card.art;
      var far = num(part.look.max_distance) || 1;
      svg("rect", {x: 6, y: 26, width: 88, height: 46, rx: 3, class: "kv-pcb"}, s);
      [29, 71].forEach(function (x) {
        svg("circle", {cx: x, cy: 49, r: 17, class: "kv-eye"}, s);
        svg("circle", {cx: x, cy: 49, r: 11, class: "kv-mesh"}, s);
      });
      svg("rect", {x: 10, y: 82, width: 80, height: 6, rx: 3, class: "kv-track"}, s);
      var bar = svg("rect", {x: 10, y: 82, width: 0, height: 6, rx: 3, class: "kv-bar"}, s);
      return function (v) {
        var d = num(v.distance);
        attr(bar, "width", d === null ? 0 : round(80 * clamp(d / far, 0, 1), 1));
        if (d === null) return {state: "unknown", text: "–"};
        return {state: fmt(d), text: withUnit(d, unit(part, "distance", "m"))};
      };
    },
    light: function (part, card) {
      var s = card.art;
      var sun = svg("g", {class: "kv-sun"}, s);
      svg("circle", {cx: 72, cy: 26, r: 10}, sun);
      for (var i = 0; i < 8; i += 1) {
        var a = i * Math.PI / 4;
        svg("line", {x1: 72 + 14 * Math.cos(a), y1: 26 + 14 * Math.sin(a),
                     x2: 72 + 20 * Math.cos(a), y2: 26 + 20 * Math.sin(a)}, sun);
      }
      svg("line", {x1: 30, y1: 70, x2: 30, y2: 96, class: "kv-leg"}, s);
      svg("line", {x1: 42, y1: 70, x2: 42, y2: 96, class: "kv-leg"}, s);
      svg("circle", {cx: 36, cy: 56, r: 16, class: "kv-ldr"}, s);
      svg("path", {d: "M26 50 H44 V54 H28 V58 H44 V62 H28", class: "kv-squiggle"}, s);
      return function (v) {
        var level = num(v.level);
        attr(sun, "opacity", round(0.15 + 0.85 * clamp(level || 0, 0, 1), 2));
        if (level === null) return {state: "unknown", text: "–"};
        return {state: fmt(level), text: withUnit(level, unit(part, "level", ""))};
      };
    },
    line: function (part, card) {
      var s = card.art;
      svg("rect", {x: 8, y: 66, width: 84, height: 28, rx: 3, class: "kv-floor"}, s);
      svg("rect", {x: 40, y: 66, width: 20, height: 28, class: "kv-tape"}, s);
      svg("rect", {x: 22, y: 12, width: 56, height: 30, rx: 3, class: "kv-pcb"}, s);
      [40, 60].forEach(function (x) { svg("circle", {cx: x, cy: 42, r: 5, class: "kv-ir"}, s); });
      svg("path", {d: "M50 48 V62", class: "kv-ray"}, s);
      return function (v) {
        var seen = bool(v.line);
        if (seen === null) return {state: "unknown", text: "–"};
        return {state: seen ? "line" : "no line", text: seen ? "line" : "no line", active: seen};
      };
    },
    temperature: function (part, card) {
      var s = card.art;
      svg("rect", {x: 43, y: 8, width: 14, height: 70, rx: 7, class: "kv-tube"}, s);
      var fill = svg("rect", {x: 46.5, y: 72, width: 7, height: 0, class: "kv-mercury"}, s);
      svg("circle", {cx: 50, cy: 82, r: 12, class: "kv-mercury"}, s);
      [20, 35, 50, 65].forEach(function (y) {
        svg("line", {x1: 59, y1: y, x2: 66, y2: y, class: "kv-tick"}, s);
      });
      return function (v) {
        var t = num(v.temperature);
        // The tube shows -10 to 50 °C, a classroom's range and then some.
        var h = t === null ? 0 : round(60 * clamp((t + 10) / 60, 0, 1), 1);
        attr(fill, "y", round(74 - h, 1));
        attr(fill, "height", h);
        if (t === null) return {state: "unknown", text: "–"};
        return {state: fmt(t), text: withUnit(t, unit(part, "temperature", "°C"))};
      };
    },
    camera: function (part, card) {
      var s = card.art;
      svg("rect", {x: 10, y: 28, width: 80, height: 54, rx: 6, class: "kv-camera"}, s);
      svg("rect", {x: 20, y: 20, width: 20, height: 10, rx: 2, class: "kv-camera"}, s);
      svg("circle", {cx: 50, cy: 55, r: 19, class: "kv-lens-ring"}, s);
      var lens = svg("circle", {cx: 50, cy: 55, r: 12, class: "kv-lens"}, s);
      if (card.cameraUrl) {
        card.frame = html("img", {class: "kv-frame", alt: "the camera's latest picture", hidden: ""},
                          card.extra);
      }
      return function (v) {
        var b = num(v.brightness);
        attr(lens, "fill-opacity", round(1 - 0.6 * clamp(b || 0, 0, 1), 2));
        if (b === null) return {state: "unknown", text: "–"};
        return {state: fmt(b), text: "brightness " + fmt(b)};
      };
    },
    board: function (part, card) {
      var s = card.art;
      svg("rect", {x: 4, y: 18, width: 92, height: 64, rx: 4, class: "kv-board"}, s);
      svg("rect", {x: 0, y: 26, width: 16, height: 16, class: "kv-usb"}, s);
      svg("rect", {x: 40, y: 50, width: 40, height: 12, rx: 1, class: "kv-chip"}, s);
      [22, 74].forEach(function (y) {
        svg("rect", {x: 24, y: y, width: 68, height: 5, class: "kv-header"}, s);
      });
      var on = svg("circle", {cx: 24, cy: 60, r: 3, class: "kv-power"}, s);
      var pins = part.look.pins || {};
      var names = Object.keys(pins);
      part.channels.forEach(function (c) {
        var listed = names.indexOf(c.name) >= 0 || c.name === "connected" || c.name === "reconnects";
        if (!listed) names.push(c.name);
      });
      var list = html("dl", {class: "kv-pins"}, card.extra);
      var rows = names.map(function (name) {
        html("dt", {}, list, name + (pins[name] ? " (" + pins[name] + ")" : ""));
        return {name: name, value: html("dd", {}, list, "–")};
      });
      return function (v) {
        rows.forEach(function (row) {
          var value = v[row.name] === undefined ? null : v[row.name];
          text(row.value, typeof value === "number" ? withUnit(value, unit(part, row.name, "")) : fmt(value));
        });
        var connected = bool(v.connected);
        attr(on, "opacity", connected ? 1 : 0.2);
        if (connected === null) return {state: "unknown", text: "–"};
        var reconnects = num(v.reconnects);
        return {state: connected ? "connected" : "disconnected",
                text: (connected ? "connected" : "not connected") +
                      (reconnects ? ", " + reconnects + " reconnects" : "")};
      };
    },
    analog: function (part, card) {
      var s = card.art;
      svg("path", {d: "M12 70 A38 38 0 0 1 88 70", class: "kv-gauge"}, s);
      var needle = svg("line", {x1: 50, y1: 70, x2: 50, y2: 38, class: "kv-needle"}, s);
      svg("circle", {cx: 50, cy: 70, r: 4, class: "kv-hub"}, s);
      return function (v) {
        var value = num(v.value), volts = num(v.voltage);
        attr(needle, "transform", "rotate(" + round(-90 + 180 * clamp(value || 0, 0, 1), 1) + " 50 70)");
        if (value === null) return {state: "unknown", text: "–"};
        return {state: fmt(value),
                text: fmt(value) +
                      (volts === null ? "" : ", " + withUnit(volts, unit(part, "voltage", "V")))};
      };
    },
  };

  // Any other kind (a kit maker's own): a labelled box listing its channels.
  function plainPart(part, card) {
    var s = card.art;
    svg("rect", {x: 10, y: 14, width: 80, height: 72, rx: 8, class: "kv-box"}, s);
    svg("text", {x: 50, y: 56, class: "kv-mark"}, s).textContent = part.kind || "part";
    var list = html("dl", {class: "kv-pins"}, card.extra);
    var rows = part.channels.map(function (c) {
      html("dt", {}, list, c.name);
      return {channel: c, value: html("dd", {}, list, "–")};
    });
    return function (v) {
      var said = rows.map(function (row) {
        var value = v[row.channel.name] === undefined ? null : v[row.channel.name];
        var shown = typeof value === "number" ? withUnit(value, row.channel.unit) : fmt(value);
        text(row.value, shown);
        return row.channel.name + " " + shown;
      });
      var state = rows.map(function (row) { return row.channel.name + "=" + fmt(v[row.channel.name]); });
      return {state: state.join("; "), text: said.join(", ")};
    };
  }

  // --- a card: one part, its picture, its reading, and (interactive) its control ------------
  function Card(part, parent, drawing) {
    this.name = part.name;
    this.label = part.label || (part.kind + " " + part.name);
    this.node = html("figure", {class: "kv-card", "data-device": part.name, "data-kind": part.kind,
                                "data-state": "unknown", "aria-label": this.label + ": –"}, parent);
    // The picture is for the eyes; the card's aria-label says the same in words.
    this.art = svg("svg", {viewBox: "0 0 100 100", class: "kv-art", "aria-hidden": "true"}, this.node);
    this.extra = html("div", {class: "kv-extra"}, this.node);
    var caption = html("figcaption", {}, this.node);
    html("span", {class: "kv-name"}, caption, part.name);
    this.reading = html("span", {class: "kv-reading"}, caption, "–");
    this.cameraUrl = drawing.options.cameraUrl;
    this.spin = drawing.spin;
    this.key = undefined;
    this.sound = 0;
    var kind = Object.prototype.hasOwnProperty.call(KINDS, part.kind) ? KINDS[part.kind] : plainPart;
    this.draw = kind(part, this);
  }

  Card.prototype.show = function (values, onSound) {
    var key = JSON.stringify(values);
    if (key === this.key) return;
    this.key = key;
    var shown = this.draw(values && typeof values === "object" ? values : {});
    attr(this.node, "data-state", shown.state);
    attr(this.node, "aria-label", this.label + ": " + shown.text);
    this.node.classList.toggle("kv-active", Boolean(shown.active));
    text(this.reading, shown.text);
    if (shown.sound !== undefined && shown.sound !== this.sound) {
      this.sound = shown.sound;
      if (onSound) onSound(this.name, shown.sound);
    }
  };

  Card.prototype.showFrame = function (n) {
    if (!this.frame || n === null || n === undefined) return;
    attr(this.frame, "src", this.cameraUrl(n));
    this.frame.hidden = false;
  };

  // --- controls for simulated inputs ----------------------------------------------------------
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

  // --- the floor a simulated rover drives on, seen from above --------------------------------
  // World metres are SVG units: x (forward at the start) points right, y (to the left) points
  // up, so SVG's y is -y, and a heading (anticlockwise) is an SVG rotation by -heading.
  var STEP = 0.05, TURN = 15;  // what a key or a turn button moves the rover by: m, degrees

  function World(parent, world, options, interactive) {
    var nose = num(world.nose) || 0.08, track = num(world.track) || 0.12;
    this.world = world;
    this.options = options;
    this.nose = nose;
    this.far = num(world.far) || 4;
    this.node = html("section", {class: "kv-world", "aria-label": "The floor, seen from above"}, parent);
    var floor = this.floor = svg("svg", {class: "kv-map"}, this.node);
    var grid = uid("grid");
    var pattern = svg("pattern", {id: grid, width: 0.1, height: 0.1, patternUnits: "userSpaceOnUse"},
                      svg("defs", {}, floor));
    svg("path", {d: "M0.1 0 H0 V0.1", class: "kv-grid"}, pattern);
    svg("rect", {x: -50, y: -50, width: 100, height: 100, fill: "url(#" + grid + ")"}, floor);
    this.box = {left: -0.3, right: 0.3, bottom: -0.3, top: 0.3};
    if (num(world.wall) !== null) {
      svg("rect", {x: nose + world.wall, y: -50, width: 0.04, height: 100, class: "kv-wall",
                   "data-world": "wall"}, floor);
      this.grow(nose + world.wall + 0.04, 0, 0.1);
    }
    if (num(world.line) !== null) {
      svg("circle", {cx: 0, cy: -world.line, r: world.line, class: "kv-line", "data-world": "line",
                     "stroke-width": num(world.tape) || 0.02}, floor);
      this.grow(-world.line, 0, 0.1);
      this.grow(world.line, 2 * world.line, 0.1);
    }
    var rover = this.rover = svg("g", {class: "kv-rover", "data-world": "rover"}, floor);
    this.beam = svg("g", {class: "kv-beam", "data-world": "beam", visibility: "hidden"}, rover);
    this.cone = svg("path", {}, this.beam);
    this.ray = svg("line", {x1: nose, y1: 0, x2: nose, y2: 0}, this.beam);
    svg("rect", {x: -0.06, y: -track / 2 + 0.012, width: nose + 0.06, height: track - 0.024, rx: 0.015,
                 class: "kv-body"}, rover);
    [-1, 1].forEach(function (side) {
      svg("rect", {x: -0.03, y: side * track / 2 - 0.012, width: 0.06, height: 0.024, rx: 0.006,
                   class: "kv-wheel"}, rover);
    });
    svg("path", {d: "M" + nose + " 0 l-0.03 -0.022 v0.044 Z", class: "kv-nose"}, rover);
    if (num(world.line) !== null) {
      var ahead = num(world.sensors_ahead) || 0.06, spread = num(world.sensor_spread) || 0.05;
      [-1, 1].forEach(function (side) {
        svg("circle", {cx: ahead, cy: side * spread / 2, r: 0.007, class: "kv-sensor"}, rover);
      });
    }
    this.said = html("p", {class: "kv-pose"}, this.node);
    this.error = html("p", {class: "kv-error", role: "alert", hidden: ""}, this.node);
    this.pose = {x: 0, y: 0, heading: 0, bumped: false};
    this.held = false;  // while dragged or being placed, the kit's older poses wait
    this.draw(this.pose);
    if (interactive) this.handles();
  }

  // Widens the floor shown to take in (x, y) and `margin` around it; it never shrinks, so the
  // picture does not jump about as the rover drives.
  World.prototype.grow = function (x, y, margin) {
    var b = this.box, grew = false;
    if (x - margin < b.left) { b.left = x - margin; grew = true; }
    if (x + margin > b.right) { b.right = x + margin; grew = true; }
    if (y - margin < b.bottom) { b.bottom = y - margin; grew = true; }
    if (y + margin > b.top) { b.top = y + margin; grew = true; }
    if (grew || !this.floor.getAttribute("viewBox")) {
      attr(this.floor, "viewBox", [b.left, -b.top, b.right - b.left, b.top - b.bottom]
        .map(function (v) { return round(v, 3); }).join(" "));
    }
  };

  World.prototype.draw = function (pose) {
    var x = round(pose.x, 3), y = round(pose.y, 3), heading = round(pose.heading, 1);
    this.shown = {x: x, y: y, heading: heading};
    this.grow(x, y, 0.2);
    attr(this.rover, "transform", "translate(" + x + " " + -y + ") rotate(" + -heading + ")");
    attr(this.rover, "data-state", x + "," + y + "," + heading);
    var said = "rover at x " + x.toFixed(2) + " m, y " + y.toFixed(2) + " m, heading " + heading + "°" +
               (pose.bumped ? ", against the wall" : "");
    attr(this.rover, "aria-label", said.charAt(0).toUpperCase() + said.slice(1));
    text(this.said, said.charAt(0).toUpperCase() + said.slice(1));
    this.rover.classList.toggle("kv-bumped", Boolean(pose.bumped));
  };

  World.prototype.update = function (state) {
    var values = state.values, name = this.world.distance;
    if (values && name && values[name] !== undefined) {
      var d = num((values[name] || {}).distance);
      attr(this.beam, "visibility", d === null ? "hidden" : "visible");
      if (d !== null) {
        var x1 = this.nose, x2 = round(x1 + clamp(d, 0, this.far), 3);
        var half = round((x2 - x1) * 0.13, 3);  // the HC-SR04 sees a cone of about 15 degrees
        attr(this.ray, "x2", x2);
        attr(this.cone, "d", "M" + x1 + " 0 L" + x2 + " " + -half + " L" + x2 + " " + half + " Z");
        attr(this.beam, "data-length", round(x2 - x1, 3));
      }
    }
    var rover = state.rover;
    if (rover && typeof rover === "object" && num(rover.x) !== null && num(rover.y) !== null) {
      this.pose = {x: rover.x, y: rover.y, heading: num(rover.heading) || 0, bumped: Boolean(rover.bumped)};
      if (!this.held) this.draw(this.pose);
    }
  };

  // Pick the rover up and put it down: drag it, nudge it with the arrow keys, turn it.
  World.prototype.handles = function () {
    var self = this, floor = this.floor, rover = this.rover, drag = null;
    attr(rover, "tabindex", 0);
    attr(rover, "role", "button");
    attr(rover, "aria-roledescription", "rover: drag it or move it with the arrow keys");
    function at(e) {
      var p = new DOMPoint(e.clientX, e.clientY).matrixTransform(floor.getScreenCTM().inverse());
      return {x: p.x, y: -p.y};
    }
    rover.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      e.preventDefault();
      rover.focus();
      floor.setPointerCapture(e.pointerId);
      var p = at(e);
      drag = {dx: self.shown.x - p.x, dy: self.shown.y - p.y, moved: false};
      self.held = true;
    });
    floor.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var p = at(e);
      drag.moved = true;
      self.draw({x: p.x + drag.dx, y: p.y + drag.dy, heading: self.shown.heading});
    });
    ["pointerup", "pointercancel"].forEach(function (type) {
      floor.addEventListener(type, function () {
        if (!drag) return;
        var moved = drag.moved && type === "pointerup";
        drag = null;
        if (moved) self.place(self.shown);
        else { self.held = false; self.draw(self.pose); }
      });
    });
    var keys = {ArrowRight: [STEP, 0], ArrowLeft: [-STEP, 0], ArrowUp: [0, STEP], ArrowDown: [0, -STEP]};
    rover.addEventListener("keydown", function (e) {
      var step = keys[e.key];
      if (!step) return;
      e.preventDefault();
      self.place({x: self.shown.x + step[0], y: self.shown.y + step[1], heading: self.shown.heading});
    });
    var row = html("div", {class: "kv-turns"}, this.node);
    [["Turn left " + TURN + "°", TURN], ["Turn right " + TURN + "°", -TURN]].forEach(function (b) {
      html("button", {type: "button"}, row, b[0]).addEventListener("click", function () {
        var s = self.shown;
        self.place({x: s.x, y: s.y, heading: ((s.heading + b[1] + 180) % 360 + 360) % 360 - 180});
      });
    });
    html("button", {type: "button"}, row, "Back to the start").addEventListener("click", function () {
      self.place({x: 0, y: 0, heading: 0});
    });
  };

  World.prototype.place = function (pose) {
    var self = this, x = round(pose.x, 3), y = round(pose.y, 3), heading = round(pose.heading, 1);
    this.held = true;
    this.draw({x: x, y: y, heading: heading});
    Promise.resolve().then(function () { return self.options.onPlace(x, y, heading); })
      .then(function () { text(self.error, ""); self.error.hidden = true; }, function (err) {
        text(self.error, err && err.message ? err.message : String(err));
        self.error.hidden = false;
        self.draw(self.pose);
      })
      .then(function () { self.held = false; });
  };

  // --- the drawing --------------------------------------------------------------------------
  function create(container, description, options) {
    if (!description || !Array.isArray(description.parts)) {
      throw new TypeError("KitDrawing.create: the description needs a 'parts' list");
    }
    function nothing() {}
    options = Object.assign({interactive: false, onPress: nothing, onInput: nothing, onPlace: nothing},
                            options || {});
    var interactive = Boolean(options.interactive);
    var drawing = {options: options};
    var root = html("div", {class: "kv-root"}, container);
    container.classList.add("kitview");
    var world = null;
    if (description.world) world = new World(root, description.world, options, interactive);
    var grid = html("div", {class: "kv-parts"}, root);

    // Wheels spin in one animation loop, running only while a wheel turns.
    var turning = [], frame = 0, then = 0;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
    function tick(now) {
      var dt = then ? Math.min((now - then) / 1000, 0.1) : 0;
      then = now;
      turning.forEach(function (w) {
        w.angle = (w.angle + w.speed * 360 * dt) % 360;  // full speed: a turn a second
        w.spokes.setAttribute("transform", "rotate(" + round(w.angle, 1) + " " + w.cx + " " + w.cy + ")");
      });
      frame = turning.length ? window.requestAnimationFrame(tick) : 0;
      if (!frame) then = 0;
    }
    drawing.spin = function (w, speed) {
      w.speed = speed;
      attr(w.arrow, "visibility", speed ? "visible" : "hidden");
      attr(w.arrow, "transform", speed < 0 ? "translate(" + 2 * w.cx + " 0) scale(-1 1)" : "");
      var i = turning.indexOf(w);
      if (speed && !(still && still.matches)) {
        if (i < 0) turning.push(w);
        if (!frame) frame = window.requestAnimationFrame(tick);
      } else if (i >= 0) {
        turning.splice(i, 1);
      }
    };

    var cards = description.parts.map(function (part) {
      part = Object.assign({look: {}, channels: []}, part);
      part.look = part.look || {};
      part.channels = Array.isArray(part.channels) ? part.channels : [];
      var card = new Card(part, grid, drawing);
      card.show({}, null);
      return card;
    });

    var controls = [];
    if (interactive) {
      var spare = null;  // inputs with no part of their own name get a card of their own
      (description.inputs || []).forEach(function (input) {
        var card = cards.filter(function (c) { return c.name === input.name; })[0];
        var home = card ? card.node : spare || (spare = html("div", {class: "kv-card kv-spare"}, grid));
        var rover = description.world && (description.world.distance === input.name ||
                                          (card && card.node.dataset.kind === "line"));
        controls.push(new Control(input, home, options, rover ? "set by the rover" : "follows a source"));
      });
    }

    var gone = false;  // destroyed: later updates (a last telemetry message) change nothing

    function update(state) {
      if (gone || !state || typeof state !== "object") return;
      var values = state.values && typeof state.values === "object" ? state.values : null;
      if (values) {
        cards.forEach(function (card) {
          if (values[card.name] !== undefined) card.show(values[card.name], options.onSound);
        });
      }
      if (state.inputs && typeof state.inputs === "object") {
        controls.forEach(function (c) { c.follow(state.inputs[c.name]); });
      }
      if (world) world.update(state);
      if (state.camera !== undefined && state.camera !== null) {
        cards.forEach(function (card) { card.showFrame(state.camera); });
      }
    }

    function destroy() {
      if (gone) return;
      gone = true;
      if (frame) window.cancelAnimationFrame(frame);
      frame = 0;
      turning = [];
      cards.forEach(function (card) {
        if (card.sound && options.onSound) options.onSound(card.name, 0);
      });
      if (root.parentNode) root.parentNode.removeChild(root);
    }

    return {update: update, destroy: destroy};
  }

  window.KitDrawing = {create: create};
})();
