// Screenshots of a generated catalog for the docs: the index and one event page.
//
// usage: node screenshot.mjs <catalog dir> <output dir> [event page, relative to the catalog]
// e.g.   node tests/catalog/screenshot.mjs target/tmp/catalog-shop docs
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, out, event = 'events/shop.orders.order-placed-value.html'] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: node screenshot.mjs <catalog dir> <output dir> [event page]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(pathToFileURL(resolve(dir, 'index.html')).href);
  await page.screenshot({ path: resolve(out, 'catalog-index.png') });
  await page.goto(pathToFileURL(resolve(dir, event)).href);
  // Open the version sections' first diff in view: the fields, then the versions.
  await page.screenshot({ path: resolve(out, 'catalog-event.png'), fullPage: true });
} finally {
  await browser.close();
}
console.log(`wrote ${resolve(out, 'catalog-index.png')} and ${resolve(out, 'catalog-event.png')}`);
