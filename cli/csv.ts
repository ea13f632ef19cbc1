/**
 * CSV as RFC 4180 writes it: one header row, comma separated, CRLF line
 * ends; a field that holds a comma, a double quote, CR or LF is quoted, and
 * its double quotes doubled. Numbers are written as they are (a minus sign
 * for negatives), so a spreadsheet or a script can sum a column; text that
 * a spreadsheet would take for a formula is prefixed with `'`.
 */

export type CsvValue = string | number | undefined | null;

/**
 * Text a spreadsheet would run as a formula (OWASP, "CSV Injection"): it
 * starts with `=`, `+`, `-`, `@`, a tab or a CR.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field, quoted when it has to be. Text that would start a formula (a
 * `reason` typed in the console as `=HYPERLINK(…)`) gets a leading `'`, so
 * the auditor's spreadsheet shows it instead of running it; numbers are
 * numbers, a minus sign included.
 */
export function csvField(value: CsvValue): string {
  if (value === undefined || value === null) return '';
  const s = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The header and rows as one CSV text, each record ending with CRLF. */
export function renderCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

/**
 * Parses RFC 4180 CSV into records of fields (for tests and tools that read
 * what {@link renderCsv} wrote back).
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}
