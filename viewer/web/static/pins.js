// The consultation in the 3D view: the place under a click (or under the centre of the view)
// in the territory's CRS, the camera in that CRS, and the comments' pins.
//
// Frames: the GLB is in metres from an origin (x0, y0) (its scene extras), z up; the page turns
// it by -90° about X to three.js's y-up. root.worldToLocal undoes that turn, then
// CRS x = x' + x0, CRS y = y' + y0, z = z' (elevation).
import * as THREE from "three";

const PIN_HEIGHT = 0.055; // of the view's height (sprites of constant size on screen)
const PIN_COLOURS = { other: "#0b5cab", mine: "#b34700", pending: "#5f6b76", draft: "#ffbf00" };
const round = (v) => Math.round(v * 100) / 100; // centimetres

/** The place under a point of the canvas (client pixels): {side, point: [x, y] in the CRS, z, onBuilding} or null. */
export function pickAt(view, clientX, clientY) {
  const { side, ndc } = view.sideAt(clientX, clientY);
  return _pick(view, side, ndc);
}

/** The place under the centre of the view (the scenario's side): what a keyboard user comments on. */
export function pickCentre(view) {
  return _pick(view, "main", new THREE.Vector2(0, 0));
}

function _pick(view, side, ndc) {
  const { root, origin } = view.frame(side);
  if (!origin) return null; // no scene loaded yet
  const hit = view.raycast(side, ndc);
  if (!hit) return null; // the sky
  const local = root.worldToLocal(hit.point.clone());
  return {
    side,
    point: [round(local.x + origin[0]), round(local.y + origin[1])],
    z: local.z,
    onBuilding: hit.object.name === "buildings" || hit.object.parent?.name === "buildings",
  };
}

/** The camera's position and target in the territory's CRS (x, y, z up), as a comment records its view. */
export function cameraInCrs(view) {
  const { root, origin } = view.frame("main");
  if (!origin) return null;
  const toCrs = (v) => {
    const l = root.worldToLocal(v.clone());
    return [round(l.x + origin[0]), round(l.y + origin[1]), round(l.z)];
  };
  return { position: toCrs(view.camera.position), target: toCrs(view.controls.target) };
}

/** Look at the territory as a comment's author did ({position, target} in the CRS); false when not possible. */
export function showCamera(view, camera) {
  const { root, origin } = view.frame("main");
  const ok = (v) => Array.isArray(v) && v.length === 3 && v.every(Number.isFinite);
  if (!origin || !camera || !ok(camera.position) || !ok(camera.target)) return false;
  const toWorld = ([x, y, z]) => root.localToWorld(new THREE.Vector3(x - origin[0], y - origin[1], z));
  view.lookFrom(toWorld(camera.position), toWorld(camera.target));
  return true;
}

/** A pin drawn once per kind: a round head on a point, with a white rim that shows on any colour. */
function _texture(colour) {
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 96;
  const g = canvas.getContext("2d");
  g.beginPath();
  g.moveTo(32, 94);
  g.lineTo(12, 46);
  g.arc(32, 32, 24, Math.PI * 0.82, Math.PI * 0.18);
  g.closePath();
  g.fillStyle = colour;
  g.fill();
  g.lineWidth = 5;
  g.strokeStyle = "#ffffff";
  g.stroke();
  g.lineWidth = 1.5;
  g.strokeStyle = "#1b1f23";
  g.stroke();
  g.beginPath();
  g.arc(32, 32, 9, 0, Math.PI * 2);
  g.fillStyle = "#ffffff";
  g.fill();
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  return texture;
}

/** The comments' pins on one side of the view; each sprite knows its comment's id. */
export class Pins {
  constructor(view, sideName = "main") {
    this.view = view;
    this.side = sideName;
    this.group = view.markers(sideName);
    this.materials = {};
    for (const [kind, colour] of Object.entries(PIN_COLOURS)) {
      this.materials[kind] = new THREE.SpriteMaterial({
        map: _texture(colour), sizeAttenuation: false, depthTest: false, transparent: true });
    }
    this.heights = new Map(); // "x,y" -> z of the model there (one vertical ray each, kept)
    this.model = null; // the model the heights were taken on
  }

  /**
   * Show pins for comments [{id, point: [x, y], mine, status}], the selected one larger,
   * and a draft pin ([x, y], the place of a comment being written) or null.
   */
  show(comments, { selected = null, draft = null } = {}) {
    this.group.clear();
    const { origin, content } = this.view.frame(this.side);
    if (!origin) return;
    if (this.model !== content.children[0]) {
      this.heights.clear(); // another scene: the ground and buildings may differ
      this.model = content.children[0];
    }
    const add = (point, kind, id, big) => {
      const sprite = new THREE.Sprite(this.materials[kind]);
      sprite.center.set(0.5, 0); // the tip on the place
      const k = big ? 1.5 : 1;
      sprite.scale.set(PIN_HEIGHT * k * (2 / 3), PIN_HEIGHT * k, 1);
      sprite.position.set(point[0] - origin[0], point[1] - origin[1], this._height(point, origin));
      sprite.renderOrder = big ? 11 : 10;
      sprite.userData.commentId = id;
      this.group.add(sprite);
    };
    for (const c of comments) {
      if (!Array.isArray(c.point) || c.point.length !== 2) continue;
      const kind = c.status === "pending" ? "pending" : c.mine ? "mine" : "other";
      add(c.point, kind, c.id, c.id === selected);
    }
    if (draft) add(draft, "draft", null, true);
    this.view.requestRender();
  }

  /** The id of the comment whose pin is under a point of the canvas, or null. */
  hitAt(clientX, clientY) {
    const { side, ndc } = this.view.sideAt(clientX, clientY);
    if (side !== this.side || !this.group.children.length) return null;
    // Pins are drawn over everything (no depth test): the one on top is the last drawn, not the nearest.
    const pins = this.group.children;
    const rank = (o) => o.renderOrder * 1e6 + pins.indexOf(o);
    const hits = this.view.raycastAll(side, ndc, pins).map((h) => h.object).filter((o) => o.userData.commentId != null);
    return hits.length ? hits.reduce((a, b) => (rank(b) > rank(a) ? b : a)).userData.commentId : null;
  }

  /** The height of the model at a CRS point: a vertical ray from high above. */
  _height(point, origin) {
    const key = point.join(",");
    if (!this.heights.has(key)) {
      const { root, content } = this.view.frame(this.side);
      root.updateMatrixWorld(true);
      const [x, y] = [point[0] - origin[0], point[1] - origin[1]];
      const from = root.localToWorld(new THREE.Vector3(x, y, 1e5));
      const down = root.localToWorld(new THREE.Vector3(x, y, 0)).sub(from).normalize();
      const hit = new THREE.Raycaster(from, down).intersectObject(content, true)[0];
      this.heights.set(key, hit ? root.worldToLocal(hit.point.clone()).z : 0);
    }
    return this.heights.get(key);
  }
}
