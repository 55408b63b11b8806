'use strict';
/**
 * Run a nexrender job through nexrender's real job runner, @nexrender/core, with the stand-in
 * aerender of this folder, and print a JSON summary.
 *
 *   node run_job.js JOB.json WORKDIR [DESCRIPTION.json]
 *
 * DESCRIPTION.json is the template description the stand-in After Effects builds its project
 * from (default: $AERENDER_STANDIN_DESCRIPTION). Inside WORKDIR:
 *
 * - `Adobe After Effects 2025/aerender`: a small sh script running aerender_standin.js with
 *   this node, next to `Scripts/Startup/commandLineRenderer.jsx` (a placeholder for After
 *   Effects' own). nexrender's init() needs both: it takes `binary` only if the file exists,
 *   and always patches dirname(binary)/Scripts/Startup/commandLineRenderer.jsx (backing the
 *   original up to Backup.Scripts/Startup/); no setting skips the patch. The year in the
 *   folder name picks nexrender's 2022+ patch;
 * - `nexrender/`: nexrender's workpath; the job's work folder is `nexrender/<uid>/`, deleted by
 *   nexrender's cleanup; the aerender log `nexrender/aerender-<uid>.log` stays.
 *
 * nexrender runs with analytics off (noAnalytics: no ~/.nexrender/uuid, no forked reporter),
 * stopOnError, no license files, cleanup on. The summary, one JSON line on stdout (exit 0
 * whatever the job's fate; 2 for bad arguments):
 *
 *   {"state": "finished"|"error"  (what nexrender-worker sets after render() resolves/rejects),
 *    "error": nexrender's error text or null, "render_errors": [...] (its onRenderError calls),
 *    "steps": ["render:setup", ...] (the states core went through), "failed_step": ...,
 *    "uid", "output": job.output (the rendered file nexrender found, in the work folder),
 *    "resultname", "output_ext", "workpath", "workpath_exists", "render_progress",
 *    "binary", "patched" (commandLineRenderer.jsx carries nexrender's patch), "aerender_log",
 *    "log": [nexrender's log lines]}
 */
const fs = require('fs');
const Module = require('module');
const path = require('path');

// nexrender's autofind (src/helpers/autofind.js) knows install folders for darwin, win32 and
// WSL only; on Linux its findAll() returns null and init() dies reading null.length before it
// even looks at `binary`. There is no After Effects to find on Linux: answer "none found".
if (process.platform === 'linux') {
    const id = require.resolve('@nexrender/core/src/helpers/autofind');
    const none = new Module(id);
    none.filename = id;
    none.loaded = true;
    none.exports = Object.assign(() => null, {defaultPaths: {}, findAll: () => []});
    require.cache[id] = none;
}

const {init, render} = require('@nexrender/core');
const {getRenderingStatus} = require('@nexrender/types/job');

const STANDIN = path.join(__dirname, 'aerender_standin.js');
const AE_FOLDER = 'Adobe After Effects 2025';
const CLEANUP_WAIT_MS = 30000;

function shellQuote(text) {
    return `'${String(text).replace(/'/g, `'\\''`)}'`;
}

/** The fake After Effects folder nexrender wants: aerender + Scripts/Startup/commandLineRenderer.jsx. */
function installStandIn(workdir) {
    const folder = path.join(workdir, AE_FOLDER);
    const startup = path.join(folder, 'Scripts', 'Startup');
    fs.mkdirSync(startup, {recursive: true});
    const renderer = path.join(startup, 'commandLineRenderer.jsx');
    if (!fs.existsSync(renderer)) {
        fs.writeFileSync(renderer, '// Placeholder for After Effects\' own commandLineRenderer.jsx (stand-in install).\n');
    }
    const binary = path.join(folder, 'aerender');
    fs.writeFileSync(binary, [
        '#!/bin/sh',
        `AERENDER_STANDIN_INSTALL=${shellQuote(folder)}`,
        'export AERENDER_STANDIN_INSTALL',
        `exec ${shellQuote(process.execPath)} ${shellQuote(STANDIN)} "$@"`,
        '',
    ].join('\n'));
    fs.chmodSync(binary, 0o755);
    return {binary, renderer};
}

/** nexrender's logger: keeps the lines; cleanedUp() resolves once core's cleanup has reported. */
function collector() {
    const lines = [];
    const waiting = [];
    let cleaned = false;
    const log = (...args) => {
        const line = args.map(a => (typeof a === 'string' ? a : String(a))).join(' ');
        lines.push(line);
        if (/Temporary AfterEffects|skipping the clean up/.test(line)) {
            cleaned = true;
            while (waiting.length) waiting.shift()();
        }
    };
    const cleanedUp = () => new Promise(resolve => {
        if (cleaned) return resolve();
        waiting.push(resolve);
        setTimeout(resolve, CLEANUP_WAIT_MS).unref();
    });
    return {logger: {log, info: log, warn: log, error: log, debug: log}, lines, cleanedUp};
}

async function runJob(jobFile, workdir) {
    fs.mkdirSync(workdir, {recursive: true});
    const {binary, renderer} = installStandIn(workdir);
    const {logger, lines, cleanedUp} = collector();
    const steps = [];
    const renderErrors = [];
    const config = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
    let current = null;  // the job object core works on (its create() copy of config)
    config.onChange = (job, state) => { current = job; steps.push(state); };
    config.onRenderError = (job, error) => renderErrors.push(String(error && error.message ? error.message : error));

    const summary = {state: null, error: null, render_errors: renderErrors, steps, failed_step: null, uid: null,
                     output: null, resultname: null, output_ext: null, workpath: null, workpath_exists: null,
                     render_progress: null, binary, patched: false, aerender_log: null, log: lines};
    const consoleLog = console.log;
    console.log = logger.log;  // nothing but the summary on stdout
    try {
        const settings = init({
            binary,
            workpath: path.join(workdir, 'nexrender'),
            logger,
            noAnalytics: true,
            addLicense: false,
            skipCleanup: false,
            stopOnError: true,
            debug: true,
            maxRenderTimeout: 120,
        });
        summary.patched = fs.readFileSync(renderer, 'utf8').indexOf('nexrender-patch') !== -1;
        try {
            current = await render(config, settings);
            summary.state = 'finished';
        } catch (error) {
            summary.state = 'error';
            summary.error = String(error && error.message ? error.message : error);
            summary.failed_step = steps.length > 1 ? steps[steps.length - 2] : steps[0] || null;
            await cleanedUp();  // core starts its cleanup after a failure without waiting for it
        }
    } catch (error) {
        summary.state = 'error';
        summary.error = String(error && error.message ? error.message : error);
        summary.failed_step = 'init';
    } finally {
        console.log = consoleLog;
    }
    const uid = (current && current.uid) || config.uid || null;
    if (current) {
        Object.assign(summary, {output: current.output || null, resultname: current.resultname || null,
                                render_progress: getRenderingStatus(current).renderProgress});
    }
    summary.uid = uid;
    summary.output_ext = (config.template && config.template.outputExt) || null;
    if (uid) {
        summary.workpath = path.join(workdir, 'nexrender', uid);
        summary.workpath_exists = fs.existsSync(summary.workpath);
        const log = path.join(workdir, 'nexrender', `aerender-${uid}.log`);
        summary.aerender_log = fs.existsSync(log) ? log : null;
    }
    return summary;
}

async function main(argv) {
    if (argv.length < 2 || argv.length > 3) {
        process.stderr.write('usage: node run_job.js JOB.json WORKDIR [DESCRIPTION.json]\n');
        return 2;
    }
    if (argv[2]) process.env.AERENDER_STANDIN_DESCRIPTION = path.resolve(argv[2]);
    // Keep the aerender log beside the work folder (and mute nexrender's notice about it).
    process.env.NEXRENDER_ENABLE_AELOG_LEGACY_TEMP_FOLDER = '1';
    const summary = await runJob(path.resolve(argv[0]), path.resolve(argv[1]));
    process.stdout.write(JSON.stringify(summary) + '\n');
    return 0;
}

main(process.argv.slice(2)).then(code => { process.exitCode = code; }, error => {
    process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
    process.exitCode = 1;
});
