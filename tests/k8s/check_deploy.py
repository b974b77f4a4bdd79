#!/usr/bin/python3
"""Offline checks of the deployment: every kustomize overlay renders (kubectl kustomize), every
object validates against the Kubernetes API schema (the models of Debian's python3-kubernetes,
strictly: unknown fields are errors), the policies hold, and the Dockerfile follows its rules.
usage: check_deploy.py SOURCE_DIR"""
import json
import pathlib
import re
import subprocess
import sys

import kubernetes.client as k8s
import yaml

root = pathlib.Path(sys.argv[1])
failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)


# ---- schema -------------------------------------------------------------------------------------
MODELS = {
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Service"): "V1Service",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("apps/v1", "StatefulSet"): "V1StatefulSet",
    ("batch/v1", "Job"): "V1Job",
    ("batch/v1", "CronJob"): "V1CronJob",
    ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
    ("networking.k8s.io/v1", "NetworkPolicy"): "V1NetworkPolicy",
    ("networking.k8s.io/v1", "Ingress"): "V1Ingress",
    # autoscaling/v2 (GA in 1.23) has the shape of v2beta2, which the 1.22 models know.
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "V2beta2HorizontalPodAutoscaler",
}
# Fields newer than the python3-kubernetes models (22.6 = Kubernetes 1.22): native gRPC probes
# (GA in 1.27).
SUPPLEMENT = {"V1Probe": {"grpc": {"port": "int", "service": "str"}}}


def validate(value, type_name, path, errors):
    if isinstance(type_name, dict):  # a supplement
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object")
            return
        for k, v in value.items():
            if k not in type_name:
                errors.append(f"{path}.{k}: unknown field")
            else:
                validate(v, type_name[k], f"{path}.{k}", errors)
        return
    if type_name in ("object",):
        return
    if type_name.startswith("list["):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list")
            return
        for i, v in enumerate(value):
            validate(v, type_name[5:-1], f"{path}[{i}]", errors)
        return
    if type_name.startswith("dict("):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map")
            return
        inner = type_name[type_name.index(",") + 1:-1].strip()
        for k, v in value.items():
            validate(v, inner, f"{path}.{k}", errors)
        return
    if type_name == "str":
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {value!r}")
        return
    if type_name == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an integer, got {value!r}")
        return
    if type_name == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected true/false, got {value!r}")
        return
    if type_name in ("datetime", "date", "float"):
        return
    model = getattr(k8s, type_name, None)
    if model is None:
        errors.append(f"{path}: no schema for {type_name}")
        return
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object ({type_name})")
        return
    by_json = {j: a for a, j in model.attribute_map.items()}
    extra = SUPPLEMENT.get(type_name, {})
    for k, v in value.items():
        if k in by_json:
            validate(v, model.openapi_types[by_json[k]], f"{path}.{k}", errors)
        elif k in extra:
            validate(v, extra[k], f"{path}.{k}", errors)
        else:
            errors.append(f"{path}.{k}: unknown field of {type_name}")


def validate_object(obj, where):
    key = (obj.get("apiVersion"), obj.get("kind"))
    name = f"{where}: {key[1]}/{obj.get('metadata', {}).get('name')}"
    model = MODELS.get(key)
    check(model is not None, f"{name}: apiVersion/kind not known to the checks")
    if model is None:
        return
    errors = []
    validate(obj, model, name, errors)
    check(not errors, "; ".join(errors[:5]))
    # Required fields: building the model raises on a missing one.
    try:
        k8s.ApiClient()._ApiClient__deserialize(_strip_supplements(obj), model)
    except (ValueError, TypeError) as e:
        check(False, f"{name}: {e}")


def _strip_supplements(obj):
    """The models reject nothing they do not know; remove supplement fields before building."""
    if isinstance(obj, dict):
        return {k: _strip_supplements(v) for k, v in obj.items() if k != "grpc"}
    if isinstance(obj, list):
        return [_strip_supplements(v) for v in obj]
    return obj


# ---- policies -----------------------------------------------------------------------------------
def pod_templates(objs):
    for o in objs:
        if o["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield o, o["spec"]["template"]
        if o["kind"] == "CronJob":
            yield o, o["spec"]["jobTemplate"]["spec"]["template"]


def labels_match(selector, labels):
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        if e["operator"] == "In" and labels.get(e["key"]) not in e["values"]:
            return False
    return True


def policies(objs, where, overlay):
    netpols = [o for o in objs if o["kind"] == "NetworkPolicy"]
    check(any(np["spec"]["podSelector"] == {} and set(np["spec"].get("policyTypes", [])) ==
              {"Ingress", "Egress"} for np in netpols), f"{where}: no default-deny NetworkPolicy")
    for o, tpl in pod_templates(objs):
        name = f"{where}: {o['kind']}/{o['metadata']['name']}"
        spec = tpl["spec"]
        labels = tpl["metadata"].get("labels", {})
        psc = spec.get("securityContext", {})
        check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
              f"{name}: seccomp RuntimeDefault")
        check(spec.get("automountServiceAccountToken") is False, f"{name}: token automount")
        check(any(np["spec"]["podSelector"] and labels_match(np["spec"]["podSelector"], labels)
                  for np in netpols), f"{name}: no NetworkPolicy selects the pod explicitly")
        for c in spec["containers"]:
            cname = f"{name}/{c['name']}"
            sc = c.get("securityContext", {})
            check(sc.get("readOnlyRootFilesystem") is True, f"{cname}: read-only root filesystem")
            check(sc.get("allowPrivilegeEscalation") is False, f"{cname}: privilege escalation")
            check("ALL" in sc.get("capabilities", {}).get("drop", []), f"{cname}: capabilities")
            check(sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, f"{cname}: non-root")
            res = c.get("resources", {})
            for kind in ("requests", "limits"):
                check({"cpu", "memory"} <= set(res.get(kind, {})), f"{cname}: {kind}")
            if o["kind"] not in ("Job", "CronJob"):
                check("readinessProbe" in c and "livenessProbe" in c, f"{cname}: probes")
            image = c["image"]
            if overlay:
                check("/" in image and re.search(r":[^/]+$|@sha256:", image) is not None,
                      f"{cname}: image {image} needs a registry and a version")
                check(not image.endswith(":latest"), f"{cname}: image {image} uses latest")
            else:
                check(re.fullmatch(r"[a-z0-9-]+", image) is not None,
                      f"{cname}: base image {image} must be a placeholder the overlay sets")
        if o["kind"] == "Deployment" and labels.get("sokei.jp/tier") == "service":
            c = spec["containers"][0]
            check("startupProbe" in c, f"{name}: startup probe")
            probe = c["readinessProbe"]
            check("grpc" in probe, f"{name}: native gRPC readiness probe")
            sleep = 0
            pre = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
            if len(pre) == 2 and pre[0].endswith("sleep"):
                sleep = int(pre[1])
            check(sleep > 0, f"{name}: preStop delay")
            check(spec.get("terminationGracePeriodSeconds", 30) >= sleep + 10,
                  f"{name}: termination grace shorter than preStop + drain")
            check(spec.get("topologySpreadConstraints"), f"{name}: topology spread")
    for o in objs:
        if o["kind"] == "ServiceAccount":
            check(o.get("automountServiceAccountToken") is False,
                  f"{where}: ServiceAccount/{o['metadata']['name']} automounts its token")
        if o["kind"] == "Service" and o["metadata"]["name"].startswith("sokei-"):
            for p in o["spec"]["ports"]:
                check(p.get("name") in ("grpc", "http"), f"{where}: Service port names grpc/http")
        check(o["kind"] != "Secret", f"{where}: a Secret with values is rendered from the repository")
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objs}
    for svc in ("sokei-plan", "sokei-kpi", "sokei-survey", "sokei-gateway"):
        check(("PodDisruptionBudget", svc) in kinds, f"{where}: PDB for {svc}")
        check(("HorizontalPodAutoscaler", svc) in kinds, f"{where}: HPA for {svc}")
    if overlay == "prod":
        for o in objs:
            if o["kind"] == "Deployment":
                check(o["spec"].get("replicas", 1) >= 2, f"{where}: {o['metadata']['name']} < 2 replicas")


def render(path):
    out = subprocess.run(["kubectl", "kustomize", str(path)], capture_output=True, text=True)
    check(out.returncode == 0, f"kubectl kustomize {path}: {out.stderr.strip()[:300]}")
    return [o for o in yaml.safe_load_all(out.stdout) if o] if out.returncode == 0 else []


for target, overlay in [("base", ""), ("overlays/dev", "dev"), ("overlays/prod", "prod")]:
    objs = render(root / "k8s" / target)
    check(len(objs) > 5, f"{target}: rendered nothing")
    for o in objs:
        validate_object(o, target)
    if objs:
        policies(objs, target, overlay)
for comp in sorted((root / "k8s" / "components").iterdir()):
    for o in render(comp):
        validate_object(o, f"components/{comp.name}")

# No Secret values anywhere in the repository's manifests.
for f in (root / "k8s").rglob("*.yaml"):
    text = f.read_text(encoding="utf-8")
    check(not re.search(r"^kind:\s*Secret\b", text, re.M), f"{f}: a Secret in the repository")
    check("secretGenerator" not in text, f"{f}: a secretGenerator in the repository")
    check(not re.search(r"(?i)password\s*[:=]\s*\S", text), f"{f}: a password in the repository")

# ---- The Grafana dashboard ----------------------------------------------------------------------
# It loads (JSON with the fields Grafana requires), each panel queries Prometheus, and every series
# it charts is one the code emits: a renamed metric breaks this check, not the operators' screen.
dashboard_file = root / "k8s" / "components" / "monitoring" / "sokei-dashboard.json"
dashboard = json.loads(dashboard_file.read_text(encoding="utf-8"))
check(dashboard.get("title") and dashboard.get("uid") and isinstance(dashboard.get("schemaVersion"), int),
      "dashboard: title, uid and schemaVersion")
panels = dashboard.get("panels", [])
check(len(panels) >= 8, "dashboard: panels")
check(len({p.get("id") for p in panels}) == len(panels), "dashboard: unique panel ids")
emitted = set()
for src in list((root / "common").rglob("*.cc")) + list((root / "gateway").rglob("*.cc")) + \
        list((root / "services").rglob("*.cc")):
    emitted.update(re.findall(r'"(sokei_[a-z_]+)', src.read_text(encoding="utf-8")))
for p in panels:
    where = f"dashboard panel {p.get('title')!r}"
    grid = p.get("gridPos", {})
    check(all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")), f"{where}: gridPos")
    targets = p.get("targets", [])
    check(targets and all(t.get("expr") for t in targets), f"{where}: Prometheus queries")
    for t in targets:
        expr = t.get("expr", "")
        check(expr.count("(") == expr.count(")"), f"{where}: balanced parentheses in {expr}")
        for series in re.findall(r"\b(sokei_[a-z_]+)", expr):
            base = re.sub(r"_(bucket|count|sum)$", "", series)
            check(series in emitted or base in emitted, f"{where}: {series} is not emitted by the code")

# ---- Dockerfile rules ---------------------------------------------------------------------------
docker = (root / "Dockerfile").read_text(encoding="utf-8")
args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", docker, re.M))
stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", docker, re.M)
check(len(stages) >= 3, "Dockerfile: multi-stage build")
names = {s[1] for s in stages if s[1]}
for image, stage in stages:
    resolved = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), image)
    if resolved in names:
        continue
    check(re.search(r"@sha256:[0-9a-f]{64}$|:[\w.-]*\d{8}[\w.-]*$", resolved) is not None,
          f"Dockerfile: base image {resolved} is not pinned (dated tag or digest)")
    check(not resolved.endswith(":latest"), f"Dockerfile: {resolved} uses latest")
check(not re.search(r"^ADD\s+\S*https?://", docker, re.M | re.I), "Dockerfile: ADD from a URL")
check(not re.search(r"^ADD\s", docker, re.M), "Dockerfile: use COPY, not ADD")
for final in ("plan", "kpi", "survey", "gateway"):
    body = docker.split(f" AS {final}\n", 1)[1].split("\nFROM ", 1)[0]
    check(re.search(r'^ENTRYPOINT \["/', body, re.M) is not None, f"Dockerfile {final}: exec-form ENTRYPOINT")
    base = [s[0] for s in stages if s[1] == final][0]
    chain = body + docker.split(f" AS {base}\n", 1)[1].split("\nFROM ", 1)[0] if base in names else body
    users = re.findall(r"^USER\s+(\S+)", chain, re.M)
    check(users and not users[-1].startswith(("root", "0")), f"Dockerfile {final}: non-root USER")
ignore = (root / ".dockerignore").read_text(encoding="utf-8").split()
check("build" in ignore and ".git" in ignore, ".dockerignore: build outputs and .git excluded")

for f in failures:
    print("FAIL:", f)
print(f"deploy checks: {checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
