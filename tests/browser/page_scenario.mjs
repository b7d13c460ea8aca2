// The standalone HTML page (`sb3gen html`) as a person uses it, in headless Chromium opened from file:// with
// every other request blocked: wait for the project to start, draw a "1" and a "0" with the mouse, read the
// predictions, press Train and wait for the epoch, press Test. Prints one JSON report on the last stdout line;
// the pytest test judges it.
//
//   node page_scenario.mjs '{"html": "build/mnist.html", "pad": {"left": -230, "top": 170, "size": 224}}'
//
// Options (JSON): html (required); pad: the 28x28 pad's square in stage coordinates; buttons: sprite names;
// timeoutMs for each wait.
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {launchChromium} from './editor.mjs';
import {DIGIT_STROKES, cellToStage, penPath} from './digits.mjs';

const options = {timeoutMs: 120000, ...JSON.parse(process.argv[2])};
const BUTTONS = {clear: 'Clear', train: 'Train', test: 'Test', ...options.buttons};
const pageUrl = pathToFileURL(path.resolve(options.html)).href;

// Only the page itself and what it makes inside the browser (data:, blob:) may load: no network at all.
const allowed = url => url === pageUrl || ['data:', 'blob:', 'about:'].includes(new URL(url).protocol);

class Page {
    static async open () {
        const page = new Page();
        page.problems = [];
        page.browser = await launchChromium({problems: page.problems, allowed});
        page.page = page.browser.page;
        const t0 = Date.now();
        await page.page.goto(pageUrl);
        await page.page.waitForFunction(() => window.vm && document.getElementById('loading').hidden &&
            window.vm.runtime.targets.length > 1, null, {timeout: options.timeoutMs});
        page.loadSeconds = (Date.now() - t0) / 1000;
        return page;
    }

    title () {
        return this.page.title();
    }

    variable (name) {
        return this.page.evaluate(n => {
            const v = window.vm.runtime.getTargetForStage().lookupVariableByNameAndType(n, '');
            return v && v.value;
        }, name);
    }

    list (name, sprite = null) {
        return this.page.evaluate(([n, s]) => {
            const target = s ? window.vm.runtime.getSpriteTargetByName(s) : window.vm.runtime.getTargetForStage();
            const v = target.lookupVariableByNameAndType(n, 'list');
            return v && v.value.slice();
        }, [name, sprite]);
    }

    /** Hats of the running scripts other than the green flag's forever loops. */
    busy () {
        return this.page.evaluate(() => window.vm.runtime.threads.filter(t => !t.updateMonitor && !t.isKilled)
            .map(t => t.target.blocks.getBlock(t.topBlock)?.opcode).filter(op => op !== 'event_whenflagclicked')
            .length);
    }

    async waitUntilIdle () {
        await this.page.waitForFunction(() => window.vm.runtime.threads
            .filter(t => !t.updateMonitor && !t.isKilled)
            .every(t => t.target.blocks.getBlock(t.topBlock)?.opcode === 'event_whenflagclicked'),
        null, {timeout: options.timeoutMs, polling: 'raf'});
    }

    async stageToPage (x, y) {
        const box = await this.page.locator('canvas.sc-canvas').boundingBox();
        return {x: box.x + (x + 240) * box.width / 480, y: box.y + (180 - y) * box.height / 360};
    }

    async clickSprite (name) {
        const b = await this.page.evaluate(n => {
            const bounds = window.vm.runtime.getSpriteTargetByName(n).getBounds();
            return {x: (bounds.left + bounds.right) / 2, y: (bounds.top + bounds.bottom) / 2};
        }, name);
        const p = await this.stageToPage(b.x, b.y);
        await this.page.mouse.click(p.x, p.y);
    }

    async drag (points) {
        const mouse = this.page.mouse;
        const pagePoints = [];
        for (const [x, y] of points) pagePoints.push(await this.stageToPage(x, y));
        await mouse.move(pagePoints[0].x, pagePoints[0].y);
        await mouse.down();
        for (let i = 1; i < pagePoints.length; i++) {
            const a = pagePoints[i - 1];
            const b = pagePoints[i];
            const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / 4));
            for (let s = 1; s <= steps; s++) {
                await mouse.move(a.x + (b.x - a.x) * s / steps, a.y + (b.y - a.y) * s / steps);
                await this.page.waitForTimeout(8); // let the project's frames see the pointer
            }
        }
        await mouse.up();
    }

    /** Click a button and wait until `done(arg)` holds in the page and no script runs; seconds from the click. */
    async press (button, done, arg = null) {
        const t0 = Date.now();
        await this.clickSprite(button);
        await this.page.waitForFunction(done, arg, {timeout: options.timeoutMs, polling: 'raf'});
        await this.waitUntilIdle();
        return (Date.now() - t0) / 1000;
    }

    async close () {
        await this.browser?.close();
    }
}

async function main () {
    const report = {digits: []};
    const page = await Page.open();
    try {
        report.loadSeconds = page.loadSeconds;
        report.title = await page.title();
        report.targets = await page.page.evaluate(() => window.vm.runtime.targets.map(t => t.getName()));
        report.compilerEnabled = await page.page.evaluate(() => window.vm.runtime.compilerOptions.enabled);
        report.turbo = await page.page.evaluate(() => window.vm.runtime.turboMode);
        report.framerate = await page.page.evaluate(() => window.vm.runtime.frameLoop.framerate);
        await page.waitUntilIdle();
        for (const digit of [1, 0]) {
            await page.clickSprite(BUTTONS.clear);
            await page.waitUntilIdle();
            for (const stroke of DIGIT_STROKES[digit]) {
                await page.drag(stroke.map(p => cellToStage(options.pad, p)));
            }
            await page.page.waitForTimeout(100); // the release starts the prediction
            await page.waitUntilIdle();
            report.digits.push({drawn: digit, prediction: await page.variable('prediction'),
                pad: await page.list('pad'), penPath: await penPath(n => page.list(n, 'Pad'))});
        }
        report.epochBefore = await page.variable('epoch');
        report.trainSeconds = await page.press(BUTTONS.train,
            before => Number(window.vm.runtime.getTargetForStage().lookupVariableByNameAndType('epoch', '').value) >
                before, report.epochBefore);
        report.epoch = await page.variable('epoch');
        report.loss = await page.variable('loss');
        report.weights = await page.list('weights');
        // Test sets `accuracy` when it ends: a value it never takes marks the moment it is done.
        await page.page.evaluate(() => {
            window.vm.runtime.getTargetForStage().lookupVariableByNameAndType('accuracy', '').value = -1;
        });
        report.testSeconds = await page.press(BUTTONS.test, () => Number(window.vm.runtime.getTargetForStage()
            .lookupVariableByNameAndType('accuracy', '').value) >= 0);
        report.accuracy = await page.variable('accuracy');
    } catch (err) {
        report.error = String(err.stack || err);
    } finally {
        report.problems = page.problems;
        await page.close();
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch(err => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
});
