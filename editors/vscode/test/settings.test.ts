// The settings object sent to the server, at start and on a change.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { serverSettings, settingsUpdate, type PraxisConfiguration } from '../src/settings';

/** The configuration with the package.json defaults, changed by `values`. */
function configuration(values: Partial<PraxisConfiguration> = {}): PraxisConfiguration {
    return { practices: [], server: '', space: '', stats: true, ...values };
}

test('the defaults send only stats', () => {
    assert.deepEqual(serverSettings(configuration()), { stats: true });
});

test('every setting that is set is sent, trimmed', () => {
    const settings = serverSettings(
        configuration({
            practices: ['lint/practices', ' team '],
            server: ' https://praxis.example.com ',
            space: 'web',
            stats: false,
        }),
    );
    assert.deepEqual(settings, {
        practices: ['lint/practices', 'team'],
        server: 'https://praxis.example.com',
        space: 'web',
        stats: false,
    });
});

test('blank strings and list entries are left out', () => {
    assert.deepEqual(serverSettings(configuration({ practices: ['', '  '], server: '   ', space: '' })), {
        stats: true,
    });
});

test('values of the wrong type count as unset', () => {
    const settings = serverSettings({ practices: 'rules', server: 42, space: null, stats: 'no' });
    assert.deepEqual(settings, { stats: true });
    assert.deepEqual(serverSettings({ practices: ['rules', 7], server: undefined, space: undefined, stats: undefined }), {
        practices: ['rules'],
        stats: true,
    });
});

test('a change names every key, so that a cleared setting is cleared on the server', () => {
    assert.deepEqual(settingsUpdate(configuration()), { practices: [], server: null, space: null, stats: true });
    assert.deepEqual(settingsUpdate(configuration({ practices: ['rules'], server: 'https://p.example', space: 'web' })), {
        practices: ['rules'],
        server: 'https://p.example',
        space: 'web',
        stats: true,
    });
});
