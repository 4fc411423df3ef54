// Renders the demo's PR comment (Markdown, as GitHub would: github-markdown-css + Mermaid) and its HTML
// report in headless Chromium and saves screenshots for the docs.
//   node scripts/docs-screenshots.ts [<demo out dir>]   (default apps/flight-delay/out)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Marked } from 'marked';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const outDir = resolve(process.argv[2] ?? 'apps/flight-delay/out');
const images = resolve('docs/images');
await mkdir(images, { recursive: true });

const markdown = await readFile(join(outDir, 'eval', 'report.md'), 'utf8');
const marked = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }) {
      if (lang === 'mermaid') return `<pre class="mermaid">${text}</pre>`;
      return false;
    },
  },
});
const css = await readFile(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
const mermaid = await readFile(require.resolve('mermaid/dist/mermaid.min.js'), 'utf8');
const page = `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body{background:#fff;margin:0;padding:24px}.comment{max-width:880px;border:1px solid #d0d7de;border-radius:6px;margin:auto}
.head{background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:8px 16px;font:14px system-ui;color:#57606a}.markdown-body{padding:16px}</style>
<script>${mermaid}</script></head><body><div class="comment"><div class="head"><b>github-actions</b> bot commented</div>
<article class="markdown-body">${await marked.parse(markdown)}</article></div>
<script>mermaid.initialize({ startOnLoad: false, theme: 'default' }); mermaid.run().then(() => { document.body.dataset.ready = '1'; });</script></body></html>`;
const commentHtml = join(outDir, 'pr-comment.html');
await writeFile(commentHtml, page);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const tab = await browser.newPage({ viewport: { width: 960, height: 900 } });
  await tab.goto(`file://${commentHtml}`);
  await tab.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  await tab.screenshot({ path: join(images, 'pr-comment.png'), fullPage: true });
  await tab.goto(`file://${join(outDir, 'eval', 'report.html')}`);
  await tab.waitForLoadState('load');
  await tab.screenshot({ path: join(images, 'html-report.png'), fullPage: false });
  process.stderr.write(`wrote ${join(images, 'pr-comment.png')} and ${join(images, 'html-report.png')}\n`);
} finally {
  await browser.close();
}
