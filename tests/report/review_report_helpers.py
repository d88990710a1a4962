"""Helpers of the review report tests: run the command, read what it wrote, parse the tree."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from landing_zone.report.__main__ import main

FILES = ("landing-zone-report.md", "landing-zone-report.json", "landing-zone-report.sarif")


@dataclass(frozen=True)
class Written:
    folder: Path
    stdout: str

    @property
    def markdown(self) -> str:
        return (self.folder / FILES[0]).read_text(encoding="utf-8")

    @property
    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.folder / FILES[1]).read_text(encoding="utf-8"))
        return document

    @property
    def sarif(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.folder / FILES[2]).read_text(encoding="utf-8"))
        return document


def run_report(capsys: pytest.CaptureFixture[str] | None, *argv: str) -> tuple[int, str, str]:
    """``python -m landing_zone.report *argv``: exit status, stdout, stderr."""
    status = main(list(argv))
    if capsys is None:
        return status, "", ""
    captured = capsys.readouterr()
    return status, captured.out, captured.err


_NODE = re.compile(r'^\s+(\w+)(?:\["(.*)"\]|\(\["(.*)"\]\))$')
_EDGE = re.compile(r"^\s+(\w+) --> (\w+)$")


@dataclass(frozen=True)
class Tree:
    labels: dict[str, str]
    parents: dict[str, str]
    accounts: set[str]

    def path(self, node: str) -> str:
        """``Workloads/Prod`` for an OU node (labels joined up to, not including, the root)."""
        names = []
        while node in self.parents:
            names.append(self.labels[node])
            node = self.parents[node]
        return "/".join(reversed(names))


def mermaid_tree(markdown: str) -> Tree:
    """The nodes and edges of the report's Mermaid block."""
    block = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    labels: dict[str, str] = {}
    parents: dict[str, str] = {}
    accounts: set[str] = set()
    for line in block.splitlines():
        if node := _NODE.match(line):
            labels[node[1]] = node[2] if node[2] is not None else node[3]
            if node[3] is not None:
                accounts.add(node[1])
        elif edge := _EDGE.match(line):
            parents[edge[2]] = edge[1]
    return Tree(labels, parents, accounts)
