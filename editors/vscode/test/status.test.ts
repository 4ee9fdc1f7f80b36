// The status bar's text and tooltip for each `praxis/status` the server sends.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseStatus, startingView, statusView, stoppedView, syncSummary, type PraxisStatus } from '../src/status';

/** A status as the server sends it (`State::status` in lsp/src/server/state.rs). */
function status(payload: Record<string, unknown>): PraxisStatus {
    const parsed = parseStatus(payload);
    assert.ok(parsed, `the payload should parse: ${JSON.stringify(payload)}`);
    return parsed;
}

const LOCAL = { state: 'local', server: null, space: null, revision: null, message: null, practices: 18, spaces: [] };

const WEB = { state: 'ok', server: 'https://praxis.example.com', space: 'web', revision: 42, message: null };

test('before the first status', () => {
    assert.equal(startingView().text, 'Praxis');
    assert.match(startingView().tooltip, /starting/);
});

test('local practices only', () => {
    const view = statusView(status(LOCAL));
    assert.equal(view.text, '$(check) Praxis 18');
    assert.match(view.tooltip, /^Praxis: 18 practices in force; no team server is followed\n/);
    assert.equal(view.severity, undefined);
});

test('following one space', () => {
    const view = statusView(status({ ...WEB, practices: 18, spaces: [WEB] }));
    assert.equal(view.text, '$(cloud) Praxis 18 · web');
    assert.match(view.tooltip, /\nServer: https:\/\/praxis\.example\.com\nSpace: web\nRevision: 42\n/);
});

test('following several spaces', () => {
    const backend = { ...WEB, space: 'backend', revision: 7 };
    const view = statusView(status({ ...WEB, practices: 30, spaces: [backend, WEB] }));
    assert.equal(view.text, '$(cloud) Praxis 30 · 2 spaces');
    assert.match(view.tooltip, /\nbackend on https:\/\/praxis\.example\.com: ok, revision 7\n/);
    assert.match(view.tooltip, /\nweb on https:\/\/praxis\.example\.com: ok, revision 42\n/);
});

test('syncing', () => {
    const syncing = { ...WEB, state: 'syncing', revision: null };
    assert.equal(statusView(status({ ...syncing, practices: 3, spaces: [syncing] })).text, '$(sync~spin) Praxis');
});

test('offline, with the message in the tooltip', () => {
    const offline = { ...WEB, state: 'offline', message: 'connection refused' };
    const view = statusView(status({ ...offline, practices: 18, spaces: [offline] }));
    assert.equal(view.text, '$(warning) Praxis offline');
    assert.equal(view.severity, 'warning');
    assert.match(view.tooltip, /\nconnection refused\n/);
});

test('error', () => {
    const failed = { ...WEB, state: 'error', message: 'HTTP 401: the token is not valid' };
    const view = statusView(status({ ...failed, practices: 0, spaces: [failed] }));
    assert.equal(view.text, '$(error) Praxis');
    assert.equal(view.severity, 'error');
    assert.match(view.tooltip, /0 practices in force/);
    assert.match(view.tooltip, /HTTP 401: the token is not valid/);
});

test('one practice is not "practices"', () => {
    assert.match(statusView(status({ ...LOCAL, practices: 1 })).tooltip, /^Praxis: 1 practice in force/);
});

test('a server not running', () => {
    const view = stoppedView('Praxis was not found.');
    assert.equal(view.text, '$(error) Praxis');
    assert.equal(view.severity, 'error');
    assert.match(view.tooltip, /Praxis was not found\./);
});

test('payloads this version cannot read', () => {
    assert.equal(parseStatus(null), undefined);
    assert.equal(parseStatus('ok'), undefined);
    assert.equal(parseStatus({ ...LOCAL, state: 'sleeping' }), undefined);
    // Missing fields read as unknown; unknown spaces are dropped.
    assert.deepEqual(parseStatus({ state: 'local', spaces: [{ state: 'sleeping' }] }), {
        state: 'local',
        server: null,
        space: null,
        revision: null,
        message: null,
        practices: 0,
        spaces: [],
    });
});

test('the answer to Sync Now', () => {
    assert.equal(syncSummary(status(LOCAL)), 'Praxis: no team server is followed; 18 practices in force');
    const syncing = { ...WEB, state: 'syncing' };
    const backend = { ...WEB, space: 'backend' };
    assert.equal(
        syncSummary(status({ ...syncing, practices: 5, spaces: [backend, syncing] })),
        'Praxis: syncing backend, web; 5 practices in force now',
    );
});
