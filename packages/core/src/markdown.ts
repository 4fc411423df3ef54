/**
 * The one escaping discipline for data-derived strings (column names, category values, paths, reasons)
 * that Slipway writes into GitHub-flavoured Markdown, HTML blocks and Mermaid charts. Data may come from
 * an upstream feed or a pull request, so after escaping it must not open live HTML, links, images or
 * @mentions, close a code span or fence, split a table cell, or spell one of Slipway's hidden markers.
 *
 * GitHub links @mentions, #references and bare URLs in the rendered text, after Markdown is parsed, so
 * backslashes cannot stop those: a zero-width space breaks them instead (invisible when read).
 */

const ZWSP = '\u200b';

/** Breaks what GitHub links after rendering: @mentions (and e-mail addresses), bare URLs, www. */
function breakAutolinks(s: string): string {
  return s
    .replace(/@/g, `@${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`);
}

/** Newlines end a table row, a list item or a heading: data gets one line. */
function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/**
 * Plain text in a Markdown paragraph, list item, heading or table cell: shown as written, never as
 * markup. Entities for `& < >` (valid in Markdown and inside HTML blocks), backslashes for Markdown's
 * punctuation, `\|` for table pipes.
 */
export function mdText(value: string): string {
  const escaped = oneLine(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~$]/g, (c) => `\\${c}`)
    // Data that opens a line could start a heading, a list or a setext underline.
    .replace(
      /^(\s*)([-+=#]|\d{1,9}[.)])(?=\s|$)/,
      (_, sp: string, m: string) => `${sp}${m.replace(/([-+=#.)])/, '\\$1')}`,
    );
  return breakAutolinks(escaped);
}

/**
 * Inline code for a name (column, feature, metric): a backtick run longer than any inside, padded when
 * the text touches a backtick or a space. Text with a pipe falls back to mdText: GitHub and other GFM
 * parsers disagree on backslashes before pipes inside code in a table cell.
 */
export function mdCode(value: string): string {
  const s = oneLine(value);
  if (s.includes('|') || s.length === 0) return mdText(s);
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || (s.startsWith(' ') && s.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Text inside raw HTML that GitHub renders (`<summary>`, `<sub>`): entities, one line, no autolinks. */
export function htmlText(value: string): string {
  return breakAutolinks(
    oneLine(value)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;'),
  );
}

/**
 * A quoted Mermaid label (xychart categories, titles): one line (so it cannot close the fence), no quote,
 * backslash, backtick, angle bracket or `#` entity, at most `max` characters.
 */
export function mermaidLabel(value: string, max = 40): string {
  const s = oneLine(value)
    .replace(/["`\\]/g, "'")
    .replace(/[<>#;{}]/g, ' ')
    .slice(0, max);
  return `"${s}"`;
}

/** One table row: cells already escaped with mdText/mdCode (or made of numbers). */
export function mdRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** A GFM table: header, delimiter row (alignment per column, default left) and rows, one cell count. */
export function mdTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('l' | 'r' | 'c')[] = [],
): string {
  const delim = header.map((_, i) => (align[i] === 'r' ? '---:' : align[i] === 'c' ? ':---:' : '---'));
  return [mdRow(header), mdRow(delim), ...rows.map(mdRow)].join('\n');
}
