'use strict';
/**
 * A stand-in for After Effects' `aerender`, as @nexrender/core spawns it. It is NOT After
 * Effects: it runs the `-r` scripts against the After Effects stand-in of jobs/tests/js
 * (ae_standin.js, used as a library) and "renders" by writing a small JSON report of what it
 * would have rendered to the `-output` file.
 *
 *   AERENDER_STANDIN_DESCRIPTION=template.json node aerender_standin.js -project P -comp C \
 *       -output OUT [-OMtemplate M] [-RStemplate S] [-s N] [-e N] [-r SCRIPT.jsx] ...
 *
 * run_job.js installs it behind an executable named `aerender` inside a fake After Effects
 * folder (`.../Adobe After Effects 2025/aerender` + `Scripts/Startup/commandLineRenderer.jsx`),
 * which is what nexrender's init() needs to find and patch.
 *
 * The template description (the interchange JSON of `inspect_template`, as run_script.js
 * takes it) is read from the file named by AERENDER_STANDIN_DESCRIPTION: nexrender copies the
 * project into its work folder under a random name, so nothing next to the project would do.
 * `app.open` of ANY existing project file gives that description's project.
 *
 * What it does, in the order of nexrender's patched commandLineRenderer.jsx (nexrender-patch
 * v1.0.4, @nexrender/core src/assets/commandLineRenderer-2022.jsx):
 * 1. parses the flags; an unknown flag is "SYNTAX ERROR: Illegal argument flag" (exit 3), and
 *    so is `-r` when AERENDER_STANDIN_INSTALL names a folder whose
 *    Scripts/Startup/commandLineRenderer.jsx lacks nexrender's patch (stock aerender has no -r);
 * 2. opens `-project` (app.open, as aerender's app.openFast);
 * 3. runs every `-r` script (nexrender passes one) in a vm context holding the stand-in's
 *    globals, ES5 built-ins removed as in run_script.js. A script that throws prints
 *    "aerender ERROR: Error executing script: PATH", the error, and
 *    "aerender ERROR: Runtime error in After Effects." and exits 9 (or the app.exitCode the
 *    script set first);
 * 4. finds `-comp` (exit 7 "No comp was found with the given name."), checks `-RStemplate`
 *    and `-OMtemplate` against After Effects' stock templates (exit 7 when unknown);
 * 5. writes the render: `-output` with its extension replaced by the output module's (After
 *    Effects names the file after its format: "Lossless" writes .mov), a `[#####]` sequence
 *    pattern replaced by the first frame's number. The file is the JSON report (comp, output
 *    module, scripts, the stand-in's record with every layer's final state). Prints aerender's
 *    PROGRESS lines (Start, Duration, frame progress) that nexrender parses;
 * 6. exits with app.exitCode (0 unless a script set it: the render is still written, as
 *    After Effects renders and then quits with that code).
 *
 * What ae_standin.js lacks and this program adds around it (it is used as a library):
 * - the classes ShapeLayer, CameraLayer and LightLayer (nexrender's script lists them among
 *   the layer types it selects);
 * - gAECommandLineRenderer with its log_file (printing to stdout, as aerender's log does);
 * - Layer.property(name) finding the properties inside the Text and Transform groups
 *   ("Source Text", "Scale", ...) as After Effects does: nexrender's data assets use it;
 * - `imports` sizes read from the PNG files themselves: nexrender imports its own copies of
 *   the footage, in its work folder, which no description can list beforehand.
 */
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const {createStandIn} = require('../js/ae_standin');

const VALUE_FLAGS = {
    '-port': 1, '-project': 1, '-teamproject': 1, '-comp': 1, '-rqindex': 1, '-RStemplate': 1,
    '-OMtemplate': 1, '-renderSettings': 1, '-outputSettings': 1, '-output': 1, '-log': 1, '-s': 1,
    '-e': 1, '-i': 1, '-mem_usage': 2, '-mfr': 2, '-v': 1, '-r': 1, '-close': 1, '-sound': 1,
};
const BOOLEAN_FLAGS = new Set(['-continueOnMissingFootage', '-doSavePrefsOnQuit', '-reuse', '-mp']);

// After Effects' stock templates (English names) and, for output modules, the file extension
// After Effects gives the render (2022 and later).
const OUTPUT_MODULES = {
    'Lossless': 'mov', 'Lossless with Alpha': 'mov', 'High Quality': 'mov', 'High Quality with Alpha': 'mov',
    'Alpha Only': 'mov', 'H.264 - Match Render Settings - 5 Mbps': 'mp4',
    'H.264 - Match Render Settings - 15 Mbps': 'mp4', 'H.264 - Match Render Settings - 40 Mbps': 'mp4',
    'TIFF Sequence with Alpha': 'tif',
};
const RENDER_SETTINGS = ['Best Settings', 'Current Settings', 'DV Settings', 'Draft Settings', 'Multi-Machine Settings'];

const EXIT_SYNTAX_ERROR = 3;
const EXIT_AERENDER_RUNTIME = 7;
const EXIT_AE_RUNTIME = 9;

// The ES5+ built-ins ExtendScript lacks, removed before a script runs (shared with run_script.js).
const {ES5_BUILTINS} = require('../js/es3_realm');

class AerenderExit extends Error {
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}

function out(line) {
    process.stdout.write(line + '\n');
}

function parseArgs(argv) {
    const flags = {};
    const scripts = [];
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (BOOLEAN_FLAGS.has(flag)) {
            flags[flag] = true;
            continue;
        }
        const count = VALUE_FLAGS[flag];
        if (!count) throw new AerenderExit(EXIT_SYNTAX_ERROR, `SYNTAX ERROR: Illegal argument flag: ${flag}`);
        const values = argv.slice(i + 1, i + 1 + count);
        if (values.length < count) {
            throw new AerenderExit(EXIT_SYNTAX_ERROR, `SYNTAX ERROR: No value given for flag: ${flag}`);
        }
        i += count;
        if (flag === '-r') scripts.push(values[0]);
        else flags[flag] = count === 1 ? values[0] : values;
    }
    return {flags, scripts};
}

function checkPatched(scripts) {
    const install = process.env.AERENDER_STANDIN_INSTALL;
    if (!install || !scripts.length) return;
    const renderer = path.join(install, 'Scripts', 'Startup', 'commandLineRenderer.jsx');
    const text = fs.existsSync(renderer) ? fs.readFileSync(renderer, 'utf8') : '';
    if (text.indexOf('nexrender-patch') === -1) {
        throw new AerenderExit(EXIT_SYNTAX_ERROR, 'SYNTAX ERROR: Illegal argument flag: -r');
    }
}

/** Width and height of a PNG file (its IHDR chunk), or undefined. */
function pngSize(file) {
    try {
        const fd = fs.openSync(file, 'r');
        const head = Buffer.alloc(24);
        fs.readSync(fd, head, 0, 24, 0);
        fs.closeSync(fd);
        if (head.readUInt32BE(0) !== 0x89504e47 || head.toString('latin1', 12, 16) !== 'IHDR') return undefined;
        return {width: head.readUInt32BE(16), height: head.readUInt32BE(20)};
    } catch (error) {
        return undefined;
    }
}

function loadDescription() {
    const file = process.env.AERENDER_STANDIN_DESCRIPTION;
    if (!file || !fs.existsSync(file)) {
        throw new AerenderExit(EXIT_AE_RUNTIME,
            'stand-in: AERENDER_STANDIN_DESCRIPTION must name the template description JSON');
    }
    const description = JSON.parse(fs.readFileSync(file, 'utf8'));
    const listed = Object.assign({}, description.imports || {});
    description.imports = new Proxy(listed, {
        get: (target, key) => (typeof key === 'string' ? target[key] || pngSize(key) : target[key]),
    });
    return description;
}

/** The stand-in's globals plus what nexrender's script and aerender's renderer provide. */
function standIn(description) {
    const {globals, record} = createStandIn(description);
    const {app, Layer, AVLayer} = globals;
    if (typeof app.exitCode !== 'number') app.exitCode = 0;

    const ownProperty = Layer.prototype.property;
    Layer.prototype.property = function (key) {
        const found = ownProperty.call(this, key);
        if (found || typeof key !== 'string') return found;
        for (const group of ['ADBE Text Properties', 'ADBE Transform Group']) {
            const owner = ownProperty.call(this, group);
            const inner = owner ? owner.property(key) : null;
            if (inner) return inner;
        }
        return null;
    };

    class ShapeLayer extends AVLayer {}
    class CameraLayer extends Layer {}
    class LightLayer extends Layer {}
    const logFile = {
        writeln: text => { out(String(text)); return true; },
        write: text => { process.stdout.write(String(text)); return true; },
    };
    const extras = {ShapeLayer, CameraLayer, LightLayer, gAECommandLineRenderer: {log_file: logFile}};
    return {globals: Object.assign({}, globals, extras), record};
}

function runScript(context, file) {
    out(`Running Script: ${file}`);
    let source;
    try {
        source = fs.readFileSync(file, 'utf8');
    } catch (error) {
        out(`aerender ERROR: Can not open script file. Make sure path is correct: ${file}`);
        throw new AerenderExit(EXIT_AE_RUNTIME, 'ERROR: Runtime error in After Effects.');
    }
    try {
        vm.runInContext(source, context, {filename: file, timeout: 10000});
    } catch (error) {
        // One write, as aerender's log reaches nexrender: its parser looks for a "nexrender:"
        // error in the same chunk before it settles for the first "aerender ERROR".
        out(`aerender ERROR: Error executing script: ${file}\n${String(error)}`);
        throw new AerenderExit(EXIT_AE_RUNTIME, 'ERROR: Runtime error in After Effects.');
    }
}

function findComp(globals, name) {
    const items = globals.app.project.items;
    for (let i = 1; i <= items.length; i++) {
        if (items[i] instanceof globals.CompItem && items[i].name === name) return items[i];
    }
    return null;
}

function timecode(seconds, fps) {
    const frames = Math.round(seconds * fps);
    const rate = Math.round(fps) || 1;
    const ff = frames % rate;
    const total = Math.floor(frames / rate);
    const pad = n => String(n).padStart(2, '0');
    return `${Math.floor(total / 3600)}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}:${pad(ff)}`;
}

function renderTarget(requested, outputModule, startFrame) {
    let file = requested;
    const ext = outputModule ? OUTPUT_MODULES[outputModule] : null;
    if (ext) {
        const current = path.extname(file);
        file = (current ? file.slice(0, -current.length) : file) + '.' + ext;
    }
    return file.replace(/\[(#+)\]/, (_, hashes) => String(startFrame).padStart(hashes.length, '0'));
}

function render(globals, record, flags, scripts, description) {
    const name = flags['-comp'];
    if (!name) throw new AerenderExit(EXIT_AERENDER_RUNTIME, 'ERROR: stand-in: it renders only a -comp');
    const comp = findComp(globals, name);
    if (!comp) throw new AerenderExit(EXIT_AERENDER_RUNTIME, 'ERROR: No comp was found with the given name.');
    globals.app.project.renderQueue.items.add(comp);
    const rs = flags['-RStemplate'];
    if (rs !== undefined && RENDER_SETTINGS.indexOf(rs) === -1) {
        throw new AerenderExit(EXIT_AERENDER_RUNTIME, 'ERROR: No render settings template was found with the given name.');
    }
    const om = flags['-OMtemplate'];
    if (om !== undefined && !Object.prototype.hasOwnProperty.call(OUTPUT_MODULES, om)) {
        throw new AerenderExit(EXIT_AERENDER_RUNTIME, 'ERROR: No output module template was found with the given name.');
    }
    const requested = flags['-output'];
    if (!requested) throw new AerenderExit(EXIT_AERENDER_RUNTIME, 'ERROR: The render queue item needs an output file.');
    const spec = (description.compositions || []).find(c => c.name === name) || {};
    const fps = spec.frame_rate || 30;
    const duration = spec.duration || 1;
    const start = flags['-s'] !== undefined ? parseInt(flags['-s'], 10) : 0;
    const end = flags['-e'] !== undefined ? parseInt(flags['-e'], 10) : Math.max(0, Math.round(duration * fps) - 1);
    const file = renderTarget(requested, om, start);
    if (!fs.existsSync(path.dirname(file))) {
        throw new AerenderExit(EXIT_AERENDER_RUNTIME, `ERROR: Unable to write to the output folder of ${file}`);
    }

    out(`PROGRESS:  Starting composition "${name}".`);
    out(`PROGRESS:  Start: ${timecode(start / fps, fps)}`);
    out(`PROGRESS:  Duration: ${timecode((end - start + 1) / fps, fps)}`);
    const report = {
        rendered_by: 'aerender stand-in (jobs/tests/nexrender_core/aerender_standin.js)',
        argv: process.argv.slice(2),
        project: flags['-project'],
        composition: name,
        requested_output: requested,
        output: file,
        output_module: om === undefined ? null : om,
        render_settings: rs === undefined ? null : rs,
        frames: [start, end],
        scripts,
        exit_code: globals.app.exitCode,
        standin: record(),
    };
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    out(`PROGRESS:  ${timecode((end + 1) / fps, fps)} (${end - start + 1}): 0 Seconds`);
    out(`PROGRESS:  Finished composition "${name}".`);
    out('PROGRESS:  Total Time Elapsed: 0 Seconds');
}

function main(argv) {
    out('aerender version 25.5x4 (stand-in of jobs/tests/nexrender_core)');
    let globals = null;
    try {
        const {flags, scripts} = parseArgs(argv);
        checkPatched(scripts);
        const description = loadDescription();
        const made = standIn(description);
        globals = made.globals;
        if (!flags['-project']) {
            throw new AerenderExit(EXIT_AERENDER_RUNTIME, 'ERROR: No project provided and no project open.');
        }
        try {
            globals.app.open(new globals.File(flags['-project']));
        } catch (error) {
            out(String(error));
            throw new AerenderExit(EXIT_AERENDER_RUNTIME, 'ERROR: No project provided and no project open.');
        }
        const context = vm.createContext(globals);
        vm.runInContext(ES5_BUILTINS, context);
        for (const script of scripts) runScript(context, script);
        render(globals, made.record, flags, scripts, description);
        return globals.app.exitCode || 0;
    } catch (error) {
        if (!(error instanceof AerenderExit)) {
            out(`aerender ERROR: stand-in failure: ${error && error.stack ? error.stack : error}`);
            return EXIT_AE_RUNTIME;
        }
        out(`aerender ${error.message}`);
        const first = globals && globals.app.exitCode;
        return first || error.code;
    }
}

process.exitCode = main(process.argv.slice(2));
