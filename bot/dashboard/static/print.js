// The invitations page's print button (no inline script: the page's CSP allows none).
// The button stays hidden without JavaScript; the browser's own print works then too.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
