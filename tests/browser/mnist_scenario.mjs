// The MNIST project as a person uses it, in the real Scratch editor: load the .sb3, click the green flag, draw
// a "1" and a "0" on the pad with the mouse, read the predictions, press Train and watch epoch and progress,
// press Test and read the accuracy. Prints one JSON report on the last stdout line; the pytest test judges it.
//
//   node mnist_scenario.mjs '{"sb3": "build/mnist.sb3", "load": "menu", "shots": "docs"}'
//
// Options (JSON): sb3 (required); load "menu" (File > Load from your computer) or "vm"; shots: a folder for
// screenshots or null; train/test: false to skip them; selfCheck: provoke each problem kind at the end; pad: {left, top, size} of the 28x28 pad in stage
// coordinates (else the bounds of a sprite named padSprite); buttons: sprite names of the buttons;
// editSprite: the sprite whose code the editor shows while the scenario runs; viewport: {width, height} of
// the browser window (default 1280x800); bars: {left, top, step, length} of the probability bars in stage
// coordinates: the drawn 0 is then corrected by clicking a bar, and after Test the views are opened.
import path from 'node:path';
import {Editor} from './editor.mjs';
import {penPath} from './digits.mjs';

const options = {
    load: 'menu', shots: null, editSprite: 'Predict', train: true, test: true, trainTimeoutMs: 120000, pad: null, padSprite: 'Pad',
    bars: null,
    ...JSON.parse(process.argv[2])
};
const BUTTONS = {predict: 'Predict', clear: 'Clear', train: 'Train', test: 'Test', confusion: 'Where it fails',
    mistake: 'Show a mistake', weights: 'What it learned', ...options.buttons};
const CELLS = 28;

// Strokes in pad cells (column, row from the top-left, 0..28), drawn like a person would.
const DIGIT_STROKES = {
    1: [[[15, 5], [14.5, 14], [14, 23]]],
    0: [ellipse(14, 14, 5.5, 8.5, 36)]
};

function ellipse (cx, cy, rx, ry, n) {
    const points = [];
    for (let i = 0; i <= n; i++) {
        const a = -Math.PI / 2 + 2 * Math.PI * i / n;
        points.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
    }
    return points;
}

/** The pad's square on the stage, in stage coordinates: given, or from the sprite that frames it. */
async function padBox (editor) {
    if (options.pad) return options.pad;
    const b = await editor.spriteBounds(options.padSprite);
    return {left: b.left, top: b.top, size: Math.min(b.right - b.left, b.top - b.bottom)};
}

const cellToStage = (box, [col, row]) => [box.left + col * box.size / CELLS, box.top - row * box.size / CELLS];

/** Centre of mass (column, row) of the painted cells of the 784-item pad list. */
function padCentroid (pad) {
    let sum = 0;
    let sx = 0;
    let sy = 0;
    pad.forEach((v, i) => {
        const w = Number(v);
        sum += w;
        sx += w * ((i % CELLS) + 0.5);
        sy += w * (Math.floor(i / CELLS) + 0.5);
    });
    return sum > 0 ? [sx / sum, sy / sum] : null;
}

function strokeCentroid (strokes) {
    const pts = strokes.flat();
    return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}

/** Poll variables every pollMs until done(reading) or timeout; returns every reading with its time. */
async function watch (editor, names, done, {pollMs = 250, timeoutMs = 60000, onReading} = {}) {
    const t0 = Date.now();
    const readings = [];
    for (;;) {
        const reading = {t: (Date.now() - t0) / 1000};
        for (const n of names) reading[n] = await editor.variable(n);
        reading.running = (await editor.runningHats()).filter(op => op !== 'event_whenflagclicked').length;
        // did the clicked button's scripts start (and maybe already end) between two readings?
        reading.started = (await editor.watchedFrames()).some(f => f.running > 0);
        readings.push(reading);
        if (onReading) await onReading(reading, readings);
        if (done(reading, readings)) return readings;
        if (Date.now() - t0 > timeoutMs) {
            throw new Error(`timed out after ${timeoutMs} ms; last reading ${JSON.stringify(reading)}`);
        }
        await editor.page.waitForTimeout(pollMs);
    }
}

/** Where the visible sprites and monitors sit, in stage coordinates ({name, kind, box: [left, top, right,
 * bottom]}, y up): the test checks that none overlaps another. */
async function stageLayout (editor) {
    return editor.page.evaluate(() => {
        const runtime = window.sb3genEditor.vm.runtime;
        const boxes = runtime.targets.filter(t => !t.isStage && t.isOriginal && t.visible).map(t => {
            const b = t.getBounds();
            return {name: t.getName(), kind: 'sprite', box: [b.left, b.top, b.right, b.bottom]};
        });
        const canvas = document.querySelector('[class*="stage_stage-wrapper"] canvas').getBoundingClientRect();
        const sx = 480 / canvas.width;
        const sy = 360 / canvas.height;
        for (const el of document.querySelectorAll('[class*="monitor_monitor-container"]')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || getComputedStyle(el).display === 'none') continue;
            boxes.push({name: el.textContent.trim().slice(0, 40), kind: 'monitor',
                box: [(r.left - canvas.left) * sx - 240, 180 - (r.top - canvas.top) * sy,
                    (r.right - canvas.left) * sx - 240, 180 - (r.bottom - canvas.top) * sy]});
        }
        return boxes;
    });
}

/** Click a point of the stage given in stage coordinates (a stage click: no sprite there). */
async function clickStage (editor, x, y) {
    const p = await editor.stageToPage(x, y);
    await editor.page.mouse.click(p.x, p.y);
}

/** Correct the drawing by clicking a digit's bar until the prediction is that digit (at most 3 times): the
 * drawn digit when the network got it wrong, else its second choice. */
async function correctByClickingABar (editor, drawn) {
    const predicted = Number(await editor.variable('prediction'));
    const probabilities = (await editor.list('probabilities')).map(Number);
    const second = probabilities.map((p, d) => [p, d]).filter(([, d]) => d !== predicted)
        .sort((a, b) => b[0] - a[0])[0][1];
    const target = predicted === drawn ? second : drawn;
    const result = {drawn, before: predicted, target, after: [], myLabels: []};
    const {left, top, step, length} = options.bars;
    for (let i = 0; i < 3 && Number(await editor.variable('prediction')) !== target; i++) {
        await clickStage(editor, left + length / 2, top - target * step);
        await editor.page.waitForTimeout(100);
        await editor.waitUntilIdle();
        result.after.push(Number(await editor.variable('prediction')));
    }
    result.myLabels = await editor.list('my labels');
    result.message = await editor.variable('message');
    return result;
}

/** Negative control: provoke each kind of problem once and return what the harness recorded for them. */
async function selfCheck (editor) {
    const before = editor.problems.length;
    await editor.page.evaluate(() => {
        fetch('/sb3gen-self-check-missing-file').catch(() => {});
        fetch('https://example.com/').catch(() => {});
        console.error('sb3gen self-check');
        setTimeout(() => {
            throw new Error('sb3gen self-check');
        });
    });
    await editor.page.waitForTimeout(500);
    return editor.problems.splice(before);
}

async function main () {
    const report = {options, digits: [], shots: []};
    const t0 = Date.now();
    const editor = await Editor.open({guiDist: process.env.SB3GEN_GUI_DIST, viewport: options.viewport});
    const shot = async (name, opts) => {
        if (!options.shots) return;
        const file = path.resolve(options.shots, name);
        await editor.screenshot(file, opts);
        report.shots.push(file);
    };
    try {
        if (options.load === 'menu') await editor.loadFromComputer(path.resolve(options.sb3));
        else await editor.loadThroughVm(path.resolve(options.sb3));
        let lapStart = Date.now();
        const lap = () => {
            const seconds = (Date.now() - lapStart) / 1000;
            lapStart = Date.now();
            return seconds;
        };
        report.targets = await editor.page.evaluate(() => window.sb3genEditor.vm.runtime.targets
            .filter(t => t.isOriginal).map(t => t.getName()));

        // The code area follows the running scripts of the sprite it shows (glow): a small sprite keeps the
        // editor responsive; a person would look at one too.
        if (options.editSprite) await editor.selectSprite(options.editSprite);
        editor.timings.selectSprite = lap();
        await editor.clickGreenFlag();
        await editor.waitUntilIdle();
        const box = await padBox(editor);
        report.padBox = box;

        report.layout = await stageLayout(editor);
        editor.timings.greenFlag = lap();
        for (const digit of [1, 0]) {
            await editor.clickSprite(BUTTONS.clear);
            await editor.waitUntilIdle();
            const before = await editor.list('pad');
            await editor.variable('prediction');
            const strokes = DIGIT_STROKES[digit];
            await editor.takeDragLog();
            for (const stroke of strokes) await editor.drag(stroke.map(p => cellToStage(box, p)));
            await editor.page.waitForTimeout(100); // the release starts the prediction
            await editor.waitUntilIdle();
            // In the editor every sprite is draggable: drawing must not grab one (see shared notes).
            const dragged = await editor.takeDragLog();
            const entry = {
                drawn: digit,
                prediction: await editor.variable('prediction'),
                pad: await editor.list('pad'),
                penPath: await penPath(n => editor.list(n)),
                padBeforeNonzero: before.filter(v => Number(v) !== 0).length,
                strokeCentroid: strokeCentroid(strokes),
                spritesDragged: dragged
            };
            entry.padCentroid = padCentroid(entry.pad);
            await shot(`editor-predict-${digit}.png`);
            await shot(`stage-predict-${digit}.png`, {clip: await editor.stageCanvas().boundingBox()});
            // The same pad through the project's own broadcast, in the same VM.
            await editor.broadcast('predict pad');
            await editor.waitUntilIdle();
            entry.predictionAgain = await editor.variable('prediction');
            report.digits.push(entry);
            if (options.bars && digit === 0) {
                report.correction = await correctByClickingABar(editor, digit);
                await shot('stage-correct.png', {clip: await editor.stageCanvas().boundingBox()});
            }
            editor.timings[`digit${digit}`] = lap();
        }

        if (options.train) {
            const epochBefore = await editor.variable('epoch');
            await editor.watch(['epoch', 'progress']);
            await editor.clickSprite(BUTTONS.train);
            let shotTaken = false;
            report.training = await watch(editor, ['epoch', 'progress'],
                r => r.started && r.running === 0 && Number(r.epoch) > Number(epochBefore),
                {timeoutMs: options.trainTimeoutMs,
                    onReading: async r => {
                        if (!shotTaken && r.running > 0 && Number(r.progress) >= 20 && Number(r.progress) < 90) {
                            shotTaken = true;
                            await shot('editor-training.png');
                        }
                    }});
            report.trainingFrames = await editor.stopWatching();
            report.epochBefore = epochBefore;
            editor.timings.train = lap();
        }
        if (options.test) {
            report.accuracyBefore = await editor.variable('accuracy');
            await editor.watch(['accuracy', 'progress']);
            await editor.clickSprite(BUTTONS.test);
            report.testing = await watch(editor, ['accuracy', 'progress'], r => r.started && r.running === 0,
                {timeoutMs: options.trainTimeoutMs});
            report.testingFrames = await editor.stopWatching();
            report.accuracy = await editor.variable('accuracy');
            editor.timings.test = lap();
        }
        if (options.test && options.bars) { // the views, after Test
            const views = {};
            await editor.clickSprite(BUTTONS.confusion);
            await editor.waitUntilIdle();
            await editor.clickSprite(BUTTONS.mistake);
            await editor.waitUntilIdle();
            views.confusion = {view: await editor.variable('view'), confusion: await editor.list('confusion'),
                mistakes: await editor.list('mistakes'), message: await editor.variable('message'),
                layout: await stageLayout(editor)};
            await shot('stage-confusion.png', {clip: await editor.stageCanvas().boundingBox()});
            await editor.clickSprite(BUTTONS.weights);
            await editor.waitUntilIdle();
            await editor.clickSprite(BUTTONS.clear);
            await editor.waitUntilIdle();
            const box = report.padBox;
            for (const stroke of DIGIT_STROKES[1]) await editor.drag(stroke.map(p => cellToStage(box, p)));
            await editor.page.waitForTimeout(100);
            await editor.waitUntilIdle();
            views.weights = {view: await editor.variable('view'), prediction: await editor.variable('prediction'),
                layout: await stageLayout(editor)};
            await shot('stage-weights.png', {clip: await editor.stageCanvas().boundingBox()});
            report.views = views;
            editor.timings.views = lap();
        }
        if (options.selfCheck) report.selfCheck = await selfCheck(editor);
    } catch (err) {
        report.error = String(err.stack || err);
    } finally {
        report.problems = editor.problems;
        report.timings = {...editor.timings, total: (Date.now() - t0) / 1000};
        await editor.close();
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch(err => { // the editor did not even open

    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
});
