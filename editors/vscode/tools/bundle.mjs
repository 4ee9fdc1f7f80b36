// Bundles the extension into dist/extension.js; with --tests, each test/*.test.ts (and the
// modules it imports) into out/test/, for `node --test`. The tests import only modules that do
// not need the `vscode` module, which exists only inside VS Code: bundling them fails otherwise.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// VS Code 1.90 runs extensions on Node 20.
const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20' };

if (process.argv.includes('--tests')) {
    const tests = readdirSync(join(root, 'test')).filter((name) => name.endsWith('.test.ts'));
    await esbuild.build({ ...common, entryPoints: tests.map((name) => `test/${name}`), outdir: 'out/test' });
} else {
    await esbuild.build({
        ...common,
        entryPoints: ['src/extension.ts'],
        outfile: 'dist/extension.js',
        external: ['vscode'],
        minify: true,
    });
}
