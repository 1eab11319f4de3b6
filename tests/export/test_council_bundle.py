"""The moderator's export for the council, opened with readers that are not ours: pypdf for the
report, Python's csv module as German Excel reads the table, trimesh for .glb, py-vox-io for .vox."""

import csv
import io
import json
import zipfile

import trimesh
from pypdf import PdfReader
from pyvox.parser import VoxParser

from game.core.i18n import text
from server_sync.cli import main


def unpacked(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def excel_rows(data: bytes) -> list[dict[str, str]]:
    """The table as German Excel opens it: UTF-8 with a byte-order mark, `;` between cells."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_moderator_exports_a_closed_workshop_as_a_zip_that_planners_open(council, tmp_path, capsys):
    out = tmp_path / "rat" / "unser-platz.zip"
    assert main(council.cli("--out", str(out), "--lang", "de")) == 0
    assert str(out) in capsys.readouterr().out
    files = unpacked(out)

    pages = pdf_pages(files["report.pdf"])
    assert len(pages) == 2 + len(council.approved)  # cover, ranking, one page per design
    assert "Unser Platz am Kanal" in pages[0] and "Seite 1 von 5" in pages[0]
    for title, pseudonym, votes in council.approved:
        assert title in pages[1] and pseudonym in pages[1]
        page = next(p for p in pages[2:] if title in p)
        assert text("de", "web.results.votes_n", n=votes) in page and pseudonym in page
    assert "Schön grün – danke!" in "".join(
        pages
    )  # the moderator's public feedback, umlauts intact

    rows = excel_rows(files["submissions.csv"])
    title, votes = text("de", "export.field.title"), text("de", "export.field.votes")
    assert [(r[title], int(r[votes])) for r in rows] == [
        (t if not t.startswith("=") else "'" + t, v) for t, _, v in council.approved
    ]
    assert rows[0][text("de", "export.field.jury_stars")] == "4,50"

    table = json.loads(files["submissions.json"])
    assert [d["title"] for d in table["designs"]] == [t for t, _, _ in council.approved]
    assert (
        set(table["designs"][0]["indicators"]) == set(table["start"]) and len(table["start"]) >= 10
    )

    stems = [
        d["design_file"].removeprefix("designs/").removesuffix(".design.json")
        for d in table["designs"]
    ]
    for stem, design in zip(stems, table["designs"]):
        assert json.loads(files[f"designs/{stem}.design.json"])["id"] == design["uuid"]
        assert files[f"images/{stem}-zone.png"].startswith(b"\x89PNG")
        scene = trimesh.load(
            trimesh.util.wrap_as_stream(files[f"models/{stem}.glb"]), file_type="glb", force="scene"
        )
        assert sum(len(mesh.faces) for mesh in scene.geometry.values()) > 0
        vox_path = tmp_path / f"{stem}.vox"
        vox_path.write_bytes(files[f"models/{stem}.vox"])
        model = VoxParser(str(vox_path)).parse().models[0]
        assert tuple(model.size) == (128, 128, 32) and len(model.voxels) > 0
    assert not any(name.startswith("geo/") for name in files)  # the demo level has no georeference


def test_a_formula_typed_as_a_title_arrives_in_the_spreadsheet_as_text(council, tmp_path):
    out = tmp_path / "bundle"
    assert main(council.cli("--out", str(out), "--lang", "en")) == 0
    rows = excel_rows((out / "submissions.csv").read_bytes())
    cells = [cell for row in rows for cell in row.values()]
    assert "'" + council.formula in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    # the JSON is data, not a spreadsheet: the title exactly as typed
    assert council.formula in [
        d["title"] for d in json.loads((out / "submissions.json").read_text())["designs"]
    ]


def test_a_title_that_climbs_out_of_the_folder_stays_inside_it(council, tmp_path, quartier_home):
    out = tmp_path / "bundle"
    assert main(council.cli("--out", str(out))) == 0
    elsewhere = (council.data_dir, quartier_home)  # the server's data and the user's log folder
    written = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and not any(folder in p.parents for folder in elsewhere)
    ]
    assert written and all(out in p.parents for p in written)
    assert any(p.name.startswith("etc-") for p in (out / "designs").iterdir())


def test_hidden_designs_and_voters_appear_in_no_file_of_the_bundle(council, tmp_path):
    out = tmp_path / "bundle.zip"
    assert main(council.cli("--out", str(out))) == 0
    raw = out.read_bytes()
    files = unpacked(out)
    readable = [
        raw,
        *files.values(),
        *(p.encode() for p in pdf_pages(files["report.pdf"])),
        *map(str.encode, files),
    ]
    for secret in council.secrets:
        assert not any(secret.encode() in blob for blob in readable), secret
    table = json.loads(files["submissions.json"])
    assert not any("participant" in key or "token" in key for d in table["designs"] for key in d)


def test_include_hidden_adds_hidden_and_rejected_designs_with_their_status(council, tmp_path):
    out = tmp_path / "all.zip"
    assert main(council.cli("--out", str(out), "--include", "hidden", "--lang", "en")) == 0
    files = unpacked(out)
    statuses = {d["title"]: d["status"] for d in json.loads(files["submissions.json"])["designs"]}
    assert statuses["Geheimer Entwurf"] == "hidden" and statuses["Abgelehnter Plan"] == "rejected"
    report = "".join(pdf_pages(files["report.pdf"]))
    assert "Geheimer Entwurf" in report and "Hidden" in report
    for voter in ("Stillerwaehler", "Leisemaus", "Nachtfalke"):  # voters stay unnamed even then
        assert voter.encode() not in out.read_bytes() and voter not in report


def test_an_unknown_workshop_is_one_clear_line_and_writes_nothing(
    council, tmp_path, capsys, quartier_home
):
    out = tmp_path / "nothing.zip"
    args = council.cli("--out", str(out))
    args[args.index("--workshop") + 1] = "NOPE99"
    assert main(args) == 1
    error = capsys.readouterr().err.strip()
    assert error == text("en", "export.no_workshop", workshop="NOPE99")
    assert sorted(tmp_path.iterdir()) == [quartier_home, tmp_path / "server"]  # home: the log


def test_a_full_disk_leaves_no_half_written_zip_and_keeps_the_last_export(
    council, tmp_path, capsys, monkeypatch, quartier_home
):
    import errno

    out = tmp_path / "bundle.zip"
    assert main(council.cli("--out", str(out))) == 0
    before = out.read_bytes()
    written = []

    def writestr(self, name, data, *args, **kwargs):
        written.append(name)
        if len(written) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, name, data, *args, **kwargs)

    real = zipfile.ZipFile.writestr
    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    assert main(council.cli("--out", str(out))) == 1
    assert capsys.readouterr().err.strip() == text("en", "error.disk_full", path=str(out))
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bundle.zip",
        quartier_home.name,
        "server",
    ]


def test_an_existing_folder_with_files_is_never_mixed_into(council, tmp_path, capsys):
    out = tmp_path / "old"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(council.cli("--out", str(out))) == 1
    assert "old" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
