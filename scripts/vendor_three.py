"""Re-vendor three.js for the design page's 3D view: `python scripts/vendor_three.py [VERSION]`.

Why a bundle: three.js 0.187 ships no minified build, and its module build is two files of
2.1 MB that import each other and expect an import map for `three` (an import map is an inline
script or a JSON file the CSP would have to allow). esbuild bundles the few classes
`server_sync/static/view3d.js` imports (see ENTRY) with OrbitControls and GLTFLoader into one
minified ES module of about 0.6 MB that imports nothing, loaded from 'self'.

Needs npm and the npm registry (run by a maintainer, never by the server or the tests); writes
`server_sync/static/vendor/three/` (the bundle, three.js's LICENSE and a README naming the
version and source). A class view3d.js newly imports must be added to ENTRY first.
"""

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "server_sync" / "static" / "vendor" / "three"
VERSION = "0.187.0"
ESBUILD = "0.28.2"
ENTRY = """\
export {
  Box3, BoxGeometry, Color, DirectionalLight, HemisphereLight, Mesh, MeshBasicMaterial,
  MeshLambertMaterial, PerspectiveCamera, Scene, Vector3, WebGLRenderer,
} from "three";
export { OrbitControls } from "three/addons/controls/OrbitControls.js";
export { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
"""


def run(*command: str, cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True)


def main(version: str = VERSION) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        run("npm", "pack", "--silent", f"three@{version}", cwd=work)
        with tarfile.open(work / f"three-{version}.tgz") as archive:
            archive.extractall(work, filter="data")
        (work / "node_modules").mkdir()
        (work / "package").rename(work / "node_modules" / "three")
        # esbuild in a folder of its own: npm would prune the unpacked three from node_modules.
        tools = work / "tools"
        tools.mkdir()
        run("npm", "install", "--silent", "--prefix", str(tools), f"esbuild@{ESBUILD}", cwd=work)
        (work / "entry.js").write_text(ENTRY, encoding="utf-8")
        TARGET.mkdir(parents=True, exist_ok=True)
        run(
            str(tools / "node_modules" / ".bin" / "esbuild"),
            "entry.js",
            "--bundle",
            "--format=esm",
            "--minify",
            "--legal-comments=none",
            f"--outfile={TARGET / 'three.min.js'}",
            cwd=work,
        )
        shutil.copy2(work / "node_modules" / "three" / "LICENSE", TARGET / "LICENSE")
    (TARGET / "README.md").write_text(
        f"three.js {version} (MIT, see LICENSE), from the npm package `three@{version}`"
        " (https://www.npmjs.com/package/three, https://github.com/mrdoob/three.js): the classes"
        " `server_sync/static/view3d.js` uses, with OrbitControls and GLTFLoader, bundled and"
        f" minified by esbuild {ESBUILD} into `three.min.js`. Made by `scripts/vendor_three.py`;"
        " do not edit by hand.\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(*sys.argv[1:2])
