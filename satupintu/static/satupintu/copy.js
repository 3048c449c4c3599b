// A report's receipt: copy buttons and a print button, shown only where the browser can do it
// (without script the codes stay selectable and the receipt downloadable).
(() => {
  const receipt = document.querySelector(".receipt");
  if (!receipt) return;
  const status = receipt.querySelector(".copied");
  if (navigator.clipboard) {
    receipt.querySelectorAll("button[data-copy]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const source = document.getElementById(button.dataset.copy);
        navigator.clipboard.writeText(source.textContent.trim()).then(() => {
          if (status) status.textContent = button.dataset.copied;
        });
      });
    });
  }
  receipt.querySelectorAll("button.print").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
})();
