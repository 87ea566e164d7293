// The result page of an operation reloads its rows every second until every station has
// answered (or timed out): #results carries data-waiting (how many still wait) and
// data-rows (the address of the rows alone).
(function refresh() {
  const rows = document.getElementById("results");
  if (!rows || rows.dataset.waiting === "0") return;
  setTimeout(async () => {
    const answer = await fetch(rows.dataset.rows);
    if (answer.ok) rows.outerHTML = await answer.text();
    refresh();
  }, 1000);
})();
