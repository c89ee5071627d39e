// Opens the print dialog from any element marked data-print, such as the
// receipt's Print button. It is a file because the CSP forbids inline script.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
