#!/usr/bin/env python3
"""Regenerate docs/RELIABILITY.md: crash kills survived, fuzz inputs tried, faults injected, failures fixed.

    python scripts/reliability_report.py                  # 200 kills, 500 examples per fuzz property
    python scripts/reliability_report.py --kills 40 --examples 100 --out /tmp/r.md   # a quick look

Everything is seeded, so two runs on one machine give the same figures (run times aside). It uses
the same code the tests use: scripts/crash_harness.py, tests/fuzzing.py, tests/test_fuzz_parsers.py,
tests/test_disk_errors.py and tests/test_bad_images.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

# Failures these tests found, and how each was fixed (kept by hand: a finding is history, not a figure).
FOUND_AND_FIXED = [
    (
        "A deeply nested session.json or journal line ([[[[…) crashed every command with RecursionError.",
        "store/sessions.py, store/journal.py: treated as damage (CorruptSession / a skipped line).",
        "test_corrupt_files.py::test_damaged_header_is_one_sentence_everywhere[deeply nested]",
    ),
    (
        "An image hash in session.json such as ../../../etc/passwd named a file outside the session.",
        "model.py: ImageRef.sha256 must be 64 hex digits.",
        "test_corrupt_files.py::test_damaged_header_is_one_sentence_everywhere[hostile image hash]",
    ),
    (
        "A journal.jsonl that is a folder (or unreadable) crashed 'show' with IsADirectoryError.",
        "store/journal.py: read through one guarded open (no links, regular files only).",
        "test_corrupt_files.py::test_journal_that_is_a_folder_is_refused_clearly",
    ),
    (
        "An altered or missing image was exported and promoted by reset as if it were the approved one; "
        "a missing one gave 'No such file or directory'.",
        "store/blobs.py: every read checks the sha256 and refuses links; engine.py: reset/fork verify "
        "each image before copying it.",
        "test_corrupt_files.py::test_altered_blob_is_never_exported_or_promoted, ::test_missing_blob_…",
    ),
    (
        "Symbolic links inside a session (session.json, journal.jsonl, blobs/, an image) were followed: "
        "export and reset carried files from outside the session.",
        "store/sessions.py, journal.py, blobs.py, lock.py: O_NOFOLLOW and link checks; 'check' reports them.",
        "test_corrupt_files.py::test_symlink_pointing_outside_is_not_followed[*]",
    ),
    (
        "One journal record from a newer session-tui made the whole session unopenable.",
        "store/sessions.py: that record is skipped with a warning; the rest loads.",
        "test_corrupt_files.py::test_newer_schema_record_is_skipped_and_the_rest_recovered",
    ),
    (
        "Schema versions no session-tui wrote (0, -1, true) were accepted silently.",
        "store/migrations.py: a version no step leads from is refused with a sentence.",
        "test_migrations.py::test_versions_that_never_existed_are_refused",
    ),
    (
        "A checkpoint id like 'cp²' in the journal crashed 'approve' with ValueError.",
        "engine.py: only plain cpN ids count when numbering.",
        "test_corrupt_files.py::test_hostile_checkpoint_id_does_not_break_approve",
    ),
    (
        "A folder export that failed half-way (disk full) left a partial export folder.",
        "export/exporter.py: a new folder is renamed into place whole; into an existing one, new files are "
        "taken back on failure.",
        "test_disk_errors.py::test_a_failed_write_changes_nothing_and_says_so[export]",
    ),
    (
        "A failed 'check --repair' left an empty journal.damaged.jsonl, or duplicated lines into it.",
        "store/check.py: the side file is rolled back when the repair cannot finish.",
        "test_disk_errors.py::test_a_failed_write_changes_nothing_and_says_so[check-repair]",
    ),
    (
        "Writing the pid into the lock file on a full disk raised a raw OSError with the lock held.",
        "store/lock.py: the pid is best effort.",
        "test_disk_errors.py (ENOSPC on the lock file's pwrite)",
    ),
    (
        "A decompression bomb was refused as 'not an image format session-tui can read'; a truncated JPEG "
        "said 'could not be read: Truncated File Read'.",
        "images.py: 'too large to open safely' and 'damaged and cannot be read'.",
        "test_bad_images.py::test_bad_reference_is_refused_in_one_sentence[decompression bomb|truncated jpeg]",
    ),
    (
        "Animated GIF/WebP were stored silently (which frame a model sees is anyone's guess).",
        "images.py: refused with a sentence saying to save one frame as PNG.",
        "test_bad_images.py::…[animated gif|animated webp]",
    ),
    (
        "EXIF-rotated JPEGs were stored sideways for every consumer that ignores the tag.",
        "images.py upright(), store/blobs.py: turned once when stored (as PNG).",
        "test_bad_images.py::test_exif_rotation_is_applied_once_when_stored",
    ),
    (
        "--ref /dev/zero read forever; a FIFO blocked; a 10 GB file was read whole; a NUL in a path crashed.",
        "userfiles.py: regular files only, 100 MiB limit, NUL refused.",
        "test_bad_images.py::test_special_and_oversized_files_are_refused_without_reading_them, "
        "test_path_safety.py::test_reference_labels_and_paths",
    ),
    (
        "A checkpoint label with a line break crashed export's contact sheet; a 5,000-character label made "
        "export take 22 s (quadratic trimming).",
        "export/contact_sheet.py: one line, at most 200 characters, before fitting.",
        "test_path_safety.py::test_hostile_labels_stay_inside_exports",
    ),
    (
        "The chat parser's markdown-image pattern backtracked quadratically: 16 KB of hostile text took 3 s, "
        "a 1 MB answer would have hung the turn.",
        "providers/parsers.py: bounded alt text and an atomic base64 group.",
        "test_fuzz_parsers.py::test_huge_hostile_text_is_parsed_in_linear_time",
    ),
    (
        "A service error whose code or status held a line break (or 10,000 characters) made the error "
        "message several lines long.",
        "providers/errors.py: codes, statuses, reasons and params are clipped to one short line.",
        "test_fuzz_parsers.py::test_chat_answers (found by hypothesis)",
    ),
    (
        "An image URL whose server drips one byte at a time (never tripping a read timeout) hung the turn "
        "until cancelled.",
        "providers/sdk.py: a deadline for the whole download (three times the read timeout).",
        "test_hostile_responses.py::test_image_url_that_trickles_is_stopped_by_a_total_deadline",
    ),
    (
        "'session-tui check \"\"' checked every session instead of refusing the empty name.",
        "cli/check_cmd.py.",
        "test_path_safety.py::test_bad_session_names_are_refused_everywhere[]",
    ),
]

# Issue 16 (reliability round 2): each item, the test that reproduces it, and the fix.
ROUND2 = [
    (
        "1. A whole last record without its newline was hidden and then deleted by the next write",
        "test_r2_store.py::test_whole_last_record_without_newline_is_kept_by_show_check_and_the_next_write, "
        "::test_repair_adds_the_missing_newline_and_keeps_the_record, ::test_import_keeps_an_unended_last_record",
        "store/journal.py: a tail whose CRC verifies is a record (kept; the next write adds the newline); "
        "store/check_journal.py reports it, --repair ends it",
    ),
    (
        "2. Session names that are the home's own files (config.toml, keys.json)",
        "test_r2_files.py::test_names_of_the_homes_own_files_are_refused",
        "paths.py HOME_FILES, store/sessions.py Store.create refuses them (new, fork, reset, import)",
    ),
    (
        "3. A folder whose session.json is missing, a folder or a FIFO vanished from list and check",
        "test_r2_store.py::test_headerless_folder_is_damage_and_repair_rebuilds_the_header[*], "
        "::test_missing_journal_beside_images_is_damage",
        "store/sessions.py Store.folders(); store/check.py reports it (exit 1); store/check_repair.py "
        "rebuilds the header from the journal, moving what stood there aside",
    ),
    (
        "4. Gaps in turn numbers after a repair made export refuse the session",
        "test_r2_store.py::test_export_works_when_a_repair_left_a_gap",
        "domain/model.py find_turn + describe_numbers; export/exporter.py, extras.py; engine/turns.py numbers "
        "a new turn after every number a checkpoint names",
    ),
    (
        "5. One odd folder name stopped the whole-home check",
        "test_r2_store.py::test_odd_folder_name_is_reported_and_the_rest_is_checked",
        "store/check.py check_home: an error with a rename hint, the rest checked",
    ),
    (
        "6. Markup in labels, paths or a service's error crashed the TUI",
        "tui/test_tui_hostile_text.py::*",
        "tui/app.py notify is plain text; form error and export line are Text",
    ),
    (
        "7. RecursionError on deeply nested TOML/JSON",
        "test_r2_files.py::test_deeply_nested_toml_and_json_are_one_sentence",
        "config.py, providers/keys.py, engine/specfiles.py, engine/series.py",
    ),
    (
        "8. A zip with x/session.json/ (KeyError) or a header expanding to gigabytes",
        "test_r2_files.py::test_zip_with_a_folder_named_session_json_is_refused, "
        "::test_zip_whose_header_expands_far_past_any_header_is_refused_unread, "
        "::test_zip_member_larger_than_an_image_can_be_is_refused",
        "store/importer.py: per-member caps (header 16 MiB, journal 2 GiB, image 100 MiB), capped read",
    ),
    (
        "9. prompt --edit: invalid UTF-8, a folder or a FIFO saved by the editor",
        "test_r2_files.py::test_prompt_edit_with_a_bad_save_is_one_sentence_and_sends_nothing[*]",
        "cli/prompt_cmd.py: non-blocking open, fstat, decode; nothing sent",
    ),
    (
        "10. FIFOs hung list, show, check, send, approve, export",
        "test_r2_files.py::test_a_fifo_journal_does_not_hang[*], ::test_a_fifo_image_does_not_hang[*], "
        "::test_fifo_config_keys_and_cache_do_not_hang",
        "media/userfiles.py read_regular (O_NONBLOCK + fstat); store/journal.py, blobs.py, sessions.py, "
        "cache.py, config.py, providers/keys.py",
    ),
    (
        "11. A decoder raising TypeError (Pillow's crash TIFFs) gave a traceback",
        "test_r2_files.py::test_a_decoder_that_raises_type_error_is_refused_in_one_sentence",
        "media/images.py: any decoder exception is a refusal sentence",
    ),
    (
        "12. Terminal escape sequences from files, users and services reached the terminal",
        "test_r2_terminal.py::*",
        "domain/printable.py, applied in cli/main.py, commands.py, refs_cmd.py, series_cmd.py",
    ),
    (
        "13. The Gemini key followed a 307 to another host",
        "test_r2_security.py::test_no_credential_follows_a_redirect_to_another_host[*]",
        "providers/sdk.py: every credential header dropped for a request to another host or port",
    ),
    (
        "14. Writes escaped the session through a symlinked cache/",
        "test_r2_files.py::test_writes_never_escape_through_a_linked_cache",
        "store/cache.py: a cache that is or holds a link is neither read nor written",
    ),
    (
        "15. file://, ftp://, javascript:, unix:// base URLs; plain http to a remote host",
        "test_r2_security.py::test_base_urls_that_are_not_http_are_refused_by_config_validation[*], "
        "::test_plain_http_to_a_remote_host_warns, ::test_credentials_in_a_base_url_are_never_shown_or_stored",
        "config.py: base_url validated, config_warnings(); cli/providers_cmd.py prints the warning",
    ),
    (
        "16. .lock a folder; a busy session 'ok'; repair stopping at a read-only session; 'nothing was "
        "changed' after a recorded failed turn; mode 620 'readable'; duplicated damaged lines",
        "test_r2_store.py::test_lock_that_is_a_folder_is_an_error_and_repair_replaces_it, "
        "::test_busy_session_in_the_whole_home_check_is_not_ok, ::test_repair_goes_on_after_a_session_it_cannot_repair, "
        "::test_send_on_a_full_disk_says_the_prompt_is_kept_not_that_nothing_changed, "
        "::test_interrupted_repair_does_not_save_lines_twice; test_r2_files.py::test_keys_file_mode_620_is_called_group_writable",
        "store/check.py, check_report.py (not_checked, exit 3), check_repair.py; engine/turns.py; providers/keys.py",
    ),
]


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _count_examples(prop: Callable[[Any], None], strategy: Any, examples: int) -> tuple[int, str | None]:
    """Run ``prop`` under hypothesis for ``examples`` inputs; (inputs tried, failure or None)."""
    from hypothesis import HealthCheck, given, settings

    tried = [0]

    def counted(value: Any) -> None:
        tried[0] += 1
        prop(value)

    test = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )(given(strategy)(counted))
    try:
        test()
    except Exception as exc:
        return tried[0], f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return tried[0], None


def fuzz(examples: int, work: Path) -> list[tuple[str, int, str | None]]:
    import fuzzing
    from hypothesis import strategies as st
    from test_fuzz_parsers import bytes_property, checked_image, parser_property, parser_strategies

    base = fuzzing.make_base(work / "fuzz-home")
    scratch = work / "scratch"
    rows = []
    loader = {
        "session.json: random bytes": (
            lambda d: fuzzing.header_bytes_property(base, scratch, d),
            st.binary(max_size=3000),
        ),
        "session.json: random JSON": (
            lambda d: fuzzing.header_json_property(base, scratch, d),
            fuzzing.json_values,
        ),
        "session.json: fields replaced or removed": (
            lambda d: fuzzing.header_mutation_property(base, scratch, d),
            fuzzing.header_changes,
        ),
        "journal.jsonl: random and damaged lines (then check --repair)": (
            lambda d: fuzzing.journal_property(base, scratch, d),
            fuzzing.journal_bytes_strategy(base),
        ),
        "journal.jsonl: intact but hostile records (then check --repair)": (
            lambda d: fuzzing.journal_records_property(base, scratch, d),
            fuzzing.record_mutations(base),
        ),
        "session-tui import: zips of a real session plus hostile entries": (
            lambda d: fuzzing.import_property(base, scratch, d),
            fuzzing.zip_entries,
        ),
    }
    for name, (prop, strategy) in loader.items():
        rows.append((name, *_count_examples(prop, strategy, examples)))
    for name, (parse, strategy) in parser_strategies.items():
        rows.append(
            (
                f"parser {name}: service-shaped hostile answers",
                *_count_examples(lambda d, p=parse: parser_property(p, d), strategy, examples),
            )
        )
    rows.append(
        ("parsers: raw response bodies", *_count_examples(bytes_property, st.binary(max_size=300), examples))
    )

    def image_bytes(data: bytes) -> None:
        import contextlib

        from session_tui.errors import ProviderError

        with contextlib.suppress(ProviderError):
            checked_image(data, "svc")

    rows.append(
        (
            "images: random bytes as a returned image",
            *_count_examples(image_bytes, st.binary(max_size=300), examples),
        )
    )
    return rows


def disk_faults(work: Path) -> tuple[dict[str, int], list[str]]:
    import pytest
    import test_disk_errors as disk

    base = disk.make_base(work / "disk")
    counts: dict[str, int] = {}
    failures: list[str] = []
    kinds = list(disk.REASONS)
    with pytest.MonkeyPatch.context() as mp:
        for op in sorted(disk.OPS):
            counts[op] = 0
            for at in range(1, 200):
                faults = disk.Faults(at=at, err=kinds[at % len(kinds)], sticky=bool(at % 2))
                try:
                    fired = disk._trial(base, work / "disk-work", mp, op, faults)
                except AssertionError as exc:
                    failures.append(f"{op} at write {at}: {str(exc)[:200]}")
                    fired = True
                if not fired:
                    break
                counts[op] += 1
    return counts, failures


def bad_images() -> tuple[int, int]:
    import test_bad_images as bad

    return len(bad.REFUSED), len(bad.ACCEPTED)


def render(
    crash: Any,
    fuzz_rows: list[tuple[str, int, str | None]],
    faults: dict[str, int],
    fault_failures: list[str],
    images: tuple[int, int],
    examples: int,
    took: float,
) -> str:
    total_inputs = sum(n for _, n, _ in fuzz_rows)
    fuzz_failures = [(name, f) for name, _, f in fuzz_rows if f]
    lines = [
        "# Reliability figures",
        "",
        "Generated by `python scripts/reliability_report.py` (seeded; the same code the tests run). "
        "Do not edit by hand: rerun the script.",
        "",
        f"Last run: {time.strftime('%Y-%m-%d')}, Python {platform.python_version()} on {platform.system()}, "
        f"{took:.0f} s in all.",
        "",
        "## Crashes (SIGKILL)",
        "",
        f"`scripts/crash_harness.py --kills {crash.kills_wanted} --seed {crash.seed}` killed **{crash.kills}** "
        f"`session-tui` processes ({', '.join(f'{k} {v}' for k, v in sorted(crash.kills_by_op.items()))}; "
        f"{', '.join(f'{v} by {k}' for k, v in sorted(crash.kills_by_mode.items()))}) in {crash.runs} runs "
        f"({crash.elapsed_s:.0f} s). *timer* kills come from outside after a random delay; *syscall* kills "
        "land just before or after a randomly chosen write, fsync, rename, link or mkdir.",
        "",
        f"- After every run: every session opened and `check` found no error ({crash.checks} checks, "
        f"{crash.cli_checks} of them by the `session-tui check` command).",
        f"- {crash.checkpoints_reported} checkpoints and {crash.turns_reported} turns were reported saved "
        "before a later kill; none went missing or changed.",
        f"- Export targets were always absent or complete. Failures: **{len(crash.failures)}**"
        + (":" if crash.failures else "."),
        *[f"  - {f}" for f in crash.failures],
        "",
        "The test suite runs the same harness with 40 kills (`tests/test_crash_harness.py`).",
        "",
        "## Fuzzing (hypothesis)",
        "",
        f"{total_inputs} inputs in all ({examples} asked per property; hypothesis stops early when a small "
        "space is exhausted). A property fails on any traceback, on a load that `check` contradicts, or on a "
        "repair that loses a line.",
        "",
        "| target | inputs | failures |",
        "| --- | ---: | ---: |",
        *[f"| {name} | {n} | {1 if f else 0} |" for name, n, f in fuzz_rows],
        "",
        *[f"- FAILURE in {name}: {f}" for name, f in fuzz_failures],
        "## Disk full, permission denied, read-only",
        "",
        f"Injected **{sum(faults.values())}** failing writes (ENOSPC, EROFS, EACCES; once, or from then on) at "
        "every write-like call of each command; after each, the command said so in one sentence and the "
        "session was as before (a `send` keeps the prompt as a failed or interrupted turn).",
        "",
        "| command | faults injected |",
        "| --- | ---: |",
        *[f"| {op} | {n} |" for op, n in sorted(faults.items())],
        "",
        f"Failures: **{len(fault_failures)}**" + (":" if fault_failures else "."),
        *[f"- {f}" for f in fault_failures],
        "",
        "## Bad images, hostile files, paths, concurrency, secrets",
        "",
        f"- Images: {images[0]} kinds refused in one sentence (as references and as a provider's answer), "
        f"{images[1]} odd-but-valid kinds kept and exported (`tests/test_bad_images.py`); a decompression bomb "
        "is refused before decoding and the largest allowed image costs about its pixel count in memory.",
        "- Corrupt or hostile session files: `tests/test_corrupt_files.py`, `tests/test_check.py`, "
        "`tests/test_migrations.py` (saved schema-1 sessions in `tests/fixtures/schema1/`).",
        "- Paths: `tests/test_path_safety.py` (16 hostile session names on 8 commands, 10 hostile labels, "
        "links, zip entry names).",
        "- Import: `session-tui import ZIP` takes only a session's own files, refuses `..`, absolute paths, "
        "backslashes, drive letters, links, duplicate names and zip bombs before reading, and checks the result "
        "before it appears (`tests/test_import.py`, and the fuzz row above).",
        "- Hostile answers from a local HTTP server (`tests/test_hostile_responses.py`): 6 MB of text, HTML "
        "instead of JSON, invalid base64, a `data:text/html` image, redirects (followed without the key; "
        "`file://` refused), a download that never ends (cut at the size cap), one that stalls and one that "
        "drips (timeouts): each fails the turn in one sentence and keeps the prompt.",
        "- Concurrency: `tests/test_concurrency.py` (six writers at once, a held lock, racing resets).",
        "- Secrets: `tests/test_secrets.py` drives every network provider kind through the CLI against a "
        "local server with the key in the environment and in the keys file, including 401 answers that quote "
        "the key: no file, export or output holds it; the keys file is 0600.",
        "",
        "## Failures found and fixed",
        "",
        f"{len(FOUND_AND_FIXED)} defects found by these tests, each with the test that now guards it:",
        "",
        *[
            f"{i}. {what} *Fix:* {fix} *Test:* `{test}`"
            for i, (what, fix, test) in enumerate(FOUND_AND_FIXED, 1)
        ],
        "",
        "### Round 2 (issue 16): hostile text, odd files, hidden sessions",
        "",
        "| item | test | fix |",
        "| --- | --- | --- |",
        *[f"| {what} | `{test}` | {fix} |" for what, test, fix in ROUND2],
        "",
        "## Known limits",
        "",
        "- A kill during an export can leave a hidden `.export-*` folder or `.NAME.zip.*.tmp` file next to the "
        "target (never a partial export under the target's name); a kill during new/reset/fork leaves a "
        "folder in the home's `.tmp/`, which `session-tui check --repair` removes.",
        "- Reads are not locked: `show` or `export` during a `send` sees the session as of its last whole "
        "record.",
        "- The service's own answer (not a linked image) is read by the SDK with per-read timeouts only: a "
        "service that drips its JSON forever holds the turn until it is cancelled (Esc in the TUI, Ctrl-C).",
        "- Root ignores file modes, so the read-only tests inject EROFS/EACCES rather than chmod a folder "
        "(a chmod test runs when the suite is not run as root).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--examples", type=int, default=500, help="fuzz inputs asked per property")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "RELIABILITY.md")
    args = parser.parse_args(argv)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="session-tui-reliability-"))
    try:
        harness = _load("crash_harness", REPO / "scripts" / "crash_harness.py")
        print(f"crash harness: {args.kills} kills …", flush=True)
        crash = harness.run(kills=args.kills, seed=args.seed, work=work / "crash", progress=True)
        print(f"fuzzing: {args.examples} examples per property …", flush=True)
        fuzz_rows = fuzz(args.examples, work)
        print("disk faults …", flush=True)
        faults, fault_failures = disk_faults(work)
        images = bad_images()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = render(crash, fuzz_rows, faults, fault_failures, images, args.examples, time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    failed = crash.failures or fault_failures or any(f for _, _, f in fuzz_rows) or crash.kills < args.kills
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
