// The display board: polls the mall's calls and reads new ones out once sound is on.
// Everything it needs comes from data attributes on #calls (no inline script: CSP).
(() => {
  const body = document.getElementById("calls");
  const url = body.dataset.url;
  const heard = new Map();  // ticket -> calls already read out
  let speak = false;
  document.getElementById("sound").addEventListener("click", (e) => { speak = true; e.target.hidden = true; });
  function say(call) {
    if (!speak || !("speechSynthesis" in window)) return;
    const spoken = call.ticket.replace("-", " ").split("").join(" ");
    const words = body.dataset.sayTicket + " " + spoken + ", " + body.dataset.sayCounter + " " + call.counter;
    const utterance = new SpeechSynthesisUtterance(words);
    utterance.lang = body.dataset.speechLang;
    window.speechSynthesis.speak(utterance);
  }
  async function poll() {
    try {
      const response = await fetch(url, {headers: {"Accept": "application/json"}});
      const data = await response.json();
      body.replaceChildren(...data.calls.map((call) => {
        const row = document.createElement("tr");
        for (const text of [call.ticket, call.counter]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          row.append(cell);
        }
        if ((heard.get(call.ticket) || 0) < call.calls) { heard.set(call.ticket, call.calls); say(call); }
        return row;
      }));
    } catch (error) { /* the next poll tries again */ }
    setTimeout(poll, 3000);
  }
  poll();
})();
