"""The runtime's last part: dialogs, the project, the operations, saving, the log, the verdict.

- Dialogs: inside aerender's command-line renderer (``typeof gAECommandLineRenderer !==
  "undefined"``) they are already suppressed until it quits, and ``endSuppressDialogs`` would
  end that early: the script calls neither. Under AfterFX it suppresses them and restores.
- ``PLAN.mode === "open"``: close the current project without saving
  (``CloseOptions.DO_NOT_SAVE_CHANGES``: no Save prompt), open the template. ``"current"``:
  use ``app.project`` as it is (nexrender opened its own copy).
- The render composition (``PLAN.composition``) must exist; nothing is added to the render
  queue (aerender's render step names ``-comp``, nexrender renders its composition).
- Relinks (both modes, inside the undo group, before the operations): each ``PLAN.relinks``
  entry's footage item is found by ``project.itemByID(id)`` (a ``FootageItem`` of that name),
  else among the project's ``FootageItem``s by its recorded file path, else by its name (one
  only); the bundle's copy must exist; ``item.replace(file)`` points the item at it, the item's
  name is kept (After Effects renames an item after its new file, and expressions and layers
  name it), and the item's ``mainSource.file`` must then be the copy. An item not found, a copy
  missing or a replace that did not take is a failure naming the footage.
- Every target is found first, then changed (a text layer's name can follow its text), inside
  one undo group; a failure of one operation is recorded and the others go on.
- Mode "open", no failure so far: an existing output file is removed, the project saved, and the
  save verified: ``Project.save()`` returns nothing, so the output must exist afterwards with a
  modification time not before the save began (less :data:`SAVE_CLOCK_SLACK_MS`, for file
  systems that keep coarse times and file servers whose clock differs a little). With a failure
  nothing is saved: no output is better than one that does not show what was approved.
- The JSON-lines log is written (a summary line last), dialogs restored; then, if anything
  failed, ``app.exitCode = 1`` (where the host has it) and the script THROWS an error naming the
  failures, so that aerender (nexrender's patch) and nexrender report "Error executing script"
  and exit non-zero. Nothing is caught and turned into a success.

Plain Python: no Django import.
"""

SAVE_CLOCK_SLACK_MS = 60000

PROJECT = r"""
    var SAVE_CLOCK_SLACK_MS = @SLACK@;

    function insideAerender() {
        return typeof gAECommandLineRenderer !== "undefined";
    }

    function beginDialogs() {
        if (insideAerender()) {
            record("ok", "dialogs", null, "inside aerender: dialogs are already suppressed");
            return false;
        }
        if (app.beginSuppressDialogs) {
            app.beginSuppressDialogs();
            return true;
        }
        return false;
    }

    function endDialogs() {
        try {
            app.endSuppressDialogs(false);
        } catch (e) {
            record("warning", "dialogs", null, describeError(e));
        }
    }

    /** @returns {Project | null} */
    function openTemplate() {
        var file = new File(PLAN.template || "");
        var project;
        if (app.project && !app.project.close(CloseOptions.DO_NOT_SAVE_CHANGES)) {
            record("failure", "open", null, "the current project did not close");
            return null;
        }
        if (!file.exists) {
            record("failure", "open", null, "template not found", {path: file.fsName});
            return null;
        }
        project = app.open(file);
        if (!project) {
            record("failure", "open", null, "template did not open", {path: file.fsName});
            return null;
        }
        record("ok", "open", null, "template opened", {path: file.fsName});
        return project;
    }

    /** @returns {Project | null} */
    function currentProject() {
        if (!app.project) {
            record("failure", "project", null, "no project is open");
            return null;
        }
        record("ok", "project", null, "populating the open project");
        return app.project;
    }

    /**
     * @typedef {Object} Found
     * @property {TextOp | FootageOp} op
     * @property {string} kind
     * @property {Layer} layer
     */

    /**
     * @param {Project} project
     * @param {Target[]} ops
     * @param {string} kind
     * @param {Found[]} found
     */
    function findTargets(project, ops, kind, found) {
        var i, comp, layer;
        for (i = 0; i < ops.length; i++) {
            try {
                comp = findComposition(project, ops[i]);
                layer = comp ? findLayer(comp, ops[i]) : null;
                if (layer) {
                    found.push({op: /** @type {TextOp | FootageOp} */ (ops[i]), kind: kind, layer: layer});
                }
            } catch (e) {
                record("failure", "find-layer", ops[i], describeError(e));
            }
        }
    }

    /** @param {Project} project */
    function applyOperations(project) {
        /** @type {Found[]} */
        var found = [];
        var i;
        findTargets(project, PLAN.footage, "footage", found);
        findTargets(project, PLAN.texts, "text", found);
        for (i = 0; i < found.length; i++) {
            try {
                if (found[i].kind === "text") {
                    setText(/** @type {TextOp} */ (found[i].op), found[i].layer);
                } else {
                    replaceFootage(/** @type {FootageOp} */ (found[i].op), project, found[i].layer);
                }
            } catch (e) {
                record("failure", "apply", found[i].op, describeError(e));
            }
        }
    }

    /**
     * A path for comparison: the same file whichever separators it was written with.
     * @param {string} path
     */
    function comparablePath(path) {
        return path.replace(/\\/g, "/");
    }

    /**
     * @param {*} item
     * @returns {string | null}
     */
    function footagePath(item) {
        var file;
        if (!(item instanceof FootageItem) || !item.mainSource) {
            return null;
        }
        file = item.mainSource.file;
        return file ? file.fsName : null;
    }

    /**
     * The footage item a relink names: by id (a FootageItem of that name), else the one whose
     * file is the recorded path, else the only one of that name. None is a failure.
     * @param {Project} project
     * @param {RelinkOp} relink
     * @returns {FootageItem | null}
     */
    function findFootageItem(project, relink) {
        /** @type {FootageItem[]} */
        var named = [];
        /** @type {FootageItem | null} */
        var found = null;
        var how = "recorded path";
        var i, item, path;
        if (relink.id !== null) {
            try {
                item = project.itemByID(relink.id);
            } catch (e) {
                item = null;
            }
            if (item instanceof FootageItem && item.name === relink.name) {
                return item;
            }
        }
        for (i = 1; i <= project.numItems; i++) {
            item = project.item(i);
            if (!(item instanceof FootageItem)) {
                continue;
            }
            path = footagePath(item);
            if (!found && relink.recorded !== "" && path !== null &&
                    comparablePath(path) === comparablePath(relink.recorded)) {
                found = item;
            }
            if (item.name === relink.name) {
                named.push(item);
            }
        }
        if (!found && named.length === 1) {
            found = named[0];
            how = "name";
        }
        if (found) {
            if (relink.id !== null) {
                record("warning", "relink", null, "footage \"" + relink.name + "\" found by its " + how +
                    ", not its id", {id: relink.id, found: found.id});
            }
            return found;
        }
        record("failure", "relink", null, "footage \"" + relink.name + "\" " + (named.length > 1 ?
            "is not one item: several have its name" : "not found: the template changed since it was read"),
            {id: relink.id, footage: relink.name});
        return null;
    }

    /**
     * Point a footage item at the bundle's copy of its file.
     * @param {Project} project
     * @param {RelinkOp} relink
     */
    function relinkFootage(project, relink) {
        var item = findFootageItem(project, relink);
        var file = new File(relink.file);
        var name, after;
        if (!item) {
            return;
        }
        if (!file.exists) {
            record("failure", "relink", null, "the bundle's copy of footage \"" + relink.name + "\" is missing",
                {id: item.id, footage: relink.name, path: file.fsName});
            return;
        }
        name = item.name;
        item.replace(file);
        if (item.name !== name) {
            item.name = name;
        }
        after = footagePath(item);
        if (after === null || comparablePath(after) !== comparablePath(file.fsName)) {
            record("failure", "relink", null, "footage \"" + relink.name + "\" did not take the bundle's copy",
                {id: item.id, footage: relink.name, path: file.fsName, found: after});
            return;
        }
        record("ok", "relink", null, "footage relinked to the bundle's copy",
            {id: item.id, footage: relink.name, path: file.fsName});
    }

    /** @param {Project} project */
    function relinkFootageItems(project) {
        var i;
        for (i = 0; i < PLAN.relinks.length; i++) {
            try {
                relinkFootage(project, PLAN.relinks[i]);
            } catch (e) {
                record("failure", "relink", null, "footage \"" + PLAN.relinks[i].name + "\": " + describeError(e),
                    {id: PLAN.relinks[i].id, footage: PLAN.relinks[i].name});
            }
        }
    }

    /** @param {Project} project */
    function checkComposition(project) {
        if (PLAN.composition !== null && compositionsNamed(project, PLAN.composition).length === 0) {
            record("failure", "composition", null, "the composition to render is not in the project",
                {composition: PLAN.composition});
        }
    }

    /** @param {File} file */
    function ensureFolder(file) {
        var folder = file.parent;
        return !folder || folder.exists || folder.create();
    }

    /** @param {Project} project */
    function saveProject(project) {
        var file = new File(PLAN.output || "");
        var started, saved, modified;
        if (!ensureFolder(file)) {
            record("failure", "save", null, "cannot create the output folder", {path: file.fsName});
            return false;
        }
        if (file.exists && !file.remove()) {
            record("failure", "save", null, "cannot replace the existing output", {path: file.fsName});
            return false;
        }
        started = new Date().getTime();
        try {
            project.save(file);
        } catch (e) {
            record("failure", "save", null, describeError(e), {path: file.fsName});
            return false;
        }
        saved = new File(PLAN.output || "");
        modified = saved.exists ? saved.modified : null;
        if (!modified) {
            record("failure", "save", null, "project not saved: the output does not exist", {path: saved.fsName});
            return false;
        }
        if (modified.getTime() < started - SAVE_CLOCK_SLACK_MS) {
            record("failure", "save", null, "project not saved: the output is older than the save",
                {path: saved.fsName, modified: modified.getTime(), started: started});
            return false;
        }
        record("ok", "save", null, "project saved", {path: saved.fsName});
        return true;
    }

    function writeLog() {
        var file;
        if (PLAN.log === null) {
            return true;
        }
        file = new File(PLAN.log);
        try {
            ensureFolder(file);
            file.encoding = "UTF-8";
            if (!file.open("w")) {
                return false;
            }
            file.write(LOG.join("\n") + "\n");
            return file.close();
        } catch (e) {
            return false;
        }
    }

    function failureMessage() {
        var shown = FAILURES.slice(0, 5);
        var more = FAILURES.length - shown.length;
        return "aeautomation: " + FAILURES.length + (FAILURES.length === 1 ? " failure: " : " failures: ") +
            shown.join("; ") + (more > 0 ? "; and " + more + " more" : "");
    }

    function run() {
        var suppressed = false;
        var undoOpen = false;
        var saved = false;
        var project = null;
        try {
            suppressed = beginDialogs();
            project = PLAN.mode === "open" ? openTemplate() : currentProject();
            if (project) {
                checkComposition(project);
                app.beginUndoGroup(PLAN.undoGroup);
                undoOpen = true;
                relinkFootageItems(project);
                applyOperations(project);
                app.endUndoGroup();
                undoOpen = false;
                if (PLAN.mode === "open" && FAILURES.length > 0) {
                    record("warning", "save", null, "not saved because of the failures above");
                } else if (PLAN.mode === "open") {
                    saved = saveProject(project);
                }
            }
        } catch (e) {
            record("failure", "script", null, describeError(e));
        }
        if (undoOpen) {
            try {
                app.endUndoGroup();
            } catch (e2) {
                record("warning", "undo", null, describeError(e2));
            }
        }
        LOG.push(serialise({level: "summary", step: "done", mode: PLAN.mode, saved: saved, ok: COUNTS.ok,
            warnings: COUNTS.warning, failures: COUNTS.failure}));
        if (!writeLog()) {
            FAILURES.push("log: not written to " + PLAN.log);
        }
        if (suppressed) {
            endDialogs();
        }
        if (FAILURES.length > 0) {
            if (typeof app.exitCode === "number") {
                app.exitCode = 1;
            }
            throw new Error(failureMessage());
        }
        return true;
    }

    return run();
""".replace("@SLACK@", str(SAVE_CLOCK_SLACK_MS))
