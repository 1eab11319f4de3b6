"""The tutorial teaches every tool: doing each task with its tool meets its goal, and all give 3 stars."""

import json
import subprocess
import sys

TASKS = [
    {"do": "camera", "preset": "top"},
    {"do": "tool", "tool": "fill"},
    {"do": "block", "block": "urban_garden"},
    {"do": "click", "voxel": [26, 26, 0]},
    {"do": "tool", "tool": "place"},
    {"do": "block", "block": "tree"},
    {"do": "click", "voxel": [12, 27, 0]},
    {"do": "click", "voxel": [14, 27, 0]},
    {"do": "click", "voxel": [16, 27, 0]},
    {"do": "tool", "tool": "box"},
    {"do": "block", "block": "playground"},
    {"do": "drag", "from": {"voxel": [12, 20, 0]}, "to": {"voxel": [15, 22, 0]}},
    {"do": "tool", "tool": "line"},
    {"do": "block", "block": "bench"},
    {"do": "drag", "from": {"voxel": [12, 24, 0]}, "to": {"voxel": [17, 24, 0]}},
    {"do": "tool", "tool": "building"},
    {"do": "block", "block": "housing"},
    {"do": "key", "key": "BRACKETRIGHT"},
    {"do": "key", "key": "BRACKETRIGHT"},
    {"do": "drag", "from": {"voxel": [20, 12, 0]}, "to": {"voxel": [23, 15, 0]}},
    {"do": "tool", "tool": "paint"},
    {"do": "block", "block": "green_roof"},
    {"do": "click", "voxel": [21, 13, 9]},
    {"do": "tool", "tool": "stamp"},
    {"do": "drag", "from": {"voxel": [19, 11, 0]}, "to": {"voxel": [24, 16, 0]}},
    {"do": "click", "voxel": [20, 18, 0]},
]


def test_doing_each_tutorial_task_with_its_tool_meets_every_goal(play, tmp_path):
    result = play(TASKS, "--save", "tutorial.design.json", level="tutorial")
    assert result.returncode == 0, result.stderr
    info = subprocess.run(
        [
            sys.executable,
            "-m",
            "game.cli",
            "design",
            "info",
            str(tmp_path / "tutorial.design.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    data = json.loads(info.stdout)
    missing = [g["id"] for g in data["goals"] if not g["met"]]
    assert not missing, (missing, data["metrics"])
    assert {g["id"] for g in data["goals"]} == {
        "place",
        "box",
        "line",
        "fill",
        "building",
        "paint",
        "stamp",
    }
    assert data["stars"] == 3
