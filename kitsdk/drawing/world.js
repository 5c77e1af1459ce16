// The kit drawing's floor: a simulated rover seen from above, with its wall, its line and its
// distance sensor's beam; interactive, the student picks the rover up and puts it down. Only
// the student's view loads this file, after kitview.js (whose helpers it uses):
// KitDrawing.create() makes a KitDrawing.World for a description with a `world`.
(function () {
  "use strict";

  if (!window.KitDrawing) throw new Error("world.js needs kitview.js, loaded before it");
  var u = window.KitDrawing.util;
  var uid = u.uid, svg = u.svg, html = u.html, attr = u.attr, text = u.text;
  var num = u.num, clamp = u.clamp, round = u.round;

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

  window.KitDrawing.World = World;
})();
