"""Stage 1, read: input files -> neutral records, never RDF; the kind and layout are detected from the text.

The registry :data:`READERS` holds one :class:`~.reader.Reader` per layout family, tried in
order; the first whose ``detect`` accepts the page reads it. The readers of the other
kinds of source come first: their landmarks are narrower than a profile's.

============= ============== ======================= ======================= =======================================
reader        kind           layouts                 module                  landmarks
============= ============== ======================= ======================= =======================================
eccp-network  network-page   eccp-network            :mod:`.network_page`    "Home > Cluster Networks > NAME"
esca-register label-register esca-register           :mod:`.register`        a heading row of known columns ("Name
                                                                             ... Label valid until"), rows after it
award-news    award-news     award-news              :mod:`.award_news`      a byline or date near the top, a
                                                                             sentence awarding a level to clusters
portal-entry  republication  portal-entry            :mod:`.portal`          "Cluster Excellence Label:" and an
                                                                             entry card ("Posted on:", "Acronym:")
eccp-2021     profile        eccp-2021               :mod:`.eccp_2021`       "NN% completed", "About us",
                                                                             "Established - "
eccp-printer  profile        eccp-2016, eccp-2019    :mod:`.eccp_printer`    "Printer-friendly version", ``Label:``
                                                                             lines; 2019: breadcrumb, title, S3
                                                                             areas, "Other Label"
============= ============== ======================= ======================= =======================================

To add an input layout: one new module with a ``READER`` record, and one line in
:data:`READERS`. Beside the readers, this stage reads what else a build takes: the manifest
(:mod:`.manifest`), the network alias tables (:mod:`.networks`), the curators' decisions
(:mod:`.decisions`) and curated RDF files (:mod:`.rdf`); printed values are parsed by
:mod:`.values`, names looked up by :mod:`.names` and keyed by :mod:`.namekeys`. The
readers never import rdflib: they fill a neutral :class:`~.profile.Profile` or another
:class:`~.profile.Record` (:mod:`.records`).
"""

from __future__ import annotations

from pathlib import Path

from clusterkg.graph.errors import ProfileReadError
from clusterkg.graph.read import award_news, eccp_2021, eccp_printer, network_page, portal, register
from clusterkg.graph.read.lines import split_lines
from clusterkg.graph.read.profile import Profile, ReadIssue, Record
from clusterkg.graph.read.reader import Reader

__all__ = ["read_profile", "read_profile_file", "read_profile_bytes", "read_bytes", "decode", "READERS", "LAYOUTS",
           "SUFFIXES", "MAX_BYTES", "KINDS"]

#: The readers, tried in this order.
READERS: tuple[Reader, ...] = (network_page.READER, register.READER, award_news.READER, portal.READER,
                               eccp_2021.READER, eccp_printer.READER)
#: Layout -> the kind of source it is (``profile``, ``label-register``, ...).
KINDS = {layout: r.kind for r in READERS for layout in r.layouts}
#: Every layout a reader reads.
LAYOUTS = tuple(sorted(layout for r in READERS for layout in r.layouts))
#: File suffixes of input files a reader takes (``.txt``).
SUFFIXES = tuple(sorted({s for r in READERS for s in r.suffixes}))

#: Profiles larger than this (bytes) are refused: a real profile page is a few kB.
MAX_BYTES = 5 * 1024 * 1024


def decode(data: bytes, source: str) -> tuple[str, list[ReadIssue]]:
    """Decode a profile file's bytes: UTF-8 (with or without BOM), else Windows-1252.

    :param data: the file's bytes.
    :param source: file name, for messages.
    :return: ``(text, issues)``; issues say when a fallback encoding was used.
    :raises ProfileReadError: empty file, a file over :data:`MAX_BYTES`, or binary data
        (NUL bytes, or text that no encoding reads). UTF-16 and UTF-32 files with a
        byte-order mark are decoded; a file mixing UTF-8 and Windows-1252 lines is decoded
        line by line, each fallback reported with its line.
    """
    if not data.strip():
        raise ProfileReadError("the file is empty", source)
    if len(data) > MAX_BYTES:
        raise ProfileReadError(f"the file has {len(data):,} bytes; a profile page is at most "
                               f"{MAX_BYTES:,}", source)
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), [ReadIssue("encoding", source, None, f"decoded as {codec.upper()} "
                                                      "(by its byte-order mark)")]
            except UnicodeDecodeError as exc:
                raise ProfileReadError(f"not valid {codec.upper()} ({exc.reason})", source) from None
    if b"\x00" in data:
        nul = data.index(b"\x00")
        line = data.count(b"\n", 0, nul) + 1
        raise ProfileReadError("binary data (NUL byte), not a text profile", source, line)
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    # Line by line: lines that are UTF-8 stay so; the others are read as Windows-1252.
    issues: list[ReadIssue] = []
    out: list[str] = []
    bad = 0
    raw_lines = data.split(b"\n")
    for number, raw in enumerate(raw_lines, start=1):
        try:
            out.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            bad += 1
            text = raw.decode("cp1252", errors="replace")
            out.append(text)
            if "\ufffd" in text and bad > 20:
                raise ProfileReadError("not a text file in UTF-8 or Windows-1252", source, number) from None
            issues.append(ReadIssue("encoding", source, number, "not valid UTF-8; read as Windows-1252"))
    if bad > 0.5 * len(raw_lines) and any("\ufffd" in t for t in out):
        raise ProfileReadError("not a text file in UTF-8 or Windows-1252", source)
    return "\n".join(out), issues


def read_profile(text: str, source: str = "<text>") -> Record:
    """Read one source file's text, detecting its kind and layout.

    :param text: the whole page text.
    :param source: where it came from (file path or URL), used in every message.
    :return: a :class:`Profile` (a cluster's profile, or a portal's republication of it)
        or another :class:`Record` (a label register, a network page, award news), with
        values, line numbers and ``issues``.
    :raises ProfileReadError: when the text has no known layout (or no text at all), or
        is of a known kind but holds nothing to read.

    >>> p = read_profile("Printer-friendly version\\nGeneral Information\\n"
    ...                  "Cluster Excellence Label:\\nBronze Label\\n", "x.txt")
    >>> p.layout, [v.text for v in p.values("excellence_label")]
    ('eccp-2016', ['Bronze Label'])
    """
    lines = split_lines(text)
    if not any(not ln.blank for ln in lines):
        raise ProfileReadError("the file holds no text", source)
    for reader in READERS:
        try:
            found = reader.detect(lines)
        except ProfileReadError as exc:  # a page recognisably of another kind
            raise ProfileReadError(exc.message, source, exc.line, exc.column) from None
        if found:
            record = reader.read(lines, source)
            return _require_values(record) if isinstance(record, Profile) else record
    first = next(ln for ln in lines if not ln.blank)
    raise ProfileReadError("not a cluster profile, label register, network page or award news: none of the "
                           f"known layouts ({', '.join(LAYOUTS)}) matches", source, first.number)


def _require_values(profile: Profile) -> Profile:
    """A page with the layout's furniture but not one value is not a profile to publish."""
    has_values = (profile.name is not None or profile.members or profile.contacts or profile.counts
                  or any(f.values for f in profile.fields if f.key != "completeness"))
    if not has_values:
        raise ProfileReadError("the page has the layout of an ECCP profile but holds no value "
                               "(an empty or cut-off page)", profile.source)
    return profile


def read_bytes(path: str | Path) -> bytes:
    """The bytes of an input file.

    :raises ProfileReadError: when the file cannot be read (naming it and why).
    """
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ProfileReadError(f"cannot read the file ({exc.strerror})", str(path)) from None


def read_profile_bytes(data: bytes, source: str) -> Record:
    """Read a profile file's bytes (see :func:`read_profile`); decoding as in :func:`decode`.

    :param data: the file's bytes.
    :param source: the file's path, for messages.
    :raises ProfileReadError: empty, binary or of no known layout.
    """
    text, issues = decode(data, source)
    profile = read_profile(text, source)
    profile.issues[:0] = issues
    return profile


def read_profile_file(path: str | Path) -> Record:
    """Read a profile file (see :func:`read_profile`); decoding as in :func:`decode`.

    :raises ProfileReadError: unreadable, empty, binary or of no known layout.
    """
    return read_profile_bytes(read_bytes(path), str(path))
