// Digits drawn like a person would, as strokes in pad cells (column, row from the top-left, 0..28).
export const CELLS = 28;

export const DIGIT_STROKES = {
    1: [[[15, 5], [14.5, 14], [14, 23]]],
    0: [ellipse(14, 14, 5.5, 8.5, 36)]
};

export function ellipse (cx, cy, rx, ry, n) {
    const points = [];
    for (let i = 0; i <= n; i++) {
        const a = -Math.PI / 2 + 2 * Math.PI * i / n;
        points.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
    }
    return points;
}

/** A pad cell point -> stage coordinates, given the pad's square {left, top, size} on the stage. */
export const cellToStage = (box, [col, row]) => [box.left + col * box.size / CELLS, box.top - row * box.size / CELLS];

/** The Pad sprite's pen path, what `predict pad` draws the digit from: list name -> items, read with
 * `list(name)`. */
export const PEN_PATH_LISTS = ['path x', 'path y', 'path joined'];
export const penPath = async list => Object.fromEntries(
    await Promise.all(PEN_PATH_LISTS.map(async name => [name, await list(name)])));
