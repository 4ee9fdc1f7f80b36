// When the extension asks for a draft's description, and what it sends then.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { SERVER_CREATE_PRACTICE, SERVER_DRAFT_PRACTICE } from '../src/commandIds';
import { MAX_DESCRIPTION, checkDescription, needsDescription, withDescription } from '../src/draft';

const range = { start: { line: 3, character: 0 }, end: { line: 3, character: 25 } };
const action = { uri: 'file:///p/src/billing.py', range, kind: 'bad' };

test("the server's draft action without a description asks for one", () => {
    assert.deepEqual(needsDescription(SERVER_DRAFT_PRACTICE, [action]), action);
    assert.deepEqual(needsDescription(SERVER_DRAFT_PRACTICE, [{ ...action, describe: '  ' }]), { ...action, describe: '  ' });
});

test('a description given, another command or odd arguments pass through', () => {
    assert.equal(needsDescription(SERVER_DRAFT_PRACTICE, [{ ...action, describe: 'use the logger' }]), undefined);
    assert.equal(needsDescription(SERVER_CREATE_PRACTICE, [action]), undefined);
    assert.equal(needsDescription(SERVER_DRAFT_PRACTICE, []), undefined);
    assert.equal(needsDescription(SERVER_DRAFT_PRACTICE, [action, action]), undefined);
    assert.equal(needsDescription(SERVER_DRAFT_PRACTICE, ['nope']), undefined);
    assert.equal(needsDescription(SERVER_DRAFT_PRACTICE, [null]), undefined);
});

test('the description joins the arguments, trimmed, and nothing else is added', () => {
    assert.deepEqual(withDescription(action, '  log through log.info \n'), [{ ...action, describe: 'log through log.info' }]);
});

test('an empty or very long description is refused in the input box', () => {
    assert.equal(checkDescription('Log through the logger'), undefined);
    assert.match(checkDescription('   ') ?? '', /what is wrong/);
    assert.match(checkDescription('x'.repeat(MAX_DESCRIPTION + 1)) ?? '', /At most/);
});
