#!/usr/bin/env python3
"""The extraction oracle: what lxml.html (the parser under Scrapy's
selectors) and urllib make of the fixture pages, for tests/check_extract.c
to hold extractor_run to.

    extract_oracle.py [--url-prefix URL] [--select CSS]... [--regex RE]... DIR

reads DIR/MANIFEST (file, Content-Type, final URL, Python codec; tabs)
and prints one JSON object per page: the manifest's fields, "title",
"links" and "xpath" (expression -> array of strings), computed the way
the SPEC words them, independently of src/extract.c.  Exits 77 when lxml
is missing.

For tests/check_fields.c, which fetches the pages from the test server:
--url-prefix makes each page's final URL URL followed by its file name
(where the server serves it); each --select adds CSS -> array of strings
to "select", through cssselect's HTMLTranslator with ::attr(A) read as
parsel reads it ("select" is left out when python3-cssselect is
missing); each --regex adds RE -> array of matches to "regex", by
Python's re on the decoded text (group 1 when RE has groups, else the
whole match): the same as PCRE2 for the plain patterns the tests use.
"""
import json
import math
import os
import re
import sys
from urllib.parse import quote, urldefrag, urljoin, urlsplit, urlunsplit

try:
    import lxml.html
except ImportError:
    sys.exit(77)

try:
    import cssselect
    from cssselect.parser import FunctionalPseudoElement
except ImportError:
    cssselect = None

XPATHS = [
    "count(//a)",
    "count(//p) > 1",
    "//h1",
    "//li",
    "//a/@href",
    "//td | //th",
    "string(//title)",
    "//p[1]",
    "sum(//td[number(.) = number(.)])",
]

# The white space the SPEC collapses: ASCII space, tab, CR, LF, FF (not
# what str.split() takes, which includes U+00A0 and more).
WS = re.compile("[ \t\r\n\f]+")


def collapse(s):
    return WS.sub(" ", s).strip(" ")


def browser_url(url):
    """What a browser shows for a resolved URL: scheme and host in lower
    case, an empty path as "/", non-ASCII and spaces percent-encoded."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return quote(urlunsplit((parts.scheme.lower(), parts.netloc.lower(),
                             path, parts.query, "")),
                 safe="!#$%&'()*+,-./:;=?@[]~_|{}^\\")


def links(doc, final):
    # A browser strips C0 controls and spaces from both ends of a URL.
    strip = "".join(chr(c) for c in range(0x21))
    base = final
    for b in doc.xpath("//base[@href]"):
        base = urljoin(final, b.get("href").strip(strip))
        break
    out = []
    for el in doc.iter("a", "area"):
        href = el.get("href")
        if href is None:
            continue
        url, _ = urldefrag(urljoin(base, href.strip(strip)))
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            continue
        url = browser_url(url)
        if url not in out:
            out.append(url)
    return out


def xpath_string(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return str(int(v)) if v == int(v) else repr(v)
    return str(v)


def xpath(doc, expr):
    r = doc.xpath(expr)
    if not isinstance(r, list):
        return [xpath_string(r)]
    out = []
    for v in r:
        if isinstance(v, str):
            out.append(collapse(v))
        else:
            out.append(collapse(v.xpath("string(.)")))
    return out


def css_xpath(css):
    """cssselect's XPath for css, with parsel's ::attr(A)."""
    tr = cssselect.HTMLTranslator()
    parts = []
    for sel in cssselect.parse(css):
        xp = tr.selector_to_xpath(sel, "descendant-or-self::")
        pe = sel.pseudo_element
        if pe is not None:
            if not (isinstance(pe, FunctionalPseudoElement) and
                    pe.name == "attr" and len(pe.arguments) == 1):
                raise ValueError("unsupported pseudo-element %r" % (pe,))
            xp += "/@" + pe.arguments[0].value
        parts.append(xp)
    return " | ".join(parts)


def select(doc, css):
    """An element's text, collapsed; an attribute's value as written."""
    out = []
    for v in doc.xpath(css_xpath(css)):
        if isinstance(v, str):
            out.append(str(v))
        else:
            out.append(collapse(v.xpath("string(.)")))
    return out


def regex(text, pattern):
    r = re.compile(pattern)
    return [m.group(1) if r.groups else m.group(0)
            for m in r.finditer(text)]


def page(directory, name, ctype, final, codec, opts):
    with open(os.path.join(directory, name), "rb") as f:
        text = f.read().decode(codec, errors="replace")
    # Decoded here, by the manifest's codec, and handed over as UTF-8 the
    # parser is told about, so that lxml's own detection plays no part.
    parser = lxml.html.HTMLParser(encoding="utf-8")
    doc = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    titles = doc.xpath("//title")
    out = {
        "file": name,
        "content_type": ctype,
        "url": final,
        "title": collapse(titles[0].xpath("string(.)")) if titles else None,
        "links": links(doc, final),
        "xpath": {e: xpath(doc, e) for e in XPATHS},
    }
    if opts["select"] and cssselect is not None:
        out["select"] = {c: select(doc, c) for c in opts["select"]}
    if opts["regex"]:
        # The text as scrape's --regex sees it: NUL as U+FFFD.
        plain = text.replace("\0", "\ufffd")
        out["regex"] = {r: regex(plain, r) for r in opts["regex"]}
    return out


def main():
    opts = {"prefix": None, "select": [], "regex": []}
    args = sys.argv[1:]
    while len(args) > 2 and args[0].startswith("--"):
        if args[0] == "--url-prefix":
            opts["prefix"] = args[1]
        elif args[0] in ("--select", "--regex"):
            opts[args[0][2:]].append(args[1])
        else:
            sys.exit("extract_oracle.py: unknown option %s" % args[0])
        args = args[2:]
    directory = args[0]
    with open(os.path.join(directory, "MANIFEST"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, ctype, final, codec = line.split("\t")
            if opts["prefix"] is not None:
                final = opts["prefix"] + name
            print(json.dumps(page(directory, name, ctype, final, codec,
                                  opts), ensure_ascii=False))


if __name__ == "__main__":
    main()
