// The design page's 3D view (templates/view3d.html): the zone and the city around it, as the
// server's glTF (GET /api/v1/submissions/{uuid}/model.glb), turned with mouse or fingers.
//
// Kept light for school PCs that draw WebGL in software (llvmpipe, SwiftShader): Lambert
// materials, no shadows, no post-processing, and a frame only when something changed, never a
// loop. The texts come from the section's data attributes, in the page's language.
// `data-ready` is set once the first frame is drawn (`data-first-frame-ms`: when, after the
// page's navigation began) and `data-showing` names the model shown ("after" or "before") once
// its frame is drawn, for the tests and benchmarks/view3d.py.
import {
  Box3,
  BoxGeometry,
  Color,
  DirectionalLight,
  GLTFLoader,
  HemisphereLight,
  Mesh,
  MeshBasicMaterial,
  MeshLambertMaterial,
  OrbitControls,
  PerspectiveCamera,
  Scene,
  Vector3,
  WebGLRenderer,
} from "./vendor/three/three.min.js";

const section = document.querySelector("section.view3d");
if (section) start(section);

function hasWebGL() {
  try {
    const probe = document.createElement("canvas");
    const gl = window.WebGLRenderingContext && (probe.getContext("webgl2") || probe.getContext("webgl"));
    gl?.getExtension("WEBGL_lose_context")?.loseContext(); // browsers allow only a few contexts
    return Boolean(gl);
  } catch {
    return false;
  }
}

// The editor's look: the design's blocks in their colours, the city around the zone paler.
// Walls keep the file's window texture (`map`: a kind's window, repeated once per voxel),
// which the material multiplies with the wall's colour, as the editor's shader does.
const ZONE = { vertexColors: true };
const CONTEXT = { vertexColors: true, color: 0x9a9a9a, emissive: 0x5a5a5a };

// One material per texture and part, shared by every mesh that has them.
function material(materials, map, context) {
  const key = `${map ? map.uuid : "plain"} ${context}`;
  if (!materials.has(key)) {
    materials.set(key, new MeshLambertMaterial({ ...(context ? CONTEXT : ZONE), map }));
  }
  return materials.get(key);
}

// A mesh is in the city around the zone if it or its node (a group of one mesh per material
// when the node has walls with windows) is named "context".
function inContext(part) {
  for (let node = part; node; node = node.parent) if (node.name === "context") return true;
  return false;
}

function start(root) {
  root.hidden = false;
  const status = root.querySelector(".view3d-status");
  const toggle = root.querySelector(".view3d-toggle");
  const canvas = root.querySelector("canvas");
  const say = (text) => { status.textContent = text; };
  const fail = (text) => {
    root.classList.add("no-3d");
    say(text);
  };
  if (!hasWebGL()) {
    fail(root.dataset.noWebgl);
    return;
  }
  let renderer;
  try {
    renderer = new WebGLRenderer({ canvas, antialias: false, powerPreference: "low-power" });
  } catch {
    fail(root.dataset.noWebgl);
    return;
  }
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
  const scene = new Scene();
  scene.background = new Color(0xcfe3f2);
  scene.add(new HemisphereLight(0xffffff, 0x8a8070, 2.2));
  const sun = new DirectionalLight(0xffffff, 1.6);
  sun.position.set(0.5, 1, 0.8);
  scene.add(sun);
  const camera = new PerspectiveCamera(40, 4 / 3, 1, 5000);
  const controls = new OrbitControls(camera, canvas);
  controls.maxPolarAngle = Math.PI / 2 - 0.05; // never under the ground
  controls.screenSpacePanning = false; // panning slides along the ground, as on a map

  const draw = () => renderer.render(scene, camera);
  const fit = () => {
    const { clientWidth: width, clientHeight: height } = canvas;
    if (!width || !height) return;
    renderer.setSize(width, height, false);
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    draw();
  };
  controls.addEventListener("change", draw);
  new ResizeObserver(fit).observe(canvas);

  const loader = new GLTFLoader();
  const models = {};
  const load = (state) => {
    models[state] ??= loader.loadAsync(root.dataset[state]).then((gltf) => {
      const materials = new Map();
      gltf.scene.traverse((part) => {
        if (part.isMesh) part.material = material(materials, part.material.map, inContext(part));
      });
      return gltf.scene;
    });
    return models[state];
  };
  let shown = null;
  const show = async (state) => {
    const model = await load(state);
    if (shown) scene.remove(shown);
    scene.add(model);
    shown = model;
    draw();
    root.dataset.showing = state;
    toggle.textContent = state === "after" ? root.dataset.showBefore : root.dataset.showAfter;
    say(state === "after" ? root.dataset.showingAfter : root.dataset.showingBefore);
  };

  load("after")
    .then((model) => {
      const zone = model.userData.zone;
      const box = new Box3(new Vector3(...zone.min), new Vector3(...zone.max));
      const size = box.getSize(new Vector3());
      // The zone's outline on its ground, a yellow band as in the pictures: a band, not a line,
      // since WebGL draws lines one pixel wide, too thin on a projector.
      const band = Math.max(size.x, size.z) * 0.012;
      const outline = new MeshBasicMaterial({ color: 0xffd21f });
      const centre = box.getCenter(new Vector3());
      for (const [w, d, x, z] of [
        [size.x + band, band, 0, size.z / 2],
        [size.x + band, band, 0, -size.z / 2],
        [band, size.z + band, size.x / 2, 0],
        [band, size.z + band, -size.x / 2, 0],
      ]) {
        const side = new Mesh(new BoxGeometry(w, band / 2, d), outline);
        side.position.set(centre.x + x, box.min.y + band / 4, centre.z + z);
        scene.add(side);
      }
      const reach = Math.max(size.x, size.z);
      controls.target.set(centre.x, box.min.y, centre.z);
      camera.position.set(centre.x + reach * 0.9, box.min.y + reach * 1.5, centre.z + reach * 1.6);
      controls.minDistance = reach * 0.15;
      controls.maxDistance = reach * 4;
      controls.update();
      fit();
      return show("after");
    })
    .then(() => {
      root.dataset.firstFrameMs = String(Math.round(performance.now()));
      root.dataset.ready = "true";
      toggle.disabled = false;
      let busy = false; // a second click while "before" loads waits for it (the button keeps the focus)
      toggle.addEventListener("click", () => {
        if (busy) return;
        busy = true;
        show(root.dataset.showing === "after" ? "before" : "after")
          .catch(() => fail(root.dataset.failed))
          .finally(() => { busy = false; });
      });
    })
    .catch(() => fail(root.dataset.failed));
}
