#!/usr/bin/env python3
"""The extraction oracle: what lxml.html (the parser under Scrapy's
selectors) and urllib make of the fixture pages, for tests/check_extract.c
to hold extractor_run to.

    extract_oracle.py DIR

reads DIR/MANIFEST (file, Content-Type, final URL, Python codec; tabs)
and prints one JSON object per page: the manifest's fields, "title",
"links" and "xpath" (expression -> array of strings), computed the way
the SPEC words them, independently of src/extract.c.  Exits 77 when lxml
is missing.
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


def page(directory, name, ctype, final, codec):
    with open(os.path.join(directory, name), "rb") as f:
        text = f.read().decode(codec, errors="replace")
    # Decoded here, by the manifest's codec, and handed over as UTF-8 the
    # parser is told about, so that lxml's own detection plays no part.
    parser = lxml.html.HTMLParser(encoding="utf-8")
    doc = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    titles = doc.xpath("//title")
    return {
        "file": name,
        "content_type": ctype,
        "url": final,
        "title": collapse(titles[0].xpath("string(.)")) if titles else None,
        "links": links(doc, final),
        "xpath": {e: xpath(doc, e) for e in XPATHS},
    }


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "MANIFEST"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, ctype, final, codec = line.split("\t")
            print(json.dumps(page(directory, name, ctype, final, codec),
                             ensure_ascii=False))


if __name__ == "__main__":
    main()
