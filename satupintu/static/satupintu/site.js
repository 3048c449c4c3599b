// Small page behaviours without inline script (the Content-Security-Policy forbids it).
// A form with data-ask asks for confirmation before it is sent.
document.addEventListener("submit", (event) => {
  const ask = event.target.dataset && event.target.dataset.ask;
  if (ask && !window.confirm(ask)) event.preventDefault();
});
