"""Writing the report pages: a self-contained index.html and a report.md beside the figures."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from braininit.report.numbers import format_cell
from braininit.report.section import Section, Table

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.settings { color: #555; font-size: 0.9em; }
.verdict { font-size: 1.05em; padding: 0.6em 0.8em; border-left: 5px solid #888; background: #f6f6f6; }
.verdict.pass { border-color: #2e7d32; background: #eef7ee; } .verdict.fail { border-color: #c62828; background: #fcecec; }
.criterion { color: #555; font-size: 0.9em; margin-top: 0.3em; }
figure { margin: 1.2em 0; } figure img, figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
caption { caption-side: top; text-align: left; color: #555; padding-bottom: 0.3em; }
ul.summary li { margin: 0.2em 0; }
"""


def _badge(section: Section) -> str:
    return {True: "pass", False: "fail"}.get(section.passed, "")


def _mark(section: Section) -> str:
    return {True: "✓", False: "✗"}.get(section.passed, "•")


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in table.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(format_cell(cell))}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    return f"<table><caption>{html.escape(table.caption)}</caption><tr>{head}</tr>{rows}</table>"


def _html_figure(folder: Path, filename: str, caption: str) -> str:
    path = folder / filename
    if path.suffix == ".svg":
        picture = path.read_text(encoding="utf-8")
        picture = picture[picture.index("<svg"):]
    else:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        picture = f'<img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
    return f"<figure>{picture}<figcaption>{html.escape(caption)}</figcaption></figure>"


def write_html(folder: Path, title: str, settings_line: str, sections: list[Section]) -> None:
    """Write ``index.html`` with every figure embedded, so the file can be moved or mailed alone."""
    summary = "".join(
        f'<li>{_mark(s)} <a href="#{s.name}">{html.escape(s.title)}</a>: {html.escape(s.verdict)}</li>' for s in sections
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>',
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="settings">{html.escape(settings_line)}</p>',
        f'<h2>Summary</h2><ul class="summary">{summary}</ul>',
    ]
    for section in sections:
        parts.append(f'<h2 id="{section.name}">{html.escape(section.title)}</h2>')
        parts.append(f"<p>{html.escape(section.summary)}</p>")
        parts.append(
            f'<div class="verdict {_badge(section)}">{_mark(section)} {html.escape(section.verdict)}'
            f'<div class="criterion">Criterion: {html.escape(section.criterion)}</div></div>'
        )
        parts += [_html_figure(folder, figure.filename, figure.caption) for figure in section.figures]
        parts += [_html_table(table) for table in section.tables]
    parts.append("</body></html>")
    (folder / "index.html").write_text("\n".join(parts) + "\n", encoding="utf-8")


def _markdown_cell(value: object) -> str:
    return format_cell(value).replace("|", "\\|")


def _markdown_table(table: Table) -> str:
    lines = [
        f"*{table.caption}*",
        "",
        "| " + " | ".join(_markdown_cell(column) for column in table.columns) + " |",
        "|" + "|".join(" --- " for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(_markdown_cell(cell) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def write_markdown(folder: Path, title: str, settings_line: str, sections: list[Section]) -> None:
    """Write ``report.md``, which links the figure files beside it."""
    lines = [f"# {title}", "", settings_line, "", "## Summary", ""]
    lines += [f"- {_mark(s)} **{s.title}**: {s.verdict}" for s in sections]
    for section in sections:
        lines += ["", f"## {section.title}", "", section.summary, "", f"**{_mark(section)} {section.verdict}**", ""]
        lines += [f"Criterion: {section.criterion}", ""]
        lines += [f"![{figure.caption}]({figure.filename})\n" for figure in section.figures]
        lines += [_markdown_table(table) + "\n" for table in section.tables]
    (folder / "report.md").write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
