// The hall's pages, without inline script (the Content-Security-Policy forbids it).
// A [data-print] button prints the page (the print stylesheet keeps only the ticket).
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
// The kiosk goes back to its start for the next visitor once nobody has touched it for
// data-reset-after seconds (a touch or a key starts the wait again: nobody is cut off).
(() => {
  const seconds = Number(document.body.dataset.resetAfter || 0);
  const url = document.body.dataset.resetUrl;
  if (!seconds || !url) return;
  let timer = null;
  const wait = () => {
    clearTimeout(timer);
    timer = setTimeout(() => window.location.replace(url), seconds * 1000);
  };
  for (const type of ["pointerdown", "keydown", "input"]) document.addEventListener(type, wait);
  wait();
})();
