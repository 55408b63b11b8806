'use strict';
/**
 * ExtendScript's File and Folder for the After Effects stand-in (ae_standin.js), on the real
 * file system, with the behaviour the generated scripts depend on:
 *
 * - a path is a URI: every %XX in it is decoded (new File("100%25.png").fsName is
 *   "100%.png", new File("a%20b").fsName is "a b"), as ExtendScript does;
 * - exists, parent, modified (a Date, null when there is no file), remove();
 * - open("w") / write / writeln / close write the file on close (the script's log);
 * - Folder: exists, create().
 *
 * File.written and Folder.created list what a run wrote and created (reset per stand-in).
 */
const fs = require('fs');
const path = require('path');

/** Decode every run of %XX escapes as UTF-8, as ExtendScript's File does; a run that is not
 * valid UTF-8 stays as written. */
function decodePath(text) {
    return String(text).replace(/(?:%[0-9A-Fa-f]{2})+/g, run => {
        try {
            return decodeURIComponent(run);
        } catch (error) {
            return run;
        }
    });
}

class File {
    constructor(p) {
        this.fsName = decodePath(p);
        this.encoding = 'UTF-8';
        this._mode = null;
        this._buffer = '';
    }

    get name() { return path.basename(this.fsName); }

    get exists() { return fs.existsSync(this.fsName) && fs.statSync(this.fsName).isFile(); }

    get parent() { return new Folder(path.dirname(this.fsName)); }

    get modified() {
        return this.exists ? new Date(fs.statSync(this.fsName).mtimeMs) : null;
    }

    remove() {
        if (!this.exists) return false;
        fs.unlinkSync(this.fsName);
        File.removed.push(this.fsName);
        return true;
    }

    open(mode) {
        if (mode === 'w' && !fs.existsSync(path.dirname(this.fsName))) return false;
        this._mode = mode;
        this._buffer = '';
        return true;
    }

    write(...parts) {
        if (this._mode !== 'w') return false;
        this._buffer += parts.join('');
        return true;
    }

    writeln(text) {
        return this.write(text, '\n');
    }

    close() {
        if (this._mode === 'w') {
            fs.writeFileSync(this.fsName, this._buffer, this.encoding === 'UTF-8' ? 'utf8' : 'latin1');
            File.written.push(this.fsName);
        }
        this._mode = null;
        return true;
    }
}
File.written = [];
File.removed = [];

class Folder {
    constructor(p) {
        this.fsName = decodePath(p);
    }

    get exists() { return fs.existsSync(this.fsName) && fs.statSync(this.fsName).isDirectory(); }

    create() {
        fs.mkdirSync(this.fsName, {recursive: true});
        Folder.created.push(this.fsName);
        return true;
    }
}
Folder.created = [];

function resetFiles() {
    File.written = [];
    File.removed = [];
    Folder.created = [];
}

module.exports = {File, Folder, decodePath, resetFiles};
