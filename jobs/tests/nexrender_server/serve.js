'use strict';
/**
 * Start a real nexrender-server (@nexrender/server) for the tests, bound to 127.0.0.1 only.
 *
 * `nexrender-server --port=N --secret=S` and `require('@nexrender/server').listen(port, secret)`
 * both listen on 0.0.0.0; this launcher serves the package's own request handler
 * (`createHandler(secret)`: the same routes, secret check and job validation) with micro, the
 * server the package itself uses, on the loopback interface.
 *
 *   NEXRENDER_DATABASE=/tmp/x/database.js node serve.js PORT SECRET
 *
 * PORT 0 lets the system choose a free port. Once listening, one line is written to stdout:
 *   {"host": "127.0.0.1", "port": 41234}
 * That line is all stdout carries: the server's own log (console.log) goes to stderr, so a
 * caller that reads only the first line never blocks the server on a full pipe.
 * The server runs until it is sent SIGTERM or SIGINT (or its stdin closes).
 */
const util = require('util');
const micro = require('micro');
const {createHandler} = require('@nexrender/server');

const HOST = '127.0.0.1';

console.log = (...args) => process.stderr.write(util.format(...args) + '\n');

function main(argv) {
    if (argv.length !== 2) {
        process.stderr.write('usage: node serve.js PORT SECRET\n');
        process.exit(2);
    }
    if (!process.env.NEXRENDER_DATABASE) {
        process.stderr.write('NEXRENDER_DATABASE must name the database file\n');
        process.exit(2);
    }
    const port = Number(argv[0]);
    const server = micro(createHandler(argv[1]));
    server.on('error', error => {
        process.stderr.write(`nexrender-server failed: ${error.message}\n`);
        process.exit(1);
    });
    server.listen(port, HOST, () => {
        process.stdout.write(JSON.stringify({host: HOST, port: server.address().port}) + '\n');
    });
    const stop = () => server.close(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.stdin.on('end', stop);
    process.stdin.resume();
}

main(process.argv.slice(2));
