// Prints rows as an aligned text table: columns are { title, value(row), align? }.
export function formatTable(columns, rows) {
  const cells = rows.map((row) => columns.map((column) => String(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...cells.map((rowCells) => rowCells[index].length)),
  );
  const line = (texts) =>
    texts
      .map((text, index) =>
        columns[index].align === "left" ? text.padEnd(widths[index]) : text.padStart(widths[index]),
      )
      .join("  ");
  return [
    line(columns.map((column) => column.title)),
    line(widths.map((width) => "-".repeat(width))),
    ...cells.map(line),
  ].join("\n");
}
