// The settings object sent to the server, at start and on a change.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { serverSettings, settingsUpdate, type PraxisConfiguration } from '../src/settings';

/** The configuration with the package.json defaults, changed by `values`. */
function configuration(values: Partial<PraxisConfiguration> = {}): PraxisConfiguration {
    return { practices: [], server: '', space: '', stats: true, scope: 'all', ...values };
}

test('the defaults send only stats and the scope', () => {
    assert.deepEqual(serverSettings(configuration()), { stats: true, scope: 'all' });
});

test('every setting that is set is sent, trimmed', () => {
    const settings = serverSettings(
        configuration({
            practices: ['lint/practices', ' team '],
            server: ' https://praxis.example.com ',
            space: 'web',
            stats: false,
            scope: 'changed',
        }),
    );
    assert.deepEqual(settings, {
        practices: ['lint/practices', 'team'],
        server: 'https://praxis.example.com',
        space: 'web',
        stats: false,
        scope: 'changed',
    });
});

test('blank strings and list entries are left out', () => {
    assert.deepEqual(serverSettings(configuration({ practices: ['', '  '], server: '   ', space: '' })), {
        stats: true,
        scope: 'all',
    });
});

test('values of the wrong type count as unset', () => {
    const settings = serverSettings({ practices: 'rules', server: 42, space: null, stats: 'no', scope: 'some' });
    assert.deepEqual(settings, { stats: true, scope: 'all' });
    const unset = { practices: ['rules', 7], server: undefined, space: undefined, stats: undefined, scope: undefined };
    assert.deepEqual(serverSettings(unset), {
        practices: ['rules'],
        stats: true,
        scope: 'all',
    });
});

test('a change names every key, so that a cleared setting is cleared on the server', () => {
    assert.deepEqual(settingsUpdate(configuration()), {
        practices: [],
        server: null,
        space: null,
        stats: true,
        scope: 'all',
    });
    const set = { practices: ['rules'], server: 'https://p.example', space: 'web', scope: 'changed' };
    assert.deepEqual(settingsUpdate(configuration(set)), {
        practices: ['rules'],
        server: 'https://p.example',
        space: 'web',
        stats: true,
        scope: 'changed',
    });
});
