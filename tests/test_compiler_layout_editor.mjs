// Layout check in the real Scratch editor (driven by tests/test_compiler_layout_editor.py): load an .sb3, show
// each target's workspace, and report every top-level script's and comment's box in workspace units.
//
//   node tests/test_compiler_layout_editor.mjs '{"sb3": "/path/project.sb3"}'
import {Editor} from './browser/editor.mjs';

const options = JSON.parse(process.argv[2]);

function boxes () {
    const workspace = document.querySelector('.injectionDiv > svg.blocklySvg > g.blocklyWorkspace');
    const canvas = workspace.querySelector(':scope > g.blocklyBlockCanvas');
    const toCanvas = canvas.getScreenCTM().inverse();
    const box = element => {
        const r = element.getBoundingClientRect();
        const a = new DOMPoint(r.left, r.top).matrixTransform(toCanvas);
        const b = new DOMPoint(r.right, r.bottom).matrixTransform(toCanvas);
        return [a.x, a.y, b.x, b.y].map(v => Math.round(v * 10) / 10);
    };
    return [...canvas.children].map(g => {
        const comment = g.classList.contains('blocklyComment');
        // a block comment's group also holds the line to its block: measure only the comment itself
        const measured = comment ? g.querySelector('.blocklyCommentHighlight') || g : g;
        return {kind: comment ? 'comment' : 'script', id: g.dataset.id || null, box: box(measured)};
    });
}

const editor = await Editor.open({guiDist: process.env.SB3GEN_GUI_DIST, viewport: {width: 1600, height: 1000}});
const report = {targets: {}, problems: editor.problems};
try {
    await editor.loadThroughVm(options.sb3);
    const targets = await editor.page.evaluate(() => window.sb3genEditor.vm.runtime.targets
        .filter(t => t.isOriginal).map(t => ({id: t.id, name: t.getName(), comments: Object.keys(t.comments).length})));
    for (const target of targets) {
        await editor.page.evaluate(id => window.sb3genEditor.vm.setEditingTarget(id), target.id);
        // The editor places block comments in timers queued behind rendering: wait until nothing moves.
        let previous = '';
        let current = [];
        for (let i = 0; i < 120; i++) {
            await editor.page.waitForTimeout(500);
            current = await editor.page.evaluate(boxes);
            const key = JSON.stringify(current);
            const comments = current.filter(b => b.kind === 'comment').length;
            if (key === previous && comments === target.comments) break;
            previous = key;
        }
        report.targets[target.name] = current;
    }
} finally {
    await editor.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
