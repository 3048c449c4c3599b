// The display board: polls the mall's calls and waiting counts, reads new calls out once sound
// is on, and keeps the clock. Everything it needs comes from data attributes (no inline
// script: CSP).
(() => {
  const body = document.getElementById("calls");
  const waiting = document.getElementById("waiting");
  const clock = document.getElementById("clock");
  const url = body.dataset.url;
  const heard = new Map();  // ticket -> calls already read out
  let speak = false;
  let first = true;  // calls already on screen when the board opens are not read out
  document.getElementById("sound").addEventListener("click", (e) => { speak = true; e.target.hidden = true; });
  const time = new Intl.DateTimeFormat("id-ID", {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: clock.dataset.timeZone});
  function tick() { clock.textContent = time.format(new Date()).replace(":", "."); }
  function say(call) {
    if (!speak || !("speechSynthesis" in window)) return;
    const spoken = call.ticket.replace("-", " ").split("").join(" ");
    const words = body.dataset.sayTicket + " " + spoken + ", " + body.dataset.sayCounter + " " + call.counter;
    const utterance = new SpeechSynthesisUtterance(words);
    utterance.lang = body.dataset.speechLang;
    window.speechSynthesis.speak(utterance);
  }
  function cells(row, texts, classes) {
    texts.forEach((text, i) => {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (classes[i]) cell.className = classes[i];
      row.append(cell);
    });
    return row;
  }
  async function poll() {
    try {
      const response = await fetch(url, {headers: {"Accept": "application/json"}});
      const data = await response.json();
      body.replaceChildren(...data.calls.map((call) => {
        const row = cells(document.createElement("tr"), [call.ticket, call.counter, call.agency], ["", "", "agency"]);
        if ((heard.get(call.ticket) || 0) < call.calls) {
          heard.set(call.ticket, call.calls);
          if (!first) say(call);
        }
        return row;
      }));
      first = false;
      const items = data.waiting.map((line) => {
        const item = document.createElement("li");
        const name = document.createElement("span");
        const count = document.createElement("strong");
        name.textContent = line.agency;
        count.textContent = line.count;
        item.append(name, " ", count);
        return item;
      });
      if (!items.length) {
        const none = document.createElement("li");
        none.textContent = waiting.dataset.none;
        items.push(none);
      }
      waiting.replaceChildren(...items);
    } catch (error) { /* the next poll tries again */ }
    setTimeout(poll, 3000);
  }
  tick();
  setInterval(tick, 1000);
  poll();
})();
