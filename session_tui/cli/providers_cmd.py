"""session-tui providers (list profiles, --check one) and session-tui keys (the 0600 keys file)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from session_tui.cli.common import Context, add_json, emit_json
from session_tui.errors import InvalidInput, SessionTuiError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "providers",
        parents=[common],
        help="list provider profiles and what they can do",
        description="List the provider profiles of config.toml with their capabilities and where "
        "each key comes from; --check NAME makes one cheap request and says what works.",
    )
    p.add_argument("--check", metavar="NAME", help="make one cheap request with this profile")
    add_json(p)
    p.set_defaults(func=cmd_providers)

    p = sub.add_parser(
        "keys",
        parents=[common],
        help="store API keys in the keys file (mode 0600)",
        description="Keys are read from the environment variable a profile names, or from the keys "
        "file. 'keys set NAME' reads the key from the terminal (or one line of stdin).",
    )
    keys = p.add_subparsers(
        dest="keys_command", metavar="ACTION", parser_class=type(p), required=True, help="what to do"
    )
    k = keys.add_parser("set", parents=[common], help="save a key under a profile name (or variable name)")
    k.add_argument("name", metavar="NAME", help="a provider profile name (or a variable name)")
    k.set_defaults(func=cmd_keys_set)
    k = keys.add_parser("list", parents=[common], help="the names that have a key (never the keys)")
    add_json(k)
    k.set_defaults(func=cmd_keys_list)
    k = keys.add_parser("remove", parents=[common], help="forget a saved key")
    k.add_argument("name", metavar="NAME", help="a provider profile name (or a variable name)")
    k.set_defaults(func=cmd_keys_remove)


def _describe(ctx: Context, name: str) -> dict[str, Any]:
    """One profile as plain data; a profile that cannot be built says why instead of failing the list."""
    from session_tui.engine.provider_admin import create_provider, lookup

    config = ctx.engine.config
    resolved, profile = config.profile(name)
    doc: dict[str, Any] = {
        "name": resolved,
        "kind": profile.kind,
        "model": profile.model,
        "default": resolved == config.default_provider,
    }
    try:
        provider = create_provider(resolved, profile, ctx.home)
        doc["capabilities"] = provider.capabilities().as_dict()
        doc["label"] = provider.label()
    except SessionTuiError as exc:
        doc["error"] = exc.message
        return doc
    if profile.kind == "offline":
        doc["key"] = "not needed"
        return doc
    from session_tui.engine.provider_admin import public_url

    doc["base_url"] = public_url(getattr(provider, "base_url", profile.base_url or ""))
    try:
        found = lookup(profile, ctx.home, resolved)
        doc["key"] = found[1].describe(ctx.home) if found else "missing"
    except SessionTuiError as exc:
        doc["key"] = f"unreadable: {exc.message}"
    doc.update(
        {
            "timeout_s": profile.timeout_s,
            "max_retries": profile.max_retries,
            "request_budget_mb": profile.request_budget_mb,
        }
    )
    return doc


def cmd_providers(ctx: Context) -> int:
    from session_tui.config import config_warnings

    a = ctx.args
    for warning in config_warnings(ctx.engine.config):  # stderr: --json output stays one document
        print(f"session-tui: warning: {warning}", file=sys.stderr)
    if a.check:
        return _check(ctx, a.check)
    docs = [_describe(ctx, name) for name in ctx.engine.config.profile_names()]
    if a.json:
        emit_json(docs)
        return 0
    for d in docs:
        mark = "*" if d["default"] else " "
        print(
            f"{mark} {d['name']}  {d['kind']}  {d['model']}"
            + (f"  {d['base_url']}" if d.get("base_url") else "")
        )
        if "error" in d:
            print(f"    problem: {d['error']}")
            continue
        caps = d["capabilities"]
        print(f"    family {caps['family']}: {caps['description']}")
        seed = "honoured" if caps["seed_honoured"] else "recorded, not honoured"
        print(
            f"    sizes {' '.join(caps['image_sizes'])}; ratios {' '.join(caps['aspect_ratios'])}; "
            f"up to {caps['max_references']} references; seed {seed}"
        )
        print(f"    key: {d['key']}")
    from session_tui.domain.vocabulary import PROVIDER_KINDS

    print(f"(* default; profiles live in {ctx.home.config_file}; kinds: {', '.join(PROVIDER_KINDS)})")
    return 0


def _check(ctx: Context, name: str) -> int:
    from session_tui.engine.provider_admin import create_provider

    resolved, profile = ctx.engine.config.profile(name)
    sentence = create_provider(resolved, profile, ctx.home).check()
    if ctx.args.json:
        emit_json({"name": resolved, "ok": True, "message": sentence})
    else:
        print(sentence)
    return 0


def _read_secret(name: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"Key for {name} (input hidden): ")
    return sys.stdin.readline()


def cmd_keys_set(ctx: Context) -> int:
    from session_tui.engine.provider_admin import save_key, validate_key_name

    name = validate_key_name(ctx.args.name)
    path = save_key(ctx.home, name, _read_secret(name))
    print(f"Saved the key for {name!r} in {path} (readable only by you).")
    return 0


def cmd_keys_list(ctx: Context) -> int:
    from session_tui.engine.provider_admin import read_keys

    names = sorted(read_keys(ctx.home))
    if ctx.args.json:
        emit_json({"keys_file": str(ctx.home.keys_file), "names": names})
    elif names:
        print("\n".join(names))
    else:
        print(f"No saved keys in {ctx.home.keys_file}.")
    return 0


def cmd_keys_remove(ctx: Context) -> int:
    from session_tui.engine.provider_admin import remove_key, validate_key_name

    name = validate_key_name(ctx.args.name)
    if not remove_key(ctx.home, name):
        raise InvalidInput(f"No key is saved under {name!r}; 'session-tui keys list' shows the names.")
    print(f"Removed the key for {name!r}.")
    return 0
