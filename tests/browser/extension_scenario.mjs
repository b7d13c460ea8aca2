// Opens an `sb3gen html` page in headless Chromium (file://, every other request blocked) and reports
// whether anything the project brought ran: the marker its extension sets (window.__pwned, the title), the
// page's error screen, and the project's state once loaded. One JSON report on the last stdout line.
//
//   node extension_scenario.mjs '{"html": "page.html"}'
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {launchChromium} from './editor.mjs';

const options = {timeoutMs: 60000, settleMs: 1500, ...JSON.parse(process.argv[2])};
const pageUrl = pathToFileURL(path.resolve(options.html)).href;
const allowed = url => url === pageUrl || ['data:', 'blob:', 'about:'].includes(new URL(url).protocol);

async function main () {
    const report = {problems: []};
    const browser = await launchChromium({problems: report.problems, allowed});
    const page = browser.page;
    try {
        await page.goto(pageUrl);
        // Loaded (the project's targets exist), refused (the error screen shows) or the marker set (the
        // extension ran: it never registers, so the project never finishes loading): whichever comes first.
        await page.waitForFunction(() => window.__pwned !== undefined || !document.getElementById('error').hidden ||
            (window.vm && document.getElementById('loading').hidden && window.vm.runtime.targets.length > 1),
        null, {timeout: options.timeoutMs});
        await page.waitForTimeout(options.settleMs); // the green flag's scripts and any late script
        Object.assign(report, await page.evaluate(() => {
            const stage = window.vm && window.vm.runtime.getTargetForStage();
            const v = stage && stage.lookupVariableByNameAndType('v', '');
            return {
                pwned: window.__pwned === undefined ? null : window.__pwned,
                title: document.title,
                error: document.getElementById('error').hidden ? null :
                    document.getElementById('error-message').textContent,
                targets: window.vm.runtime.targets.map(t => t.getName()),
                v: v ? v.value : null,
                loadedExtensions: Array.from(window.vm.extensionManager._loadedExtensions.keys())
            };
        }));
    } catch (err) {
        report.failure = String(err.stack || err);
    } finally {
        await browser.close();
    }
    process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch(err => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
});
