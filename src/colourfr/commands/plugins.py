"""``colourfr plugins``: list the installed plugins, the distribution each comes from, and
their parameters."""

from __future__ import annotations

import argparse
import json
from typing import Any

from colourfr.errors import ConfigError
from colourfr.registry import registry_for

FAMILIES = {
    "datasets": "dataset formats (`datasets.<name>.format`, options in `options`)",
    "colourisers": "colourisers (`colourisers.<name>.plugin`)",
    "recognition": "recognition systems (`recognition.<name>.plugin`)",
    "quality": "quality estimators (`quality.<name>.plugin`)",
}


def _default(schema: dict[str, Any]) -> str:
    return json.dumps(schema["default"]) if "default" in schema else "—"


def plugins_markdown(distribution: str | None = None) -> str:
    """Parameter tables of the installed plugins (of one distribution, when given)."""
    lines: list[str] = []
    for family, title in FAMILIES.items():
        lines.append(f"### {title}\n")
        for spec in registry_for(family):
            if distribution is not None and spec.distribution != distribution:
                continue
            gpu = " (can use a GPU)" if spec.uses_gpu else ""
            threads = f"{spec.threads} thread{'s' if spec.threads > 1 else ''} per job"
            lines.append(
                f"#### `{spec.name}`{gpu}\n\n{spec.summary} (from `{spec.distribution}`; "
                f"{threads})\n"
            )
            properties = spec.params_schema.get("properties", {})
            if not properties:
                lines.append("No parameters.\n")
                continue
            lines.append("| parameter | default | description |\n|---|---|---|")
            for key, schema in properties.items():
                description = schema.get("description", "").replace("|", "\\|").replace("\n", " ")
                lines.append(f"| `{key}` | `{_default(schema)}` | {description} |")
            lines.append("")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(plugins_markdown(args.distribution))
        return 0
    print("family\tplugin\tdistribution\tsummary")
    for family in FAMILIES:
        registry = registry_for(family)
        for name in registry.names():
            try:
                spec = registry.get(name)
            except ConfigError as exc:  # a broken third-party plugin: listed, not fatal
                print(f"{family}\t{name}\t{registry.distribution_of(name)}\tBROKEN: {exc}")
                continue
            print(f"{family}\t{spec.name}\t{spec.distribution}\t{spec.summary}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("plugins", help="list plugins and their parameters")
    parser.add_argument("--markdown", action="store_true", help="parameter tables as Markdown")
    parser.add_argument(
        "--distribution",
        metavar="NAME",
        help="only the plugins of this distribution (e.g. colourfr, for config/README.md)",
    )
    parser.set_defaults(func=run)
