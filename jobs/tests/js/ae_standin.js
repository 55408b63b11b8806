'use strict';
/**
 * A small stand-in for the After Effects scripting object model, written for the tests of
 * jobs/formats/extendscript/. It is NOT After Effects: it models only what the generated
 * script touches, with AE's documented behaviour where it matters to the tests:
 *
 * - app.open / beginUndoGroup / endUndoGroup / begin|endSuppressDialogs / quit, app.project;
 * - Project: item(i) and items[i] (1-based), numItems, importFile, save, renderQueue.items.add;
 * - CompItem: layer(index | name), layers[i], numLayers; FootageItem, FolderItem;
 * - AVLayer / TextLayer: name, index, source, inPoint, sourceRectAtTime, replaceSource,
 *   property(...) chains ("ADBE Text Properties" > "ADBE Text Document",
 *   "ADBE Transform Group" > "ADBE Anchor Point" | "ADBE Position" | "ADBE Scale");
 * - Property: value (a COPY, as in AE: changing it changes nothing until setValue),
 *   setValue (refused while the property has keyframes, as in AE), numKeys, keyValue,
 *   setValueAtKey, expression / expressionEnabled;
 * - TextDocument: text plus font, fontSize and other style fields that must survive;
 * - ImportOptions, File (exists / parent / open / write / close on the real file system, for
 *   the log), Folder (exists / create).
 *
 * Every call that changes something is recorded; record() returns what happened plus the
 * final state of every layer. The project is built from a template description (the
 * interchange JSON of `inspect_template`, plus optional test-only keys per layer: `scale`,
 * `anchor`, `scale_keys`, `text_keys`, `text_expression`) and `imports` (path -> {width,
 * height}) naming the images importFile can read.
 */
const fs = require('fs');
const path = require('path');

function clone(value) {
    if (value instanceof TextDocument) return value.copy();
    if (Array.isArray(value)) return value.slice();
    return value;
}

class TextDocument {
    constructor(text, style) {
        this.text = text === undefined ? '' : String(text);
        const s = style || {};
        this.font = s.font || 'ArialMT';
        this.fontSize = s.fontSize || 36;
        this.fillColor = s.fillColor || [1, 1, 1];
        this.applyFill = true;
        this.justification = s.justification || 'LEFT_JUSTIFY';
        this.tracking = s.tracking || 0;
        this.allCaps = Boolean(s.allCaps);
    }

    copy() {
        const doc = new TextDocument(this.text);
        for (const key of Object.keys(this)) doc[key] = clone(this[key]);
        return doc;
    }
}

class Property {
    constructor(owner, name, matchName, value, keys, expression) {
        this._owner = owner;
        this.name = name;
        this.matchName = matchName;
        this._value = clone(value);
        this._keys = (keys || []).map(clone);
        this.expression = expression || '';
        this.expressionEnabled = Boolean(expression);
    }

    get value() {
        return clone(this._keys.length ? this._keys[0] : this._value);
    }

    get numKeys() {
        return this._keys.length;
    }

    keyValue(k) {
        this._checkKey(k);
        return clone(this._keys[k - 1]);
    }

    setValue(value) {
        if (this._keys.length) {
            throw new Error('After Effects error: Can not "setValue" on a property with keyframes. Use "setValueAtKey".');
        }
        this._value = this._checked(value);
        this._owner.rec.call('setValue', this._where({value: clone(value)}));
    }

    setValueAtKey(k, value) {
        this._checkKey(k);
        this._keys[k - 1] = this._checked(value);
        this._owner.rec.call('setValueAtKey', this._where({key: k, value: clone(value)}));
    }

    _checkKey(k) {
        if (typeof k !== 'number' || k < 1 || k > this._keys.length) {
            throw new Error(`After Effects error: key index ${k} out of range`);
        }
    }

    _checked(value) {
        const current = this._value;
        if (current instanceof TextDocument) {
            if (!(value instanceof TextDocument) && typeof value !== 'string') {
                throw new Error('After Effects error: Source Text takes a TextDocument or a string');
            }
            return typeof value === 'string' ? Object.assign(current.copy(), {text: value}) : value.copy();
        }
        if (!Array.isArray(value) || value.length !== current.length || !Array.prototype.every.call(value, Number.isFinite)) {
            throw new Error(`After Effects error: bad value for ${this.name}`);
        }
        return Array.prototype.slice.call(value);
    }

    _where(extra) {
        const layer = this._owner;
        return Object.assign({composition: layer.containingComp.name, layer: layer.index, property: this.matchName}, extra);
    }
}

class PropertyGroup {
    constructor(name, matchName, children) {
        this.name = name;
        this.matchName = matchName;
        this._children = children;
    }

    get numProperties() {
        return this._children.length;
    }

    property(key) {
        if (typeof key === 'number') return this._children[key - 1] || null;
        return this._children.find(p => p.matchName === key || p.name === key) || null;
    }
}

class Item {
    constructor(rec, name) {
        this.id = rec.nextId();
        this.name = name;
    }
}

class FolderItem extends Item {
    get typeName() { return 'Folder'; }
}

class AVItem extends Item {
    constructor(rec, name, width, height) {
        super(rec, name);
        this.width = width;
        this.height = height;
    }
}

class FootageItem extends AVItem {
    constructor(rec, name, width, height, filePath) {
        super(rec, name, width, height);
        this.file = filePath ? new File(filePath) : null;
    }

    get typeName() { return 'Footage'; }
}

class CompItem extends AVItem {
    constructor(rec, name, width, height) {
        super(rec, name, width, height);
        this._layers = [];
    }

    get typeName() { return 'Composition'; }

    get numLayers() {
        return this._layers.length;
    }

    get layers() {
        const collection = {length: this._layers.length};
        this._layers.forEach((layer, i) => { collection[i + 1] = layer; });
        return collection;
    }

    layer(key) {
        if (typeof key === 'number') {
            if (key < 1 || key > this._layers.length || Math.floor(key) !== key) {
                throw new Error(`After Effects error: layer index ${key} out of range`);
            }
            return this._layers[key - 1];
        }
        return this._layers.find(layer => layer.name === String(key)) || null;
    }
}

class Layer {
    constructor(rec, comp, spec) {
        this.rec = rec;
        this.containingComp = comp;
        this.name = spec.name;
        this.index = spec.index;
        this.enabled = spec.enabled !== false;
        this.inPoint = spec.in_point || 0;
        this.outPoint = spec.out_point || 0;
        this.type = spec.type;
        this._spec = spec;
        this._groups = [];
    }

    property(key) {
        if (typeof key === 'number') return this._groups[key - 1] || null;
        return this._groups.find(g => g.matchName === key || g.name === key) || null;
    }
}

class AVLayer extends Layer {
    constructor(rec, comp, spec, source) {
        super(rec, comp, spec);
        this.source = source;
        const w = source ? source.width : bboxSize(spec)[0];
        const h = source ? source.height : bboxSize(spec)[1];
        const anchor = spec.anchor || [w / 2, h / 2, 0];
        const position = spec.position || bboxCentre(spec) || [comp.width / 2, comp.height / 2, 0];
        this._groups.push(new PropertyGroup('Transform', 'ADBE Transform Group', [
            new Property(this, 'Anchor Point', 'ADBE Anchor Point', anchor),
            new Property(this, 'Position', 'ADBE Position', position),
            new Property(this, 'Scale', 'ADBE Scale', spec.scale || [100, 100, 100], spec.scale_keys),
        ]));
    }

    get width() { return this.source ? this.source.width : 0; }

    get height() { return this.source ? this.source.height : 0; }

    sourceRectAtTime(time, extents) {
        if (typeof time !== 'number' || typeof extents !== 'boolean') {
            throw new Error('After Effects error: sourceRectAtTime(time, extents) takes a number and a boolean');
        }
        if (this.source) return {top: 0, left: 0, width: this.source.width, height: this.source.height};
        const [w, h] = bboxSize(this._spec);
        return {top: 0, left: 0, width: w, height: h};
    }

    replaceSource(item, fixExpressions) {
        if (!(item instanceof AVItem)) throw new Error('After Effects error: replaceSource needs an AVItem');
        if (typeof fixExpressions !== 'boolean') throw new Error('After Effects error: fixExpressions must be a boolean');
        const old = this.source;
        this.source = item;
        this.rec.call('replaceSource', {
            composition: this.containingComp.name, layer: this.index, name: this.name,
            old: old ? old.name : null, file: item.file ? item.file.fsName : null,
        });
    }
}

class TextLayer extends AVLayer {
    constructor(rec, comp, spec) {
        super(rec, comp, spec, null);
        const style = {font: spec.font || undefined, fontSize: spec.font_size || undefined, allCaps: spec.all_caps};
        const doc = new TextDocument(spec.text || '', style);
        const keys = spec.text_keys ? spec.text_keys.map(text => Object.assign(doc.copy(), {text})) : [];
        this._groups.unshift(new PropertyGroup('Text', 'ADBE Text Properties', [
            new Property(this, 'Source Text', 'ADBE Text Document', doc, keys, spec.text_expression),
        ]));
    }

    replaceSource() {
        throw new Error('After Effects error: a text layer has no source to replace');
    }
}

function bboxSize(spec) {
    const b = spec.bbox;
    return b ? [b[2] - b[0], b[3] - b[1]] : [0, 0];
}

function bboxCentre(spec) {
    const b = spec.bbox;
    return b ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 0] : null;
}

class ImportOptions {
    constructor(file) {
        this.file = file;
    }
}

class File {
    constructor(p) {
        this.fsName = String(p);
        this.encoding = 'UTF-8';
        this._mode = null;
        this._buffer = '';
    }

    get name() { return path.basename(this.fsName); }

    get exists() { return fs.existsSync(this.fsName) && fs.statSync(this.fsName).isFile(); }

    get parent() { return new Folder(path.dirname(this.fsName)); }

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

class Folder {
    constructor(p) {
        this.fsName = String(p);
    }

    get exists() { return fs.existsSync(this.fsName) && fs.statSync(this.fsName).isDirectory(); }

    create() {
        fs.mkdirSync(this.fsName, {recursive: true});
        Folder.created.push(this.fsName);
        return true;
    }
}
Folder.created = [];

class Recorder {
    constructor() {
        this.calls = [];
        this._id = 0;
    }

    nextId() {
        this._id += 1;
        return this._id;
    }

    call(name, detail) {
        this.calls.push(Object.assign({call: name}, detail || {}));
    }
}

function makeLayer(rec, comp, spec, footage, comps) {
    if (spec.type === 'text') return new TextLayer(rec, comp, spec);
    let source = null;
    if (spec.type === 'precomp' && spec.source) source = comps.find(c => c.name === spec.source.name) || null;
    else if (spec.source) {
        source = footage.find(f => spec.source.id != null && f._descId === spec.source.id)
            || footage.find(f => f.name === spec.source.name) || null;
        if (!source) {
            source = new FootageItem(rec, spec.source.name, spec.source.width, spec.source.height, spec.source.path);
            footage.push(source);
        }
    }
    return new AVLayer(rec, comp, spec, source);
}

class Project {
    constructor(rec, description) {
        this._rec = rec;
        this._items = [];
        this._imports = (description && description.imports) || {};
        const rq = [];
        this.renderQueue = {
            items: {
                add: comp => {
                    if (!(comp instanceof CompItem)) throw new Error('After Effects error: only a CompItem can be queued');
                    rq.push(comp);
                    rec.call('renderQueue.add', {composition: comp.name});
                    return {comp, status: 'QUEUED'};
                },
                get length() { return rq.length; },
            },
            get numItems() { return rq.length; },
        };
        if (description) this._build(description);
    }

    _build(description) {
        const rec = this._rec;
        this._items.push(new FolderItem(rec, 'Solids'));
        const footage = (description.footage || []).map(f => {
            const item = new FootageItem(rec, f.name, f.width, f.height, f.path);
            item._descId = f.id;
            return item;
        });
        const comps = (description.compositions || []).map(c => new CompItem(rec, c.name, c.width, c.height));
        (description.compositions || []).forEach((c, i) => {
            const comp = comps[i];
            comp._layers = (c.layers || []).slice().sort((a, b) => a.index - b.index)
                .map(spec => makeLayer(rec, comp, spec, footage, comps));
        });
        this._items.push(...footage, ...comps);
    }

    get numItems() { return this._items.length; }

    get items() {
        const collection = {length: this._items.length};
        this._items.forEach((item, i) => { collection[i + 1] = item; });
        return collection;
    }

    item(i) {
        if (typeof i !== 'number' || i < 1 || i > this._items.length) {
            throw new Error(`After Effects error: item index ${i} out of range`);
        }
        return this._items[i - 1];
    }

    importFile(options) {
        if (!(options instanceof ImportOptions) || !(options.file instanceof File)) {
            throw new Error('After Effects error: importFile takes an ImportOptions with a File');
        }
        const p = options.file.fsName;
        if (!options.file.exists) throw new Error(`After Effects error: file "${p}" cannot be found`);
        const size = this._imports[p];
        if (!size) throw new Error(`After Effects error: file "${p}" cannot be imported`);
        const item = new FootageItem(this._rec, path.basename(p), size.width, size.height, p);
        this._items.push(item);
        this._rec.call('importFile', {path: p, width: size.width, height: size.height});
        return item;
    }

    save(file) {
        if (!(file instanceof File)) throw new Error('After Effects error: save takes a File');
        if (!fs.existsSync(path.dirname(file.fsName))) throw new Error('After Effects error: folder does not exist');
        this._rec.call('project.save', {path: file.fsName});
        return true;
    }

    comps() {
        return this._items.filter(item => item instanceof CompItem);
    }
}

/** Build the stand-in from a description; returns {globals, record}. */
function createStandIn(description) {
    const rec = new Recorder();
    const alerts = [];
    let undoDepth = 0;
    File.written = [];
    Folder.created = [];

    const app = {
        project: new Project(rec, null),
        open(file) {
            rec.call('app.open', {path: file instanceof File ? file.fsName : String(file)});
            if (!(file instanceof File)) throw new Error('After Effects error: open takes a File');
            if (!file.exists) throw new Error(`After Effects error: file "${file.fsName}" cannot be opened`);
            app.project = new Project(rec, description);
            return app.project;
        },
        beginUndoGroup(name) {
            if (typeof name !== 'string') throw new Error('After Effects error: undo group needs a name');
            undoDepth += 1;
            rec.call('beginUndoGroup', {name, depth: undoDepth});
        },
        endUndoGroup() {
            rec.call('endUndoGroup', {depth: undoDepth});
            if (undoDepth === 0) throw new Error('After Effects error: endUndoGroup without beginUndoGroup');
            undoDepth -= 1;
        },
        beginSuppressDialogs() { rec.call('beginSuppressDialogs'); },
        endSuppressDialogs(alertErrors) { rec.call('endSuppressDialogs', {alert: alertErrors}); },
        quit() { rec.call('app.quit'); },
    };
    if (description.no_suppress_dialogs) {
        delete app.beginSuppressDialogs;
        delete app.endSuppressDialogs;
    }

    const dialog = kind => message => {
        alerts.push({kind, message: String(message)});
        rec.call(kind, {message: String(message)});
    };

    const globals = {
        app, File, Folder, ImportOptions, TextDocument, Item, AVItem, CompItem, FootageItem, FolderItem,
        Layer, AVLayer, TextLayer, Property, PropertyGroup,
        alert: dialog('alert'), confirm: dialog('confirm'), prompt: dialog('prompt'),
    };

    function layerState(layer) {
        const state = {index: layer.index, name: layer.name, type: layer.type};
        const text = layer.property('ADBE Text Properties');
        if (text) {
            const prop = text.property('ADBE Text Document');
            const doc = prop.value;
            Object.assign(state, {text: doc.text, font: doc.font, font_size: doc.fontSize, all_caps: doc.allCaps});
            if (prop.numKeys) state.text_keys = prop._keys.map(d => ({text: d.text, font: d.font, font_size: d.fontSize}));
        }
        if (layer.source) state.source = {name: layer.source.name, file: layer.source.file ? layer.source.file.fsName : null};
        const transform = layer.property('ADBE Transform Group');
        state.scale = transform.property('ADBE Scale').value;
        state.anchor = transform.property('ADBE Anchor Point').value;
        if (transform.property('ADBE Scale').numKeys) state.scale_keys = transform.property('ADBE Scale')._keys;
        return state;
    }

    function record() {
        const project = app.project;
        const calls = rec.calls;
        const of = name => calls.filter(c => c.call === name);
        return {
            calls,
            alerts,
            quit: of('app.quit').length,
            opened: of('app.open').map(c => c.path),
            saved: of('project.save').map(c => c.path),
            imports: of('importFile').map(c => c.path),
            replaced: of('replaceSource'),
            render_queue: of('renderQueue.add').map(c => c.composition),
            undo: calls.filter(c => c.call === 'beginUndoGroup' || c.call === 'endUndoGroup'),
            undo_depth: undoDepth,
            suppress_dialogs: of('beginSuppressDialogs').length,
            files_written: File.written.slice(),
            folders_created: Folder.created.slice(),
            final: project.comps().map(comp => ({
                name: comp.name,
                layers: comp._layers.map(layerState),
            })),
        };
    }

    return {globals, record};
}

module.exports = {createStandIn, TextDocument, CompItem, File, Folder};
