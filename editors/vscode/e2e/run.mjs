// End-to-end test of the Praxis extension in a real VS Code (code-server), driven by Debian's
// chromium through playwright-core. ../scripts/e2e.sh installs everything, starts code-server with
// the extension installed and the demo project copied to a temp folder, then runs this file.
//
// Environment (set by e2e.sh):
//   PRAXIS_E2E_URL        code-server's URL with ?folder=<the copied demo>
//   PRAXIS_E2E_WORKSPACE  the copied demo folder (the test edits web/src/orders.ts in it)
//   PRAXIS_E2E_OUT        where the screenshots go
//   PRAXIS_E2E_CHROMIUM   the browser (default /usr/bin/chromium)
//   PRAXIS_E2E_PROFILE    chromium's user-data-dir (default: a fresh temp folder)
//   PRAXIS_E2E_SINCE      when e2e.sh started (seconds since the epoch), for the closing time
//
// Exits 0 when every step passed, 1 otherwise; each failing wait names what it waited for and
// leaves a screenshot `failed-<step>.png`.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const url = required('PRAXIS_E2E_URL');
const workspace = required('PRAXIS_E2E_WORKSPACE');
const out = required('PRAXIS_E2E_OUT');
const executablePath = process.env.PRAXIS_E2E_CHROMIUM || '/usr/bin/chromium';

// What the demo project and the server give (examples/demo/.praxis/practices/no-console-log.yaml,
// lsp/src/server/actions.rs).
const FILE = 'web/src/orders.ts';
const LINE = 21;
const BEFORE = 'console.log("parsing order", body.id);';
const AFTER = 'logger.info("parsing order", body.id);';
const MESSAGE = 'Use logger.info instead of console.log';
const PRACTICE = 'no-console-log';
const PRACTICE_NAME = 'Log through the logger';
// The practice's description, which only the server's hover gives (not the diagnostic's).
const DESCRIPTION = 'Console output is lost in production';
const FIX_TITLE = 'Fix `no-console-log`: replace with `logger.info("parsing order", body.id)`';

// Generous: 2 cores, a cold code-server and a debug build of the server.
const LOAD_TIMEOUT = 180_000;
const WAIT_TIMEOUT = 60_000;

mkdirSync(out, { recursive: true });
const profile = process.env.PRAXIS_E2E_PROFILE || mkdtempSync(join(tmpdir(), 'praxis-e2e-chromium-'));
const ownProfile = !process.env.PRAXIS_E2E_PROFILE;

const shots = [];
const STEPS = ['load', 'open', 'squiggle', 'problems', 'hover', 'quick fix', 'status bar'];
let passed = 0;
let page;
let context;
let current = 'launch';

function required(name) {
    const value = process.env[name];
    if (!value) {
        console.error(`e2e: ${name} is not set (run ../scripts/e2e.sh)`);
        process.exit(2);
    }
    return value;
}

function log(message) {
    console.log(`e2e: ${message}`);
}

async function shot(name) {
    const path = join(out, `${name}.png`);
    await page.screenshot({ path });
    shots.push(path);
    log(`  screenshot ${path}`);
}

/** Runs one step; a failure says which step and what it waited for, with a screenshot. */
async function step(name, body) {
    current = name;
    const started = Date.now();
    log(`step ${name}`);
    await body();
    passed += 1;
    log(`  ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Waits for `predicate` (run in the test, may be async) to give a truthy value. */
async function until(what, predicate, timeout = WAIT_TIMEOUT, interval = 250) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
        try {
            const value = await predicate();
            if (value) {
                return value;
            }
        } catch (error) {
            last = error;
        }
        if (page?.isClosed()) {
            throw new Error(`the page closed while waiting for ${what}`);
        }
        if (Date.now() > deadline) {
            const why = last ? ` (last error: ${String(last.message ?? last).split('\n')[0]})` : '';
            throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${why}`);
        }
        await new Promise((resolve) => setTimeout(resolve, interval));
    }
}

/** The editor of `orders.ts` (the active one). */
function editor() {
    return page.locator('.editor-instance .monaco-editor').first();
}

/** The text of the editor's line that holds `needle`, as rendered (NBSPs made spaces). */
async function renderedLine(needle) {
    const texts = await editor().locator('.view-lines .view-line').allInnerTexts();
    return texts.map((text) => text.replace(/\u00a0/g, ' ')).find((text) => text.includes(needle));
}

/**
 * The warning squiggles whose vertical middle lies on the rendered line that holds `needle`, with
 * that line's box: read in one go in the page, since Monaco redraws its decorations at will.
 */
async function squigglesOn(needle) {
    return editor().evaluate((root, needle) => {
        const box = (element) => {
            const r = element.getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height };
        };
        const line = [...root.querySelectorAll('.view-lines .view-line')].find((element) =>
            element.textContent.replace(/\u00a0/g, ' ').includes(needle),
        );
        if (!line) {
            return [];
        }
        const lineBox = box(line);
        return [...root.querySelectorAll('.squiggly-warning')]
            .map(box)
            .filter((b) => b.width > 0 && b.y + b.height / 2 >= lineBox.y && b.y + b.height / 2 <= lineBox.y + lineBox.height)
            .map((squiggle) => ({ ...squiggle, line: lineBox }));
    }, needle);
}

async function pressUntil(keys, what, visible, tries = 3) {
    for (let i = 0; i < tries; i++) {
        await page.keyboard.press(keys);
        try {
            await until(what, visible, 5_000);
            return;
        } catch (error) {
            if (i === tries - 1) {
                throw error;
            }
        }
    }
}

async function main() {
    // A persistent context is how playwright takes chromium's --user-data-dir (a fresh folder).
    context = await chromium.launchPersistentContext(profile, {
        executablePath,
        // The flags keep chromium from calling home: in a closed network those connections are
        // refused and slow everything down.
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
        viewport: { width: 1600, height: 1000 },
        timeout: 60_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(WAIT_TIMEOUT);
    page.on('pageerror', (error) => log(`  page error: ${String(error.message).split('\n')[0]}`));

    await step('load', async () => {
        await page.goto(url, { timeout: LOAD_TIMEOUT });
        await page
            .locator('.monaco-workbench')
            .waitFor({ timeout: LOAD_TIMEOUT })
            .catch(() => {
                throw new Error(`timed out after ${LOAD_TIMEOUT / 1000} s waiting for the workbench (.monaco-workbench) at ${url}`);
            });
        // The explorer shows the folder once the workbench has restored.
        await until('the explorer to show the demo folder (web/)', () =>
            page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'web' }).first().isVisible(),
            LOAD_TIMEOUT,
        );
        await shot('01-workbench');
    });

    await step('open', async () => {
        const quickInput = page.locator('.quick-input-widget');
        // Quick open: Ctrl+P; if the browser kept it, the command palette (F1) less its '>'.
        await page.locator('.monaco-workbench').click({ position: { x: 800, y: 500 } }).catch(() => {});
        await page.keyboard.press('Control+P');
        const opened = await until('quick open', () => quickInput.isVisible(), 5_000).catch(() => false);
        if (!opened) {
            log('  Ctrl+P did not open quick open; using F1');
            await pressUntil('F1', 'the command palette (F1)', () => quickInput.isVisible());
            await page.keyboard.press('Backspace');
        }
        await page.keyboard.type(FILE, { delay: 20 });
        // The focused row is the one Enter opens: orders.ts, not orders.test.ts.
        await until(`quick open to pick ${FILE}`, async () => {
            const row = quickInput.locator('.monaco-list-row.focused');
            if ((await row.count()) !== 1) {
                return false;
            }
            const name = await row.locator('.label-name').first().innerText();
            const folder = await row.locator('.label-description').first().innerText();
            return name.trim() === 'orders.ts' && folder.trim() === 'web/src';
        });
        await page.keyboard.press('Enter');
        await until(`the editor tab of ${FILE}`, () =>
            page.locator('.tabs-container .tab.active', { hasText: 'orders.ts' }).isVisible(),
        );
        await until(`line ${LINE} (${BEFORE}) in the editor`, async () => (await renderedLine(BEFORE)) !== undefined);
    });

    await step('squiggle', async () => {
        await until(
            `a Praxis warning squiggle (.squiggly-warning) on line ${LINE} (${BEFORE}); is the language server running? (Praxis output)`,
            async () => (await squigglesOn(BEFORE)).length > 0,
            LOAD_TIMEOUT,
        );
        await shot('02-squiggle');
    });

    await step('problems', async () => {
        const panel = page.locator('.markers-panel');
        await pressUntil('Control+Shift+M', 'the Problems panel (.markers-panel)', () => panel.isVisible());
        const row = panel.locator('.monaco-list-row', { hasText: MESSAGE });
        await until(`a Problems entry "${MESSAGE}"`, () => row.first().isVisible());
        const text = (await row.first().innerText()).replace(/\s+/g, ' ');
        for (const part of ['praxis', PRACTICE, `Ln ${LINE}`]) {
            if (!text.includes(part)) {
                throw new Error(`the Problems entry "${text}" does not name ${part}`);
            }
        }
        log(`  entry: ${text}`);
        // Selected, so that the screenshot shows which entry was found.
        await row.first().click();
        await until('the Problems entry to be selected', async () =>
            /\bselected\b/.test((await row.first().getAttribute('class')) ?? ''),
        );
        await shot('03-problems');
    });

    await step('hover', async () => {
        const [squiggle] = await until(`the squiggle on line ${LINE}`, async () => {
            const found = await squigglesOn(BEFORE);
            return found.length > 0 && found;
        });
        const hover = page.locator('.monaco-hover', { hasText: PRACTICE_NAME });
        // Moving onto the squiggle from elsewhere is what opens the hover.
        await until(`a hover with "${PRACTICE_NAME}" over the squiggle`, async () => {
            await page.mouse.move(squiggle.x + squiggle.width / 2, squiggle.y - 40);
            await page.mouse.move(squiggle.x + squiggle.width / 2, squiggle.y + squiggle.height / 2 - 4, { steps: 4 });
            return hover.first().waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
        });
        const text = await hover.first().innerText();
        for (const part of [MESSAGE, PRACTICE, DESCRIPTION]) {
            if (!text.includes(part)) {
                throw new Error(`the hover does not give "${part}": ${text}`);
            }
        }
        await shot('04-hover');
        await page.mouse.move(5, 500);
        await page.keyboard.press('Escape');
    });

    await step('quick fix', async () => {
        const path = join(workspace, FILE);
        const lines = readFileSync(path, 'utf8').split('\n');
        if (lines[LINE - 1].trim() !== BEFORE) {
            throw new Error(`line ${LINE} of ${path} is not ${BEFORE}: ${lines[LINE - 1]}`);
        }
        lines[LINE - 1] = lines[LINE - 1].replace(BEFORE, AFTER);
        const expected = lines.join('\n');
        // The cursor on the finding: a click on `console`.
        const [squiggle] = await until(`the squiggle on line ${LINE}`, async () => {
            const found = await squigglesOn(BEFORE);
            return found.length > 0 && found;
        });
        await page.mouse.click(squiggle.x + 12, squiggle.line.y + squiggle.line.height / 2);
        await page.mouse.move(5, 500);
        const menu = page.locator('.action-widget');
        const action = menu.locator('.monaco-list-row', { hasText: FIX_TITLE });
        await pressUntil('Control+.', 'the quick fix menu (.action-widget)', () => action.first().isVisible());
        await shot('05-quick-fix-menu');
        await action.first().click();
        await until(`line ${LINE} to read ${AFTER} in the editor`, async () => {
            const text = await renderedLine('parsing order');
            return text !== undefined && text.trim() === AFTER;
        });
        await page.keyboard.press('Control+S');
        // Saved: the file on disk is the one before, with line 21 alone changed.
        await until(`${path} to be saved with line ${LINE} "${AFTER}" and no other change`, () =>
            readFileSync(path, 'utf8') === expected,
        );
        await until('the Problems entry to go once fixed', async () =>
            (await page.locator('.markers-panel .monaco-list-row', { hasText: MESSAGE }).count()) === 0,
        );
        await until(`no squiggle left on line ${LINE}`, async () => (await squigglesOn(AFTER)).length === 0);
        await shot('06-after-fix');
    });

    await step('status bar', async () => {
        // "Praxis" alone is the extension's own face before the server speaks; a count of
        // practices comes from the server's praxis/status notification.
        const item = page.locator('.statusbar-item', { hasText: /Praxis/ });
        const [found, text] = await until('a status bar item "Praxis <practices>" (fed by praxis/status)', async () => {
            for (const candidate of await item.all()) {
                const text = (await candidate.innerText()).replace(/\s+/g, ' ').trim();
                if (/^Praxis \d+/.test(text)) {
                    return [candidate, text];
                }
            }
            return undefined;
        });
        log(`  status bar: ${text}`);
        // Its tooltip, in the screenshot.
        await found.hover();
        await page.waitForTimeout(1_500);
        await shot('07-status-bar');
    });
}

let failed = false;
try {
    await main();
    log(`passed; screenshots in ${out}:`);
    for (const path of shots) {
        log(`  ${path}`);
    }
} catch (error) {
    failed = true;
    console.error(`e2e: FAILED at step "${current}": ${error.message}`);
    if (page && !page.isClosed()) {
        // VS Code's notifications often say why (the server did not start, ...).
        const toasts = await page
            .locator('.notifications-toasts .notification-toast')
            .allInnerTexts()
            .catch(() => []);
        for (const toast of toasts) {
            console.error(`e2e: notification: ${toast.replace(/\s+/g, ' ').trim()}`);
        }
        const path = join(out, `failed-${current.replace(/\s+/g, '-')}.png`);
        await page.screenshot({ path }).then(
            () => console.error(`e2e: screenshot of the failure: ${path}`),
            (why) => console.error(`e2e: no screenshot of the failure: ${why.message}`),
        );
    }
} finally {
    await context?.close().catch(() => {});
    if (ownProfile) {
        rmSync(profile, { recursive: true, force: true });
    }
}
if (process.env.PRAXIS_E2E_SINCE) {
    log(`${failed ? 'failed' : 'passed'} after ${Math.round(Date.now() / 1000 - Number(process.env.PRAXIS_E2E_SINCE))} s (the whole e2e.sh)`);
}
// The plain closing line: every step that did not pass (the failed one and those never reached)
// counts as failed.
console.log(`e2e: ${passed} passed, ${STEPS.length - passed} failed`);
process.exit(failed ? 1 : 0);
