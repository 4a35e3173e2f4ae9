"""The service's branch of the error tree: the drawing in clusterkg.graph.errors and the
classes of clusterkg.service.errors agree, names and HTTP statuses."""

import re

from clusterkg.graph import errors as tree
from clusterkg.graph.errors import ClusterkgError
from clusterkg.service import errors
from clusterkg.service.errors import ServiceError


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_the_drawing_names_every_service_error_with_its_status():
    branch = tree.__doc__.split("ServiceError", 1)[1].split("\n\n", 1)[0]
    drawn = {name: int(status) for name, status in re.findall(r"(\w+)\s+(\d{3})\s", branch)}
    defined = {cls.__name__: cls.status for cls in _subclasses(ServiceError) if cls.__module__ == errors.__name__}
    assert drawn == defined


def test_the_branch_hangs_from_the_base_and_is_exported():
    assert issubclass(ServiceError, ClusterkgError)
    assert {cls.__name__ for cls in _subclasses(ServiceError)} <= set(errors.__all__)
