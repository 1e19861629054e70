// The print view: size the body frame to its content, then open the print dialog.
window.addEventListener("load", function () {
  var frame = document.getElementById("print-body");
  try {
    frame.style.height = frame.contentDocument.documentElement.scrollHeight + 24 + "px";
  } catch (e) { /* cross-origin: keep the default height */ }
  window.print();
});
