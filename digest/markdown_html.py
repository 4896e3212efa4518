"""Markdown to HTML for the templates' `markdown` filter: no raw HTML, safe links only."""

from __future__ import annotations

import re

import markdown as markdown_lib
import markdown.treeprocessors

from digest.outlets import safe_url


def plain_markdown(text: str) -> str:
    """Markdown rendered to HTML; raw HTML in it stays text, and links other than http(s) and
    mailto lose their target (no `javascript:`)."""
    return markdown_lib.markdown(text, output_format="html", extensions=[_Plain()])


class _Plain(markdown_lib.Extension):
    """Markdown without raw HTML, and with safe links only."""

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


# A character Python-Markdown writes as a numeric entity of its own (each letter of an autolinked
# address, `<editor@paper.example>`, and of its `mailto:` target).
_OWN_ENTITY = re.compile(re.escape(markdown_lib.util.AMP_SUBSTITUTE) + r"#(\d{1,7});")


class _SafeLinks(markdown_lib.treeprocessors.Treeprocessor):
    def run(self, root) -> None:
        for element in root.iter():
            if element.tag not in ("a", "img"):
                continue
            attribute = "href" if element.tag == "a" else "src"
            target = _OWN_ENTITY.sub(_character, element.get(attribute, ""))
            if safe_url(target) or re.fullmatch(r"mailto:[^\s:]+@[^\s:]+", target):
                element.set(attribute, target)
            else:
                element.attrib.pop(attribute, None)


def _character(entity: re.Match[str]) -> str:
    """The character a numeric entity of Python-Markdown's stands for."""
    code = int(entity[1])
    return chr(code) if code < 0x110000 else entity[0]
