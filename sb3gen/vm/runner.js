#!/usr/bin/env node
// Runs many .sb3 cases in one Node process, in scratch-vm or TurboWarp's compiling VM.
// Input (stdin, or a file path as the first argument):
//   {engine: "scratch-vm" | "turbowarp", cases: [{sb3_path, actions, max_steps, timeout_s, profile}]}
// Output on stdout: one JSON line per case, in order: {case, targets, snapshots, phases,
// total_evaluations} or {case, error}. With profile, scratch-vm phases count evaluations by opcode and
// by custom block; TurboWarp phases time each custom block (seconds_by_procedure). Everything else the
// VMs print goes to stderr.
// Node modules come from the folder in env SB3GEN_NODE_DIR (where sb3gen ran `npm ci`).
'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');
const {createRequire} = require('module');

// Keep stdout for our JSON lines: the VMs log through console and minilog (which writes to stdout).
const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
for (const name of ['log', 'info', 'warn', 'debug', 'error', 'trace']) {
    console[name] = (...args) => process.stderr.write(`${util.format(...args)}\n`);
}

const nodeDir = process.env.SB3GEN_NODE_DIR || __dirname;
const requireTool = createRequire(path.join(nodeDir, 'package.json'));

// A step (one runtime._step) passes over all running threads TICKS_PER_STEP times: Scratch's 25 ms
// frame budget, counted instead of timed so that stepping is deterministic.
const TICKS_PER_STEP = 1000;
const STAGE_WIDTH = 480;
const STAGE_HEIGHT = 360;
const DOM_KEYS = {
    'space': ' ', 'left arrow': 'ArrowLeft', 'right arrow': 'ArrowRight',
    'up arrow': 'ArrowUp', 'down arrow': 'ArrowDown', 'enter': 'Enter'
};

// Replaces the sequencer's timer: "elapsed time" is the number of passes so far in this step, and the
// case's deadline ends a step early so that runaway scripts still meet timeout_s.
class TickTimer {
    constructor (deadline) {
        this.deadline = deadline;
        this.ticks = 0;
    }

    start () {
        this.ticks = 0;
    }

    timeElapsed () {
        if (Date.now() > this.deadline) return Infinity;
        return this.ticks++;
    }
}

// The sequencer passes while elapsed < 0.75 * currentStepTime; the half keeps float error out.
function stepTimeForTicks (ticks) {
    return (ticks - 0.5) / 0.75;
}

function scratchParserMessage (err) {
    if (err && err.validationError) {
        const details = (err.sb3Errors || []).slice(0, 3)
            .map(e => `${e.dataPath || '(root)'} ${e.message}`.trim());
        return `scratch-parser: ${err.validationError} ${details.join('; ')}`.trim();
    }
    return `scratch-parser: ${err && err.message ? err.message : String(err)}`;
}

function validate (buffer) {
    const parse = requireTool('scratch-parser');
    return new Promise((resolve, reject) => {
        parse(buffer, false, err => (err ? reject(new Error(scratchParserMessage(err))) : resolve()));
    });
}

// TurboWarp's scaffolding is a browser bundle. It runs in this Node realm with the few DOM globals
// it touches at load time taken from jsdom: run inside jsdom's own realm (window.eval), every global
// lookup of the compiled scripts goes through the realm's interceptors and loops run ~40x slower.
const DOM_GLOBALS = [
    'document', 'navigator', 'location', 'HTMLElement', 'HTMLCanvasElement', 'Image', 'Event', 'EventTarget',
    'CustomEvent', 'DOMParser', 'XMLSerializer', 'Node', 'Element', 'localStorage', 'getComputedStyle',
    'Blob', 'FileReader', 'XMLHttpRequest', 'requestAnimationFrame', 'cancelAnimationFrame'
];
let turbowarpScaffolding = null;
function turbowarp () {
    if (turbowarpScaffolding) return turbowarpScaffolding;
    const {JSDOM, VirtualConsole} = requireTool('jsdom');
    const virtualConsole = new VirtualConsole();
    virtualConsole.sendTo(new console.Console(process.stderr), {omitJSDOMErrors: true});
    const dom = new JSDOM('<!DOCTYPE html><body></body>', {url: 'https://localhost/', virtualConsole});
    for (const name of DOM_GLOBALS) {
        if (!(name in globalThis)) globalThis[name] = dom.window[name];
    }
    globalThis.window = globalThis;
    globalThis.performance.mark = () => {};
    globalThis.performance.measure = () => {};
    const file = requireTool.resolve('@turbowarp/packager/dist/scaffolding/scaffolding-full.js');
    require('vm').runInThisContext(fs.readFileSync(file, 'utf8'), {filename: file});
    turbowarpScaffolding = globalThis.Scaffolding;
    return turbowarpScaffolding;
}

// TurboWarp profile: seconds spent in each custom block, its own time without the custom blocks it calls
// (timed from the Node side around each compiled procedure; generator procedures, which yield, are not timed).
const procedureTimer = {active: null, stack: []};
function timeCompiledProcedures (vm) {
    const {Thread} = vm.exports.these_broke_before_and_will_break_again();
    if (Thread.prototype.sb3genTimed) return;
    Thread.prototype.sb3genTimed = true;
    const tryCompile = Thread.prototype.tryCompile;
    Thread.prototype.tryCompile = function (...args) {
        const result = tryCompile.apply(this, args);
        for (const [name, procedure] of Object.entries(this.procedures || {})) {
            if (procedure.constructor.name === 'GeneratorFunction') continue;
            const proccode = name.slice(1); // compiled names carry a W (warp) or Z prefix
            this.procedures[name] = (...callArgs) => {
                const seconds = procedureTimer.active;
                if (!seconds) return procedure(...callArgs);
                const stack = procedureTimer.stack;
                const started = process.hrtime.bigint();
                stack.push(0n);
                try {
                    return procedure(...callArgs);
                } finally {
                    const elapsed = process.hrtime.bigint() - started;
                    const children = stack.pop();
                    if (stack.length) stack[stack.length - 1] += elapsed;
                    seconds[proccode] = (seconds[proccode] || 0) + Number(elapsed - children) / 1e9;
                }
            };
        }
        return result;
    };
}

async function loadVm (engine, buffer, profile) {
    let vm;
    if (engine === 'scratch-vm') {
        const VirtualMachine = requireTool('scratch-vm');
        vm = new VirtualMachine();
        await vm.loadProject(buffer);
    } else if (engine === 'turbowarp') {
        vm = new (turbowarp().VM)();
        vm.setCompilerOptions({enabled: true, warpTimer: false});
        if (profile) timeCompiledProcedures(vm);
        await vm.loadProject(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
    } else {
        throw new Error(`unknown engine "${engine}": use "scratch-vm" or "turbowarp"`);
    }
    vm.setTurboMode(true);
    return vm;
}

// blockId -> proccode for every block inside a custom block definition, per blocks container.
function procedureMap (runtime) {
    const byContainer = new Map();
    for (const target of runtime.targets.filter(t => t.isOriginal)) {
        const blocks = target.blocks._blocks;
        const owner = new Map();
        const mark = (id, proccode) => {
            while (id && blocks[id] && !owner.has(id)) {
                owner.set(id, proccode);
                for (const input of Object.values(blocks[id].inputs)) {
                    mark(input.block, proccode);
                    if (input.shadow !== input.block) mark(input.shadow, proccode);
                }
                id = blocks[id].next;
            }
        };
        for (const block of Object.values(blocks)) {
            if (block.opcode !== 'procedures_definition') continue;
            const prototype = blocks[block.inputs.custom_block && block.inputs.custom_block.block];
            mark(block.id, prototype && prototype.mutation ? prototype.mutation.proccode : '?');
        }
        byContainer.set(target.blocks, owner);
    }
    return byContainer;
}

// Wraps every primitive so that each call counts as one evaluation (deterministic work measure).
// The threads that refresh visible monitors once per step are not the project's work: not counted.
// execute() calls primitives without `this`, so calling them bare is the same.
function countEvaluations (vm, counter, profile) {
    const runtime = vm.runtime;
    const procedures = profile ? procedureMap(runtime) : null;
    for (const [opcode, primitive] of Object.entries(runtime._primitives)) {
        if (typeof primitive !== 'function') continue;
        runtime._primitives[opcode] = profile ?
            (args, blockUtil) => {
                if (blockUtil.thread.updateMonitor) return primitive(args, blockUtil);
                counter.total++;
                counter.byOpcode[opcode] = (counter.byOpcode[opcode] || 0) + 1;
                const procedure = innermostProcedure(procedures, blockUtil);
                counter.byProcedure[procedure] = (counter.byProcedure[procedure] || 0) + 1;
                return primitive(args, blockUtil);
            } :
            (args, blockUtil) => {
                if (!blockUtil.thread.updateMonitor) counter.total++;
                return primitive(args, blockUtil);
            };
    }
}

function innermostProcedure (procedures, blockUtil) {
    const thread = blockUtil && blockUtil.thread;
    const owner = thread && procedures.get(thread.target.blocks);
    if (owner) {
        for (let i = thread.stack.length - 1; i >= 0; i--) {
            const proccode = owner.get(thread.stack[i]);
            if (proccode) return proccode;
        }
    }
    return '(no custom block)';
}

function jsonValue (value) {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (Array.isArray(value)) return value.map(jsonValue);
    return value;
}

function snapshot (runtime) {
    const result = {};
    for (const target of runtime.targets.filter(t => t.isOriginal)) {
        const variables = {};
        const lists = {};
        for (const variable of Object.values(target.variables)) {
            if (variable.type === '') variables[variable.name] = jsonValue(variable.value);
            else if (variable.type === 'list') lists[variable.name] = jsonValue(variable.value);
        }
        result[target.getName()] = {variables, lists};
    }
    return result;
}

function actionLabel (action) {
    if ('set_variable' in action) return `set_variable ${action.set_variable}`;
    if ('set_list' in action) return `set_list ${action.set_list}`;
    if ('green_flag' in action) return 'green_flag';
    if ('broadcast' in action) return `broadcast ${action.broadcast}`;
    if ('click' in action) return `click ${action.click}`;
    if ('mouse' in action) {
        const {x, y, down} = action.mouse;
        return `mouse (${x}, ${y})${down === undefined ? '' : down ? ' down' : ' up'}`;
    }
    if ('key' in action) return `key ${action.key}${action.down === false ? ' up' : ' down'}`;
    if ('steps' in action) return `steps ${action.steps}`;
    if ('ticks' in action) return `ticks ${action.ticks}`;
    if ('idle' in action) return 'idle';
    if ('read' in action) return 'read';
    throw new Error(`unknown action ${JSON.stringify(action)}`);
}

class CaseRun {
    constructor (vm, spec) {
        this.vm = vm;
        this.runtime = vm.runtime;
        this.maxSteps = spec.max_steps;
        this.timeoutMs = spec.timeout_s * 1000;
        this.startedAt = Date.now();
        this.runtime.sequencer.timer = new TickTimer(this.startedAt + this.timeoutMs);
        this.runtime.currentStepTime = stepTimeForTicks(TICKS_PER_STEP);
        this.steps = 0;
        this.snapshots = [];
        this.label = '';
    }

    target (name) {
        if (name === undefined || name === null || name === 'Stage') return this.runtime.getTargetForStage();
        const target = this.runtime.getSpriteTargetByName(name);
        if (!target) throw new Error(`no sprite named "${name}" (action ${this.label})`);
        return target;
    }

    variable (name, type, targetName) {
        const target = this.target(targetName);
        const variable = target.lookupVariableByNameAndType(name, type);
        const kind = type === 'list' ? 'list' : 'variable';
        if (!variable) throw new Error(`no ${kind} named "${name}" on ${target.getName()} (action ${this.label})`);
        return variable;
    }

    step (count) {
        for (let i = 0; i < count; i++) {
            if (this.steps >= this.maxSteps) {
                throw new Error(`project still running after ${this.maxSteps} steps (action ${this.label}): ` +
                    'a forever loop? Raise max_steps if it needs more');
            }
            this.runtime._step();
            this.steps++;
            this.checkTimeout();  // the deadline may have cut this step short
        }
    }

    checkTimeout () {
        if (Date.now() - this.startedAt > this.timeoutMs) {
            throw new Error(`project still running after ${this.timeoutMs / 1000} s ` +
                `(timeout_s, action ${this.label}, ${this.steps} steps)`);
        }
    }

    running () {
        return this.runtime.threads.some(thread => !thread.isKilled && !thread.updateMonitor);
    }

    runUntilIdle () {
        while (this.running()) this.step(1);
    }

    perform (action) {
        const runtime = this.runtime;
        let idle = false;
        if ('set_variable' in action) {
            this.variable(action.set_variable, '', action.target).value = action.value;
        } else if ('set_list' in action) {
            const list = this.variable(action.set_list, 'list', action.target);
            list.value = action.values.slice();
            list._monitorUpToDate = false;
        } else if ('green_flag' in action) {
            this.vm.greenFlag();
            idle = true;
        } else if ('broadcast' in action) {
            this.checkBroadcast(action.broadcast);
            runtime.startHats('event_whenbroadcastreceived', {BROADCAST_OPTION: action.broadcast});
            idle = true;
        } else if ('click' in action) {
            const target = this.target(action.click);
            // As scratch-vm's mouse does: both hats, on the clicked target only.
            runtime.startHats('event_whenthisspriteclicked', null, target);
            runtime.startHats('event_whenstageclicked', null, target);
            idle = true;
        } else if ('mouse' in action) {
            this.vm.postIOData('mouse', mouseData(action.mouse));
        } else if ('key' in action) {
            const key = DOM_KEYS[action.key] || action.key;
            this.vm.postIOData('keyboard', {key, isDown: action.down !== false});
        } else if ('steps' in action) {
            this.step(action.steps);
        } else if ('ticks' in action) {
            // One step of only n passes: finer than a step, e.g. one chunk of a chunked loop.
            this.runtime.currentStepTime = stepTimeForTicks(Math.max(1, action.ticks));
            try {
                this.step(1);
            } finally {
                this.runtime.currentStepTime = stepTimeForTicks(TICKS_PER_STEP);
            }
        } else if ('read' in action) {
            this.snapshots.push(snapshot(runtime));
        }
        // Events wait for idle unless told otherwise; mouse and key events do not by default.
        if ('idle' in action) idle = action.idle !== false;
        if (idle) this.runUntilIdle();
    }

    checkBroadcast (name) {
        const stage = this.runtime.getTargetForStage();
        const known = Object.values(stage.variables)
            .filter(v => v.type === 'broadcast_msg').map(v => v.name);
        if (!known.some(n => n.toLowerCase() === String(name).toLowerCase())) {
            throw new Error(`no broadcast named "${name}" (known: ${known.join(', ') || 'none'})`);
        }
    }
}

// Scratch stage coordinates (x right, y up, origin in the centre) -> client coordinates of a
// 480x360 canvas (origin top left, y down), which postIOData expects. The VM ignores a 0
// coordinate (it tests `if (data.x)`), so the left/top edge is nudged inside.
function mouseData ({x, y, down}) {
    const clientX = Math.max(STAGE_WIDTH / 2 + Number(x), 1e-9);
    const clientY = Math.max(STAGE_HEIGHT / 2 - Number(y), 1e-9);
    const data = {x: clientX, y: clientY, canvasWidth: STAGE_WIDTH, canvasHeight: STAGE_HEIGHT};
    if (down !== undefined && down !== null) data.isDown = Boolean(down);
    return data;
}

async function runCase (engine, spec) {
    const buffer = fs.readFileSync(spec.sb3_path);
    await validate(buffer);
    const vm = await loadVm(engine, buffer, Boolean(spec.profile));
    const counter = {total: 0, byOpcode: {}, byProcedure: {}};
    const counts = engine === 'scratch-vm';
    if (counts) countEvaluations(vm, counter, Boolean(spec.profile));
    const run = new CaseRun(vm, spec);
    const phases = [];
    for (const action of spec.actions || []) {
        run.label = `#${phases.length} ${actionLabel(action)}`;
        const before = {time: process.hrtime.bigint(), cpu: process.cpuUsage(), steps: run.steps,
            evaluations: counter.total,
            byOpcode: {...counter.byOpcode}, byProcedure: {...counter.byProcedure}};
        const procedureSeconds = {};
        if (!counts && spec.profile) procedureTimer.active = procedureSeconds;
        try {
            run.perform(action);
        } finally {
            procedureTimer.active = null;
        }
        const phase = {
            action: actionLabel(action),
            seconds: Number(process.hrtime.bigint() - before.time) / 1e9,
            cpu_seconds: cpuSeconds(process.cpuUsage(before.cpu)),
            steps: run.steps - before.steps,
            evaluations: counts ? counter.total - before.evaluations : null
        };
        if (counts && spec.profile) {
            phase.by_opcode = difference(counter.byOpcode, before.byOpcode);
            phase.by_procedure = difference(counter.byProcedure, before.byProcedure);
        }
        if (!counts && spec.profile) phase.seconds_by_procedure = procedureSeconds;
        phases.push(phase);
    }
    vm.runtime.stopAll();
    return {
        targets: snapshot(vm.runtime),
        snapshots: run.snapshots,
        phases,
        total_evaluations: counts ? counter.total : null
    };
}

// CPU time of this process (all its threads: the JIT compiles and collects garbage on others), which
// other programs on a busy machine disturb far less than wall time.
function cpuSeconds ({user, system}) {
    return (user + system) / 1e6;
}

function difference (after, before) {
    const result = {};
    for (const [key, value] of Object.entries(after)) {
        if (value !== (before[key] || 0)) result[key] = value - (before[key] || 0);
    }
    return result;
}

async function main () {
    const input = JSON.parse(fs.readFileSync(process.argv[2] || 0, 'utf8'));
    const engine = input.engine || 'scratch-vm';
    for (let index = 0; index < input.cases.length; index++) {
        process.stderr.write(`sb3gen-runner: case ${index} start\n`);
        let result;
        try {
            result = {case: index, ...await runCase(engine, input.cases[index])};
        } catch (err) {
            result = {case: index, error: err && err.message ? err.message : String(err)};
        }
        writeResult(`${JSON.stringify(result)}\n`);
    }
}

main().then(
    () => writeResult('', () => process.exit(0)),
    err => {
        process.stderr.write(`sb3gen-runner: ${err && err.stack ? err.stack : err}\n`);
        process.exit(1);
    }
);
