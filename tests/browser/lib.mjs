// lib.mjs - what the browser tests (pages.mjs, simulator.mjs) share: their
// arguments (URL OUTDIR), Debian's chromium driven by playwright-core (which
// lives in tests/node, with its package.json and lock file), the tally of
// checks, screenshots, the fit of a page at 1280 and 390 px, whether
// Chinese text is drawn with real glyphs, and signing in through the form.
//
// A missing browser or playwright-core ends the process with status 2: a
// failure of the test that runs it, never a skip.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
let outdir = '.';

// URL and OUTDIR from the command line (OUTDIR is made); exits 2 when they
// are missing or the browser cannot run.
export function args(script) {
  const [url, out] = process.argv.slice(2);
  if (!url || !out) {
    console.error(`usage: node ${script} URL OUTDIR`);
    process.exit(2);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`FAIL: ${CHROMIUM} is missing (scripts/deps.sh test installs Debian's chromium)`);
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  outdir = out;
  return { url, outdir: out };
}

// The flags this machine's chromium needs (.library/env/machines/c.md):
// no sandbox as root, and no background networking (the network is closed).
export async function launch() {
  const require = createRequire(new URL('../node/package.json', import.meta.url));
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    console.error(`FAIL: playwright-core is missing: run (cd tests/node && npm ci): ${e.message}`);
    process.exit(2);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A new browser context of that viewport and a page in it, whose
// JavaScript errors are gathered in jsErrors.
export async function openPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const jsErrors = [];
  page.on('pageerror', e => jsErrors.push(e.message));
  return { context, page, jsErrors };
}

const tally = { checks: 0, fails: 0 };

// One check: counted when ok, printed as a failure (with detail) when not.
export function check(name, ok, detail) {
  if (ok) {
    tally.checks++;
  } else {
    tally.fails++;
    console.log(`FAIL: ${name}${detail !== undefined ? `: ${detail}` : ''}`);
  }
  return ok;
}

// Prints the verdict and exits: 0 when every check passed, 1 otherwise.
export function finish(script) {
  console.log(tally.fails ? `${script}: ${tally.fails} failed, ${tally.checks} passed`
                          : `${script}: all ${tally.checks} checks passed`);
  process.exit(tally.fails ? 1 : 0);
}

// "12,345" or "1,000 followers" as a number.
export const num = s => Number(String(s).replace(/[^0-9.]/g, ''));

// A screenshot of the whole page into OUTDIR/NAME.png (the path printed).
export async function shot(page, name) {
  const file = path.resolve(outdir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

// The page at 1280 and at 390 px wide (a phone): no sideways scrolling at
// either, a screenshot of each (NAME.png, NAME-390.png); the viewport is
// given back as it was.
export async function fits(page, name) {
  const before = page.viewportSize();
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    const w = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: innerWidth,
      wide: [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5).slice(0, 4)
        .map(e => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') +
             (typeof e.className === 'string' && e.className ? `.${e.className.split(' ').join('.')}` : '')),
    }));
    check(`${name} at ${width} px wide: no sideways scrolling`, w.scroll <= w.inner,
          `scrollWidth ${w.scroll} > innerWidth ${w.inner}; past the edge: ${w.wide.join(', ')}`);
    await shot(page, width === 1280 ? name : `${name}-${width}`);
  }
  await page.setViewportSize(before);
}

// Whether the Chinese characters of the element's text are drawn with real
// glyphs: each drawn alone in the element's font must look different from
// the others (a missing font draws the same box for all) and from a code
// point no font has (U+10FFFD, always the box).
export async function hanGlyphs(page, selector) {
  return page.evaluate(sel => {
    const el = document.querySelector(sel);
    const han = [...new Set([...el.textContent].filter(ch => /\p{Script=Han}/u.test(ch)))];
    const font = getComputedStyle(el).font.replace(/[\d.]+px/, '40px');
    const draw = text => {
      const c = document.createElement('canvas');
      c.width = 64;
      c.height = 64;
      const g = c.getContext('2d');
      g.font = font;
      g.textBaseline = 'top';
      g.fillText(text, 4, 4);
      return c.toDataURL();
    };
    const box = draw('\u{10FFFD}');
    const drawn = han.map(draw);
    return { han: han.join(''), distinct: new Set(drawn).size, boxes: drawn.filter(d => d === box).length,
             font };
  }, selector);
}

// Signs in through the form on the page shown; the answer to the form.
export async function signIn(page, name, password) {
  await page.fill('#name', name);
  await page.fill('#password', password);
  const [resp] = await Promise.all([
    page.waitForNavigation(),
    page.click('button[type=submit]'),
  ]);
  return resp;
}
