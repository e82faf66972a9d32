"""Binary glTF 2.0 (``.glb``) of named triangle meshes with vertex colours, written with numpy and struct.

VTK's glTF exporter writes vertex colours but names its nodes ``mesh0``, ``mesh1``... and adds a camera, so
the page could not find ``terrain``, ``buildings`` and ``water`` by name: this writer is small and exact.

Layout: one buffer; per mesh one node and one mesh of the same name, one triangle primitive with ``POSITION``
(float32, with min and max), ``NORMAL`` (float32), ``COLOR_0`` (unsigned byte, normalised, RGBA; **linear**
values, as glTF requires: the sRGB colours of the meshes are converted) and ``uint32`` indices. Coordinates are
written as they are (z up, in the local frame of ``docs/viewer.md``); the page turns the root to y-up.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np

GLB_MAGIC, JSON_CHUNK, BIN_CHUNK = 0x46546C67, 0x4E4F534A, 0x004E4942
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
FLOAT, UNSIGNED_BYTE, UNSIGNED_INT = 5126, 5121, 5125
MATERIALS = {  # name -> (roughness, metallic)
    "ground": (0.95, 0.0),
    "buildings": (0.85, 0.0),
    "water": (0.25, 0.0),
}


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """``uint8`` sRGB colours to ``uint8`` linear ones (the transfer function of IEC 61966-2-1)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return np.rint(linear * 255.0).astype(np.uint8)


def mesh_arrays(mesh) -> dict[str, np.ndarray]:
    """The arrays of a pyvista mesh as glTF wants them: positions, normals, RGBA colours, triangle indices."""
    if not mesh.is_all_triangles:
        mesh = mesh.triangulate()
    n = mesh.n_points
    positions = np.ascontiguousarray(mesh.points, dtype=np.float32)
    if "Normals" in mesh.point_data:
        normals = np.ascontiguousarray(mesh.point_data["Normals"], dtype=np.float32)
    else:
        normals = np.ascontiguousarray(mesh.compute_normals(split_vertices=False).point_data["Normals"], np.float32)
    rgba = np.full((n, 4), 255, dtype=np.uint8)
    if "RGB" in mesh.point_data:
        rgba[:, :3] = srgb_to_linear(np.asarray(mesh.point_data["RGB"])[:, :3])
    else:
        rgba[:, :3] = 200
    indices = np.ascontiguousarray(mesh.regular_faces, dtype=np.uint32).ravel()
    return {"POSITION": positions, "NORMAL": normals, "COLOR_0": rgba, "indices": indices}


def encode_glb(meshes: Mapping[str, object], *, extras: Mapping | None = None) -> bytes:
    """The bytes of a GLB with one node per named pyvista mesh (empty meshes are left out)."""
    body = bytearray()
    views, accessors, gltf_meshes, nodes, materials = [], [], [], [], []

    def add(array: np.ndarray, *, target: int, kind: str, component: int, normalized: bool = False) -> int:
        while len(body) % 4:
            body.append(0)
        data = array.tobytes()
        views.append({"buffer": 0, "byteOffset": len(body), "byteLength": len(data), "target": target})
        body.extend(data)
        accessor = {"bufferView": len(views) - 1, "componentType": component, "count": int(array.shape[0]),
                    "type": kind}  # fmt: skip
        if normalized:
            accessor["normalized"] = True
        if kind == "VEC3" and component == FLOAT and array.size:
            accessor["min"] = [float(v) for v in array.min(axis=0)]
            accessor["max"] = [float(v) for v in array.max(axis=0)]
        accessors.append(accessor)
        return len(accessors) - 1

    for name, mesh in meshes.items():
        if mesh is None or mesh.n_points == 0 or mesh.n_cells == 0:
            continue
        arrays = mesh_arrays(mesh)
        attributes = {
            "POSITION": add(arrays["POSITION"], target=ARRAY_BUFFER, kind="VEC3", component=FLOAT),
            "NORMAL": add(arrays["NORMAL"], target=ARRAY_BUFFER, kind="VEC3", component=FLOAT),
            "COLOR_0": add(arrays["COLOR_0"], target=ARRAY_BUFFER, kind="VEC4", component=UNSIGNED_BYTE,
                           normalized=True),
        }  # fmt: skip
        indices = add(arrays["indices"], target=ELEMENT_ARRAY_BUFFER, kind="SCALAR", component=UNSIGNED_INT)
        roughness, metallic = MATERIALS.get(name, MATERIALS["ground"])
        materials.append({
            "name": name,
            "pbrMetallicRoughness": {"baseColorFactor": [1.0, 1.0, 1.0, 1.0], "metallicFactor": metallic,
                                     "roughnessFactor": roughness},
        })  # fmt: skip
        primitive = {"attributes": attributes, "indices": indices, "material": len(materials) - 1, "mode": 4}
        gltf_meshes.append({"name": name, "primitives": [primitive]})
        nodes.append({"name": name, "mesh": len(gltf_meshes) - 1})
    while len(body) % 4:
        body.append(0)
    doc = {
        "asset": {"version": "2.0", "generator": "twin viewer"},
        "scene": 0,
        "scenes": [{"name": "twin", "nodes": list(range(len(nodes))), "extras": dict(extras or {})}],
        "nodes": nodes,
    }
    if nodes:
        doc |= {"meshes": gltf_meshes, "materials": materials, "accessors": accessors, "bufferViews": views,
                "buffers": [{"byteLength": len(body)}]}  # fmt: skip
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<II", len(text), JSON_CHUNK) + text
    if body:
        chunks += struct.pack("<II", len(body), BIN_CHUNK) + bytes(body)
    return struct.pack("<III", GLB_MAGIC, 2, 12 + len(chunks)) + chunks


def read_glb_json(data: bytes) -> dict:
    """The JSON chunk of GLB bytes (checks the header and the declared lengths)."""
    magic, version, length = struct.unpack_from("<III", data, 0)
    if magic != GLB_MAGIC or version != 2 or length != len(data):
        raise ValueError(f"not a GLB 2.0 of {len(data)} bytes: magic {magic:#x}, version {version}, length {length}")
    size, kind = struct.unpack_from("<II", data, 12)
    if kind != JSON_CHUNK:
        raise ValueError(f"the first chunk of a GLB must be JSON, got {kind:#x}")
    return json.loads(data[20 : 20 + size])


def write_glb_file(meshes: Mapping[str, object], path: str | Path, *, extras: Mapping | None = None) -> Path:
    """Write :func:`encode_glb` to ``path`` (its folder is created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_glb(meshes, extras=extras))
    return path


def read_mesh_colours(data: bytes, name: str) -> np.ndarray:
    """The vertex colours (``uint8`` RGBA, linear) of the mesh called ``name`` in GLB bytes; an empty array when the
    GLB has no such mesh. What a viewer draws, read back: tests check a scene's colours with it."""
    doc = read_glb_json(data)
    size = struct.unpack_from("<I", data, 12)[0]
    binary = data[20 + size + 8 :]
    for mesh in doc.get("meshes", []):
        if mesh["name"] == name:
            accessor = doc["accessors"][mesh["primitives"][0]["attributes"]["COLOR_0"]]
            view = doc["bufferViews"][accessor["bufferView"]]
            raw = binary[view["byteOffset"] : view["byteOffset"] + view["byteLength"]]
            return np.frombuffer(raw, dtype=np.uint8).reshape(accessor["count"], 4)
    return np.zeros((0, 4), dtype=np.uint8)
