#!/usr/bin/env node
// Packages an .sb3 into one standalone HTML file with the TurboWarp packager's Node API.
//   node packager.js OPTIONS.json    OPTIONS: {sb3_path, html_path, title, turbo, framerate}
// Everything the page needs is inlined (runtime, project, assets); the packager reads its runtime from its
// own npm package, so nothing is downloaded (fetch is disabled: a missing asset is not fetched from Scratch's
// servers). The page never runs code a project brings: see SAFE_SECURITY_MANAGER.
// Prints one JSON line {bytes} or {error} on stdout.
// Node modules come from the folder in env SB3GEN_NODE_DIR (where sb3gen ran `npm ci`).
'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');
const {createRequire} = require('module');

const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
for (const name of ['log', 'info', 'warn', 'debug', 'error', 'trace']) {
    console[name] = (...args) => process.stderr.write(`${util.format(...args)}\n`);
}

const nodeDir = process.env.SB3GEN_NODE_DIR || __dirname;
const requireTool = createRequire(path.join(nodeDir, 'package.json'));

// The packager writes a security manager that lets a project load any extension unsandboxed (its pages are
// meant for the packager user's own projects); sb3gen pages are made from anyone's .sb3, so the page gets
// the VM's own defaults instead: no extension from a project, none outside the worker sandbox.
const PACKAGER_SECURITY_MANAGER = `scaffolding.setExtensionSecurityManager({
        getSandboxMode: () => 'unsandboxed',
        canLoadExtensionFromProject: () => true
      });`;
const SAFE_SECURITY_MANAGER = `scaffolding.setExtensionSecurityManager({
        getSandboxMode: () => 'worker',
        canLoadExtensionFromProject: () => false
      });`;

globalThis.fetch = async url => {
    throw new Error(`sb3gen pages are made without network access (the packager asked for ${url})`);
};

function secureExtensions (html) {
    const parts = html.split(PACKAGER_SECURITY_MANAGER);
    if (parts.length !== 2) {
        throw new Error('this @turbowarp/packager writes its extension security manager differently: ' +
            'sb3gen cannot make the page safe (check sb3gen/vm/packager.js against the packager)');
    }
    return parts.join(SAFE_SECURITY_MANAGER);
}

async function packageHtml (options) {
    const Packager = requireTool('@turbowarp/packager');
    const project = await Packager.loadProject(fs.readFileSync(options.sb3_path));
    const packager = new Packager.Packager();
    packager.project = project;
    // The runtime comes from the packager's own files; any download would mean a missing file.
    packager.addEventListener('large-asset-fetch', () => {});
    const o = packager.options;
    o.app.windowTitle = options.title;
    o.compiler.enabled = true; // TurboWarp compiles scripts to JavaScript
    o.compiler.warpTimer = false; // chunks of a pass are short: no need to check the clock inside them
    o.turbo = Boolean(options.turbo);
    o.framerate = options.framerate;
    o.autoplay = true; // the project's green-flag scripts start when the page opens
    o.controls.greenFlag.enabled = true;
    o.controls.stopAll.enabled = true;
    o.controls.fullscreen.enabled = true;
    o.cloudVariables.mode = 'local'; // never a WebSocket to a cloud server (the projects have no cloud data)
    o.appearance.background = '#ffffff';
    o.appearance.foreground = '#575e75';
    if (o.extensions.length !== 0) throw new Error('the page would load extensions by URL');
    const result = await packager.package();
    if (result.type !== 'text/html') throw new Error(`the packager made ${result.type}, not text/html`);
    const html = secureExtensions(typeof result.data === 'string' ? result.data :
        Buffer.from(result.data).toString('utf8'));
    fs.writeFileSync(options.html_path, html);
    return Buffer.byteLength(html);
}

async function main () {
    const options = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    let result;
    try {
        result = {bytes: await packageHtml(options)};
    } catch (err) {
        result = {error: String(err && err.message ? err.message : err).split('\n')[0]};
    }
    writeResult(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

main().catch(err => {
    process.stderr.write(`sb3gen-packager: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
});
