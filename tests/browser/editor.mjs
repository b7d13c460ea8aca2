// Drive the real Scratch editor (scratch-gui standalone bundle) in headless Debian Chromium with playwright-core.
// Everything the page does that a user would call broken is recorded in `problems`: page errors, console
// errors, HTTP 4xx/5xx, failed requests, and any request that leaves 127.0.0.1 (aborted).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {startServer} from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// Flags checked on this machine for Debian's chromium (playwright adds --headless itself).
const CHROMIUM_FLAGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'
];

const isLocal = url => {
    const u = new URL(url);
    return ['data:', 'blob:', 'about:'].includes(u.protocol) || u.hostname === '127.0.0.1';
};

/**
 * Start Debian's Chromium with a fresh profile; every request that leaves 127.0.0.1 (or that `allowed` refuses)
 * is aborted and recorded.
 */
export async function launchChromium ({viewport, problems, allowed = isLocal}) {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb3gen-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: process.env.SB3GEN_CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_FLAGS,
        viewport: viewport || {width: 1280, height: 800},
        deviceScaleFactor: 1
    });
    await context.route('**/*', route => {
        const url = route.request().url();
        if (allowed(url)) return route.continue();
        problems.push(`request leaving localhost (aborted): ${url}`);
        return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', err => problems.push(`page error: ${err.message}`));
    page.on('console', msg => {
        if (msg.type() === 'error') problems.push(`console error: ${msg.text().slice(0, 500)}`);
    });
    page.on('response', res => {
        if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    page.on('requestfailed', req => {
        if (allowed(req.url())) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
    });
    const close = async () => {
        await context.close();
        fs.rmSync(userDataDir, {recursive: true, force: true});
    };
    return {context, page, close};
}

export class Editor {
    /**
     * Serve the GUI, start Chromium and wait until the editor shows its default project.
     * @param {{guiDist: string, viewport?: {width: number, height: number}}} options
     */
    static async open ({guiDist, viewport}) {
        const editor = new Editor();
        editor.problems = [];
        editor.timings = {};
        const t0 = Date.now();
        editor.server = await startServer(guiDist, {'/': path.join(HERE, 'index.html')});
        editor.browser = await launchChromium({viewport, problems: editor.problems});
        const page = editor.browser.page;
        editor.page = page;
        page.on('dialog', dialog => dialog.accept()); // "Replace the current project?" confirm
        await page.goto(`${editor.server.url}/`);
        await page.waitForFunction(() => {
            const h = window.sb3genEditor;
            return h && h.vm && h.loadingState() === 'SHOWING_WITHOUT_ID' && h.vm.runtime.targets.length > 0;
        }, null, {timeout: 120000});
        editor.timings.editorReady = (Date.now() - t0) / 1000;
        return editor;
    }

    /** Load an .sb3 the way a person does: File > Load from your computer, then the file chooser. */
    async loadFromComputer (sb3Path) {
        const t0 = Date.now();
        const page = this.page;
        await page.evaluate(() => window.sb3genEditor.loadingLog.splice(0));
        await page.getByText('File', {exact: true}).click();
        const [chooser] = await Promise.all([
            page.waitForEvent('filechooser'),
            page.getByText('Load from your computer', {exact: true}).click()
        ]);
        await chooser.setFiles(sb3Path);
        await this._waitLoaded(['LOADING_VM_FILE_UPLOAD']);
        this.timings.loadFromComputer = (Date.now() - t0) / 1000;
    }

    /** Load an .sb3 straight into the editor's VM (the GUI follows the VM, as with any project load). */
    async loadThroughVm (sb3Path) {
        const t0 = Date.now();
        const bytes = fs.readFileSync(sb3Path).toString('base64');
        await this.page.evaluate(async b64 => {
            const data = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            await window.sb3genEditor.vm.loadProject(data.buffer);
        }, bytes);
        await this.page.waitForTimeout(300); // let the GUI re-render the workspace and sprite list
        this.timings.loadThroughVm = (Date.now() - t0) / 1000;
    }

    async _waitLoaded (mustHaveSeen) {
        await this.page.waitForFunction(states => {
            const h = window.sb3genEditor;
            return states.every(s => h.loadingLog.includes(s)) && h.loadingState().startsWith('SHOWING');
        }, mustHaveSeen, {timeout: 240000}); // a big first sprite takes the editor long to show (see notes)
    }

    /** Click a sprite's tile in the sprite pane: the code area then shows that sprite's scripts. */
    async selectSprite (spriteName) {
        const tile = this.page.locator('[class*="sprite-selector_sprite-wrapper"]')
            .filter({has: this.page.getByText(spriteName, {exact: true})});
        await tile.click();
        await this.page.waitForFunction(n => window.sb3genEditor.vm.editingTarget.getName() === n, spriteName,
            {timeout: 120000});
    }

    async clickGreenFlag () {
        await this.page.getByTitle('Go', {exact: true}).click();
    }

    /** Value of a variable (stage first, then sprites), or undefined. */
    variable (name) {
        return this.page.evaluate(n => window.sb3genEditor.variable(n, ''), name);
    }

    /** Items of a list (stage first, then sprites), or undefined. */
    list (name) {
        return this.page.evaluate(n => window.sb3genEditor.variable(n, 'list'), name);
    }

    /** Page coordinates of a point given in Scratch stage coordinates (x right, y up, 480x360). */
    async stageToPage (x, y) {
        const box = await this.stageCanvas().boundingBox();
        return {x: box.x + (x + 240) * box.width / 480, y: box.y + (180 - y) * box.height / 360};
    }

    stageCanvas () {
        return this.page.locator('[class*="stage_stage-wrapper"] canvas').first();
    }

    /** Press the mouse at the first point, move through the others in small steps, release. */
    async drag (points, {stepPixels = 4, delayMs = 8} = {}) {
        const mouse = this.page.mouse;
        const pagePoints = [];
        for (const [x, y] of points) pagePoints.push(await this.stageToPage(x, y));
        await mouse.move(pagePoints[0].x, pagePoints[0].y);
        await mouse.down();
        for (let i = 1; i < pagePoints.length; i++) {
            const a = pagePoints[i - 1];
            const b = pagePoints[i];
            const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / stepPixels));
            for (let s = 1; s <= steps; s++) {
                await mouse.move(a.x + (b.x - a.x) * s / steps, a.y + (b.y - a.y) * s / steps);
                if (delayMs) await this.page.waitForTimeout(delayMs); // let the project's frames see the pointer
            }
        }
        await mouse.up();
    }

    /** Stage-space bounds {left, right, top, bottom} of a sprite as the renderer draws it. */
    spriteBounds (spriteName) {
        return this.page.evaluate(n => {
            const t = window.sb3genEditor.vm.runtime.getSpriteTargetByName(n);
            if (!t) throw new Error(`no sprite named ${n}`);
            const b = t.getBounds();
            return {left: b.left, right: b.right, top: b.top, bottom: b.bottom, visible: t.visible};
        }, spriteName);
    }

    /** Names of the sprites the editor started dragging (a person's press on a sprite), since the last call. */
    takeDragLog () {
        return this.page.evaluate(() => window.sb3genEditor.dragLog.splice(0));
    }

    /** Click a sprite on the stage (its "when this sprite clicked" scripts run, as for a person). */
    async clickSprite (spriteName) {
        const b = await this.spriteBounds(spriteName);
        const p = await this.stageToPage((b.left + b.right) / 2, (b.top + b.bottom) / 2);
        await this.page.mouse.click(p.x, p.y);
    }

    /** Start the scripts that receive a broadcast, as `broadcast [name]` would. */
    broadcast (name) {
        return this.page.evaluate(n => {
            window.sb3genEditor.vm.runtime.startHats('event_whenbroadcastreceived', {BROADCAST_OPTION: n});
        }, name);
    }

    /** Opcodes of the hats of the scripts running now. */
    runningHats () {
        return this.page.evaluate(() => window.sb3genEditor.runningHats());
    }

    /** Start recording, after every VM frame, the values of these variables whenever one changes. */
    watch (names) {
        return this.page.evaluate(n => window.sb3genEditor.watch(n), names);
    }

    /** The frames recorded so far (see stopWatching). */
    watchedFrames () {
        return this.page.evaluate(() => window.sb3genEditor.watchedFrames());
    }

    /** Stop recording; returns [{t, values, running}] (running: scripts other than green-flag ones). */
    stopWatching () {
        return this.page.evaluate(() => window.sb3genEditor.stopWatching());
    }

    /** Wait until only scripts started by the green flag (its forever loops) are running. */
    async waitUntilIdle ({timeoutMs = 60000, pollMs = 100} = {}) {
        await this.page.waitForFunction(
            () => window.sb3genEditor.runningHats().every(op => op === 'event_whenflagclicked'),
            null, {timeout: timeoutMs, polling: pollMs});
    }

    async screenshot (file, options = {}) {
        fs.mkdirSync(path.dirname(file), {recursive: true});
        await this.page.screenshot({path: file, ...options});
    }

    async close () {
        await this.browser?.close();
        await this.server?.close();
    }
}
