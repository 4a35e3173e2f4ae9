"""The catalogue, VoID and feed bodies kept per snapshot and request: made once, then
served from memory, never more than the byte bound in all (least recently used dropped)."""

from clusterkg.service.routes import harvest


def test_bodies_are_made_once_and_kept_within_their_byte_bound(monkeypatch):
    monkeypatch.setattr(harvest, "_KEPT", type(harvest._KEPT)())
    monkeypatch.setattr(harvest, "_kept_size", 0)
    monkeypatch.setattr(harvest, "_KEPT_BYTES", 250)
    made = []

    def maker(name: str, size: int):
        def make():
            made.append(name)
            return b"x" * size, f'"{name}"'
        return make

    assert harvest._kept(("a",), maker("a", 100)) == (b"x" * 100, '"a"')
    assert harvest._kept(("a",), maker("a", 100))[1] == '"a"' and made == ["a"]  # the second time from memory
    harvest._kept(("b",), maker("b", 100))
    harvest._kept(("a",), maker("a", 100))  # a is now the most recently used
    harvest._kept(("c",), maker("c", 100))  # 300 bytes: b, the least recently used, goes
    assert [k[0] for k in harvest._KEPT] == ["a", "c"]
    assert harvest._kept_size == 200 and made == ["a", "b", "c"]
    harvest._kept(("d",), maker("d", 1000))  # alone over the bound: kept, the others go
    assert [k[0] for k in harvest._KEPT] == ["d"] and harvest._kept_size == 1000
