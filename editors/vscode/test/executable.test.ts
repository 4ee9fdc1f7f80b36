// Finding `praxis`: the setting, then PATH, against folders made for each test.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { findOnPath, locatePraxis, type SearchContext } from '../src/executable';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'praxis-vscode-test-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

let folders = 0;
/** A new folder holding `files`, each executable unless its mode says otherwise. */
function folder(files: Record<string, number> = {}): string {
    const dir = path.join(scratch, `folder-${folders++}`);
    fs.mkdirSync(dir);
    for (const [name, mode] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), '#!/bin/sh\n', { mode });
    }
    return dir;
}

function linux(PATH: string, home = scratch): SearchContext {
    return { env: { PATH }, platform: 'linux', home };
}

describe('PATH', () => {
    test('the first folder holding praxis wins', () => {
        const empty = folder();
        const first = folder({ praxis: 0o755 });
        const second = folder({ praxis: 0o755 });
        assert.equal(findOnPath('praxis', linux([empty, first, second].join(':'))), path.join(first, 'praxis'));
    });

    test('a praxis that is not executable, or is a folder, is passed over', () => {
        const plain = folder({ praxis: 0o644 });
        const withFolder = folder();
        fs.mkdirSync(path.join(withFolder, 'praxis'));
        const real = folder({ praxis: 0o755 });
        assert.equal(findOnPath('praxis', linux([plain, withFolder, real].join(':'))), path.join(real, 'praxis'));
    });

    test('nothing found, or no PATH at all', () => {
        assert.equal(findOnPath('praxis', linux(folder({ other: 0o755 }))), undefined);
        assert.equal(findOnPath('praxis', { env: {}, platform: 'linux', home: scratch }), undefined);
    });

    test('an empty entry is not taken as the current folder', () => {
        const cwd = process.cwd();
        const here = folder({ praxis: 0o755 });
        process.chdir(here);
        try {
            assert.equal(findOnPath('praxis', linux(':')), undefined);
        } finally {
            process.chdir(cwd);
        }
    });

    test('on Windows, each PATHEXT extension is tried, and variable names ignore case', () => {
        const dir = folder({ 'praxis.exe': 0o644 });
        const context: SearchContext = {
            env: { Path: `"${folder()}";${dir}`, PathExt: '.COM;.EXE' },
            platform: 'win32',
            home: scratch,
        };
        assert.equal(findOnPath('praxis', context), path.join(dir, 'praxis.exe'));
    });

    test('on Windows, a praxis without an extension in PATHEXT is not a program', () => {
        const dir = folder({ 'praxis.txt': 0o644 });
        const context: SearchContext = { env: { PATH: dir, PATHEXT: '.EXE' }, platform: 'win32', home: scratch };
        assert.equal(findOnPath('praxis', context), undefined);
    });
});

describe('praxis.path', () => {
    test('the setting wins over PATH', () => {
        const configured = folder({ praxis: 0o755 });
        const onPath = folder({ praxis: 0o755 });
        assert.deepEqual(locatePraxis(path.join(configured, 'praxis'), linux(onPath)), {
            kind: 'found',
            path: path.join(configured, 'praxis'),
        });
    });

    test('a leading ~ is the home folder', () => {
        const home = folder();
        fs.mkdirSync(path.join(home, 'bin'));
        fs.writeFileSync(path.join(home, 'bin', 'praxis'), '', { mode: 0o755 });
        assert.deepEqual(locatePraxis('~/bin/praxis', linux('', home)), {
            kind: 'found',
            path: path.join(home, 'bin', 'praxis'),
        });
    });

    test('a setting that names no program is reported, not searched past', () => {
        const onPath = folder({ praxis: 0o755 });
        const missing = path.join(folder(), 'praxis');
        assert.deepEqual(locatePraxis(missing, linux(onPath)), { kind: 'bad-setting', path: missing });
    });

    test('a relative setting is reported, whatever the current folder holds', () => {
        const cwd = process.cwd();
        process.chdir(folder({ praxis: 0o755 }));
        try {
            assert.deepEqual(locatePraxis('praxis', linux(folder())), { kind: 'bad-setting', path: 'praxis' });
        } finally {
            process.chdir(cwd);
        }
    });

    test('a blank setting searches PATH', () => {
        const onPath = folder({ praxis: 0o755 });
        assert.deepEqual(locatePraxis('  ', linux(onPath)), { kind: 'found', path: path.join(onPath, 'praxis') });
        assert.deepEqual(locatePraxis('', linux(folder())), { kind: 'not-found' });
    });
});
