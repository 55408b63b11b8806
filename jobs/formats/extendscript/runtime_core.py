"""The runtime's first part: the types of ``PLAN``, the log and the look-ups.

ES3 (ExtendScript) inside a Python string; the helpers' parameters are typed with JSDoc so that
``tsc --checkJs`` against types-for-adobe's After Effects declarations checks every DOM call
(``jobs/tests/formats/test_extendscript_types.py``).

- ``record(level, step, target, message, extra)`` appends one JSON object to the log; a
  ``failure`` is also kept for the error the script throws at the end;
- ``findComposition`` (by name among all ``CompItem``s, nested ones included) and
  ``findLayer`` (by name; several with that name: the one at the planned index). A layer the
  template no longer has under that name is a failure: the plan was made from another template.

Plain Python: no Django import.
"""

CORE = r"""
    /**
     * @typedef {Object} Target
     * @property {string} composition
     * @property {string} layer
     * @property {number} index
     */
    /**
     * @typedef {Object} TextOp
     * @property {string} composition
     * @property {string} layer
     * @property {number} index
     * @property {string} text
     */
    /**
     * @typedef {Object} FootageOp
     * @property {string} composition
     * @property {string} layer
     * @property {number} index
     * @property {string} file
     * @property {number[]} imageSize
     * @property {string} fit
     * @property {number[]} box
     * @property {number[]} anchorMap
     * @property {number[] | null} anchor
     * @property {number[] | null} scale
     * @property {number[] | null} mask
     * @property {number} pixelAspect
     * @property {boolean} checkSize
     */
    /**
     * @typedef {Object} RelinkOp
     * @property {number | null} id
     * @property {string} name
     * @property {string} recorded
     * @property {string} file
     */
    /**
     * @typedef {Object} Plan
     * @property {string} mode
     * @property {string | null} template
     * @property {string | null} output
     * @property {string | null} log
     * @property {string | null} composition
     * @property {string} undoGroup
     * @property {TextOp[]} texts
     * @property {FootageOp[]} footage
     * @property {RelinkOp[]} relinks
     */

    /** @type {string[]} */
    var LOG = [];
    /** @type {string[]} */
    var FAILURES = [];
    var COUNTS = {ok: 0, warning: 0, failure: 0};

    /** @param {number} code */
    function hex4(code) {
        var h = code.toString(16).toUpperCase();
        while (h.length < 4) {
            h = "0" + h;
        }
        return h;
    }

    /** @param {*} text */
    function quote(text) {
        var s = String(text);
        var out = "\"";
        var i, c;
        for (i = 0; i < s.length; i++) {
            c = s.charCodeAt(i);
            if (c >= 32 && c < 127 && c !== 34 && c !== 92) {
                out += s.charAt(i);
            } else {
                out += "\\u" + hex4(c);
            }
        }
        return out + "\"";
    }

    /** @param {*} value */
    function isArray(value) {
        return Object.prototype.toString.call(value) === "[object Array]";
    }

    /**
     * @param {*} value
     * @returns {string}
     */
    function serialise(value) {
        /** @type {string[]} */
        var parts = [];
        var i, key;
        if (value === null || value === undefined) {
            return "null";
        }
        if (typeof value === "number") {
            return isFinite(value) ? String(value) : "null";
        }
        if (typeof value === "boolean") {
            return value ? "true" : "false";
        }
        if (typeof value === "string") {
            return quote(value);
        }
        if (isArray(value)) {
            for (i = 0; i < value.length; i++) {
                parts.push(serialise(value[i]));
            }
            return "[" + parts.join(",") + "]";
        }
        for (key in value) {
            if (Object.prototype.hasOwnProperty.call(value, key)) {
                parts.push(quote(key) + ":" + serialise(value[key]));
            }
        }
        return "{" + parts.join(",") + "}";
    }

    /** @param {*} error */
    function describeError(error) {
        try {
            if (error && error.message) {
                return String(error.message);
            }
            return String(error);
        } catch (e) {
            return "unknown error";
        }
    }

    /**
     * One log entry; failures are also kept for the error thrown at the end.
     * @param {string} level ok, warning or failure
     * @param {string} step
     * @param {Target | null} target
     * @param {string} message
     * @param {Object.<string, *>} [extra]
     */
    function record(level, step, target, message, extra) {
        /** @type {Object.<string, *>} */
        var entry = {level: level, step: step, message: message};
        var key;
        if (target) {
            entry.composition = target.composition;
            entry.layer = target.layer;
            entry.index = target.index;
        }
        if (extra) {
            for (key in extra) {
                if (Object.prototype.hasOwnProperty.call(extra, key)) {
                    entry[key] = extra[key];
                }
            }
        }
        LOG.push(serialise(entry));
        if (level === "ok" || level === "warning" || level === "failure") {
            COUNTS[level] += 1;
        }
        if (level === "failure") {
            FAILURES.push(step + ": " + message +
                (target ? " (" + target.composition + " / " + target.layer + ")" : ""));
        }
    }

    /**
     * @param {Project} project
     * @param {string} name
     * @returns {CompItem[]}
     */
    function compositionsNamed(project, name) {
        /** @type {CompItem[]} */
        var found = [];
        var i, item;
        for (i = 1; i <= project.numItems; i++) {
            item = project.item(i);
            if (item instanceof CompItem && item.name === name) {
                found.push(item);
            }
        }
        return found;
    }

    /**
     * @param {Project} project
     * @param {Target} target
     * @returns {CompItem | null}
     */
    function findComposition(project, target) {
        var found = compositionsNamed(project, target.composition);
        if (found.length === 0) {
            record("failure", "find-composition", target, "composition not found");
            return null;
        }
        if (found.length > 1) {
            record("warning", "find-composition", target, "several compositions have this name; using the first");
        }
        return found[0];
    }

    /**
     * The layer named as planned (several: the one at the planned index). None by that name is
     * a failure: the template changed since the plan was made.
     * @param {CompItem} comp
     * @param {Target} target
     * @returns {Layer | null}
     */
    function findLayer(comp, target) {
        /** @type {Layer[]} */
        var named = [];
        var i, layer;
        for (i = 1; i <= comp.numLayers; i++) {
            layer = comp.layer(i);
            if (layer.name === target.layer) {
                named.push(layer);
            }
        }
        if (named.length === 0) {
            record("failure", "find-layer", target,
                "layer not found: the template changed since it was read");
            return null;
        }
        for (i = 0; i < named.length; i++) {
            if (named[i].index === target.index) {
                return named[i];
            }
        }
        record("warning", "find-layer", target, "the layer is not at its planned index",
            {found: named[0].index});
        return named[0];
    }

    /**
     * @param {Layer | PropertyGroup | null} group
     * @param {string} matchName
     * @returns {PropertyGroup | null}
     */
    function groupOf(group, matchName) {
        var found = group ? group.property(matchName) : null;
        if (found && found.propertyType !== PropertyType.PROPERTY) {
            return /** @type {PropertyGroup} */ (found);
        }
        return null;
    }

    /**
     * @param {PropertyGroup | null} group
     * @param {string} matchName
     * @returns {Property | null}
     */
    function propertyOf(group, matchName) {
        var found = group ? group.property(matchName) : null;
        if (found && found.propertyType === PropertyType.PROPERTY) {
            return /** @type {Property} */ (found);
        }
        return null;
    }
"""
