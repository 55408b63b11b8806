'use strict';
/**
 * Layer arithmetic for the After Effects stand-in: where a layer's pixels land in its
 * composition, from its Anchor Point, Scale, Position and Rotation (2D layers, as After
 * Effects composes them) and the part of the transform its parents contribute.
 *
 * Affine maps are [a, b, c, d, e, f]: x' = a*x + c*y + e, y' = b*x + d*y + f (the template
 * reader's `matrix`). A layer's own map is
 *     T(position) . R(rotation, clockwise on screen) . S(scale / 100) . S(pixelAspect, 1) . T(-anchor)
 * (its source's pixels are pixelAspect wide for one high). The parents' part is taken from the
 * template description: its `matrix` (layer pixels -> composition pixels, parents included)
 * times the inverse of the layer's own map as the description gives it; a layer without a
 * parent and without a `matrix` has none.
 */

const IDENTITY = [1, 0, 0, 1, 0, 0];

function mul(m, n) {
    const [a, b, c, d, e, f] = m;
    const [a2, b2, c2, d2, e2, f2] = n;
    return [a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2, a * e2 + c * f2 + e, b * e2 + d * f2 + f];
}

function apply(m, point) {
    const [a, b, c, d, e, f] = m;
    const [x, y] = point;
    return [a * x + c * y + e, b * x + d * y + f];
}

function invert(m) {
    const [a, b, c, d, e, f] = m;
    const det = a * d - b * c;
    if (!det || !Number.isFinite(det)) return null;
    return [d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det];
}

/** A layer's own map from its transform values: {anchor, position, scale (percent), rotation
 * (degrees), pixelAspect}. */
function ownMatrix(t) {
    const r = (t.rotation || 0) * Math.PI / 180;
    const cos = Math.cos(r);
    const sin = Math.sin(r);
    const sx = t.scale[0] / 100 * (t.pixelAspect || 1);
    const sy = t.scale[1] / 100;
    const rs = [cos * sx, sin * sx, -sin * sy, cos * sy, 0, 0];
    return mul([1, 0, 0, 1, t.position[0], t.position[1]], mul(rs, [1, 0, 0, 1, -t.anchor[0], -t.anchor[1]]));
}

/** The parents' part of a layer's map, from its description (`matrix`, `parent_id`) and its own
 * transform as described; null when it cannot be known (a parent but no matrix). */
function parentPart(spec, own) {
    if (Array.isArray(spec.matrix) && spec.matrix.length === 6) {
        const inverse = invert(ownMatrix(own));
        return inverse ? mul(spec.matrix, inverse) : null;
    }
    return spec.parent_id ? null : IDENTITY.slice();
}

function corners(rect) {
    const [left, top, right, bottom] = rect;
    return [[left, top], [right, top], [right, bottom], [left, bottom]];
}

function bounds(points) {
    const xs = points.map(p => p[0]);
    const ys = points.map(p => p[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function intersect(a, b) {
    return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
}

/** Where `region` (layer pixels) lands in the composition: its four corners and their bounds. */
function placeRegion(parent, own, region) {
    if (!parent) return {corners: null, box: null};
    const matrix = mul(parent, ownMatrix(own));
    const points = corners(region).map(p => apply(matrix, p));
    if (!points.every(p => Number.isFinite(p[0]) && Number.isFinite(p[1]))) return {corners: null, box: null};
    return {corners: points, box: bounds(points), matrix};
}

module.exports = {IDENTITY, mul, apply, invert, ownMatrix, parentPart, corners, bounds, intersect, placeRegion};
