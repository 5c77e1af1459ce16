// The student's kit view: follows the kit over Server-Sent Events (GET /events), draws it
// with KitDrawing (kitview.js, controls.js, world.js), sends the student's inputs back, and
// sounds its buzzers.
(function () {
  "use strict";

  var box = document.getElementById("drawing");
  var kitName = document.getElementById("kit-name");
  var scriptState = document.getElementById("script-state");
  var connection = document.getElementById("connection");
  var messages = document.getElementById("messages");
  var soundSwitch = document.getElementById("sound");
  var MESSAGES_KEPT = 5;
  var RETRY_MS = 5000;  // after the browser gave up reconnecting by itself
  var SCRIPT_STATES = {
    waiting: "Waiting for the script", running: "Script running", finished: "Script finished",
    error: "Script stopped with an error", stopped: "Script stopped", idle: "No script",
  };

  var drawing = null, lastState = null, waitingNote = null;

  function say(message) {
    var line = document.createElement("p");
    line.textContent = message;
    messages.appendChild(line);
    while (messages.children.length > MESSAGES_KEPT) messages.removeChild(messages.firstChild);
  }

  // Resolves on a 2xx answer; otherwise rejects with the kit view's own words, which the
  // drawing shows by the control (and we in the messages) before the control goes back.
  function post(url, body) {
    return fetch(url, {method: "POST", body: JSON.stringify(body),
                       headers: {"Content-Type": "application/json", "X-Kit-View": "1"}})
      .then(function (response) {
        if (response.ok) return null;
        return response.json().catch(function () { return {}; }).then(function (answer) {
          throw new Error(answer.error || "the kit view said no (HTTP " + response.status + ")");
        });
      }, function () {
        throw new Error("the kit view did not answer; is it still running?");
      })
      .catch(function (err) { say(err.message); throw err; });
  }

  // --- sound: browsers allow it only after a click or a key press on the page --------------
  var audio = null, tones = {}, wanted = {};

  function unlock(e) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (audio || !Context) return;
    audio = new Context();
    audio.resume();
    // Sound is on once allowed; a first click on the switch itself turns it on by toggling.
    if (!soundSwitch.parentNode.contains(e.target)) soundSwitch.checked = true;
    sound();
  }

  function sound() {
    var on = Boolean(audio) && soundSwitch.checked;
    Object.keys(Object.assign({}, wanted, tones)).forEach(function (name) {
      var hz = on ? wanted[name] || 0 : 0, tone = tones[name];
      if (hz > 0 && !tone) {
        tone = tones[name] = {osc: audio.createOscillator(), gain: audio.createGain()};
        tone.osc.type = "square";  // what a piezo buzzer sounds like
        tone.gain.gain.value = 0.03;  // low: a classroom of thirty kits
        tone.osc.connect(tone.gain).connect(audio.destination);
        tone.osc.start();
      }
      if (hz > 0) {
        tone.osc.frequency.setValueAtTime(hz, audio.currentTime);
      } else if (tone) {
        tone.osc.stop();
        tone.osc.disconnect();
        delete tones[name];
      }
    });
  }

  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);
  soundSwitch.addEventListener("change", sound);

  // --- the kit ---------------------------------------------------------------------------------
  var actions = {
    interactive: true,
    onInput: function (name, value) { return post("/input", {name: name, value: value}); },
    onPress: function (name, down) { return post("/press", {name: name, down: down}); },
    onPlace: function (x, y, heading) { return post("/rover", {x: x, y: y, heading: heading}); },
    cameraUrl: function (n) { return "/camera.jpg?n=" + encodeURIComponent(n); },
    onSound: function (name, hz) { wanted[name] = hz; sound(); },
  };

  function showKit(description) {
    if (drawing) drawing.destroy();
    drawing = null;
    if (waitingNote) box.removeChild(waitingNote);
    waitingNote = null;
    if (!description || !Array.isArray(description.parts)) {  // {"kit": null}: not built yet
      kitName.textContent = "no kit yet";
      waitingNote = document.createElement("p");
      waitingNote.className = "waiting";
      waitingNote.textContent = "Waiting for the script to build its kit…";
      box.appendChild(waitingNote);
      return;
    }
    kitName.textContent = description.kit || "kit";
    try {
      drawing = window.KitDrawing.create(box, description, actions);
    } catch (err) {
      say("Cannot draw this kit: " + err.message);
      return;
    }
    if (lastState) drawing.update(lastState);
  }

  function showScript(script) {
    var state = SCRIPT_STATES[script.state] ? script.state : "waiting";
    scriptState.dataset.state = state;
    scriptState.textContent = SCRIPT_STATES[state] + (script.message ? ": " + script.message : "");
  }

  function showConnection(state, words) {
    connection.dataset.state = state;
    connection.textContent = words;
  }

  function listen() {
    var source = new EventSource("/events");
    function on(type, handle) {
      source.addEventListener(type, function (e) {
        var data;
        try {
          data = JSON.parse(e.data);
        } catch (err) {
          say("Unreadable '" + type + "' event from the kit view");
          return;
        }
        handle(data || {});
      });
    }
    on("kit", showKit);
    on("state", function (state) { lastState = state; if (drawing) drawing.update(state); });
    on("script", function (script) {
      showScript(script);
      if (script.final) {  // the command is ending: keep the page as it is, stop listening
        source.close();
        showConnection("closed", "the script has ended; this page shows how it left the kit");
      }
    });
    on("notice", function (notice) { if (notice.message) say(notice.message); });
    source.addEventListener("open", function () { showConnection("open", "connected"); });
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) {
        showConnection("reconnecting", "connection lost, reconnecting…");
        return;
      }
      showConnection("closed", "connection lost; trying again in a moment");
      window.setTimeout(listen, RETRY_MS);
    });
  }

  showKit(null);
  listen();
})();
