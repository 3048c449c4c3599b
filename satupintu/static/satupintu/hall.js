// The hall's pages, without inline script (the Content-Security-Policy forbids it):
// a [data-print] button prints the page (the print stylesheet keeps only the ticket).
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
