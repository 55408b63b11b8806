'use strict';
/**
 * The After Effects object model of the stand-in (ae_standin.js builds `app` from it). It is NOT
 * After Effects: it models only what the generated scripts touch, with AE's documented
 * behaviour where it matters to the tests:
 *
 * - Project: item(i) / items[i] (1-based), itemByID(id) (the description's ids: footage, its
 *   layers' sources, compositions), numItems, importFile, close(CloseOptions.*),
 *   save(file) (writes the file, returns nothing; `fail_save` makes it "silent" (nothing
 *   written), "stale" (an old modification time) or "throw"), renderQueue.items.add;
 * - CompItem: layer(index | name), layers[i], numLayers; FootageItem (writable pixelAspect;
 *   file and mainSource.file; replace(file) points it at the file and names it after it);
 * - AVLayer / TextLayer: name, index, source, sourceRectAtTime, replaceSource(item,
 *   fixExpressions) (both required), property(...) by match name or name, with propertyType:
 *   "ADBE Text Properties" > "ADBE Text Document"; "ADBE Transform Group" > "ADBE Anchor
 *   Point" | "ADBE Position" | "ADBE Scale" | "ADBE Rotate Z" | "ADBE Opacity"; "ADBE Mask
 *   Parade" > addProperty("ADBE Mask Atom") > "ADBE Mask Shape";
 * - Property: value (a COPY), setValue (refused while keyframed), numKeys, keyValue,
 *   setValueAtKey, expression(Enabled). Adding a property to a layer (a mask) INVALIDATES the
 *   Property objects handed out before, as After Effects may: using one throws;
 * - TextDocument (text plus style fields that must survive), Shape, ImportOptions;
 *   CloseOptions, PropertyType, MaskMode; File and Folder from ae_files.js.
 *
 * Layers are built from a template description (`anchor`, `position`, `scale`, `rotation`,
 * `matrix`, `parent_id` used, AE's defaults where absent) plus test-only keys (`anchor_keys`,
 * `scale_keys`, `text_keys`, `text_expression`, `masks`: rectangles in layer pixels);
 * `imports` (path -> {width, height, pixel_aspect}) names the images importFile can read.
 */
const path = require('path');
const fs = require('fs');
const {File, Folder, resetFiles} = require('./ae_files');
const geometry = require('./ae_geometry');

const PropertyType = {PROPERTY: 6212, INDEXED_GROUP: 6213, NAMED_GROUP: 6214};
const CloseOptions = {DO_NOT_SAVE_CHANGES: 1212, PROMPT_TO_SAVE_CHANGES: 1213, SAVE_CHANGES: 1214};
const MaskMode = {NONE: 6812, ADD: 6813, SUBTRACT: 6814, INTERSECT: 6815, LIGHTEN: 6816, DARKEN: 6817, DIFFERENCE: 6818};

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

class Shape {
    constructor() {
        this.vertices = [];
        this.inTangents = [];
        this.outTangents = [];
        this.closed = true;
    }

    copy() {
        // The arrays may come from the script's realm, whose ES5 methods are removed.
        const copy = list => Array.prototype.map.call(list || [], v => Array.prototype.slice.call(v));
        const shape = new Shape();
        shape.vertices = copy(this.vertices);
        shape.inTangents = copy(this.inTangents);
        shape.outTangents = copy(this.outTangents);
        shape.closed = this.closed;
        return shape;
    }
}

function clone(value) {
    if (value instanceof TextDocument || value instanceof Shape) return value.copy();
    if (Array.isArray(value)) return value.slice();
    return value;
}

function isPoint(value) {
    return value && value.length === 2 && Number.isFinite(value[0]) && Number.isFinite(value[1]);
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
        this._dead = false;
    }

    get propertyType() { return PropertyType.PROPERTY; }

    get value() {
        this._alive();
        return clone(this._keys.length ? this._keys[0] : this._value);
    }

    get numKeys() {
        this._alive();
        return this._keys.length;
    }

    keyValue(k) {
        this._alive();
        this._checkKey(k);
        return clone(this._keys[k - 1]);
    }

    setValue(value) {
        this._alive();
        if (this._keys.length) {
            throw new Error('After Effects error: Can not "setValue" on a property with keyframes. Use "setValueAtKey".');
        }
        this._value = this._checked(value);
        this._owner.changed('setValue', this._where({value: clone(value)}));
    }

    setValueAtKey(k, value) {
        this._alive();
        this._checkKey(k);
        this._keys[k - 1] = this._checked(value);
        this._owner.changed('setValueAtKey', this._where({key: k, value: clone(value)}));
    }

    /** A fresh object with this one's state; this one is invalid from now on. */
    _revive() {
        const fresh = new Property(this._owner, this.name, this.matchName, this._value, this._keys, this.expression);
        fresh.expressionEnabled = this.expressionEnabled;
        this._dead = true;
        return fresh;
    }

    _alive() {
        if (this._dead) throw new Error(`After Effects error: Object is invalid (${this.matchName})`);
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
        if (current instanceof Shape) {
            if (!(value instanceof Shape) || !Array.prototype.every.call(value.vertices, isPoint)) {
                throw new Error('After Effects error: a mask path takes a Shape of [x, y] vertices');
            }
            return value.copy();
        }
        if (typeof current === 'number') {
            if (!Number.isFinite(value)) throw new Error(`After Effects error: bad value for ${this.name}`);
            return value;
        }
        if (!value || value.length !== current.length || !Array.prototype.every.call(value, Number.isFinite)) {
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
    constructor(name, matchName, children, options) {
        this.name = name;
        this.matchName = matchName;
        this._children = children;
        this._options = options || {};
    }

    get propertyType() { return this._options.indexed ? PropertyType.INDEXED_GROUP : PropertyType.NAMED_GROUP; }

    get numProperties() {
        return this._children.length;
    }

    property(key) {
        if (typeof key === 'number') return this._children[key - 1] || null;
        return this._children.find(p => p.matchName === key || p.name === key) || null;
    }

    canAddProperty(name) {
        return Boolean(this._options.adds && this._options.adds(name, true));
    }

    addProperty(name) {
        if (!this.canAddProperty(name)) throw new Error(`After Effects error: can not add "${name}" to ${this.matchName}`);
        const layer = this._options.layer;
        layer._invalidate();
        const child = this._options.adds(name, false);
        this._children.push(child);
        layer.changed('addProperty', {composition: layer.containingComp.name, layer: layer.index, group: this.matchName,
            property: child.matchName});
        return child;
    }

    _revive() {
        this._children = this._children.map(child => child._revive());
        return this;
    }
}

class MaskPropertyGroup extends PropertyGroup {
    constructor(layer, name, rect) {
        const shape = new Shape();
        if (rect) shape.vertices = geometry.corners(rect);
        super(name, 'ADBE Mask Atom', [
            new Property(layer, 'Mask Path', 'ADBE Mask Shape', shape),
            new Property(layer, 'Mask Feather', 'ADBE Mask Feather', [0, 0]),
            new Property(layer, 'Mask Opacity', 'ADBE Mask Opacity', 100),
            new Property(layer, 'Mask Expansion', 'ADBE Mask Offset', 0),
        ]);
        this.maskMode = MaskMode.ADD;
        this.inverted = false;
    }
}

class Item {
    constructor(rec, name, id) {
        this.id = id != null ? id : rec.nextId();
        this.name = name;
        this._rec = rec;
    }
}

class FolderItem extends Item {
    get typeName() { return 'Folder'; }
}

class AVItem extends Item {
    constructor(rec, name, width, height, pixelAspect) {
        super(rec, name);
        this.width = width;
        this.height = height;
        this.pixelAspect = pixelAspect || 1;
    }
}

class FootageItem extends AVItem {
    constructor(rec, name, width, height, filePath, pixelAspect, id) {
        super(rec, name, width, height, pixelAspect);
        if (id != null) this.id = id;
        this._file = filePath ? new File(String(filePath).replace(/%/g, '%25')) : null;
    }

    get typeName() { return 'Footage'; }

    get file() { return this._file; }

    get mainSource() {
        const item = this;
        return {get file() { return item._file; }, get missingFootagePath() { return item._file ? '' : item.name; }};
    }

    /** After Effects' FootageItem.replace: the item now shows `file` (sized as `imports` says, when
     * it lists it) and is named after it, as After Effects names an item it did not name by hand. */
    replace(file) {
        if (!(file instanceof File)) throw new Error('After Effects error: replace takes a File');
        if (!file.exists) throw new Error(`After Effects error: file "${file.fsName}" cannot be found`);
        const old = {name: this.name, file: this._file ? this._file.fsName : null};
        this._file = file;
        this.name = file.name;
        const project = this._rec.project;
        const size = project && project._imports[file.fsName];
        if (size) Object.assign(this, {width: size.width, height: size.height, pixelAspect: size.pixel_aspect || 1});
        this._rec.call('footage.replace', {id: this.id, name: old.name, old: old.file, file: file.fsName});
        this._rec.dirty();
    }
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

function pad(value, rest) {
    const v = Array.prototype.slice.call(value);
    return v.length >= 3 ? v : [v[0], v[1], rest];
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

    get propertyType() { return PropertyType.NAMED_GROUP; }

    property(key) {
        if (typeof key === 'number') return this._groups[key - 1] || null;
        return this._groups.find(g => g.matchName === key || g.name === key) || null;
    }

    changed(call, detail) {
        this.rec.call(call, detail);
        this.rec.dirty();
    }

    _invalidate() {
        this._groups.forEach(group => group._revive());
    }
}

class AVLayer extends Layer {
    constructor(rec, comp, spec, source) {
        super(rec, comp, spec);
        this.source = source;
        const [w, h] = source ? [source.width, source.height] : bboxSize(spec);
        const anchor = pad(spec.anchor || [w / 2, h / 2], 0);
        const position = pad(spec.position || bboxCentre(spec) || [comp.width / 2, comp.height / 2], 0);
        const scale = pad(spec.scale || [100, 100], 100);
        const anchorKeys = (spec.anchor_keys || []).map(k => pad(k, 0));
        const scaleKeys = (spec.scale_keys || []).map(k => pad(k, 100));
        this._groups.push(new PropertyGroup('Transform', 'ADBE Transform Group', [
            new Property(this, 'Anchor Point', 'ADBE Anchor Point', anchor, anchorKeys),
            new Property(this, 'Position', 'ADBE Position', position),
            new Property(this, 'Scale', 'ADBE Scale', scale, scaleKeys),
            new Property(this, 'Rotation', 'ADBE Rotate Z', spec.rotation || 0),
            new Property(this, 'Opacity', 'ADBE Opacity', 100),
        ]));
        const masks = (spec.masks || []).map((rect, i) => new MaskPropertyGroup(this, `Mask ${i + 1}`, rect));
        this._groups.push(new PropertyGroup('Masks', 'ADBE Mask Parade', masks, {
            indexed: true,
            layer: this,
            adds: (name, dryRun) => (name === 'ADBE Mask Atom' || name === 'Mask')
                && (dryRun || new MaskPropertyGroup(this, `Mask ${this.property('ADBE Mask Parade').numProperties + 1}`)),
        }));
        const own = {
            anchor: anchorKeys[0] || anchor, position, scale: scaleKeys[0] || scale, rotation: spec.rotation || 0,
            pixelAspect: source ? source.pixelAspect : 1,
        };
        this._parent = geometry.parentPart(spec, own);
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
        this.changed('replaceSource', {
            composition: this.containingComp.name, layer: this.index, name: this.name,
            old: old ? old.name : null, file: item.file ? item.file.fsName : null, fix_expressions: fixExpressions,
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
    return b ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] : null;
}

class ImportOptions {
    constructor(file) {
        this.file = file;
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
            source = new FootageItem(rec, spec.source.name, spec.source.width, spec.source.height, spec.source.path,
                spec.source.pixel_aspect, spec.source.id);
            footage.push(source);
        }
    }
    return new AVLayer(rec, comp, spec, source);
}

class Project {
    constructor(rec, description, options) {
        this._rec = rec;
        this._items = [];
        this._description = description || {};
        this._imports = this._description.imports || {};
        this._options = options || {};
        this.dirty = false;
        this.closed = false;
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
        // The description's ids are the items' ids (the stand-in numbers the others around them).
        const sources = (description.compositions || []).flatMap(c => (c.layers || []).map(l => l.source || {}));
        rec.reserve([...(description.footage || []), ...(description.compositions || []), ...sources].map(x => x.id));
        this._items.push(new FolderItem(rec, 'Solids'));
        const footage = (description.footage || []).map(f => {
            const item = new FootageItem(rec, f.name, f.width, f.height, f.path, f.pixel_aspect, f.id);
            item._descId = f.id;
            return item;
        });
        const comps = (description.compositions || []).map(c => {
            const comp = new CompItem(rec, c.name, c.width, c.height);
            if (c.id != null && !footage.some(f => f.id === c.id)) comp.id = c.id;
            return comp;
        });
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

    /** The item with this id; none is an error, as After Effects throws. */
    itemByID(id) {
        const item = typeof id === 'number' ? this._items.find(i => i.id === id) : null;
        if (!item) throw new Error(`After Effects error: no item with id ${id}`);
        return item;
    }

    importFile(options) {
        if (!(options instanceof ImportOptions) || !(options.file instanceof File)) {
            throw new Error('After Effects error: importFile takes an ImportOptions with a File');
        }
        const p = options.file.fsName;
        if (!options.file.exists) throw new Error(`After Effects error: file "${p}" cannot be found`);
        const size = this._imports[p];
        if (!size) throw new Error(`After Effects error: file "${p}" cannot be imported`);
        const item = new FootageItem(this._rec, path.basename(p), size.width, size.height, p, size.pixel_aspect);
        this._items.push(item);
        this._rec.call('importFile', {path: p, width: size.width, height: size.height});
        this.dirty = true;
        return item;
    }

    close(option) {
        const name = Object.keys(CloseOptions).find(key => CloseOptions[key] === option);
        if (!name) throw new Error('After Effects error: close takes a CloseOptions value');
        this._rec.call('project.close', {option: name, dirty: this.dirty});
        if (this.dirty && name === 'PROMPT_TO_SAVE_CHANGES') this._options.prompt('Save changes to the project?');
        this.closed = true;
        this._options.onClose(this);
        return true;
    }

    save(file) {
        if (!(file instanceof File)) throw new Error('After Effects error: save takes a File');
        if (!fs.existsSync(path.dirname(file.fsName))) throw new Error('After Effects error: folder does not exist');
        const fail = this._description.fail_save;
        this._rec.call('project.save', {path: file.fsName, fail: fail || null});
        if (fail === 'throw') throw new Error('After Effects error: the project could not be saved');
        if (fail === 'silent') return undefined;
        fs.writeFileSync(file.fsName, 'aeautomation stand-in project\n');
        if (fail === 'stale') fs.utimesSync(file.fsName, new Date(2001, 0, 1), new Date(2001, 0, 1));
        this.dirty = false;
        return undefined;
    }

    comps() {
        return this._items.filter(item => item instanceof CompItem);
    }
}

module.exports = {
    PropertyType, CloseOptions, MaskMode, TextDocument, Shape, Property, PropertyGroup, MaskPropertyGroup,
    Item, FolderItem, AVItem, FootageItem, CompItem, Layer, AVLayer, TextLayer, ImportOptions, Project,
    File, Folder, resetFiles,
};
