// A button marked data-once is disabled after the first submit, so a double click sends one
// request. The server is idempotent anyway (an order carries its idempotency key).
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector("button[data-once]");
  if (button) {
    if (button.dataset.sent) { event.preventDefault(); return; }
    button.dataset.sent = "1";
    setTimeout(function () { button.disabled = true; }, 0);
  }
});
