// Record a text in the browser: the microphone's samples as a WAV file, posted with the
// form (its CSRF token and text id). Without a microphone or JavaScript the file field
// still works. No inline script: the page's CSP allows none.
(function () {
  "use strict";

  function wav(chunks, rate) {
    var length = chunks.reduce(function (n, c) { return n + c.length; }, 0);
    var view = new DataView(new ArrayBuffer(44 + length * 2));
    function text(offset, value) {
      for (var i = 0; i < value.length; i++) { view.setUint8(offset + i, value.charCodeAt(i)); }
    }
    text(0, "RIFF"); view.setUint32(4, 36 + length * 2, true); text(8, "WAVE");
    text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true);
    view.setUint16(22, 1, true); view.setUint32(24, rate, true);
    view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
    text(36, "data"); view.setUint32(40, length * 2, true);
    var offset = 44;
    chunks.forEach(function (chunk) {
      for (var i = 0; i < chunk.length; i++, offset += 2) {
        var s = Math.max(-1, Math.min(1, chunk[i]));
        view.setInt16(offset, s < 0 ? s * 0x8000 : s * 0x7fff, true);
      }
    });
    return new Blob([view], { type: "audio/wav" });
  }

  function setUp(button) {
    var form = button.form;
    var status = form.querySelector(".opname-status");
    var running = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (running) { running.stop(); return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var context = new AudioContext();
        var source = context.createMediaStreamSource(stream);
        var node = context.createScriptProcessor(4096, 1, 1);
        var chunks = [];
        node.onaudioprocess = function (e) { chunks.push(new Float32Array(e.inputBuffer.getChannelData(0))); };
        source.connect(node); node.connect(context.destination);
        button.textContent = button.dataset.stop; status.textContent = button.dataset.busy;
        running = {
          stop: function () {
            running = null;
            node.disconnect(); source.disconnect();
            stream.getTracks().forEach(function (t) { t.stop(); });
            button.textContent = button.dataset.start; status.textContent = button.dataset.done;
            var data = new FormData(form);
            data.set("geluid", wav(chunks, context.sampleRate), "opname.wav");
            context.close();
            fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
              .then(function (r) { return r.text(); })
              .then(function (page) { document.open(); document.write(page); document.close(); });
          }
        };
      }).catch(function () { status.textContent = button.dataset.fail; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.mediaDevices || !window.AudioContext) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("button.opnemen"), setUp);
  });
})();
