// Read `sb3gen show` text with scratchblocks, the library that draws Scratch code on the forums and wiki
// (driven by tests/test_compiler_scratchblocks.py). Prints, per input file, how many blocks of each category
// scratchblocks recognised ("obsolete"/"grey" would mean it did not know a block).
//
//   node tests/test_compiler_scratchblocks.mjs a.txt b.txt
import fs from 'node:fs';
import {parse} from './browser/node_modules/scratchblocks/syntax/index.js';

function count (node, counts) {
    if (!node) return;
    if (node.isScript) {
        node.blocks.forEach(block => count(block, counts));
    } else if (node.isBlock) {
        const category = (node.info && node.info.category) || 'unknown';
        counts[category] = (counts[category] || 0) + 1;
        (node.children || []).forEach(child => count(child, counts));
    } else if (node.isInput) {
        count(node.value, counts);
    } else if (node.children) {
        node.children.forEach(child => count(child, counts));
    }
}

const report = {};
for (const file of process.argv.slice(2)) {
    const counts = {};
    parse(fs.readFileSync(file, 'utf8'), {languages: ['en']}).scripts.forEach(script => count(script, counts));
    report[file] = counts;
}
process.stdout.write(`${JSON.stringify(report)}\n`);
