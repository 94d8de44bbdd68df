// Drives the account web page in Debian's chromium through Playwright (playwright-core from npm,
// no downloaded browser), one phase per run; test_account_page.py runs each phase and checks what
// it writes to $OUT (JSON). Every page it visits is saved as a screenshot in $SHOTS.
//   owner:  log in as the domain owner, add an alias with a mailbox, read its password, see the
//           password hidden after 30 s on the page's clock (page.clock), set a forward.
//   holder: log in as the alias holder, back up now, download the latest backup, export, set an
//           OpenPGP key, log out.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('BASE_URL');
const phase = env('PHASE');
const shots = env('SHOTS');
const out = {};

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${phase}-${name}.png`), fullPage: true });
}

async function login(page, username, password) {
  await page.goto(`${base}/account`);
  check(new URL(page.url()).pathname === '/account/login', `not sent to the login page: ${page.url()}`);
  await shot(page, 'login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('#login button[type=submit]')]);
}

async function owner(page) {
  await login(page, env('ACCOUNT'), env('ACCOUNT_PASSWORD'));
  check(new URL(page.url()).pathname === '/account', `after login: ${page.url()}`);
  check((await page.textContent('#who')) === env('ACCOUNT'), 'the page names who is logged in');
  await shot(page, 'domains');

  await page.fill('#add-alias input[name=local]', env('LOCAL'));
  await page.check('#add-alias input[name=mailbox]');
  await Promise.all([page.waitForNavigation(), page.click('#add-alias button[type=submit]')]);
  const secret = page.locator('#secret');
  await secret.waitFor({ state: 'visible' });
  // Stop the page's clock at once (the clock was installed before the page loaded): from here on
  // only runFor moves it, so the 30 s are the page's, however slow this machine is.
  const paused = (await page.evaluate(() => Date.now())) + 100;
  await page.clock.pauseAt(paused);
  check((await secret.getAttribute('data-hide-after')) === '30', 'the server asks for 30 s');
  const hideAt = Number(await secret.getAttribute('data-hide-at'));
  check(hideAt > paused && hideAt - paused <= 30000, `the hide deadline is 30 s after the page loaded: ${hideAt - paused}`);
  out.password = (await secret.textContent()).trim();
  check(out.password.length >= 20, 'a generated password is shown');
  check(await page.isVisible('#secret-copy'), 'the copy button is there (the script ran)');
  check(await page.isHidden('#secret-hidden'), 'no "hidden" note yet');
  await shot(page, 'password-shown');
  // The copy button puts the password on the clipboard.
  await page.click('#secret-copy');
  // Polled from here with real time: the page's own timers are stopped.
  for (let i = 0; i < 200 && (await page.textContent('#secret-copy')) !== 'Copied'; ++i)
    await new Promise((resolve) => setTimeout(resolve, 50));
  check((await page.textContent('#secret-copy')) === 'Copied', 'the copy button says it copied');
  out.clipboard = await page.evaluate(() => navigator.clipboard.readText());

  // Still there one second before the deadline, gone after it.
  await page.clock.runFor(hideAt - paused - 1000);
  check(await page.isVisible('#secret'), 'the password is still shown 1 s before the 30 s are up');
  await page.clock.runFor(1500);
  check(await page.isHidden('#secret'), 'the password is hidden after 30 s');
  check((await page.textContent('#secret')) === '', 'the password is gone from the page');
  check(await page.isVisible('#secret-hidden'), 'the "hidden" note is shown');
  out.hidden_after_30s = true;
  await shot(page, 'password-hidden');

  // Forwarding, on the alias's own page.
  await page.goto(`${base}/account/alias?address=${encodeURIComponent(env('ADDRESS'))}`);
  await shot(page, 'alias');
  await page.fill('#targets textarea[name=forwards]', env('FORWARD'));
  await Promise.all([page.waitForNavigation(), page.click('#targets button[type=submit]')]);
  out.forwards_shown = await page.inputValue('#targets textarea[name=forwards]');
  await shot(page, 'alias-forwarding');
}

async function holder(page) {
  await login(page, env('ADDRESS'), env('ALIAS_PASSWORD'));
  check(new URL(page.url()).pathname === '/account/alias', `an alias holder lands on its alias page: ${page.url()}`);
  await shot(page, 'alias');
  out.used_text = await page.textContent('#used');

  await page.fill('#backup input[name=password]', env('ALIAS_PASSWORD'));
  await Promise.all([page.waitForNavigation(), page.click('#backup button[type=submit]')]);
  check(new URL(page.url()).pathname === '/account/alias', `after the backup: ${page.url()}`);
  out.backup_rows = await page.locator('#backups tr').count() - 1;
  await shot(page, 'backed-up');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-backup')]);
  const file = path.join(env('DOWNLOADS'), 'backup.sqlite');
  await download.saveAs(file);
  out.download = file;
  out.download_name = download.suggestedFilename();

  // An export: the zip of .eml files, encrypted with the alias password.
  await page.selectOption('#export select[name=format]', 'zip');
  await page.fill('#export input[name=password]', env('ALIAS_PASSWORD'));
  const [exported] = await Promise.all([page.waitForEvent('download'), page.click('#export button[type=submit]')]);
  out.export = path.join(env('DOWNLOADS'), 'export.zip');
  await exported.saveAs(out.export);
  out.export_name = exported.suggestedFilename();

  // An OpenPGP key, pasted (issue 9's key checks apply: the page shows what the API answers).
  await page.fill('#pgp-set textarea[name=key]', fs.readFileSync(env('PGP_KEY_FILE'), 'utf8'));
  await Promise.all([page.waitForNavigation(), page.click('#pgp-set button[type=submit]')]);
  check(new URL(page.url()).pathname === '/account/alias', `after setting the key: ${page.url()}`);
  out.pgp_fingerprint_text = await page.textContent('#pgp-fingerprint');
  await shot(page, 'pgp-key');

  await Promise.all([page.waitForNavigation(), page.click('#logout')]);
  check(new URL(page.url()).pathname === '/account/login', 'logged out');
  await shot(page, 'logged-out');
  // The session is gone on the server: the old page's links lead to the login page.
  await page.goto(`${base}/account/alias?address=${encodeURIComponent(env('ADDRESS'))}`);
  out.after_logout = new URL(page.url()).pathname;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const failures = [];
  try {
    // The server's certificate is its own self-signed one (a fresh data directory).
    const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true });
    const origin = new URL(base).origin;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') failures.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith(origin)) failures.push(`external request: ${r.url()}`); });
    await page.clock.install();
    if (phase === 'owner') await owner(page);
    else if (phase === 'holder') await holder(page);
    else throw new Error(`unknown phase ${phase}`);
    await context.close();
  } finally {
    await browser.close();
  }
  out.failures = failures;
  fs.writeFileSync(env('OUT'), JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
