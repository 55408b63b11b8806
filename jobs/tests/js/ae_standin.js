'use strict';
/**
 * The After Effects stand-in the generated scripts run against: `app` and the globals of a
 * script's context, built from a template description (ae_dom.js models the object model,
 * ae_files.js File and Folder, ae_geometry.js the layer arithmetic).
 *
 * app: open, project, exitCode (0 until a script sets it), begin/endUndoGroup,
 * begin/endSuppressDialogs, quit. Opening a project while the current one has unsaved changes
 * is a Save prompt, recorded as a dialog: an unattended AfterFX would wait on it. Description
 * switches: `project_open` (start with the template open, as nexrender does), `dirty_project`
 * (start with an unsaved project), `command_line_renderer` (define `gAECommandLineRenderer`, as
 * inside aerender), `no_suppress_dialogs` (a host without begin/endSuppressDialogs),
 * `fail_save` ("silent", "stale" or "throw").
 *
 * record() returns every recorded call and, per replaced footage layer, where its image lands
 * in its composition (`footage`: corners and bounds in composition pixels of its mask, or of
 * the whole image, through its final Anchor Point, Scale, Position, Rotation and the parents'
 * part of its description's matrix), and per text layer whose text was set, its final text and
 * font (`texts`). `relinked` lists each footage item FootageItem.replace pointed at another file
 * ({id, name: its name before, file}); each layer's source file in `final` is the one it shows
 * after the run.
 */
const dom = require('./ae_dom');
const geometry = require('./ae_geometry');

const {File, Folder, CompItem, Project, TextDocument} = dom;

/** Every call that changes something, in order; marks the project it belongs to as changed. */
class Recorder {
    constructor() {
        this.calls = [];
        this._id = 0;
        this._reserved = new Set();
        this.project = null;
    }

    nextId() {
        do this._id += 1; while (this._reserved.has(this._id));
        return this._id;
    }

    /** Ids the description gives its items: nextId() skips them. */
    reserve(ids) {
        ids.filter(id => typeof id === 'number').forEach(id => this._reserved.add(id));
    }

    call(name, detail) {
        this.calls.push(Object.assign({call: name}, detail || {}));
    }

    dirty() {
        if (this.project) this.project.dirty = true;
    }
}

function createStandIn(description) {
    const rec = new Recorder();
    const alerts = [];
    let undoDepth = 0;
    dom.resetFiles();

    const dialog = kind => message => {
        alerts.push({kind, message: String(message)});
        rec.call(kind, {message: String(message)});
    };
    const projectOptions = {
        prompt: dialog('confirm'),
        onClose: project => {
            if (app.project === project) {
                app.project = newProject(null);
            }
        },
    };
    function newProject(desc) {
        const project = new Project(rec, desc, projectOptions);
        rec.project = project;
        return project;
    }

    const app = {
        project: null,
        exitCode: 0,
        open(file) {
            rec.call('app.open', {path: file instanceof File ? file.fsName : String(file)});
            if (!(file instanceof File)) throw new Error('After Effects error: open takes a File');
            if (!file.exists) throw new Error(`After Effects error: file "${file.fsName}" cannot be opened`);
            if (app.project && app.project.dirty) {
                dialog('confirm')('Save changes to the current project before opening another?');
            }
            app.project = newProject(description);
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
    app.project = newProject(description.project_open ? description : null);
    app.project.dirty = Boolean(description.dirty_project);
    if (description.no_suppress_dialogs) {
        delete app.beginSuppressDialogs;
        delete app.endSuppressDialogs;
    }

    const globals = {
        app, File, Folder, ImportOptions: dom.ImportOptions, TextDocument, Shape: dom.Shape,
        Item: dom.Item, AVItem: dom.AVItem, CompItem, FootageItem: dom.FootageItem, FolderItem: dom.FolderItem,
        Layer: dom.Layer, AVLayer: dom.AVLayer, TextLayer: dom.TextLayer, Property: dom.Property,
        PropertyGroup: dom.PropertyGroup, MaskPropertyGroup: dom.MaskPropertyGroup,
        PropertyType: dom.PropertyType, CloseOptions: dom.CloseOptions, MaskMode: dom.MaskMode,
        alert: dialog('alert'), confirm: dialog('confirm'), prompt: dialog('prompt'),
    };
    if (description.command_line_renderer) {
        globals.gAECommandLineRenderer = {name: 'stand-in command-line renderer'};
    }

    function masksOf(layer) {
        const parade = layer.property('ADBE Mask Parade');
        const masks = [];
        for (let i = 1; parade && i <= parade.numProperties; i++) {
            masks.push(parade.property(i).property('ADBE Mask Shape').value.vertices);
        }
        return masks;
    }

    function transformOf(layer) {
        const t = layer.property('ADBE Transform Group');
        return {
            anchor: t.property('ADBE Anchor Point').value,
            position: t.property('ADBE Position').value,
            scale: t.property('ADBE Scale').value,
            rotation: t.property('ADBE Rotate Z').value,
            pixelAspect: layer.source ? layer.source.pixelAspect : 1,
        };
    }

    function layerState(layer) {
        const state = {index: layer.index, name: layer.name, type: layer.type};
        const text = layer.property('ADBE Text Properties');
        if (text) {
            const prop = text.property('ADBE Text Document');
            const doc = prop.value;
            Object.assign(state, {text: doc.text, font: doc.font, font_size: doc.fontSize, all_caps: doc.allCaps});
            if (prop.numKeys) state.text_keys = prop._keys.map(d => ({text: d.text, font: d.font, font_size: d.fontSize}));
        }
        if (layer.source) {
            state.source = {name: layer.source.name, file: layer.source.file ? layer.source.file.fsName : null};
        }
        Object.assign(state, transformOf(layer));
        const t = layer.property('ADBE Transform Group');
        if (t.property('ADBE Scale').numKeys) state.scale_keys = t.property('ADBE Scale')._keys;
        if (t.property('ADBE Anchor Point').numKeys) state.anchor_keys = t.property('ADBE Anchor Point')._keys;
        state.masks = masksOf(layer);
        return state;
    }

    /** Where a replaced layer's image lands: its mask (each mask's bounds, intersected) or the
     * whole image, through the layer's final transform and its parents' part. */
    function footageReport(layer) {
        const source = layer.source;
        let region = [0, 0, source.width, source.height];
        const masks = masksOf(layer);
        for (const vertices of masks) region = geometry.intersect(region, geometry.bounds(vertices));
        const placed = geometry.placeRegion(layer._parent, transformOf(layer), region);
        return {
            composition: layer.containingComp.name, index: layer.index, name: layer.name,
            file: source.file ? source.file.fsName : null, region, masked: masks.length > 0,
            corners: placed.corners, box: placed.box,
        };
    }

    function record() {
        const project = app.project;
        const calls = rec.calls;
        const of = name => calls.filter(c => c.call === name);
        const comps = project.comps();
        const layerAt = (name, index) => {
            const comp = comps.find(c => c.name === name);
            return comp ? comp._layers.find(layer => layer.index === index) : null;
        };
        const replaced = of('replaceSource');
        const textSets = calls.filter(c => (c.call === 'setValue' || c.call === 'setValueAtKey')
            && c.property === 'ADBE Text Document');
        const unique = list => list.filter((c, i) => list.findIndex(d => d.composition === c.composition
            && d.layer === c.layer) === i);
        return {
            calls,
            alerts,
            quit: of('app.quit').length,
            exit_code: app.exitCode,
            opened: of('app.open').map(c => c.path),
            closed: of('project.close').map(c => c.option),
            saved: of('project.save').map(c => c.path),
            imports: of('importFile').map(c => c.path),
            replaced,
            relinked: of('footage.replace').map(c => ({id: c.id, name: c.name, file: c.file})),
            render_queue: of('renderQueue.add').map(c => c.composition),
            undo: calls.filter(c => c.call === 'beginUndoGroup' || c.call === 'endUndoGroup'),
            undo_depth: undoDepth,
            suppress_dialogs: of('beginSuppressDialogs').length,
            end_suppress_dialogs: of('endSuppressDialogs').length,
            files_written: File.written.slice(),
            files_removed: File.removed.slice(),
            folders_created: Folder.created.slice(),
            footage: unique(replaced).map(c => layerAt(c.composition, c.layer)).filter(Boolean).map(footageReport),
            texts: unique(textSets).map(c => layerAt(c.composition, c.layer)).filter(Boolean).map(layer => {
                const doc = layer.property('ADBE Text Properties').property('ADBE Text Document').value;
                return {composition: layer.containingComp.name, index: layer.index, name: layer.name,
                    text: doc.text, font: doc.font, font_size: doc.fontSize};
            }),
            final: comps.map(comp => ({name: comp.name, layers: comp._layers.map(layerState)})),
        };
    }

    return {globals, record};
}

module.exports = {createStandIn, TextDocument, CompItem, File, Folder};
