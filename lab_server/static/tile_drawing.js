// A room tile's small drawing of its kit: the kit view's own drawing (kitview.js), its
// pictures alone, side by side in one <svg>.
//
// Why not the drawing as it is: forty of them (a card, a caption and an <svg> per part) made
// every frame of the room restyle, lay out and layerize thousands of boxes (long tasks went
// from 0% to 4% with them, even unchanging; benchmarks/bench_room.py). The captions and cards
// stay in a detached element; only the pictures are in the page.
//
// TileDrawing.create(box, parts, latest) -> {update(values)}; throws like KitDrawing.create
// for a description it cannot draw.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  function create(box, parts, latest) {
    var holder = document.createElement("div");  // never in the page: its cards and captions
    var drawing = KitDrawing.create(holder, {parts: parts}, {interactive: false, still: true});
    var cards = Array.prototype.slice.call(holder.querySelectorAll(".kv-card"));
    var root = document.createElementNS(SVG_NS, "svg");
    root.setAttribute("class", "kitview");
    root.setAttribute("aria-hidden", "true");
    // Each card's picture moves into the one <svg>, inside a group that mirrors the card's
    // state and class (kitview.css's state rules look for them); the drawing keeps updating
    // the same nodes, wherever they are. A picture is 100 high and as wide as its own
    // viewBox says (a drone's flight space is wider than a LED).
    var x = 0;
    var groups = cards.map(function (card) {
      var group = document.createElementNS(SVG_NS, "g");
      group.setAttribute("data-device", card.dataset.device);
      var art = card.querySelector("svg.kv-art");
      var view = art.viewBox.baseVal;
      var width = view && view.height > 0 ? Math.round(100 * view.width / view.height) : 100;
      art.setAttribute("x", String(x));
      art.setAttribute("width", String(width));
      art.setAttribute("height", "100");
      x += width;
      group.appendChild(art);
      root.appendChild(group);
      return {card: card, group: group};
    });
    root.setAttribute("viewBox", "0 0 " + Math.max(100, x) + " 100");
    box.appendChild(root);

    function update(values) {
      drawing.update({values: values});
      groups.forEach(function (g) {
        var state = g.card.dataset.state, cls = g.card.getAttribute("class");
        if (g.group.getAttribute("data-state") !== state) g.group.setAttribute("data-state", state);
        if (g.group.getAttribute("class") !== cls) g.group.setAttribute("class", cls);
      });
    }

    update(latest || {});
    return {update: update};
  }

  window.TileDrawing = {create: create};
})();
