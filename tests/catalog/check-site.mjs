// Opens a generated event catalog in headless Chromium and checks what a reader relies on:
// the index (all its pages) lists every event, search narrows the list, an event page shows
// its fields and a version diff, and no page logs a console error or fails to load a file.
//
// usage: node check-site.mjs <index URL (file:// or http://)> '<expectations JSON>'
// expectations: {events, search, matches, eventPage, field, change}
import { chromium } from 'playwright-core';

const [indexUrl, expectationsJson] = process.argv.slice(2);
if (!indexUrl || !expectationsJson) {
  console.error("usage: node check-site.mjs <index URL> '<expectations JSON>'");
  process.exit(2);
}
const expect = JSON.parse(expectationsJson);
const failures = [];
const problems = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--allow-file-access-from-files'],
});
try {
  const context = await browser.newContext();
  // Any request that leaves the catalog (a CDN, a font host) is a failure: the site must be
  // self-contained. Loopback and file:// are the catalog itself.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'file:' || url.protocol === 'data:' || ['127.0.0.1', 'localhost'].includes(url.hostname)) {
      return route.continue();
    }
    problems.push(`external request: ${url.href}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`failed to load ${req.url()}: ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
  });

  // 1. Every event, across the index pages.
  await page.goto(indexUrl);
  const listed = new Set();
  for (let guard = 0; guard < 10000; guard += 1) {
    const links = await page.$$eval('#events tbody tr td:first-child a', (as) => as.map((a) => a.getAttribute('href')));
    links.forEach((l) => listed.add(l));
    const next = await page.$('#pager a[rel=next]');
    if (!next) break;
    await Promise.all([page.waitForLoadState('load'), next.click()]);
  }
  if (listed.size !== expect.events) failures.push(`the index lists ${listed.size} events, expected ${expect.events}`);

  // 2. Search narrows the list, across all pages.
  await page.goto(indexUrl);
  await page.fill('#q', expect.search);
  await page.waitForFunction(() => /match/.test(document.getElementById('status').textContent));
  const matches = await page.$$eval('#events tbody tr', (rows) => rows.length);
  if (matches !== expect.matches) failures.push(`searching "${expect.search}" shows ${matches} events, expected ${expect.matches}`);
  if (!(matches < expect.events)) failures.push('search did not narrow the list');
  // A filter narrows too, and clearing everything restores the page.
  await page.fill('#q', '');
  const formats = await page.$$eval('#f-format option', (os) => os.map((o) => o.value).filter(Boolean));
  if (formats.length === 0) failures.push('the format filter has no options');
  else {
    await page.selectOption('#f-format', formats[0]);
    await page.waitForFunction(() => /match/.test(document.getElementById('status').textContent));
    const filtered = await page.$$eval('#events tbody tr td:nth-child(4)', (tds) => tds.map((t) => t.textContent.trim()));
    if (filtered.length === 0 || filtered.some((f) => f !== formats[0])) failures.push(`filtering by ${formats[0]} shows ${JSON.stringify(filtered)}`);
  }

  // 3. An event page: its fields and a version diff with the engine's verdict.
  await page.goto(new URL(expect.eventPage, indexUrl).href);
  const fields = await page.$$eval('table.fields tbody tr td:first-child code', (cs) => cs.map((c) => c.textContent));
  if (!fields.includes(expect.field)) failures.push(`the event page does not show field ${expect.field}: ${fields.join(', ')}`);
  const changes = await page.$$eval('ul.changes li', (lis) => lis.map((l) => l.textContent));
  if (!changes.some((c) => c.includes(expect.change))) failures.push(`the event page does not show the change "${expect.change}": ${changes.join(' | ')}`);
  const verdicts = await page.$$eval('.verdict', (ps) => ps.length);
  if (verdicts === 0) failures.push('the event page shows no compatibility verdict');

  // 4. Every other kind of page renders: an application page and a referenced type.
  const appLink = await page.$('section.apps a');
  if (appLink) {
    await Promise.all([page.waitForLoadState('load'), appLink.click()]);
    const produces = await page.$$eval('section h2', (hs) => hs.map((h) => h.textContent));
    if (!produces.includes('Produces')) failures.push('the application page has no Produces section');
  }

  console.log(JSON.stringify({ listed: listed.size, searchMatches: matches, fields: fields.length, changes: changes.length }));
} finally {
  await browser.close();
}
for (const p of problems) failures.push(p);
if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
console.log('site checks passed');
