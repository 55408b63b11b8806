'use strict';
/**
 * Run a generated ExtendScript under the After Effects stand-in and print what happened.
 *
 *   node run_script.js SCRIPT.jsx DESCRIPTION.json   -> JSON record on stdout
 *   node run_script.js --parse-only SCRIPT.jsx        -> {"parsed": true|false, ...}
 *
 * A script that throws makes this exit 1 with "Error executing script: <message>" on stderr
 * (as nexrender's patched aerender reports it), the record still on stdout.
 *
 * 1. The script is parsed with acorn as ECMAScript 3 with reserved words refused: a script
 *    that parses is ES3 (ExtendScript's dialect) - no let/const, arrow functions, template
 *    literals, trailing commas, getters or reserved words as names.
 * 2. It runs in a fresh vm context whose ES5+ built-ins are removed (JSON, Array.prototype
 *    indexOf/forEach/map/..., String.prototype.trim, Object.keys, ...), so a script leaning on
 *    them fails here as it would in ExtendScript. Objects handed out by the stand-in come from
 *    this realm and keep their methods; the check covers the script's own values.
 * 3. The stand-in (ae_standin.js) is built from DESCRIPTION (a template description plus
 *    `imports` and test switches); its record is printed with every non-ASCII character
 *    escaped, so the output is ASCII JSON whatever the texts hold.
 */
const fs = require('fs');
const vm = require('vm');
const acorn = require('acorn');
const {createStandIn} = require('./ae_standin');

const {ES5_BUILTINS} = require('./es3_realm');

function asciiJson(value) {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g,
        c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A script's completion value as JSON can hold it (objects of the stand-in are cyclic). */
function primitive(value) {
    if (value === undefined) return null;
    return value === null || ['string', 'number', 'boolean'].includes(typeof value) ? value : String(value);
}

function parseEs3(source) {
    try {
        acorn.parse(source, {ecmaVersion: 3, sourceType: 'script', allowReserved: false});
        return {parsed: true, parse_error: null};
    } catch (error) {
        return {parsed: false, parse_error: error.message};
    }
}

function run(source, description) {
    const {globals, record} = createStandIn(description);
    const context = vm.createContext(Object.assign({}, globals));
    vm.runInContext(ES5_BUILTINS, context);
    let uncaught = null;
    let message = null;
    let result;
    try {
        result = vm.runInContext(source, context, {filename: 'script.jsx', timeout: 10000});
    } catch (error) {
        uncaught = String(error && error.stack ? error.stack : error);
        message = String(error && error.message !== undefined ? error.message : error);
    }
    return Object.assign({uncaught, error_message: message, result: primitive(result)}, record());
}

function main(argv) {
    if (argv[0] === '--parse-only' && argv.length === 2) {
        process.stdout.write(asciiJson(parseEs3(fs.readFileSync(argv[1], 'utf8'))) + '\n');
        return 0;
    }
    if (argv.length !== 2) {
        process.stderr.write('usage: node run_script.js [--parse-only] SCRIPT.jsx [DESCRIPTION.json]\n');
        return 2;
    }
    const source = fs.readFileSync(argv[0], 'utf8');
    const parse = parseEs3(source);
    if (!parse.parsed) {
        process.stdout.write(asciiJson(parse) + '\n');
        return 0;
    }
    const description = JSON.parse(fs.readFileSync(argv[1], 'utf8'));
    const outcome = Object.assign(parse, run(source, description));
    process.stdout.write(asciiJson(outcome) + '\n');
    if (outcome.uncaught !== null) {
        process.stderr.write(`Error executing script: ${outcome.error_message}\n`);
        return 1;
    }
    return 0;
}

process.exitCode = main(process.argv.slice(2));
