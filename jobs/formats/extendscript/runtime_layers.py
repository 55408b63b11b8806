"""The runtime's second part: what it does to a text layer and to a footage layer.

Text: only the text of the layer's ``TextDocument`` changes (at every key, if Source Text is
keyframed); font, size, justification and every other style stay the template's.

Footage, in this order, stopping at the first failure:

1. the layer is an ``AVLayer`` showing a ``FootageItem``; its source is the plan's ``box`` in
   size (unless the template did not record it) and its ``pixelAspect`` the plan's: otherwise
   the template changed since it was read and the plan does not describe it (failure);
2. the image exists and imports at the plan's ``imageSize`` (a PNG After Effects interprets
   with non-square pixels is set back to square, as the plan assumes);
3. ``replaceSource(image, true)`` (true: expressions naming the old source follow it);
4. Anchor Point and Scale (their values read before the source is replaced): without
   keyframes, set to the plan's ``anchor`` and ``scale`` (a static Anchor Point that is not the
   one the plan was made from is a warning); with keyframes, each key changed by the plan's
   rules: anchor ``new = old * m + b`` with ``anchorMap``, scale by ``planScale`` below.
   ``planScale`` is the ONE place the script repeats a rule of the render plan
   (``jobs/formats/render_plan/footage.py::new_scale``, which it must equal, for the same
   ``box``, ``imageSize``, ``fit`` and ``pixelAspect``): a keyframed value (or one the template
   description could not read, where the plan has no static value) is one the plan cannot list;
5. for ``fill``, a rectangular mask (``ADBE Mask Parade`` > ``ADBE Mask Atom`` > ``ADBE Mask
   Shape``, the four corners of the plan's ``mask``, closed) keeps the image inside the box.
   It is added last: After Effects may invalidate references to a layer's other properties
   once a property is added to it.

Plain Python: no Django import.
"""

LAYERS = r"""
    var MASK_NAME = "aeautomation fill";
    /** @type {{path: string, item: FootageItem}[]} */
    var IMPORTED = [];

    /**
     * @param {Layer} layer
     * @returns {TextDocumentProperty | null}
     */
    function sourceTextOf(layer) {
        var prop = propertyOf(groupOf(layer, "ADBE Text Properties"), "ADBE Text Document");
        return prop ? /** @type {TextDocumentProperty} */ (prop) : null;
    }

    /**
     * @param {TextOp} op
     * @param {Layer} layer
     */
    function setText(op, layer) {
        var prop = sourceTextOf(layer);
        var k, doc;
        if (!prop) {
            record("failure", "set-text", op, "not a text layer");
            return;
        }
        if (prop.expressionEnabled) {
            record("warning", "set-text", op, "Source Text has an expression, which may override the text");
        }
        if (prop.numKeys > 0) {
            for (k = 1; k <= prop.numKeys; k++) {
                doc = prop.keyValue(k);
                doc.text = op.text;
                prop.setValueAtKey(k, doc);
            }
        } else {
            doc = prop.value;
            doc.text = op.text;
            prop.setValue(doc);
        }
        record("ok", "set-text", op, "text set", {keyframes: prop.numKeys});
    }

    /**
     * ``value`` with its first two numbers replaced by ``xy`` (a third, z, is kept).
     * @param {number[]} value
     * @param {number[]} xy
     * @returns {*}
     */
    function withXY(value, xy) {
        var result = [xy[0], xy[1]];
        var i;
        for (i = 2; i < value.length; i++) {
            result.push(value[i]);
        }
        return result;
    }

    /**
     * The plan's anchor rule: ``new = old * m + b`` per axis, anchorMap = [mx, bx, my, by].
     * @param {number[]} anchor
     * @param {number[]} m
     */
    function mappedAnchor(anchor, m) {
        return withXY(anchor, [anchor[0] * m[0] + m[1], anchor[1] * m[2] + m[3]]);
    }

    /**
     * The plan's scale rule (render_plan/footage.py::new_scale, which this must equal): the Scale
     * that makes an image of imageSize fit, fill or stretch to the box as displayed (box widths
     * are pixelAspect wide; the image's pixels are square), keeping the signs (flips).
     * @param {number[]} scale
     * @param {FootageOp} op
     */
    function planScale(scale, op) {
        var bw = (op.box[2] - op.box[0]) * op.pixelAspect;
        var bh = op.box[3] - op.box[1];
        var w = op.imageSize[0];
        var h = op.imageSize[1];
        var kx, ky, k;
        if (op.fit === "stretch") {
            return withXY(scale, [scale[0] * bw / w, scale[1] * bh / h]);
        }
        kx = bw * Math.abs(scale[0]) / w;
        ky = bh * Math.abs(scale[1]) / h;
        k = op.fit === "fill" ? Math.max(kx, ky) : Math.min(kx, ky);
        return withXY(scale, [scale[0] >= 0 ? k : -k, scale[1] >= 0 ? k : -k]);
    }

    /**
     * @typedef {Object} Snapshot
     * @property {number[][]} keys
     * @property {number[]} value
     */

    /**
     * The values of Anchor Point or Scale before the source is replaced (the rules apply to them).
     * @param {TwoDOrThreeDProperty} prop
     * @returns {Snapshot}
     */
    function snapshot(prop) {
        /** @type {number[][]} */
        var keys = [];
        var k;
        for (k = 1; k <= prop.numKeys; k++) {
            keys.push(prop.keyValue(k));
        }
        return {keys: keys, value: prop.value};
    }

    /**
     * @param {AVLayer} layer
     * @param {string} matchName
     * @returns {TwoDOrThreeDProperty | null}
     */
    function transformProperty(layer, matchName) {
        var prop = propertyOf(groupOf(layer, "ADBE Transform Group"), matchName);
        return prop ? /** @type {TwoDOrThreeDProperty} */ (prop) : null;
    }

    /**
     * Set a transform property: the plan's static value, or each key by the plan's rule.
     * @param {FootageOp} op
     * @param {TwoDOrThreeDProperty} prop
     * @param {string} name
     * @param {Snapshot} before
     * @param {number[] | null} planned
     * @param {function(number[]): *} rule
     */
    function setTransform(op, prop, name, before, planned, rule) {
        var k;
        if (prop.expressionEnabled) {
            record("warning", "replace-footage", op, name + " has an expression, which may override the plan's value");
        }
        if (before.keys.length > 0) {
            for (k = 1; k <= before.keys.length; k++) {
                prop.setValueAtKey(k, rule(before.keys[k - 1]));
            }
            record("ok", "replace-footage", op, name + " keys changed by the plan's rule", {keyframes: prop.numKeys});
        } else if (planned) {
            prop.setValue(withXY(before.value, planned));
        } else {
            prop.setValue(rule(before.value));
            record("warning", "replace-footage", op,
                name + " not in the plan (animated template?): the plan's rule applied");
        }
    }

    /**
     * A warning when the static Anchor Point is not the one the plan was made from.
     * @param {FootageOp} op
     * @param {Snapshot} before
     */
    function checkAnchor(op, before) {
        var m = op.anchorMap;
        var x, y;
        if (!op.anchor || before.keys.length > 0) {
            return;
        }
        x = (op.anchor[0] - m[1]) / m[0];
        y = (op.anchor[1] - m[3]) / m[2];
        if (Math.abs(before.value[0] - x) > 0.5 || Math.abs(before.value[1] - y) > 0.5) {
            record("warning", "check-template", op, "the Anchor Point is not the one the plan was made from",
                {found: before.value, planned: [x, y]});
        }
    }

    /**
     * @param {Project} project
     * @param {File} file
     * @returns {FootageItem | null}
     */
    function importImage(project, file) {
        var i, item;
        for (i = 0; i < IMPORTED.length; i++) {
            if (IMPORTED[i].path === file.fsName) {
                return IMPORTED[i].item;
            }
        }
        item = project.importFile(new ImportOptions(file));
        if (!(item instanceof FootageItem)) {
            return null;
        }
        IMPORTED.push({path: file.fsName, item: item});
        return item;
    }

    /**
     * The checks that the template is the one the plan was made from.
     * @param {FootageOp} op
     * @param {Layer} layer
     * @returns {AVLayer | null}
     */
    function checkedFootageLayer(op, layer) {
        var source, width, height, aspect;
        if (!(layer instanceof AVLayer) || layer instanceof TextLayer || !(layer.source instanceof FootageItem)) {
            record("failure", "replace-footage", op, "not a footage layer");
            return null;
        }
        source = layer.source;
        width = op.box[2] - op.box[0];
        height = op.box[3] - op.box[1];
        if (op.checkSize && (Math.abs(source.width - width) > 0.5 || Math.abs(source.height - height) > 0.5)) {
            record("failure", "check-template", op, "the placeholder's source is " + source.width + "x" +
                source.height + ", the plan's " + width + "x" + height + ": the template changed since it was read");
            return null;
        }
        aspect = source.pixelAspect || 1;
        if (Math.abs(aspect - op.pixelAspect) > 0.001) {
            record("failure", "check-template", op, "the placeholder's pixel aspect is " + aspect +
                ", the plan's " + op.pixelAspect + ": the template changed since it was read");
            return null;
        }
        return layer;
    }

    /**
     * @param {FootageOp} op
     * @param {Project} project
     * @returns {FootageItem | null}
     */
    function planImage(op, project) {
        var file = new File(op.file);
        var item;
        if (!file.exists) {
            record("failure", "replace-footage", op, "image not found", {file: file.fsName});
            return null;
        }
        item = importImage(project, file);
        if (!item || item.width !== op.imageSize[0] || item.height !== op.imageSize[1]) {
            record("failure", "replace-footage", op,
                "the image is not the plan's " + op.imageSize[0] + "x" + op.imageSize[1],
                {file: file.fsName, width: item ? item.width : null, height: item ? item.height : null});
            return null;
        }
        if (item.pixelAspect !== 1) {
            record("warning", "replace-footage", op, "the image was interpreted with non-square pixels; set to square",
                {pixelAspect: item.pixelAspect});
            item.pixelAspect = 1;
        }
        return item;
    }

    /**
     * The plan's fill mask: the image region to keep, in image (= layer) pixels.
     * @param {FootageOp} op
     * @param {AVLayer} layer
     */
    function addFillMask(op, layer) {
        var masks = groupOf(layer, "ADBE Mask Parade");
        var r = op.mask;
        var mask, shapeProp, shape;
        if (!masks || !r) {
            record("failure", "mask", op, "cannot add a mask to the layer");
            return;
        }
        if (masks.numProperties > 0) {
            record("warning", "mask", op, "the placeholder has masks of its own, drawn for its old source",
                {masks: masks.numProperties});
        }
        mask = /** @type {MaskPropertyGroup} */ (masks.addProperty("ADBE Mask Atom"));
        mask.name = MASK_NAME;
        shapeProp = /** @type {ShapeProperty | null} */ (propertyOf(mask, "ADBE Mask Shape"));
        if (!shapeProp) {
            record("failure", "mask", op, "the new mask has no shape");
            return;
        }
        shape = new Shape();
        shape.vertices = [[r[0], r[1]], [r[2], r[1]], [r[2], r[3]], [r[0], r[3]]];
        shape.closed = true;
        shapeProp.setValue(shape);
        record("ok", "mask", op, "fill mask added", {mask: r});
    }

    /**
     * @param {FootageOp} op
     * @param {Project} project
     * @param {Layer} found
     */
    function replaceFootage(op, project, found) {
        var layer = checkedFootageLayer(op, found);
        var item, anchor, scale, anchorBefore, scaleBefore;
        if (!layer) {
            return;
        }
        anchor = transformProperty(layer, "ADBE Anchor Point");
        scale = transformProperty(layer, "ADBE Scale");
        if (!anchor || !scale) {
            record("failure", "replace-footage", op, "the layer has no Anchor Point or Scale");
            return;
        }
        anchorBefore = snapshot(anchor);
        scaleBefore = snapshot(scale);
        checkAnchor(op, anchorBefore);
        item = planImage(op, project);
        if (!item) {
            return;
        }
        layer.replaceSource(item, true);
        anchor = transformProperty(layer, "ADBE Anchor Point") || anchor;
        scale = transformProperty(layer, "ADBE Scale") || scale;
        setTransform(op, anchor, "Anchor Point", anchorBefore, op.anchor, function (value) {
            return mappedAnchor(value, op.anchorMap);
        });
        setTransform(op, scale, "Scale", scaleBefore, op.scale, function (value) {
            return planScale(value, op);
        });
        record("ok", "replace-footage", op, "footage replaced",
            {file: item.file ? item.file.fsName : null, fit: op.fit, anchor: anchor.value, scale: scale.value});
        if (op.mask) {
            addFillMask(op, layer);
        } else if (op.fit === "fill") {
            record("warning", "mask", op,
                "the plan has no mask for this fill (animated template?): the image may spill");
        }
    }
"""
