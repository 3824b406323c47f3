"""The route table matches like the templates read: ``{name}`` is one non-empty segment."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from emulator.http.router import Route, Router, route
from emulator.resources import registry

ROUTES = registry.catalog().routes
ROUTER = Router(ROUTES)
_PARAM = re.compile(r"\{(\w+)\}")


def by_regex(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The reference reading of a template: the first route, most fixed segments first, whose regex
    matches the whole path."""
    static = [r for r in routes if "{" not in r.template]
    for r in static:
        if r.method == method and r.template == path:
            return r, {}
    for r in sorted(routes, key=lambda r: -sum(1 for seg in r.template.split("/") if "{" not in seg)):
        if r.method != method or "{" not in r.template:
            continue
        pattern = "^" + _PARAM.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", r.template) + r"\Z"
        m = re.match(pattern, path)
        if m is not None:
            return r, m.groupdict()
    return None


def noop(ctx: object) -> None:
    return None


def test_every_template_matches_itself_with_its_names() -> None:
    for r in ROUTES:
        path = _PARAM.sub(lambda m: f"x_{m.group(1)}", r.template)
        found = ROUTER.match(r.method, path)
        assert found is not None, r.template
        assert found == by_regex(ROUTES, r.method, path)
        assert found[1] == {name: f"x_{name}" for name in _PARAM.findall(r.template)}


def test_an_empty_segment_does_not_fill_a_parameter() -> None:
    router = Router([route("GET", "/v1/things/{thing}", noop)])
    assert router.match("GET", "/v1/things/") is None
    assert router.match("GET", "/v1/things//x") is None
    assert router.match("GET", "/v1/things/a/b") is None
    assert router.match("POST", "/v1/things/a") is None
    found = router.match("GET", "/v1/things/a%20b")
    assert found is not None and found[1] == {"thing": "a%20b"}


def test_the_route_with_more_fixed_segments_wins_whatever_the_order() -> None:
    first = route("POST", "/v1/things/{thing}/cancel", noop)
    second = route("POST", "/v1/things/{thing}/{action}", noop)
    router = Router([second, first])
    assert router.match("POST", "/v1/things/t_1/cancel") == (first, {"thing": "t_1"})
    assert router.match("POST", "/v1/things/t_1/other") == (second, {"thing": "t_1", "action": "other"})


SEGMENT = st.one_of(
    st.sampled_from(sorted({seg for r in ROUTES for seg in r.template.split("/") if "{" not in seg})),
    st.text(alphabet="abc_12%/\n", max_size=6),
)


@given(
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    segments=st.lists(SEGMENT, min_size=1, max_size=8),
)
def test_matching_agrees_with_the_templates_as_regular_expressions(method: str, segments: list[str]) -> None:
    path = "/".join(segments)
    assert ROUTER.match(method, path) == by_regex(ROUTES, method, path)
