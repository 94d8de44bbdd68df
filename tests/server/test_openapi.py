"""docs/openapi.yaml documents the JSON API as the code has it: every route of the table kRoutes in
src/admin/admin_api.cc is a path and method in the file, and every /api/ path and method in the
file is a route of the table (nothing documented that the server does not answer)."""
import os
import re

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
ROUTE = re.compile(r'\{"(GET|POST|PUT|DELETE|PATCH)",\s*"(/api/[^"]*)",')


def code_routes():
    with open(os.path.join(ROOT, "src/admin/admin_api.cc")) as f:
        text = f.read()
    table = text[text.index("constexpr Route kRoutes[]"):]
    table = table[:table.index("};")]
    routes = {(m, p) for m, p in ROUTE.findall(table)}
    assert len(routes) >= 20, routes  # the table was found and read
    return routes


def documented():
    with open(os.path.join(ROOT, "docs/openapi.yaml")) as f:
        doc = yaml.safe_load(f)
    assert doc["openapi"].startswith("3.1")
    out = set()
    for path, item in doc["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "delete", "patch"):
                out.add((method.upper(), path))
    return doc, out


def test_every_route_in_the_code_is_documented():
    _, docs = documented()
    missing = sorted(code_routes() - docs)
    assert not missing, f"routes in admin_api.cc missing from docs/openapi.yaml: {missing}"


def test_every_documented_api_route_exists():
    _, docs = documented()
    extra = sorted(r for r in docs - code_routes() if r[1].startswith("/api/"))
    assert not extra, f"docs/openapi.yaml documents routes the server does not have: {extra}"


def test_path_parameters_are_declared():
    doc, _ = documented()
    params = doc["components"]["parameters"]
    for path, item in doc["paths"].items():
        names = set(re.findall(r"\{(\w+)\}", path))
        for method, op in item.items():
            declared = set()
            for p in op.get("parameters", []):
                p = params[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                if p["in"] == "path":
                    declared.add(p["name"])
            assert declared == names, f"{method.upper()} {path}: path parameters {declared} != {names}"


def test_references_resolve():
    doc, _ = documented()
    refs = set(re.findall(r"\$ref': '#/([^']+)'", repr(doc)))
    for ref in refs:
        node = doc
        for part in ref.split("/"):
            assert part in node, f"unresolved $ref #/{ref}"
            node = node[part]
