// Rubric items by keyboard (the review page and the answer groups page): a digit 1-9 toggles the item of
// that key, Enter saves; the total shown follows grader.rubric_items.items_score.
(function () {
  "use strict";
  const box = document.getElementById("items");
  document.addEventListener("keydown", function (event) {
    const active = document.activeElement;
    if (event.ctrlKey || event.metaKey || event.altKey || (active && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName))) return;
    const link = document.getElementById({ g: "groups-link", r: "rubric-link" }[event.key]);
    if (link) { event.preventDefault(); link.click(); }
  });
  if (!box) return;
  const form = box.closest("form");
  const share = parseFloat(box.dataset.share);
  const adjustment = document.getElementById("adjustment");
  const total = document.getElementById("items-total");
  const score = document.getElementById("score");
  const checks = Array.from(box.querySelectorAll("input[name=item]"));
  function update() {
    const points = checks.filter(function (c) { return c.checked; }).map(function (c) { return parseFloat(c.dataset.points); });
    if (!points.length) {
      total.textContent = "–";
      if (score) score.readOnly = false;
      return;
    }
    const start = points.every(function (p) { return p < 0; }) ? share : 0;
    const sum = points.reduce(function (a, b) { return a + b; }, start) + (parseFloat(adjustment.value) || 0);
    const value = Math.round(Math.min(Math.max(sum, 0), share) * 1e6) / 1e6;
    total.textContent = String(value);
    if (score) { score.value = String(value); score.readOnly = true; }
  }
  checks.forEach(function (c) { c.addEventListener("change", update); });
  adjustment.addEventListener("input", update);
  update();
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const active = document.activeElement;
    const typing = active && (["TEXTAREA", "SELECT"].includes(active.tagName)
      || (active.tagName === "INPUT" && active.type !== "checkbox"));
    if (typing) return;
    if (/^[1-9]$/.test(event.key)) {
      const item = checks.find(function (c) { return c.dataset.key === event.key; });
      if (item) { event.preventDefault(); item.checked = !item.checked; update(); }
    } else if (event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "d") {
      event.preventDefault(); adjustment.focus(); adjustment.select();
    } else if (event.key === "c" && !document.getElementById("review-form")) {
      event.preventDefault(); document.getElementById("comment").focus();
    }
  });
})();
