// Human output is compact aligned text; --json output is exactly one JSON document on stdout.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Columns padded to their widest cell; the last column is not padded, so lines carry no trailing blanks. */
export function formatTable(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === undefined || cell === '' ? '-' : String(cell)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '))
    .join('\n');
}

export function printTable(
  headers: string[],
  rows: Array<Array<string | number | undefined>>,
  empty = '(none)',
  indent = '',
): void {
  const text = rows.length === 0 ? empty : formatTable(headers, rows);
  printLine(text.replace(/^/gm, indent));
}

/** "label   value" lines with the labels aligned; undefined values are left out. */
export function printFields(fields: Array<[string, string | number | undefined]>, indent = ''): void {
  const shown = fields.filter(([, value]) => value !== undefined && value !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  for (const [label, value] of shown) printLine(`${indent}${label.padEnd(width)}  ${value}`);
}

/** A timestamp as the operator reads it: ISO, to the second. */
export function formatTime(value: Date | string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
