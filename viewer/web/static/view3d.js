// The 3D view: one WebGL renderer, one camera moved by OrbitControls, and two scenes
// ("base" = the baseline, "main" = the chosen scenario) drawn with viewport/scissor for the
// before/after modes: "off" (main only), "split" (two halves) and "swipe" (a divider).
// It renders on demand only (a change, a control move, an animation frame), not in a loop:
// the test machine draws with software WebGL. A map may be laid over the ground of a side (the hour
// of a heat event's day, a PNG of one pixel per cell, north up): it is draped on the terrain's mesh.
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";

// glTF's COLOR_0 is linear, and viewer/glb.py converts the legend's sRGB colours to linear
// as it should, so the colours are used as they come. Set true for a GLB holding raw sRGB
// bytes (some exporters do): they are then turned to linear once, on load.
const SRGB_VERTEX_COLORS = false;
const BACKGROUND = 0xe4ecf1;
const FOV_DEG = 40;
const FIT_MARGIN = 0.94; // the town's box fills at most 94 % of the picture's half-width and half-height
const ROTATE_STEP = THREE.MathUtils.degToRad(15);
const TILT_STEP = THREE.MathUtils.degToRad(8);
const ZOOM_STEP = 0.8; // distance factor per zoom-in press
const SPLIT_WIDEN = 1.5; // how much wider each half's view is in split mode

function _srgbToLinear(c) {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** Replace a geometry's colour attribute by linear RGB floats (drops any alpha). */
function _linearColours(geometry) {
  const src = geometry.getAttribute("color");
  const out = new Float32Array(src.count * 3);
  for (let i = 0; i < src.count; i++) {
    out[3 * i] = _srgbToLinear(src.getX(i));
    out[3 * i + 1] = _srgbToLinear(src.getY(i));
    out[3 * i + 2] = _srgbToLinear(src.getZ(i));
  }
  geometry.setAttribute("color", new THREE.BufferAttribute(out, 3));
}

/** Give every mesh a plain matte material showing its vertex colours (no exporter tint). */
function _prepare(root) {
  const extras = [];
  root.traverse((obj) => {
    if (obj.isCamera || obj.isLight) extras.push(obj); // exporters may add their own
    if (!obj.isMesh) return;
    const hasColour = Boolean(obj.geometry.getAttribute("color"));
    if (hasColour && SRGB_VERTEX_COLORS) _linearColours(obj.geometry);
    const old = Array.isArray(obj.material) ? obj.material[0] : obj.material;
    obj.material = new THREE.MeshLambertMaterial({
      vertexColors: hasColour,
      color: hasColour ? 0xffffff : (old?.color ?? 0xbbbbbb),
      flatShading: true, // needs no normals, and reads well on terrain and buildings
      side: THREE.DoubleSide,
    });
    old?.dispose?.();
  });
  for (const obj of extras) obj.removeFromParent();
  return root;
}

/**
 * A mesh laying `texture` over `terrain` (a copy of its triangles, in its frame): the terrain covers the grid's
 * outline exactly (viewer/meshes.py) and the map has one pixel per cell, north up (row 0 at v = 0, as an
 * ImageBitmap is uploaded), so u and v follow x and y across the terrain's box.
 */
function _overlayMesh(terrain, texture) {
  const geometry = new THREE.BufferGeometry();
  const position = terrain.geometry.getAttribute("position");
  geometry.setAttribute("position", position.clone());
  if (terrain.geometry.index) geometry.setIndex(terrain.geometry.index.clone());
  terrain.geometry.computeBoundingBox();
  const { min, max } = terrain.geometry.boundingBox;
  const width = Math.max(max.x - min.x, 1e-9);
  const height = Math.max(max.y - min.y, 1e-9);
  const uv = new Float32Array(position.count * 2);
  for (let i = 0; i < position.count; i++) {
    uv[2 * i] = (position.getX(i) - min.x) / width;
    uv[2 * i + 1] = (max.y - position.getY(i)) / height;
  }
  geometry.setAttribute("uv", new THREE.BufferAttribute(uv, 2));
  const material = new THREE.MeshLambertMaterial({
    map: texture,
    alphaTest: 0.5, // clear cells (no value: building footprints) show the ground under them
    flatShading: true, // lit as the terrain is
    side: THREE.DoubleSide,
    polygonOffset: true, // drawn over the terrain's own triangles, in the same place
    polygonOffsetFactor: -1,
    polygonOffsetUnits: -2,
  });
  const mesh = new THREE.Mesh(geometry, material);
  mesh.name = "overlay";
  return mesh;
}

function _dispose(root) {
  root.traverse((obj) => {
    obj.geometry?.dispose();
    if (obj.material) [].concat(obj.material).forEach((m) => m.dispose());
  });
}

/** One side of the comparison: a scene holding the model (z-up, turned to y-up) and its water. */
function _makeSide() {
  const scene = new THREE.Scene();
  scene.add(new THREE.AmbientLight(0xffffff, 1.9));
  const sun = new THREE.DirectionalLight(0xffffff, 1.5);
  sun.position.set(-0.6, 1.0, 0.5); // from the south-west, high: shaded walls stay readable
  scene.add(sun);
  const root = new THREE.Group();
  root.rotation.x = -Math.PI / 2; // the twin's frame is z-up, three.js is y-up
  const content = new THREE.Group();
  const water = new THREE.Group();
  const markers = new THREE.Group(); // comment pins (pins.js), in the model's z-up frame
  root.add(content, water, markers);
  scene.add(root);
  return { scene, root, content, water, markers, hasContent: false, overlay: null, overlayMesh: null };
}

export class View3D {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onRender?: (info: {frameCount: number, hasContent: boolean}) => void}} options
   * Throws when WebGL is not available.
   */
  constructor(canvas, { onRender } = {}) {
    this.canvas = canvas;
    this.onRender = onRender;
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(BACKGROUND);
    this.camera = new THREE.PerspectiveCamera(FOV_DEG, 1, 1, 100000);
    this.camera.position.set(0, 500, 700);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false; // damping would need a render loop
    this.controls.maxPolarAngle = Math.PI / 2 - 0.05; // stay above the ground
    this.controls.screenSpacePanning = false; // pan along the ground
    this.controls.addEventListener("change", () => this.requestRender());
    this.loader = new GLTFLoader();
    this.sides = { base: _makeSide(), main: _makeSide() };
    this.mode = "off";
    this.swipe = 0.5;
    this.framed = false;
    this.frameCount = 0;
    this._pending = 0;
    this._size = { width: 1, height: 1 };
    new ResizeObserver(() => this._resize()).observe(canvas);
    this._resize();
    canvas.addEventListener("keydown", (e) => this._onKey(e));
  }

  /** Parse GLB bytes into a ready-to-show object (materials replaced, cameras dropped). */
  parse(buffer) {
    return new Promise((resolve, reject) => {
      this.loader.parse(buffer, "", (gltf) => resolve(_prepare(gltf.scene)), (err) =>
        reject(err instanceof Error ? err : new Error(String(err?.message ?? err))));
    });
  }

  /** Show an object on a side ("base" or "main"), replacing (and freeing) what was there. */
  setContent(sideName, object) {
    const side = this.sides[sideName];
    for (const child of [...side.content.children]) {
      side.content.remove(child);
      _dispose(child);
    }
    side.hasContent = Boolean(object);
    side.overlayMesh = null; // freed with the content it was laid on
    if (object) side.content.add(object);
    this._layOverlay(side);
    if (object && !this.framed && sideName === "main") this.frameOnContent();
    this.requestRender();
  }

  /** Show a flood frame's water on a side (a clone: cached frames stay reusable); null clears. */
  setWater(sideName, object) {
    const water = this.sides[sideName].water;
    water.clear();
    if (object) water.add(object.clone());
    this.requestRender();
  }

  /** A texture of a PNG map (a Blob) to lay over the ground with setOverlay; its owner disposes it. */
  async texture(blob) {
    const bitmap = await createImageBitmap(blob, { premultiplyAlpha: "none", colorSpaceConversion: "none" });
    const texture = new THREE.Texture(bitmap);
    texture.flipY = false; // ignored for an ImageBitmap: row 0 (north) is at v = 0, see _overlayMesh
    texture.colorSpace = THREE.SRGBColorSpace; // the legend's colours, as the vertex colours show them
    texture.generateMipmaps = false;
    texture.minFilter = THREE.LinearFilter;
    texture.magFilter = THREE.LinearFilter;
    texture.needsUpdate = true;
    return texture;
  }

  /** Lay a map (a texture of texture()) over the ground of a side, above the scene's own colours; null clears. */
  setOverlay(sideName, texture) {
    const side = this.sides[sideName];
    if (side.overlay === (texture ?? null) && (side.overlayMesh || !texture)) return;
    side.overlay = texture ?? null;
    this._layOverlay(side);
    this.requestRender();
  }

  _layOverlay(side) {
    if (side.overlayMesh) {
      side.overlayMesh.removeFromParent();
      side.overlayMesh.geometry.dispose();
      side.overlayMesh.material.dispose(); // not its texture: the page keeps it for the slider
      side.overlayMesh = null;
    }
    if (!side.overlay) return;
    let terrain = null;
    side.content.traverse((obj) => {
      if (!terrain && obj.isMesh && obj.name === "terrain") terrain = obj;
    });
    if (!terrain) return; // laid when the scene comes (setContent)
    side.overlayMesh = _overlayMesh(terrain, side.overlay);
    terrain.add(side.overlayMesh); // in the terrain's frame
  }

  clear(sideName) {
    this.setContent(sideName, null);
    this.setWater(sideName, null);
  }

  hasContent(sideName) {
    return this.sides[sideName].hasContent;
  }

  // --- Picking, for the consultation's comments (pins.js) ---

  /** The side ("main" or "base") under a point of the canvas (client pixels), and its normalised coordinates. */
  sideAt(clientX, clientY) {
    const rect = this.canvas.getBoundingClientRect();
    let x = (clientX - rect.left) / rect.width;
    const y = (clientY - rect.top) / rect.height;
    let side = "main";
    if (this.mode === "split") {
      side = x < 0.5 ? "base" : "main"; // each half has its own viewport: coordinates within it
      x = x < 0.5 ? x * 2 : (x - 0.5) * 2;
    } else if (this.mode === "swipe" && x < this.swipe) side = "base";
    return { side, ndc: new THREE.Vector2(x * 2 - 1, 1 - y * 2) };
  }

  /** The intersections of the ray from the camera through ndc with `objects` (default: the side's model), nearest first. */
  raycastAll(sideName, ndc, objects = null) {
    const side = this.sides[sideName];
    side.root.updateMatrixWorld(true);
    this.camera.updateMatrixWorld();
    this._raycaster ??= new THREE.Raycaster();
    this._raycaster.setFromCamera(ndc, this.camera);
    return this._raycaster.intersectObjects(objects ?? [side.content], true);
  }

  /** The nearest intersection (see raycastAll), or null. */
  raycast(sideName, ndc, objects = null) {
    return this.raycastAll(sideName, ndc, objects)[0] ?? null;
  }

  /** The side's group holding markers, in the model's z-up frame (metres from the origin). */
  markers(sideName) {
    return this.sides[sideName].markers;
  }

  /** The side's frame: its root (z-up, turned to y-up) and the GLB's origin [x0, y0] in the territory's CRS. */
  frame(sideName) {
    const side = this.sides[sideName];
    const origin = side.content.children[0]?.userData?.origin;
    return { root: side.root, content: side.content, origin: Array.isArray(origin) ? origin : null };
  }

  /** Move the camera to a position looking at a target (both in world coordinates). */
  lookFrom(position, target) {
    this.camera.position.copy(position);
    this.controls.target.copy(target);
    this.controls.update();
    this.requestRender();
  }

  /** "off" | "split" | "swipe" */
  setMode(mode) {
    this.mode = mode;
    this.requestRender();
  }

  /** The divider of the swipe, as a fraction of the width from the left (0..1). */
  setSwipe(fraction) {
    this.swipe = THREE.MathUtils.clamp(fraction, 0, 1);
    this.requestRender();
  }

  /** Put the camera south of the territory, looking north and down, the whole of it in view. */
  frameOnContent() {
    const box = new THREE.Box3();
    for (const side of [this.sides.main, this.sides.base]) {
      side.root.updateMatrixWorld(true);
      box.expandByObject(side.content);
      if (!box.isEmpty()) break;
    }
    if (box.isEmpty()) return;
    const center = box.getCenter(new THREE.Vector3());
    const size = box.getSize(new THREE.Vector3());
    const radius = Math.max(size.x, size.z, 1) / 2;
    const elevation = THREE.MathUtils.degToRad(50);
    const direction = new THREE.Vector3(0, Math.sin(elevation), Math.cos(elevation));
    const cam = this.camera;
    cam.fov = FOV_DEG;
    cam.aspect = this._size.width / Math.max(this._size.height, 1);
    cam.near = Math.max(radius / 1000, 0.1);
    cam.far = radius * 40;
    cam.updateProjectionMatrix();
    // The nearest distance at which every corner of the town's box is inside the picture, across its width and its
    // height (a wide screen cuts the top, a tablet the sides): bisection, the projection is monotonic in distance.
    const corners = [];
    for (const x of [box.min.x, box.max.x]) for (const y of [box.min.y, box.max.y]) for (const z of [box.min.z, box.max.z])
      corners.push(new THREE.Vector3(x, y, z));
    const p = new THREE.Vector3();
    const fits = (distance) => {
      cam.position.copy(center).addScaledVector(direction, distance);
      cam.lookAt(center);
      cam.updateMatrixWorld(true);
      return corners.every((c) => {
        p.copy(c).project(cam);
        return Math.abs(p.x) <= FIT_MARGIN && Math.abs(p.y) <= FIT_MARGIN && p.z < 1;
      });
    };
    let near = radius * 0.2;
    let far = radius * 20;
    for (let i = 0; i < 40; i++) {
      const mid = (near + far) / 2;
      if (fits(mid)) far = mid;
      else near = mid;
    }
    fits(far);
    this.controls.target.copy(center);
    this.controls.minDistance = radius * 0.05;
    this.controls.maxDistance = radius * 6;
    this.controls.update();
    this.controls.saveState(); // "Reset view" comes back here
    this.framed = true;
    this.requestRender();
  }

  resetView() {
    if (this.framed) this.controls.reset();
    else this.frameOnContent();
  }

  /** Turn around the vertical axis; positive turns the camera to the left. */
  rotate(angle = ROTATE_STEP) {
    this.controls.rotateLeft(angle);
  }

  tilt(angle = TILT_STEP) {
    this.controls.rotateUp(angle);
  }

  zoomIn() {
    this.controls.dollyIn(ZOOM_STEP);
  }

  zoomOut() {
    this.controls.dollyOut(ZOOM_STEP);
  }

  /** Arrow keys turn and tilt, + and - zoom, Home / 0 resets. Tab is left alone (no trap). */
  _onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const actions = {
      ArrowLeft: () => this.rotate(ROTATE_STEP),
      ArrowRight: () => this.rotate(-ROTATE_STEP),
      ArrowUp: () => this.tilt(TILT_STEP),
      ArrowDown: () => this.tilt(-TILT_STEP),
      "+": () => this.zoomIn(),
      "=": () => this.zoomIn(),
      "-": () => this.zoomOut(),
      Home: () => this.resetView(),
      0: () => this.resetView(),
    };
    const action = actions[e.key];
    if (!action) return;
    e.preventDefault(); // keep the page from scrolling
    action();
  }

  _resize() {
    const width = Math.max(1, this.canvas.clientWidth);
    const height = Math.max(1, this.canvas.clientHeight);
    if (width === this._size.width && height === this._size.height) return;
    this._size = { width, height };
    this.renderer.setSize(width, height, false); // CSS sizes the canvas
    this.requestRender();
  }

  /** Ask for one frame at the next animation frame (several asks make one frame). */
  requestRender() {
    if (!this._pending) this._pending = requestAnimationFrame(() => this._render());
  }

  _render() {
    this._pending = 0;
    const { width, height } = this._size;
    const r = this.renderer;
    const { base, main } = this.sides;
    const cam = this.camera;
    if (this.mode === "split") {
      // Each half is half as wide: widen the field of view (by 1.5, not 2, a trade-off
      // between seeing the sides and the size of things) so the halves still show most of it.
      const half = Math.floor(width / 2);
      const tanHalf = Math.tan(THREE.MathUtils.degToRad(FOV_DEG / 2));
      cam.fov = THREE.MathUtils.radToDeg(2 * Math.atan(tanHalf * SPLIT_WIDEN));
      cam.aspect = half / height;
      cam.updateProjectionMatrix();
      r.setScissorTest(true);
      r.setViewport(0, 0, half, height);
      r.setScissor(0, 0, half, height);
      r.render(base.scene, cam);
      r.setViewport(half, 0, width - half, height);
      r.setScissor(half, 0, width - half, height);
      r.render(main.scene, cam);
      r.setScissorTest(false);
    } else {
      cam.fov = FOV_DEG;
      cam.aspect = width / height;
      cam.updateProjectionMatrix();
      r.setViewport(0, 0, width, height);
      if (this.mode === "swipe") {
        const x = Math.round(width * this.swipe);
        r.setScissorTest(true);
        r.setScissor(0, 0, x, height);
        r.render(base.scene, cam);
        r.setScissor(x, 0, width - x, height);
        r.render(main.scene, cam);
        r.setScissorTest(false);
      } else {
        r.render(main.scene, cam);
      }
    }
    this.frameCount += 1;
    const hasContent = main.hasContent && (this.mode === "off" || base.hasContent);
    this.onRender?.({ frameCount: this.frameCount, hasContent });
  }
}
