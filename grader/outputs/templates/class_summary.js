// Sorting and filtering only: the page is complete without this script.
document.querySelectorAll("[data-controls]").forEach(e => { e.hidden = false; });
document.querySelectorAll("table.sortable").forEach(table => {
  table.querySelectorAll("th[data-sort]").forEach(th => {
    const column = [...th.parentNode.children].indexOf(th);
    const numeric = th.dataset.sort === "num";
    const sort = () => {
      const direction = th.dataset.dir === "desc" ? 1 : -1;
      table.querySelectorAll("th[data-dir]").forEach(other => { if (other !== th) delete other.dataset.dir; });
      th.dataset.dir = direction === 1 ? "asc" : "desc";
      const key = row => { const cell = row.cells[column]; const value = cell.dataset.v ?? cell.textContent;
                           return numeric ? parseFloat(value) : value.trim().toLowerCase(); };
      const rows = [...table.tBodies[0].rows];
      rows.sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * direction; });
      table.tBodies[0].append(...rows);
    };
    th.classList.add("sort");
    th.tabIndex = 0;
    th.addEventListener("click", sort);
    th.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
});
const filterRows = (rows, keep) => rows.forEach(row => { row.hidden = !keep(row); });
const mistakeQuestion = document.getElementById("mistake-question");
const mistakeText = document.getElementById("mistake-filter");
if (mistakeQuestion && mistakeText) {
  const apply = () => filterRows(document.querySelectorAll("#mistake-table tbody tr"), row =>
    (!mistakeQuestion.value || row.cells[0].textContent === mistakeQuestion.value) &&
    row.textContent.toLowerCase().includes(mistakeText.value.trim().toLowerCase()));
  mistakeQuestion.addEventListener("change", apply);
  mistakeText.addEventListener("input", apply);
}
const studentText = document.getElementById("student-filter");
studentText.addEventListener("input", () => filterRows(document.querySelectorAll("#student-table tbody tr"),
  row => row.dataset.id.toLowerCase().includes(studentText.value.trim().toLowerCase())));
