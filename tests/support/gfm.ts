/**
 * What a GitHub-flavoured Markdown document renders to, for tests of everything Slipway writes into
 * GitHub: tables (with each row's own cell count, split the way GitHub splits them), live HTML, links,
 * images, code blocks, and the @mentions / bare URLs GitHub would link in the rendered text. Parsing is
 * `marked` (GFM), a root devDependency.
 */
import { marked, type Token, type Tokens } from 'marked';

export interface RenderedTable {
  header: number;
  /** Cell count of the delimiter row and of each body row, counted from the source line. */
  delimiter: number;
  rows: number[];
}

export interface GfmInspection {
  tables: RenderedTable[];
  /** Raw HTML in the document (blocks and inline tags). */
  html: string[];
  links: string[];
  images: string[];
  codeBlocks: { lang: string; text: string }[];
  headings: string[];
  /** What GitHub would turn into notifications or links in text outside code. */
  mentions: string[];
  bareUrls: string[];
}

/** Cells of a table line as cmark-gfm splits them: a `|` after a backslash is part of the cell. */
export function tableCells(line: string): number {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  let cells = 1;
  for (let i = 0; i < s.length; i++) if (s[i] === '|' && s[i - 1] !== '\\') cells++;
  return cells;
}

function walk(tokens: Token[] | undefined, visit: (t: Token) => void): void {
  for (const t of tokens ?? []) {
    visit(t);
    const any = t as Token & {
      tokens?: Token[];
      items?: Tokens.ListItem[];
      header?: Tokens.TableCell[];
      rows?: Tokens.TableCell[][];
    };
    walk(any.tokens, visit);
    if (any.items) walk(any.items as unknown as Token[], visit);
    if (t.type === 'table') {
      for (const c of any.header ?? []) walk(c.tokens, visit);
      for (const r of any.rows ?? []) for (const c of r) walk(c.tokens, visit);
    }
  }
}

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

export function inspectGfm(markdown: string): GfmInspection {
  const tokens = marked.lexer(markdown, { gfm: true });
  const out: GfmInspection = {
    tables: [],
    html: [],
    links: [],
    images: [],
    codeBlocks: [],
    headings: [],
    mentions: [],
    bareUrls: [],
  };
  walk(tokens, (t) => {
    if (t.type === 'table') {
      const lines = t.raw.split('\n').filter((l) => l.trim().length > 0);
      out.tables.push({
        header: tableCells(lines[0] ?? ''),
        delimiter: tableCells(lines[1] ?? ''),
        rows: lines.slice(2).map(tableCells),
      });
    } else if (t.type === 'html') out.html.push(t.raw.trim());
    else if (t.type === 'link') out.links.push((t as Tokens.Link).href);
    else if (t.type === 'image') out.images.push((t as Tokens.Image).href);
    else if (t.type === 'code') out.codeBlocks.push({ lang: (t as Tokens.Code).lang ?? '', text: t.text });
    else if (t.type === 'heading') out.headings.push((t as Tokens.Heading).text);
  });
  // GitHub links mentions and URLs in rendered text outside code, links and raw HTML tags.
  const html = marked.parse(markdown, { gfm: true, async: false }) as string;
  const text = decode(
    html
      .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
      .replace(/<code>[\s\S]*?<\/code>/g, ' ')
      .replace(/<a [\s\S]*?<\/a>/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  );
  out.mentions = [...text.matchAll(/(?:^|[^\w`])@([A-Za-z0-9][\w-]*)/g)].map((m) => `@${m[1]}`);
  out.bareUrls = [...text.matchAll(/\b(?:https?:\/\/|www\.)[^\s<]+/gi)].map((m) => m[0]);
  return out;
}
