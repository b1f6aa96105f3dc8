#!/usr/bin/env python3
"""The oracle check_css compares src/css.c against: Scrapy's own stack.

    css_oracle.py FIXTURE.html SELECTORS.txt

Parses FIXTURE with lxml (libxml2's HTML parser, as scrape uses it) and
translates each line of SELECTORS (one selector a line, blank lines
skipped) with cssselect's HTMLTranslator, ::attr(A) as parsel reads it.
Prints first "elements" and the tag of every element in document order
(so the caller can see both sides parsed the same tree), then one line a
selector: "ok" and the document-order indexes of the elements matched,
or "error" and the reason.  Exits 77 when lxml or cssselect is missing.
"""
import sys

try:
    import cssselect
    from cssselect.parser import FunctionalPseudoElement
    from lxml import etree
except ImportError as e:
    print("css_oracle.py: %s (python3-lxml, python3-cssselect)" % e,
          file=sys.stderr)
    sys.exit(77)


class Translator(cssselect.HTMLTranslator):
    """parsel's reading of ::attr(A): the selector's attribute A."""

    def css_to_xpath(self, css, prefix="descendant-or-self::"):
        parts = []
        for sel in cssselect.parse(css):
            xpath = self.selector_to_xpath(sel, prefix)
            pe = sel.pseudo_element
            if pe is not None:
                if not (isinstance(pe, FunctionalPseudoElement) and
                        pe.name == "attr" and len(pe.arguments) == 1):
                    raise cssselect.ExpressionError(
                        "unsupported pseudo-element %r" % (pe,))
                xpath += "/@" + pe.arguments[0].value
            parts.append(xpath)
        return " | ".join(parts)


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    parser = etree.HTMLParser(recover=True, no_network=True)
    tree = etree.fromstring(data, parser).getroottree()
    elements = tree.xpath("//*")
    # lxml keeps one proxy per element while it is referenced, and
    # elements holds them all, so they serve as keys.
    index = {e: i for i, e in enumerate(elements)}
    print("elements " + " ".join(e.tag for e in elements))
    translator = Translator()
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            css = line.rstrip("\n")
            if not css.strip():
                continue
            try:
                found = tree.xpath(translator.css_to_xpath(css))
            except Exception as e:     # noqa: BLE001 - any failure is one
                print("error %s" % str(e).replace("\n", " "))
                continue
            out = []
            for node in found:
                if not isinstance(node, etree._Element):
                    node = node.getparent()    # an attribute's element
                out.append(str(index[node]))
            print(" ".join(["ok"] + out))


main()
