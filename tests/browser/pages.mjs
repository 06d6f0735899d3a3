// pages.mjs URL OUTDIR - the web pages in a real browser: playwright-core
// driving Debian's chromium (/usr/bin/chromium) against a running
// `partnerd serve` that pages_e2e.sh prepared (red-2019-v2 in force after
// red-2019-v1, red-2019-v3 scheduled, users ops/operator, acme/brand, a
// creator user and an MCN manager of MCN 900 with its four creators; their
// passwords in PD_OPS_PASSWORD, PD_BRAND_PASSWORD, PD_CREATOR_PASSWORD,
// PD_MCN_PASSWORD).
//
// Signs in through the form (after a wrong password shows its message),
// filters and pages through discovery, opens a profile and reads its
// verdict, failed rules and history, checks what a brand and a creator see
// and where each role lands, reads an MCN's roster, checks that Chinese
// handles are drawn with real glyphs (not boxes), and signs out; the
// simulator has its own test (simulator.mjs). Every page is shown at 1280
// and at 390 px wide and must not scroll sideways there
// (document.documentElement.scrollWidth <= innerWidth); a screenshot of each
// goes to OUTDIR as NAME.png and NAME-390.png (paths printed).
// Exit status 0 when every check passed, 1 otherwise; 2 when the browser
// or playwright-core is missing (a failure too, never a skip).
import { args, check, finish, fits, hanGlyphs, launch, num, openPage, shot, signIn } from './lib.mjs';

const { url } = args('pages.mjs');
const browser = await launch();
try {
  const { context, page, jsErrors } = await openPage(browser);

  // ---- sign in: a page asked for without a session leads to the form ----------
  await page.goto(`${url}/discover`);
  check('unsigned /discover lands on /login?next=/discover',
        new URL(page.url()).pathname === '/login' &&
        new URL(page.url()).searchParams.get('next') === '/discover', page.url());
  check('the form has labelled inputs',
        await page.locator('label[for=name]').count() === 1 &&
        await page.locator('label[for=password]').count() === 1);
  await fits(page, 'login');

  let resp = await signIn(page, 'ops', 'not the password');
  check('a wrong password answers 401', resp && resp.status() === 401, resp && resp.status());
  const msg = await page.locator('#login-error').textContent().catch(() => '');
  check('a wrong password shows the message', /wrong name or password/i.test(msg || ''), msg);
  check('the name stays filled in', await page.inputValue('#name') === 'ops');
  await fits(page, 'login-failed');

  resp = await signIn(page, 'ops', process.env.PD_OPS_PASSWORD);
  check('signing in lands on /discover (next= wins over the home page)',
        new URL(page.url()).pathname === '/discover', page.url());
  const cookies = await context.cookies();
  const session = cookies.find(c => c.name === 'pd_session');
  check('the session cookie is HttpOnly and SameSite=Strict',
        session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(session));
  check('the header says who is signed in',
        /Signed in as\s+ops/.test(await page.locator('header .who').textContent()));

  // ---- discovery: filters and paging -----------------------------------------
  const rows = async () => page.locator('#results tbody tr').evaluateAll(trs => trs.map(tr => ({
    id: tr.dataset.id,
    followers: Number(tr.querySelector('[data-followers]').dataset.followers),
    certified: tr.querySelector('.badge').textContent.trim(),
    category: tr.children[1].textContent.trim(),
  })));
  let first = await rows();
  check('discovery shows a full first page', first.length === 25, first.length);
  await page.fill('#followers_min', '1000');
  await page.fill('#followers_max', '4999');
  await page.selectOption('#sort', 'followers');
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button[type=submit]')]);
  const page1 = await rows();
  check('the follower filter holds on page 1',
        page1.length > 0 && page1.every(r => r.followers >= 1000 && r.followers <= 4999),
        JSON.stringify(page1.map(r => r.followers)));
  check('page 1 is sorted by followers',
        page1.every((r, i) => i === 0 || page1[i - 1].followers >= r.followers));
  check('the filter is kept in the form', await page.inputValue('#followers_min') === '1000');
  await fits(page, 'discover');
  check('there is a next page', await page.locator('#next-page').count() === 1);
  await Promise.all([page.waitForNavigation(), page.click('#next-page')]);
  const page2 = await rows();
  check('page 2 has rows', page2.length > 0);
  check('page 2 continues page 1 (no repeats, still sorted)',
        page2.every(r => !page1.some(p => p.id === r.id)) &&
        page1[page1.length - 1].followers >= page2[0].followers);
  check('the filter holds on page 2', page2.every(r => r.followers >= 1000 && r.followers <= 4999));
  check('page 2 links back to the first page', await page.locator('#first-page').count() === 1);

  // certified partners only, in one category
  const category = page1[0].category;
  await page.goto(`${url}/discover?certified=1&category=${encodeURIComponent(category)}`);
  const certified = await rows().catch(() => []);
  check('certified only shows only certified creators of the category',
        certified.every(r => r.certified === 'Certified' && r.category === category),
        JSON.stringify(certified));
  // the engagement filter takes the API's names (one parser for both)
  resp = await page.goto(`${url}/discover?engagement_min=2.5&sort=engagement`);
  check('the engagement filter answers 200 and is kept in the form',
        resp.status() === 200 && await page.inputValue('#engagement_min') === '2.5' &&
        await page.locator('[role=alert]').count() === 0);
  resp = await page.goto(`${url}/discover?engagement_min=9&engagement_max=2`);
  check('an inverted range names the filter', resp.status() === 400 &&
        /Engagement: the lower bound is above the upper one/.test(
          await page.locator('[role=alert]').textContent()));
  // a bad filter is explained, not a crash
  resp = await page.goto(`${url}/discover?followers_min=lots`);
  check('a bad filter answers 400 with a message', resp.status() === 400 &&
        /whole number/.test(await page.locator('[role=alert]').textContent()));

  // ---- a profile: verdict, failed rules, history ------------------------------
  // Creators with 1,000 to 4,999 followers were certified under red-2019-v1
  // (at least 1,000 followers) and lost it to red-2019-v2 (5,000).
  await page.goto(`${url}/discover?followers_min=1000&followers_max=4999`);
  const target = (await rows())[0];
  await Promise.all([page.waitForNavigation(), page.click(`#results tr[data-id="${target.id}"] a`)]);
  check('the handle links to /creators/{id}', new URL(page.url()).pathname === `/creators/${target.id}`);
  const verdict = await page.locator('#verdict').textContent();
  check('the verdict says not certified under red-2019-v2',
        /Not certified/.test(verdict) && /red-2019-v2/.test(verdict), verdict);
  const failed = await page.locator('#failed-rules tbody tr').evaluateAll(trs => trs.map(tr => ({
    rule: tr.dataset.rule, cells: [...tr.children].map(td => td.textContent.trim()),
  })));
  const fr = failed.find(f => f.rule === 'min_followers');
  check('min_followers failed, with value, threshold and what to change',
        fr && num(fr.cells[1]) === target.followers && num(fr.cells[2]) === 5000 &&
        fr.cells[3].includes(`Gain ${(5000 - target.followers).toLocaleString('en-US')} more followers`),
        JSON.stringify(failed));
  const history = await page.locator('#history tbody tr').allTextContents();
  check('the history shows the certification lost to the policy change',
        history.some(h => /Lost/.test(h) && /policy/.test(h) && /followers/.test(h)),
        JSON.stringify(history));
  check('a history row shows when',
        history.every(h => /^\d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(h)), JSON.stringify(history));
  await fits(page, 'profile');
  const profileUrl = page.url();

  // ---- the simulator fits a phone too (its behaviour: simulator.mjs) -----------
  await page.goto(`${url}/simulator`);
  await page.waitForSelector('#sim-results[data-updates="1"]', { timeout: 30000 });
  await fits(page, 'simulator');
  check('no JavaScript errors', jsErrors.length === 0, jsErrors.join('; '));

  // ---- sign out: the session stops working -----------------------------------
  await Promise.all([page.waitForNavigation(), page.click('header button[type=submit]')]);
  check('signing out lands on /login', new URL(page.url()).pathname === '/login', page.url());
  await page.goto(profileUrl);
  check('after signing out a page leads to /login again',
        new URL(page.url()).pathname === '/login' &&
        new URL(page.url()).searchParams.get('next') === new URL(profileUrl).pathname, page.url());

  // ---- a brand: discovery yes, private data no ---------------------------------
  const brand = await (await browser.newContext()).newPage();
  await brand.goto(`${url}/login`);
  await signIn(brand, 'acme', process.env.PD_BRAND_PASSWORD);
  check('a brand signs in', new URL(brand.url()).pathname === '/discover', brand.url());
  resp = await brand.goto(profileUrl);
  check('a brand sees the verdict', resp.status() === 200 &&
        /Not certified/.test(await brand.locator('#verdict').textContent()));
  check('a brand does not see the failed rules or the history',
        await brand.locator('#failed-rules').count() === 0 && await brand.locator('#history').count() === 0);
  resp = await brand.goto(`${url}/simulator`);
  check('the simulator is a 403 page for a brand', resp.status() === 403 &&
        /Only operators/.test(await brand.locator('main').textContent()), resp.status());
  await fits(brand, 'forbidden');
  resp = await brand.goto(`${url}/mcns/900`);
  check('a roster is a 403 page for a brand', resp.status() === 403, resp.status());

  // ---- a creator: their own profile, with what to change ---------------------------
  const creator = await (await browser.newContext()).newPage();
  await creator.goto(`${url}/login?next=/discover`);
  await signIn(creator, process.env.PD_CREATOR_NAME, process.env.PD_CREATOR_PASSWORD);
  const mine = creator.locator('header nav a', { hasText: 'My profile' });
  check('a creator has a link to their profile', await mine.count() === 1);
  await Promise.all([creator.waitForNavigation(), mine.click()]);
  const own = await creator.locator('#verdict').textContent();
  check('a creator sees why on their own profile',
        /Every rule of the policy holds/.test(own) || await creator.locator('#failed-rules').count() === 1, own);
  await fits(creator, 'own-profile');

  // ---- each role lands where its work is (no next=), the brand link too ------
  const landings = [['ops', process.env.PD_OPS_PASSWORD, '/simulator'],
                    ['acme', process.env.PD_BRAND_PASSWORD, '/discover'],
                    [process.env.PD_CREATOR_NAME, process.env.PD_CREATOR_PASSWORD, '/creators/1'],
                    [process.env.PD_MCN_NAME, process.env.PD_MCN_PASSWORD, '/mcns/900']];
  let roster;
  for (const [name, password, home] of landings) {
    const p = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    p.on('pageerror', e => jsErrors.push(e.message));
    await p.goto(`${url}/`);
    check(`/ without a session asks ${name} to sign in`, new URL(p.url()).pathname === '/login', p.url());
    await p.goto(`${url}/login`);
    await signIn(p, name, password);
    check(`${name} lands on ${home}`, new URL(p.url()).pathname === home, p.url());
    check(`${name}'s brand link goes to ${home}`,
          await p.locator('header .brand').getAttribute('href') === home);
    if (home === '/mcns/900')
      roster = p;
  }

  // ---- an MCN manager's roster ---------------------------------------------------
  const standings = await roster.locator('#roster tbody tr').evaluateAll(trs => trs.map(tr => ({
    id: tr.dataset.id, standing: tr.dataset.standing, text: tr.textContent.replace(/\s+/g, ' '),
  })));
  check('the roster: at risk first (soonest first), then not certified, then certified',
        JSON.stringify(standings.map(r => [r.id, r.standing])) ===
        JSON.stringify([['9001', 'at_risk'], ['9004', 'at_risk'], ['9003', 'not_certified'], ['9002', 'certified']]),
        JSON.stringify(standings));
  check('the roster says which day and which rule, and what to change',
        /fails on 2019-06-02: 1 post leaves the window/.test(standings[0].text) &&
        /Sponsored posts \(at least\) 3, needs 4\. Publish 1 more sponsored post by 2019-06-02\./.test(standings[0].text) &&
        /fails on 2019-06-04: red-2019-v3 starts/.test(standings[1].text) &&
        /Followers 6,000, needs 8,000\. Gain 2,000 more followers by 2019-06-04\./.test(standings[1].text) &&
        /Gain 2,000 more followers\./.test(standings[2].text),
        JSON.stringify(standings.map(r => r.text)));
  check('the roster counts each standing', (await roster.locator('#tab-at_risk .n').textContent()) === '2' &&
        (await roster.locator('#tab-not_certified .n').textContent()) === '1' &&
        (await roster.locator('#tab-certified .n').textContent()) === '1');
  check('the MCN name is drawn with real Chinese glyphs',
        (g => g.han.length === 4 && g.distinct === 4 && g.boxes === 0)(await hanGlyphs(roster, 'h1')),
        JSON.stringify(await hanGlyphs(roster, 'h1')));
  await fits(roster, 'roster');
  await Promise.all([roster.waitForNavigation(), roster.click('#tab-at_risk')]);
  check('the at-risk tab lists the two at risk',
        JSON.stringify(await roster.locator('#roster tbody tr').evaluateAll(trs => trs.map(t => t.dataset.id))) ===
        '["9001","9004"]');
  await fits(roster, 'roster-at-risk');
  await Promise.all([roster.waitForNavigation(), roster.click('#roster tr[data-id="9001"] a')]);
  const glyphs = await hanGlyphs(roster, 'h1');
  check('a Chinese handle is drawn with real glyphs, not boxes',
        glyphs.han === '小红书达人' && glyphs.distinct === 5 && glyphs.boxes === 0, JSON.stringify(glyphs));
  check('the manager sees the history of their creator', await roster.locator('#history').count() === 1);
  check('the profile links back to the roster',
        await roster.locator('#mcn a').getAttribute('href') === '/mcns/900');
  await fits(roster, 'cjk-profile');
  resp = await roster.goto(`${url}/mcns/1`);
  check('another MCN\'s roster is a 403 page for a manager', resp.status() === 403, resp.status());
  check('no JavaScript errors on the other pages', jsErrors.length === 0, jsErrors.join('; '));
} catch (e) {
  check('the browser session ran to the end', false, e.stack || e.message);
} finally {
  await browser.close();
}
finish('pages.mjs');
