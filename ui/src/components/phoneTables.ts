// Phones read wide tables as cards: one card per row, each cell under its column's name
// (shell-phone.css draws them). CSS cannot read a header's text into the cells, so this
// writes it into each cell's data-label, for every list of the application at once
// instead of in 40 table components. Tables of three columns or fewer fit a phone as they
// are and keep their form.

const PHONE = "(max-width: 640px)";
const WIDE = 4; // columns from which a table becomes cards on a phone

/** The header text of each column, colspans spread over the columns they cover. */
function columnNames(table: HTMLTableElement): string[] {
  const head = table.tHead?.rows[table.tHead.rows.length - 1];
  if (!head) return [];
  const names: string[] = [];
  for (const cell of Array.from(head.cells)) {
    const name = (cell.textContent ?? "").trim();
    for (let i = 0; i < cell.colSpan; i++) names.push(name);
  }
  return names;
}

/** Labels one table's body cells; marks it as cards when it is wide. */
function label(table: HTMLTableElement): void {
  const names = columnNames(table);
  table.classList.toggle("as-cards", names.length >= WIDE);
  if (names.length < WIDE) return;
  for (const body of Array.from(table.tBodies)) {
    for (const row of Array.from(body.rows)) {
      let column = 0;
      for (const cell of Array.from(row.cells)) {
        // a cell spanning the whole row (an empty state, a detail row) needs no label
        const name = cell.colSpan >= names.length ? "" : names[column] ?? "";
        if (cell.getAttribute("data-label") !== name) cell.setAttribute("data-label", name);
        column += cell.colSpan;
      }
    }
  }
}

/** Keeps every `.table` labelled while the screen is phone-sized (call once at start). */
export function labelTablesOnPhones(root: HTMLElement = document.body): void {
  const phone = window.matchMedia(PHONE);
  let pending = 0;
  const run = () => {
    pending = 0;
    root.querySelectorAll<HTMLTableElement>("table.table").forEach(label);
  };
  // Pages re-render often (polling): one pass per frame at most, and only on phones.
  const observer = new MutationObserver(() => {
    if (!pending) pending = window.requestAnimationFrame(run);
  });
  const follow = () => {
    observer.disconnect();
    if (phone.matches) {
      run();
      observer.observe(root, { childList: true, subtree: true });
    }
  };
  phone.addEventListener("change", follow);
  follow();
}
