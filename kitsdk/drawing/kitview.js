// The kit view's drawing: an SVG picture of each part of a kit, kept live from its readings.
// Plain browser JavaScript, no build step; used by the student's kit view (page.js) and,
// read-only, by the lab's kit page and the room's tiles. The data it draws is described in the
// kit view contract: KitDrawing.create(container, description, options) -> {update(state),
// destroy()}; options: interactive, still (no spinning wheels or rotors), and the view's
// callbacks.
// The controls for simulated inputs (controls.js) and the rover's floor (world.js) are files of
// their own, loaded after this one: only the student's interactive view uses them, and the
// lab's read-only page, which has no world, loads this file alone.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var lastId = 0;

  // --- small helpers ----------------------------------------------------------------------
  // One counter for the drawing's every file (controls.js and world.js take ids here too).
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
  // draw() returns {state: data-state, text: the reading shown, said?: a longer one for the
  // card's label (else text), active?: a class for "doing something", sound?: Hz for a buzzer,
  // speeds?: wheel speeds}.
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

  // --- the drone: its flight space from above ---------------------------------------------
  // The room's box to scale (look.space: length, width, height in cm), x forward along the
  // first heading (right), y to the left (up), the take-off spot at the floor's centre. The
  // drone is a marker larger than life (a Tello is 18 cm across), turned by its yaw (degrees
  // clockwise, as SVG turns), its shadow falling further off the higher it flies; beside the
  // plan, its battery and a gauge of its height against the box's.
  var PLAN = {x: 4, y: 4, w: 100, h: 92};  // where the floor plan fits in the 150 x 100 art
  var GAUGE = {x: 124, top: 40, bottom: 84};

  // The floor plan, its metre grid (5 m in a hall) and the take-off spot: {k: art units a
  // cm, cx, cy: the take-off spot}.
  function floorPlan(s, L, W) {
    var k = Math.min(PLAN.w / L, PLAN.h / W);
    var cx = PLAN.x + PLAN.w / 2, cy = PLAN.y + PLAN.h / 2;
    var left = round(cx - L * k / 2, 2), right = round(cx + L * k / 2, 2);
    var top = round(cy - W * k / 2, 2), bottom = round(cy + W * k / 2, 2);
    svg("rect", {x: left, y: top, width: round(right - left, 2), height: round(bottom - top, 2),
                 class: "kv-room"}, s);
    var metres = L > 1200 || W > 1200 ? 5 : 1;
    for (var m = metres; m * 100 < Math.max(L, W) / 2; m += metres) {
      [-1, 1].forEach(function (side) {
        var at = side * m * 100 * k;
        if (m * 100 < L / 2) {
          svg("line", {x1: round(cx + at, 2), y1: top, x2: round(cx + at, 2), y2: bottom,
                       class: "kv-metre"}, s);
        }
        if (m * 100 < W / 2) {
          svg("line", {x1: left, y1: round(cy + at, 2), x2: right, y2: round(cy + at, 2),
                       class: "kv-metre"}, s);
        }
      });
    }
    svg("circle", {cx: cx, cy: cy, r: 7, class: "kv-pad"}, s);
    svg("path", {d: "M" + (cx - 2.5) + " " + (cy - 3.5) + " v7 m5 -7 v7 m-5 -3.5 h5",
                 class: "kv-pad-h"}, s);
    return {k: k, cx: cx, cy: cy};
  }

  // A quadcopter from above, nose to the right (+x), and its shadow: {body, shadow, rotors}.
  function quadcopter(s) {
    var shadow = svg("g", {class: "kv-drone-shadow"}, s);
    var body = svg("g", {class: "kv-drone", "data-drone": "drone"}, s);
    var arms = [[5.5, -5.5], [5.5, 5.5], [-5.5, 5.5], [-5.5, -5.5]];
    arms.forEach(function (p) { svg("circle", {cx: p[0], cy: p[1], r: 4.4}, shadow); });
    svg("rect", {x: -4.5, y: -3.5, width: 9, height: 7, rx: 2}, shadow);
    arms.forEach(function (p) {
      svg("line", {x1: 0, y1: 0, x2: p[0], y2: p[1], class: "kv-arm"}, body);
    });
    var rotors = svg("g", {class: "kv-rotors"}, body);
    arms.forEach(function (p, i) {
      var at = svg("g", {transform: "translate(" + p[0] + " " + p[1] + ")"}, rotors);
      svg("circle", {r: 4.4, class: "kv-guard" + (p[0] > 0 ? " kv-front" : "")}, at);
      svg("circle", {r: 3.8, class: "kv-disc"}, at);  // the blur of a turning rotor
      var blades = svg("g", {class: "kv-blades" + (i % 2 ? " kv-ccw" : "")}, at);
      svg("line", {x1: -3.6, y1: 0, x2: 3.6, y2: 0, transform: "rotate(" + (45 + 90 * i) + ")"},
          blades);
      svg("circle", {r: 0.9, class: "kv-hub"}, at);
    });
    svg("rect", {x: -4.5, y: -3.5, width: 9, height: 7, rx: 2, class: "kv-hull"}, body);
    svg("path", {d: "M7.5 0 L4.5 -2.2 V2.2 Z", class: "kv-nose"}, body);
    svg("circle", {cx: 3.2, cy: 0, r: 1.1, class: "kv-lens"}, body);
    return {body: body, shadow: shadow, rotors: rotors};
  }

  // The battery and the height gauge beside the plan: show(battery %, height cm).
  function droneGauges(s, H) {
    svg("rect", {x: 112, y: 4, width: 28, height: 12, rx: 2, class: "kv-cell"}, s);
    svg("rect", {x: 140, y: 7.5, width: 3, height: 5, rx: 1, class: "kv-cell-tip"}, s);
    var charge = svg("rect", {x: 114, y: 6, width: 0, height: 8, rx: 1, class: "kv-charge"}, s);
    var percent = svg("text", {x: 128, y: 27, class: "kv-drone-text"}, s);
    svg("text", {x: 128, y: 37, class: "kv-drone-small"}, s).textContent = round(H / 100, 1) + " m";
    var span = GAUGE.bottom - GAUGE.top;
    svg("rect", {x: GAUGE.x, y: GAUGE.top, width: 8, height: span, rx: 1.5, class: "kv-track"}, s);
    var level = svg("rect", {x: GAUGE.x, y: GAUGE.bottom, width: 8, height: 0, rx: 1.5,
                             class: "kv-level"}, s);
    [GAUGE.top, GAUGE.bottom].forEach(function (y) {  // the ceiling and the floor
      svg("line", {x1: GAUGE.x - 4, y1: y, x2: GAUGE.x + 12, y2: y, class: "kv-ground"}, s);
    });
    var height = svg("text", {x: 128, y: 96, class: "kv-drone-text", "data-drone": "height"}, s);
    return function show(battery, h) {
      var b = battery === null ? 0 : clamp(battery, 0, 100);
      attr(charge, "width", round(24 * b / 100, 2));
      attr(charge, "class", "kv-charge" + (b <= 20 ? " kv-low" : b <= 50 ? " kv-half" : ""));
      text(percent, battery === null ? "–" : Math.round(battery) + "%");
      var shown = round(span * clamp(h || 0, 0, H) / H, 2);
      attr(level, "y", round(GAUGE.bottom - shown, 2));
      attr(level, "height", shown);
      text(height, h === null ? "–" : Math.round(h) + " cm");
    };
  }

  // Where it is, in words: "50 cm forward and 20 cm left of the take-off spot".
  function whereFrom(x, y, up) {
    var along = Math.round(x), across = Math.round(y);
    if (!along && !across) return (up ? "over" : "on") + " the take-off spot";
    return [along ? Math.abs(along) + " cm " + (along > 0 ? "forward" : "back") : "",
            across ? Math.abs(across) + " cm " + (across > 0 ? "left" : "right") : ""]
      .filter(Boolean).join(" and ") + " of the take-off spot";
  }

  function dronePart(part, card) {
    var s = card.art;
    attr(s, "viewBox", "0 0 150 100");
    var box = (Array.isArray(part.look.space) ? part.look.space : []).map(function (v) {
      return num(v) !== null && v > 0 ? v : null;
    });
    var L = box[0] || 400, W = box[1] || 300, H = box[2] || 200;
    var plan = floorPlan(s, L, W);
    var trail = svg("polyline", {points: "", class: "kv-trail"}, s);  // where it has been
    var copter = quadcopter(s);
    var gauges = droneGauges(s, H);
    var spins = !card.still;
    var path = [];

    return function (v) {
      var h = num(v.height), battery = num(v.battery), x = num(v.x), y = num(v.y);
      var yaw = num(v.yaw), flying = bool(v.flying);
      var known = flying !== null || h !== null;  // in the air or on the ground, we know which
      // In the air while it climbs and lands too, when the kit calls it neither yet.
      var up = flying === true || (h !== null && h > 0);
      var lifted = clamp(h || 0, 0, H) / H;
      var sx = round(plan.cx + clamp(x || 0, -L / 2, L / 2) * plan.k, 2);
      var sy = round(plan.cy - clamp(y || 0, -W / 2, W / 2) * plan.k, 2);
      var turn = round(yaw || 0, 1), off = round(10 * lifted, 2);
      attr(copter.body, "transform", "translate(" + sx + " " + sy + ") rotate(" + turn +
           ") scale(" + round(1 + 0.25 * lifted, 3) + ")");
      attr(copter.body, "data-pose", round(x || 0, 1) + "," + round(y || 0, 1) + "," + turn);
      attr(copter.shadow, "transform", "translate(" + round(sx + off, 2) + " " +
           round(sy + off, 2) + ") rotate(" + turn + ")");
      attr(copter.shadow, "opacity", up ? round(0.35 - 0.2 * lifted, 2) : 0);  // landed: under it
      copter.rotors.classList.toggle("kv-spinning", up && spins);
      var last = path[path.length - 1];
      if (x !== null && y !== null &&
          (!last || Math.abs(last[0] - sx) + Math.abs(last[1] - sy) > 0.2)) {
        path.push([sx, sy]);
        if (path.length > 200) path.shift();
        attr(trail, "points", path.map(function (p) { return p[0] + "," + p[1]; }).join(" "));
      }
      gauges(battery, h);
      if (!known && battery === null) return {state: "unknown", text: "–"};
      var said = ["battery " + (battery === null ? "–" : withUnit(Math.round(battery), "%"))];
      if (known) said.push(!up ? "landed" : h === null ? "flying" : "flying " + Math.round(h) + " cm up");
      var more = x !== null && y !== null ? [whereFrom(x, y, up)] : [];
      var turned = Math.round(((turn % 360) + 540) % 360 - 180);
      if (yaw !== null && turned) {
        more.push("turned " + Math.abs(turned) + "° " + (turned > 0 ? "right" : "left"));
      }
      return {state: !known ? "unknown" : up ? "flying" : "landed", text: said.join(", "),
              said: said.concat(more).join(", "), active: up};
    };
  }
  KINDS.drone = dronePart;

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
    this.still = Boolean(drawing.options.still);  // no animation: the room's tiles
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
    attr(this.node, "aria-label", this.label + ": " + (shown.said || shown.text));
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

  // --- the drawing --------------------------------------------------------------------------
  // A drawing that needs a file the page did not load says so, rather than drawing without it.
  function needs(name, file, what) {
    if (!KitDrawing[name]) {
      throw new Error("KitDrawing.create: " + what + " needs " + file + ", loaded after kitview.js");
    }
    return KitDrawing[name];
  }

  function create(container, description, options) {
    if (!description || !Array.isArray(description.parts)) {
      throw new TypeError("KitDrawing.create: the description needs a 'parts' list");
    }
    function nothing() {}
    options = Object.assign({interactive: false, onPress: nothing, onInput: nothing, onPlace: nothing},
                            options || {});
    var interactive = Boolean(options.interactive);
    // Checked before anything is drawn: a drawing refused leaves the container as it was.
    var World = description.world ? needs("World", "world.js", "a description with a world") : null;
    var Control = interactive ? needs("Control", "controls.js", "an interactive drawing") : null;
    var drawing = {options: options};
    var root = html("div", {class: "kv-root"}, container);
    container.classList.add("kitview");
    var world = null;
    if (World) world = new World(root, description.world, options, interactive);
    var grid = html("div", {class: "kv-parts"}, root);

    // Wheels spin in one animation loop, running only while a wheel turns; never with
    // options.still (forty small drawings in a room) or when the reader asked for less motion.
    var turning = [], frame = 0, then = 0;
    var still = options.still ? {matches: true}
      : window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
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

  // What controls.js and world.js fill in, and the helpers they use.
  var KitDrawing = {create: create, Control: null, World: null,
                    util: {uid: uid, svg: svg, html: html, attr: attr, text: text,
                           num: num, clamp: clamp, round: round}};

  window.KitDrawing = KitDrawing;
})();
