'use strict';
/**
 * Validate a nexrender job the way nexrender-server does when it is POSTed one:
 * `create(body)` from @nexrender/types/job, state "queued", then `validate(job)`.
 *
 *   node validate_nexrender.js JOB.json  -> {"valid": true, "job": {...}}
 *                                           {"valid": false, "error": "..."}
 */
const fs = require('fs');
const {create, validate} = require('@nexrender/types/job');

function check(body) {
    try {
        const job = create(body);
        job.state = 'queued';
        return {valid: validate(job) === true, job};
    } catch (error) {
        return {valid: false, error: error.message};
    }
}

if (process.argv.length !== 3) {
    process.stderr.write('usage: node validate_nexrender.js JOB.json\n');
    process.exitCode = 2;
} else {
    const body = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    process.stdout.write(JSON.stringify(check(body)) + '\n');
}
