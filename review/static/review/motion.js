/* The motion-preview player of the review pages (templates/review/_motion.html): one <video>
   switched between the side-by-side, the motion preview and the design video; play/pause,
   previous/next frame, a frame scrubber (an <input type=range> of frame numbers) and a
   frame/time readout. Frame n shows time n / fps; a seek goes to the middle of the frame, so
   the decoder shows that frame and not its neighbour. Keys on the player: Space, Left/Right
   (and , .), Home/End. Without this file the video keeps the browser's own controls. A static
   file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function numberOf(element, name, fallback) {
    var value = parseFloat(element.getAttribute(name));
    return isFinite(value) && value > 0 ? value : fallback;
  }

  function setUp(player) {
    if (player.hasAttribute("data-motion-ready")) return;
    player.setAttribute("data-motion-ready", "");
    var video = player.querySelector("[data-motion-video]");
    var controls = player.querySelector("[data-motion-controls]");
    var play = player.querySelector("[data-motion-play]");
    var scrubber = player.querySelector("[data-motion-scrubber]");
    var readout = player.querySelector("[data-motion-readout]");
    var sources = player.querySelectorAll("[data-motion-source]");
    var fps = 10, frames = 1, dragging = false, ticking = false;

    function measure(from) {
      fps = numberOf(from, "data-fps", 10);
      frames = Math.max(1, Math.round(numberOf(from, "data-frames", numberOf(from, "data-duration", 1) * fps)));
      scrubber.max = String(frames - 1);
    }

    function frameAt(time) {
      return Math.max(0, Math.min(frames - 1, Math.floor(time * fps + 1e-6)));
    }

    function show() {
      var frame = dragging ? Number(scrubber.value) : frameAt(video.currentTime);
      if (!dragging) scrubber.value = String(frame);
      readout.textContent = "Frame " + (frame + 1) + " of " + frames + " · " +
        (frame / fps).toFixed(2) + " s of " + (frames / fps).toFixed(2) + " s";
      player.setAttribute("data-frame", String(frame));
      var playing = !video.paused && !video.ended;
      play.textContent = playing ? "❚❚ Pause" : "▶ Play";
      play.setAttribute("aria-label", playing ? "Pause" : "Play");
    }

    function tick() {  // the readout follows every frame while it plays
      show();
      if (!video.paused && !video.ended) {
        window.requestAnimationFrame(tick);
      } else {
        ticking = false;
      }
    }

    function seek(frame) {
      frame = Math.max(0, Math.min(frames - 1, frame));
      video.currentTime = (frame + 0.5) / fps;
      scrubber.value = String(frame);
      show();
    }

    function step(by) {
      video.pause();
      seek(frameAt(video.currentTime) + by);
    }

    function toggle() {
      if (video.paused || video.ended) {
        var started = video.play();
        if (started && started.catch) started.catch(function () { show(); });
      } else {
        video.pause();
      }
    }

    function choose(button) {
      var frame = frameAt(video.currentTime), wasPlaying = !video.paused && !video.ended;
      sources.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      measure(button);
      video.setAttribute("data-kind", button.getAttribute("data-kind"));
      video.addEventListener("loadedmetadata", function once() {
        video.removeEventListener("loadedmetadata", once);
        seek(frame);
        if (wasPlaying) toggle();
      });
      video.src = button.getAttribute("data-motion-source");
      video.load();
    }

    measure(video);
    video.removeAttribute("controls");
    controls.hidden = false;
    show();

    video.addEventListener("play", function () {
      if (!ticking) { ticking = true; window.requestAnimationFrame(tick); }
    });
    ["pause", "ended", "seeked", "timeupdate", "loadeddata"].forEach(function (name) {
      video.addEventListener(name, show);
    });
    video.addEventListener("click", toggle);
    play.addEventListener("click", toggle);
    player.querySelectorAll("[data-motion-step]").forEach(function (button) {
      button.addEventListener("click", function () { step(Number(button.getAttribute("data-motion-step"))); });
    });
    scrubber.addEventListener("input", function () {
      video.pause();
      dragging = true;
      seek(Number(scrubber.value));
    });
    scrubber.addEventListener("change", function () {
      dragging = false;
      seek(Number(scrubber.value));
    });
    sources.forEach(function (button) {
      button.addEventListener("click", function () {
        if (button.getAttribute("aria-pressed") !== "true") choose(button);
      });
    });
    // A text-overflow moment in the metrics: show its first frame.
    var section = player.closest("[data-testid=motion]") || document;
    section.querySelectorAll("[data-motion-seek-frame]").forEach(function (button) {
      button.addEventListener("click", function () {
        video.pause();
        seek(Number(button.getAttribute("data-motion-seek-frame")));
        player.focus({ preventScroll: true });
      });
    });

    player.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target, key = event.key;
      var onRange = target === scrubber;
      var onButton = target.tagName === "BUTTON";
      var handled = true;
      if (key === " " && !onButton) {
        toggle();
      } else if ((key === "ArrowLeft" || key === ",") && !onRange) {
        step(-1);
      } else if ((key === "ArrowRight" || key === ".") && !onRange) {
        step(1);
      } else if (key === "Home" && !onRange) {
        video.pause(); seek(0);
      } else if (key === "End" && !onRange) {
        video.pause(); seek(frames - 1);
      } else {
        handled = false;
      }
      if (handled) {
        event.preventDefault();
        event.stopPropagation();  // the review pages' shortcuts (shortcuts.js) see nothing of it
      }
    });
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("[data-motion-player]").forEach(setUp);
  }

  setUpAll(document);
  // Once per document (htmx may run this file again after a swap).
  if (window.reviewMotionOn) return;
  window.reviewMotionOn = true;
  // The dashboard's job page replaces itself while its job works (htmx): new players appear.
  document.addEventListener("htmx:afterSettle", function () { setUpAll(document); });
})();
