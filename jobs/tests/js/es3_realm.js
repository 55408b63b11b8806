'use strict';
/**
 * The ES5+ built-ins ExtendScript (ES3) lacks, removed from a vm context before a generated
 * script runs in it: a script leaning on JSON, Array.prototype.indexOf, String.prototype.trim,
 * Object.keys, ... fails under the stand-ins as it would in After Effects. Used by
 * run_script.js and the stand-in aerender of jobs/tests/nexrender_core.
 */
const ES5_BUILTINS = `
(function (g) {
    var doomed = [
        [Array.prototype, ['indexOf', 'lastIndexOf', 'forEach', 'map', 'filter', 'some', 'every',
                           'reduce', 'reduceRight', 'find', 'findIndex', 'includes', 'fill', 'flat']],
        [String.prototype, ['trim', 'trimStart', 'trimEnd', 'includes', 'startsWith', 'endsWith',
                            'repeat', 'padStart', 'padEnd']],
        [Object, ['keys', 'create', 'defineProperty', 'defineProperties', 'getPrototypeOf',
                  'freeze', 'assign', 'entries', 'values']],
        [Array, ['isArray', 'from', 'of']],
        [Date, ['now']],
        [Function.prototype, ['bind']]
    ];
    for (var i = 0; i < doomed.length; i++) {
        for (var j = 0; j < doomed[i][1].length; j++) {
            delete doomed[i][0][doomed[i][1][j]];
        }
    }
    delete g.JSON;
    delete g.Promise;
    delete g.Map;
    delete g.Set;
})(this);
`;

module.exports = {ES5_BUILTINS};
