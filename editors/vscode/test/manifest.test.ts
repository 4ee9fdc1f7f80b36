// package.json against the code: the commands it contributes are the ones the extension
// registers, and none has an id the language server registers too.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import * as ids from '../src/commandIds';

// Bundled into out/test/: the package is two folders up, the repository four.
const packageRoot = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
const contributed: string[] = manifest.contributes.commands.map((command: { command: string }) => command.command);

const ownIds = Object.entries(ids)
    .filter(([name]) => name.startsWith('COMMAND_'))
    .map(([, id]) => id);

test('package.json contributes exactly the commands the extension registers', () => {
    assert.deepEqual([...contributed].sort(), [...ownIds].sort());
});

test("no command id of the extension is one of the server's", () => {
    // The server's command ids, from its source: `pub const COMMAND_…: &str = "praxis.…";`.
    const source = fs.readFileSync(path.join(packageRoot, '..', '..', 'lsp', 'src', 'server', 'mod.rs'), 'utf8');
    const serverIds = [...source.matchAll(/pub const COMMAND_\w+: &str = "([^"]+)";/g)].map((match) => match[1]);
    assert.ok(serverIds.includes(ids.SERVER_CREATE_PRACTICE), `server commands read: ${serverIds.join(', ')}`);
    assert.ok(serverIds.includes(ids.SERVER_SYNC));
    assert.ok(serverIds.includes(ids.SERVER_CHECK_WORKSPACE));
    assert.ok(serverIds.includes(ids.SERVER_DRAFT_PRACTICE));
    for (const id of contributed) {
        assert.ok(!serverIds.includes(id), `${id} is also a server command`);
    }
});

test('every contributed command has a title in the Praxis category', () => {
    for (const command of manifest.contributes.commands) {
        assert.equal(command.category, 'Praxis');
        assert.ok(command.title.length > 0);
    }
});
