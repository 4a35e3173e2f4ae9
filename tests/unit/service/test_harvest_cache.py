"""The catalogue, VoID, feed and service description bodies kept per snapshot and request: made once, then
served from memory, never more than the byte bound in all (least recently used dropped)."""

from clusterkg.service import kept as documents


def test_bodies_are_made_once_and_kept_within_their_byte_bound(monkeypatch):
    monkeypatch.setattr(documents, "_KEPT", type(documents._KEPT)())
    monkeypatch.setattr(documents, "_kept_size", 0)
    monkeypatch.setattr(documents, "KEPT_BYTES", 250)
    made = []

    def maker(name: str, size: int):
        def make():
            made.append(name)
            return b"x" * size, f'"{name}"'
        return make

    assert documents.kept(("a",), maker("a", 100)) == (b"x" * 100, '"a"')
    assert documents.kept(("a",), maker("a", 100))[1] == '"a"' and made == ["a"]  # the second time from memory
    documents.kept(("b",), maker("b", 100))
    documents.kept(("a",), maker("a", 100))  # a is now the most recently used
    documents.kept(("c",), maker("c", 100))  # 300 bytes: b, the least recently used, goes
    assert [k[0] for k in documents._KEPT] == ["a", "c"]
    assert documents._kept_size == 200 and made == ["a", "b", "c"]
    documents.kept(("d",), maker("d", 1000))  # alone over the bound: kept, the others go
    assert [k[0] for k in documents._KEPT] == ["d"] and documents._kept_size == 1000
