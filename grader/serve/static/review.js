// The review queue's keyboard: Ctrl/Cmd+Enter saves and goes to the next answer from anywhere; single
// keys act only outside text fields, so typing a comment never triggers them.
(function () {
  "use strict";
  const form = document.getElementById("review-form");
  const score = document.getElementById("score");
  const suggestion = document.getElementById("use-suggestion");
  function useSuggestion() {
    score.value = suggestion.dataset.suggested;
    score.focus();
    score.select();
  }
  if (suggestion) suggestion.addEventListener("click", useSuggestion);
  document.querySelectorAll("form.filters select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  document.addEventListener("keydown", function (event) {
    if (!form) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    const field = document.activeElement && ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "Escape" && field) { document.activeElement.blur(); return; }
    if (field || event.ctrlKey || event.metaKey || event.altKey) return;
    const link = { n: "next", p: "previous" }[event.key];
    if (link && document.getElementById(link)) { event.preventDefault(); document.getElementById(link).click(); }
    else if (event.key === "a" && suggestion) { event.preventDefault(); useSuggestion(); }
    else if (event.key === "s") { event.preventDefault(); score.focus(); }
    else if (event.key === "c") { event.preventDefault(); document.getElementById("comment").focus(); }
  });
})();
