"""`quartier`: the command line for students' designs and city staff's levels.

Exit codes: 0 success, 1 bad input (one line on stderr, in the user's language), 2 wrong usage,
141 when whoever reads the output stopped reading. An unexpected error is logged with its
traceback to the log file (game.io.logs), and the message names that file.

Each command imports what it needs inside its handler: numpy, pydantic and the editing model
cost most of a second to import on a school laptop, and `quartier --version` or `quartier
levels` need none or only part of them (`tests/test_cli_startup.py` keeps it so).
"""

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from game import __version__
from game.core.errors import QuartierError
from game.core.i18n import LANGUAGES, Language, detect_language, text
from game.io.logs import configure_logging, crash_message

Handler = Callable[[argparse.Namespace, Language], int]
EXIT_BROKEN_PIPE = 128 + 13  # 13 is SIGPIPE (the signal module lacks it on Windows)
REPAIRED_NAMED = 10  # the import names this many repaired polygons, then "…"
log = logging.getLogger(__name__)


def _out(line: str = "") -> None:
    print(line)


def _size(shape: Sequence[int]) -> str:
    return "×".join(map(str, shape))


def cmd_levels(args: argparse.Namespace, lang: Language) -> int:
    from game.io.level_index import level_summaries

    entries, broken = level_summaries()
    for _, level, bundled in entries:
        origin = text(lang, "cli.levels.bundled" if bundled else "cli.levels.user")
        _out(f"{level.id:<24} {level.title(lang):<36} {_size(level.dimensions):>12}  {origin}")
    for path, exc in broken:
        print(text(lang, "cli.levels.broken", path=path, reason=exc.message(lang)), file=sys.stderr)
    return 0


def cmd_level_validate(args: argparse.Namespace, lang: Language) -> int:
    from game.io.gis import has_gis
    from game.io.levels import load_level

    level = load_level(args.path)
    if level.doc.georeference is not None and has_gis():
        from game.io.georef import check_georeference

        check_georeference(level.doc.georeference)
    _out(
        text(
            lang,
            "cli.level.valid",
            id=level.id,
            title=level.doc.title.in_(lang),
            size=_size(level.shape),
            voxel=f"{level.doc.voxel_size_m:g}",
            goals=len(level.doc.goals),
        )
    )
    return 0


def cmd_level_import(args: argparse.Namespace, lang: Language) -> int:
    from game.core.catalogue import default_catalogue
    from game.io.gis import require_gis

    require_gis()
    from game.io.geojson_import import Fields
    from game.io.level_import import ImportOptions, import_level
    from game.io.storage import write_atomic

    options = ImportOptions(
        voxel=args.voxel_size,
        bbox=args.bbox,
        crs=args.crs,
        zone=args.zone,
        id=args.id,
        title_de=args.title_de,
        title_en=args.title_en,
        licence=args.licence,
        storey_m=args.storey_height,
        settings=args.settings,
        target_crs=args.target_crs,
        dem=args.dem,
        fields=Fields(args.height_field, args.levels_field, args.use_field, args.preset),
    )
    result = import_level(args.source, options, default_catalogue())
    write_atomic(
        args.out, (result.doc.model_dump_json(indent=1, exclude_none=True) + "\n").encode("utf-8")
    )
    doc = result.doc
    _out(
        text(
            lang,
            "cli.level.imported",
            path=args.out,
            size=_size(doc.dimensions),
            voxel=f"{doc.voxel_size_m:g}",
            buildings=result.raster.buildings,
            epsg=result.raster.frame.epsg,
        )
    )
    _report_crs_and_ground(result, lang)
    _import_warnings(result.district, options.default_height_m, lang)
    return 0


def _import_warnings(district, default_height_m: float, lang: Language) -> None:
    """What city staff should check in the new level: guessed heights, repairs, cuts, left-outs."""
    if district.missing_heights:
        _out(
            text(
                lang,
                "cli.level.missing_heights",
                count=district.missing_heights,
                height=f"{default_height_m:g}",
            )
        )
    if district.repaired:
        names = ", ".join(district.repaired[:REPAIRED_NAMED])
        if len(district.repaired) > REPAIRED_NAMED:
            names += ", …"
        _out(text(lang, "cli.level.repaired", count=len(district.repaired), names=names))
    if district.cut:
        _out(text(lang, "cli.level.cut", count=district.cut))
    if district.skipped:
        _out(
            text(
                lang,
                "cli.level.skipped",
                kinds=", ".join(f"{k} ×{n}" for k, n in sorted(district.skipped.items())),
            )
        )


def _report_crs_and_ground(result, lang: Language) -> None:
    """Which CRS the source was read in and where that came from; the ground's rise, if any."""
    from game.io.georef import crs_label

    if result.crs is not None:
        _out(
            text(
                lang,
                f"cli.level.crs_{result.crs.origin}",
                source=crs_label(result.crs.crs),
                named=result.crs.named or "",
                epsg=result.raster.frame.epsg,
            )
        )
    if result.raster.relief:
        _out(text(lang, "cli.level.terrain", relief=f"{result.raster.relief:g}"))


def cmd_level_info(args: argparse.Namespace, lang: Language) -> int:
    from game.io.gis import require_gis
    from game.io.levels import level_from_option

    require_gis()
    from game.io.level_info import level_info

    info = level_info(level_from_option(str(args.path)))
    if args.json:
        _out(json.dumps(info, ensure_ascii=False, indent=1))
        return 0
    georef = info["georeference"]
    where = (
        f"EPSG:{georef['epsg']}, {', '.join(f'{c:.2f}' for c in georef['origin'])}"
        if georef
        else text(lang, "cli.level.no_georef")
    )
    _out(
        text(
            lang,
            "cli.level.info",
            **info,
            size=_size(info["dimensions"]),
            voxel=f"{info['voxel_size_m']:g}",
            georef=where,
        )
    )
    return 0


def cmd_design_new(args: argparse.Namespace, lang: Language) -> int:
    from game.core.design import new_design
    from game.io.designs import write_design
    from game.io.levels import add_user_level, is_level_path, level_from_option

    level = level_from_option(args.level)
    copied = add_user_level(Path(args.level)) if is_level_path(args.level) else None
    doc = new_design(level, __version__, title=args.title or "", pseudonym=args.author)
    write_design(args.out, doc)
    _out(text(lang, "cli.design.created", path=args.out, level=level.id))
    if copied:
        _out(text(lang, "cli.design.level_copied", path=copied))
    return 0


def cmd_design_edit(args: argparse.Namespace, lang: Language) -> int:
    from game.core.indicators import refuse_over_budget
    from game.core.ops import Redo, Undo, parse_script
    from game.core.session import EditResult
    from game.io.designs import open_design_file, write_design
    from game.io.storage import read_document

    steps = parse_script(read_document(args.ops), what=Path(args.ops).name)
    doc, session = open_design_file(args.path)
    changed, clipped_total = 0, EditResult(None)
    for number, step in enumerate(steps, start=1):
        try:
            if isinstance(step, (Undo, Redo)):
                result = session.apply(step)
            else:
                index, values, clipped = session.preview(step)
                refuse_over_budget(session, index, values, lang)
                result = session.commit(index, values, clipped)
        except QuartierError as exc:
            raise QuartierError("error.in_step", step=number, reason=exc.message(lang)) from None
        changed += result.changed
        clipped_total += result
    write_design(args.out or args.path, doc, session)
    _out(
        text(
            lang, "cli.design.edited", steps=len(steps), changed=changed, path=args.out or args.path
        )
    )
    left_out = clipped_total.clipped_message(session.level, lang)
    if left_out:
        _out(left_out)
    return 0


def _info(path: Path) -> dict:
    from game.core.design import summary
    from game.core.indicators import measure
    from game.core.session import Session
    from game.io.designs import open_design_file

    doc, session = open_design_file(path)
    metrics, start = measure(session), measure(Session(session.level))
    goals = [
        {"id": g.id, "text": {"de": g.text.de, "en": g.text.en}, "met": g.met, "value": g.value}
        for g in metrics.goals()
    ]
    return {
        "id": str(doc.id),
        "level_id": doc.level.id,
        "title": doc.title,
        "pseudonyms": doc.pseudonyms,
        **summary(session),
        "metrics": metrics.values,
        "metrics_start": start.values,
        "goals": goals,
        "stars": metrics.stars(),
    }


def cmd_design_info(args: argparse.Namespace, lang: Language) -> int:
    from game.core.indicators import MAX_STARS, by_key

    info = _info(args.path)
    if args.json:
        _out(json.dumps(info, ensure_ascii=False, indent=1))
        return 0
    _out(text(lang, "cli.design.info", **{k: v for k, v in info.items() if k != "blocks"}))
    for key, count in sorted(info["blocks"].items(), key=lambda kv: -kv[1]):
        _out(f"  {key:<24} {count:>8}")
    _out()
    for key, value in info["metrics"].items():
        indicator = by_key(key)
        _out(
            f"  {indicator.name(lang):<32} {indicator.display(info['metrics_start'][key], lang):>16} → "
            f"{indicator.display(value, lang):>16}"
        )
    _out()
    for goal in info["goals"]:
        _out(f"  {'✓' if goal['met'] else '✗'} {goal['text'][lang]}")
    _out("  " + "★" * info["stars"] + "☆" * (MAX_STARS - info["stars"]))
    return 0


def cmd_design_validate(args: argparse.Namespace, lang: Language) -> int:
    """The same check the server makes on upload: the file, its level, and the level's rules."""
    from game.core.design import summary
    from game.core.rules import check_design
    from game.io.designs import open_design_file

    doc, session = open_design_file(args.path)
    check_design(session)
    _out(
        text(
            lang,
            "cli.design.valid",
            path=args.path,
            level=doc.level.id,
            changed=summary(session)["changed_voxels"],
        )
    )
    return 0


def cmd_design_export(args: argparse.Namespace, lang: Language) -> int:
    from game.io.designs import open_design_file
    from game.io.formats import exporter
    from game.io.storage import write_atomic

    export = exporter(args.format)
    doc, session = open_design_file(args.path)
    files = export(doc, session, args.out.name)
    for name in sorted(
        files, key=lambda name: name == args.out.name
    ):  # companions first, the file last
        write_atomic(args.out.with_name(name), files[name], keep_backup=False)
    _out(text(lang, "cli.design.exported", path=args.out, format=args.format))
    return 0


def cmd_stamp_import(args: argparse.Namespace, lang: Language) -> int:
    from game.core.indicators import refuse_over_budget
    from game.core.ops.stamp import PasteStamp
    from game.io.designs import open_design_file, write_design
    from game.io.vox import read_stamp

    doc, session = open_design_file(args.design)
    level = session.level
    stamp, scene = read_stamp(args.path, level.catalogue, level.allowed)
    index, values, clipped = session.preview(PasteStamp.of(stamp, tuple(args.at)))
    refuse_over_budget(session, index, values, lang)
    result = session.commit(index, values, clipped)
    write_design(args.out or args.design, doc, session)
    _out(
        text(
            lang,
            "cli.stamp.imported",
            path=args.path,
            size=_size(stamp.blocks.shape),
            models=len(scene.models),
            instances=len(scene.instances),
            changed=result.changed,
            design=args.out or args.design,
        )
    )
    left_out = result.clipped_message(session.level, lang)
    if left_out:
        _out(left_out)
    return 0


def cmd_render(args: argparse.Namespace, lang: Language) -> int:
    from game.app.launch import parse_size
    from game.io.designs import open_design_file
    from game.io.storage import write_atomic
    from game.render.snapshot import render_png

    _, session = open_design_file(args.path)
    level = session.level
    png = render_png(
        session.grid,
        level.catalogue.colors,
        args.view,
        parse_size(args.size),
        highlight=level.zone_columns,
    )
    write_atomic(args.out, png, keep_backup=False)
    _out(text(lang, "cli.render.done", path=args.out))
    return 0


def cmd_join(args: argparse.Namespace, lang: Language) -> int:
    from game.io import storage
    from game.io.paths import participant_file
    from game.sync import join, save_participant

    person = join(args.server, args.code, args.pseudonym, lang=lang)
    save_participant(person, participant_file(), storage)
    _out(text(lang, "cli.join.done", pseudonym=person.pseudonym, server=person.server))
    return 0


def cmd_sync(args: argparse.Namespace, lang: Language) -> int:
    from game.io import storage
    from game.io.paths import outbox_dir, participant_file
    from game.sync import Outbox, SyncClient, require_participant

    outbox = Outbox(outbox_dir(), storage)
    with SyncClient(require_participant(participant_file()), outbox) as client:
        report = (
            client.run_until_empty(client.clock() + args.wait)
            if args.wait
            else client.send_pending()
        )
    for outcome in report.outcomes:
        key = {
            "sent": "cli.sync.sent",
            "waiting": "cli.sync.waiting",
            "refused": "cli.sync.refused",
        }[outcome.state]
        _out(text(lang, key, title=outcome.title or outcome.doc_id, reason=outcome.reason or ""))
    problem = report.problem()
    if problem:
        raise problem
    if not report.outcomes:
        _out(text(lang, "cli.sync.nothing"))
    return 0 if not report.waiting else 1


def cmd_play(args: argparse.Namespace, lang: Language) -> int:
    from game.app.launch import PlayOptions, parse_size, parse_ui_scale, play

    return play(
        PlayOptions(
            level=args.level,
            design=args.design,
            script=args.script,
            screenshot=args.screenshot,
            size=parse_size(args.size),
            save=args.save,
            headless=args.headless,
            lang=lang,
            join=args.join,
            pseudonym=args.pseudonym,
            server=args.server or "",
            detail=args.detail == "on",
            people=args.people == "on",
            ui_scale=parse_ui_scale(args.ui_scale),
        )
    )


def cmd_run(args: argparse.Namespace, lang: Language) -> int:
    """`make run`: the editor on the demo level; without a screen, what works headless."""
    from game.app.launch import PlayOptions, has_display, parse_ui_scale, play

    if has_display():
        from game.local_server import start

        try:
            server = start(text(lang, "cli.run.guest"))
        except QuartierError as exc:  # the editor works without it; submissions wait in the outbox
            print(exc.message(lang), file=sys.stderr)
            server = None
        try:
            return play(PlayOptions(level="demo", lang=lang, ui_scale=parse_ui_scale(None)))
        finally:
            if server:
                server.stop()
    _out(text(lang, "cli.run.welcome", version=__version__))
    _out()
    cmd_levels(args, lang)
    _out()
    _out(text(lang, "cli.run.no_display"))
    _out()
    _out(text(lang, "cli.run.try"))
    return 0


def cmd_doctor(args: argparse.Namespace, lang: Language) -> int:
    """What a teacher sends when something is wrong: versions, OpenGL, folders, the log file."""
    from game.app.launch import has_display
    from game.doctor import report

    info = report(headless=not has_display())
    if args.json:
        _out(json.dumps(info, ensure_ascii=False, indent=1))
        return 0
    t = lambda key, **params: text(lang, f"cli.doctor.{key}", **params)  # noqa: E731
    _out(t("title", version=info["quartier"]))
    _out(t("python", version=info["python"], path=info["python_path"]))
    _out(t("system", system=info["system"]))
    for extra, versions in info["libraries"].items():
        _out(t("libraries") if extra == "base" else t("libraries_extra", extra=extra))
        for name, version in versions.items():
            _out(f"  {name:<20} {version or t('not_installed')}")
    gl = info["opengl"]
    _out(t("opengl", **gl) if gl["renderer"] else t("no_opengl", reason=gl["problem"]))
    _out(t("folders"))
    for name, path in info["folders"].items():
        _out(f"  {t('folder.' + name):<20} {path}")
    joined = info["workshop"]
    _out(t("workshop", **joined) if joined else t("no_workshop"))
    _out(t("log", path=info["log_file"] or t("no_log")))
    return 0


def _parser(lang: Language) -> argparse.ArgumentParser:
    t = lambda key: text(lang, key)  # noqa: E731
    parser = argparse.ArgumentParser(prog="quartier", description=t("cli.help.main"))
    parser.add_argument("--lang", choices=LANGUAGES, help=t("cli.help.lang"))
    parser.add_argument("--version", action="version", version=f"quartier {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help=t("cli.help.run")).set_defaults(handler=cmd_run)
    sub.add_parser("levels", help=t("cli.help.levels")).set_defaults(handler=cmd_levels)
    p = sub.add_parser("doctor", help=t("cli.help.doctor"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_doctor)
    p = sub.add_parser("render", help=t("cli.help.render"))
    p.add_argument("path", type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--view", choices=("iso", "top"), default="iso")
    p.add_argument("--size", default="800x600", metavar="WxH")
    p.set_defaults(handler=cmd_render)
    p = sub.add_parser("join", help=t("cli.help.join"))
    p.add_argument("code")
    p.add_argument("--pseudonym", required=True)
    p.add_argument("--server", default="http://127.0.0.1:8765")
    p.set_defaults(handler=cmd_join)
    p = sub.add_parser("sync", help=t("cli.help.sync"))
    p.add_argument("--wait", type=float, default=0, metavar="SECONDS", help=t("cli.help.sync_wait"))
    p.set_defaults(handler=cmd_sync)
    p = sub.add_parser("play", help=t("cli.help.play"))
    p.add_argument("--headless", action="store_true")
    p.add_argument("--level", metavar="ID_OR_PATH")
    p.add_argument("--design", type=Path)
    p.add_argument("--script", type=Path)
    p.add_argument("--screenshot", type=Path)
    p.add_argument("--size", default="1280x720", metavar="WxH")
    p.add_argument("--save", type=Path)
    p.add_argument("--join", metavar="CODE_OR_LINK", help=t("cli.help.play_join"))
    p.add_argument("--pseudonym")
    p.add_argument("--server", metavar="URL")
    p.add_argument("--detail", choices=("on", "off"), default="on", help=t("cli.help.play_detail"))
    p.add_argument("--people", choices=("on", "off"), default="on", help=t("cli.help.play_people"))
    p.add_argument("--ui-scale", metavar="FACTOR", help=t("cli.help.play_ui_scale"))
    p.set_defaults(handler=cmd_play)

    level = sub.add_parser("level", help=t("cli.help.level")).add_subparsers(
        dest="action", required=True
    )
    p = level.add_parser("validate", help=t("cli.help.level_validate"))
    p.add_argument("path", type=Path)
    p.set_defaults(handler=cmd_level_validate)
    p = level.add_parser("import", help=t("cli.help.level_import"))
    # several CityGML tiles (or a folder of them) make one level
    p.add_argument("source", type=Path, nargs="+")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--voxel-size", type=float, default=1.0, metavar="M", help=t("cli.help.import_voxel")
    )
    p.add_argument("--bbox", metavar="MINX,MINY,MAXX,MAXY", help=t("cli.help.import_bbox"))
    p.add_argument("--crs", metavar="EPSG:N", help=t("cli.help.import_crs"))
    p.add_argument("--target-crs", metavar="EPSG:N", help=t("cli.help.import_target_crs"))
    p.add_argument("--dem", type=Path, metavar="DEM.tif|DEM.xyz", help=t("cli.help.import_dem"))
    p.add_argument("--zone", type=Path, metavar="ZONE.geojson", help=t("cli.help.import_zone"))
    p.add_argument("--id")
    p.add_argument("--title-de")
    p.add_argument("--title-en")
    p.add_argument("--licence", metavar="TEXT", help=t("cli.help.import_licence"))
    p.add_argument(
        "--storey-height", type=float, default=3.0, metavar="M", help=t("cli.help.import_storey")
    )
    p.add_argument(
        "--settings", type=Path, metavar="SETTINGS.json", help=t("cli.help.import_settings")
    )
    p.add_argument("--height-field", metavar="NAME", help=t("cli.help.import_height_field"))
    p.add_argument("--levels-field", metavar="NAME", help=t("cli.help.import_levels_field"))
    p.add_argument("--use-field", metavar="NAME", help=t("cli.help.import_use_field"))
    p.add_argument("--preset", choices=("alkis", "osm-gdal"), help=t("cli.help.import_preset"))
    p.set_defaults(handler=cmd_level_import)
    p = level.add_parser("info", help=t("cli.help.level_info"))
    p.add_argument("path", metavar="ID_OR_PATH")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_level_info)

    design = sub.add_parser("design", help=t("cli.help.design")).add_subparsers(
        dest="action", required=True
    )
    p = design.add_parser("new", help=t("cli.help.design_new"))
    p.add_argument("--level", required=True, metavar="ID_OR_PATH")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--title")
    p.add_argument("--author", metavar="PSEUDONYM")
    p.set_defaults(handler=cmd_design_new)
    p = design.add_parser("edit", help=t("cli.help.design_edit"))
    p.add_argument("path", type=Path)
    p.add_argument("--ops", required=True, type=Path)
    p.add_argument("--out", type=Path)
    p.set_defaults(handler=cmd_design_edit)
    p = design.add_parser("info", help=t("cli.help.design_info"))
    p.add_argument("path", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_design_info)
    p = design.add_parser("validate", help=t("cli.help.design_validate"))
    p.add_argument("path", type=Path)
    p.set_defaults(handler=cmd_design_validate)
    p = design.add_parser("export", help=t("cli.help.design_export"))
    p.add_argument("path", type=Path)
    p.add_argument("--format", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(handler=cmd_design_export)

    stamp = sub.add_parser("stamp", help=t("cli.help.stamp")).add_subparsers(
        dest="action", required=True
    )
    p = stamp.add_parser("import", help=t("cli.help.stamp_import"))
    p.add_argument("path", type=Path, metavar="FILE.vox")
    p.add_argument("--design", required=True, type=Path)
    p.add_argument("--at", required=True, type=int, nargs=3, metavar=("X", "Y", "Z"))
    p.add_argument("--out", type=Path)
    p.set_defaults(handler=cmd_stamp_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. When the reader of stdout goes away (`quartier levels | head -3`), the
    command ends quietly with 141, the status a shell reports for a tool stopped by SIGPIPE."""
    try:
        try:
            return _run(list(sys.argv[1:] if argv is None else argv))
        finally:
            sys.stdout.flush()  # so a closed pipe shows here, not in the interpreter's last flush
    except BrokenPipeError:
        # Python's recipe (docs of the signal module, "Note on SIGPIPE"): nothing more can be
        # written, so stdout goes to devnull and the final flush at exit has nothing to fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _run(argv: list[str]) -> int:
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=LANGUAGES)
    lang = early.parse_known_args(argv)[0].lang or detect_language()
    configure_logging("quartier")
    args = _parser(lang).parse_args(argv)
    handler: Handler = getattr(args, "handler", cmd_run)
    command = " ".join(filter(None, (args.command, getattr(args, "action", None)))) or "run"
    log.info("quartier %s %s", __version__, command)
    try:
        return handler(args, lang)
    except QuartierError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise
    except Exception as exc:  # the last line of defence: never show a student a traceback
        log.exception("unexpected error in %s", command)
        if os.environ.get("QUARTIER_DEBUG"):
            raise
        print(crash_message(lang, exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
