// Render scratchblocks text (what `sb3gen show` prints) to PNG pictures with the scratchblocks library, in the
// same headless Chromium. Prints one JSON report on the last stdout line.
//
//   node render_blocks.mjs '{"pictures": [{"text": "when green flag clicked\n...", "out": "docs/x.png"}]}'
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {launchChromium} from './editor.mjs';
import {startServer} from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const options = {scale: 1, ...JSON.parse(process.argv[2])};

const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<style>body { margin: 0; background: #fff; } #out { display: inline-block; padding: 12px; }</style>
<script src="/scratchblocks.js"></script></head><body><div id="out"></div></body></html>`;

async function main () {
    const problems = [];
    const pageFile = path.join(fs.mkdtempSync(path.join(HERE, 'node_modules', '.render-')), 'index.html');
    fs.writeFileSync(pageFile, PAGE);
    const server = await startServer(HERE, {
        '/': pageFile,
        '/scratchblocks.js': path.join(HERE, 'node_modules', 'scratchblocks', 'build', 'scratchblocks.min.js')
    });
    const browser = await launchChromium({viewport: {width: 1600, height: 1200}, problems});
    const written = [];
    try {
        await browser.page.goto(`${server.url}/`);
        for (const picture of options.pictures) {
            await browser.page.evaluate(({text, scale}) => {
                const out = document.getElementById('out');
                out.innerHTML = '';
                const doc = window.scratchblocks.parse(text, {languages: ['en']});
                out.appendChild(window.scratchblocks.render(doc, {style: 'scratch3', scale}));
            }, {text: picture.text, scale: picture.scale || options.scale});
            fs.mkdirSync(path.dirname(path.resolve(picture.out)), {recursive: true});
            await browser.page.locator('#out').screenshot({path: path.resolve(picture.out)});
            written.push(path.resolve(picture.out));
        }
    } finally {
        await browser.close();
        await server.close();
        fs.rmSync(path.dirname(pageFile), {recursive: true, force: true});
    }
    process.stdout.write(`${JSON.stringify({written, problems})}\n`);
}

main().catch(err => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
});
