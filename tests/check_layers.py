#!/usr/bin/env python3
"""The layers, enforced: every #include of the C++ tree checked against what its layer may use.

services/<s>/domain and services/kpi/import: no gRPC, no SQL drivers, no storage implementation,
no file writer, no RPC adapter — the domain talks to storage through its repository interface, to
file formats through its writer interfaces (services/kpi/files/table_writer.h, pdf_renderer.h) and to other
services through its client interface. services/<s>/storage and services/<s>/files (adapters): no
domain, no RPC adapter.
common/: nothing of services/, gateway/, tools/ or demo/. No service includes another service's
domain, storage or API (they talk over gRPC). demo/ is linked by tools, tests and benchmarks only.
Exit 1 with every violation listed.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)

FORBIDDEN_IN_DOMAIN = [
    (re.compile(r'^grpcpp?/|\.grpc\.pb\.h$'), "gRPC"),
    (re.compile(r'^(sqlite3\.h|libpq-fe\.h)$|^common/storage/(sqlite|postgres)/|^common/storage/(open|sql_service_tx|record_tables)\.h$'),
     "an SQL driver"),
    (re.compile(r'^services/[a-z]+/storage/sql_'), "a storage implementation"),
    (re.compile(r'^services/[a-z]+/api/'), "an RPC adapter"),
    (re.compile(r'^services/[a-z]+/files/(?!(table_writer|pdf_renderer)\.h$)|^xlsxwriter\.h$'),
     "a file writer"),
    (re.compile(r'^common/grpcx/'), "the gRPC runtime"),
    (re.compile(r'^gateway/|^tools/|^demo/'), "the gateway, tools or demo data"),
]
FORBIDDEN_IN_STORAGE = [
    (re.compile(r'^services/[a-z]+/(domain|import|api)/'), "the domain or an RPC adapter"),
    (re.compile(r'^grpcpp?/|\.grpc\.pb\.h$'), "gRPC"),
]
FORBIDDEN_IN_COMMON = [
    (re.compile(r'^(services|gateway|tools|demo)/'), "a service, the gateway, tools or demo data"),
]
FORBIDDEN_IN_SERVICES = [
    (re.compile(r'^demo/|^tools/|^gateway/'), "demo data, tools or the gateway"),
]


def rules_for(rel: pathlib.PurePosixPath):
    parts = rel.parts
    if parts[0] == "common":
        return FORBIDDEN_IN_COMMON, None
    if parts[0] == "services" and len(parts) > 2:
        service, layer = parts[1], parts[2]
        if layer in ("domain", "import", "stats"):
            return FORBIDDEN_IN_DOMAIN + FORBIDDEN_IN_SERVICES, service
        if layer in ("storage", "files"):
            return FORBIDDEN_IN_STORAGE + FORBIDDEN_IN_SERVICES, service
        return FORBIDDEN_IN_SERVICES, service
    return [], None


violations = []
files = 0
for path in sorted(root.glob("**/*")):
    if path.suffix not in (".cc", ".h") or "build" in path.parts or "node_modules" in path.parts:
        continue
    rel = pathlib.PurePosixPath(path.relative_to(root).as_posix())
    if rel.parts[0] not in ("common", "services", "gateway"):
        continue
    rules, service = rules_for(rel)
    files += 1
    for inc in INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace")):
        for pattern, what in rules:
            if pattern.search(inc):
                violations.append(f"{rel}: includes {inc} ({what})")
        # Services talk over gRPC: none includes another's code (protos are the contract).
        m = re.match(r'^services/([a-z]+)/', inc)
        if service and m and m.group(1) != service:
            violations.append(f"{rel}: includes {inc} (another service's code)")

for v in violations:
    print(v)
print(f"{files} files checked, {len(violations)} layering violations")
sys.exit(1 if violations else 0)
