"""Every Kubernetes manifest under deploy/kubernetes against its schema, offline.

Kubernetes' own kinds are checked strictly (unknown fields fail) with the schemas
kubernetes-validate bundles; the operators' custom resources with the subsets in
``schemas/`` (see its README). No cluster is needed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
SCHEMAS = Path(__file__).parent / "schemas"
KUBERNETES_VERSION = "1.30.0"  # the oldest minor version we support; its schemas are the strictest
CUSTOM_SCHEMAS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmqcluster.yaml",
    ("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster.yaml",
    ("postgresql.cnpg.io/v1", "Database"): "cnpg-database.yaml",
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization.yaml",
}
SERVICES = ("contacts", "sales", "support", "marketing", "gateway")
# Created by the RabbitMQ Cluster Operator, so not among these manifests.
OPERATOR_SECRETS = {"crm-rabbitmq-default-user"}


def documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found.append(
                    (
                        f"{path.name}:{document['kind']}/{document['metadata']['name'] if 'metadata' in document else ''}",
                        document,
                    )
                )
    return found


DOCUMENTS = documents()


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == kind}


def custom_validator(filename: str) -> jsonschema.Draft202012Validator:
    resources = [(p.name, DRAFT202012.create_resource(yaml.safe_load(p.read_text()))) for p in SCHEMAS.glob("*.yaml")]
    registry: Registry = Registry().with_resources(resources)
    return jsonschema.Draft202012Validator(yaml.safe_load((SCHEMAS / filename).read_text()), registry=registry)


@pytest.mark.parametrize("name, document", DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_each_manifest_matches_its_schema(name, document):
    schema = CUSTOM_SCHEMAS.get((document["apiVersion"], document["kind"]))
    if schema is not None:
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in custom_validator(schema).iter_errors(document)
        ]
        assert not errors, errors
    else:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest_and_nothing_else():
    listed = set(yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"])

    assert listed == {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_deployment_with_probes_resources_and_a_migration_job_of_its_version(service):
    version = service_version(service)
    deployment = by_kind("Deployment")[service]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    job = by_kind("Job")[f"{service}-migrate-{version.replace('.', '-')}"]
    migrate = job["spec"]["template"]["spec"]["containers"][0]

    assert container["image"] == migrate["image"] == f"crm-{service}:{version}"
    assert migrate["command"] == ["python", "-m", "crm_shared.runtime.migrate", service]
    assert {"livenessProbe", "readinessProbe", "startupProbe", "resources"} <= container.keys()
    assert {"requests", "limits"} <= container["resources"].keys()
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    env = {item["name"] for item in container["env"]}
    assert {"AMQP_URI", f"{service.upper()}_DATABASE_URL"} <= env
    assert f"{service.upper()}_DATABASE_URL" in {item["name"] for item in migrate["env"]}


def test_the_gateway_sits_behind_a_service_and_scales_on_cpu():
    service = by_kind("Service")["gateway"]
    autoscaler = by_kind("HorizontalPodAutoscaler")["gateway"]

    assert {port["name"] for port in service["spec"]["ports"]} >= {"http"}
    assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert autoscaler["spec"]["minReplicas"] >= 2


def test_the_broker_is_a_three_node_cluster_and_postgres_has_a_database_per_service():
    assert by_kind("RabbitmqCluster")["crm-rabbitmq"]["spec"]["replicas"] == 3
    databases = {doc["spec"]["name"]: doc["spec"]["owner"] for doc in by_kind("Database").values()}
    assert databases == {service: service for service in SERVICES}
    roles = {role["name"] for role in by_kind("Cluster")["crm-postgres"]["spec"]["managed"]["roles"]}
    assert roles == set(SERVICES)
    assert {name for name in by_kind("Secret") if name.startswith("crm-db-")} == {
        f"crm-db-{service}" for service in SERVICES
    }


def test_every_key_a_pod_reads_is_in_a_secret_or_config_map_of_these_manifests():
    defined = {
        ("secretKeyRef", name): set(doc.get("stringData", {})) | set(doc.get("data", {}))
        for name, doc in by_kind("Secret").items()
    } | {("configMapKeyRef", name): set(doc["data"]) for name, doc in by_kind("ConfigMap").items()}

    missing = [
        (container["name"], ref, source["name"], source["key"])
        for container in pod_containers()
        for item in container.get("env", [])
        for ref, source in item.get("valueFrom", {}).items()
        if source["name"] not in OPERATOR_SECRETS and source["key"] not in defined.get((ref, source["name"]), set())
    ]

    assert not missing


def test_marketing_reads_its_smtp_password_and_link_secret_from_a_secret():
    container = by_kind("Deployment")["marketing"]["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item for item in container["env"]}
    settings = by_kind("ConfigMap")["crm-config"]["data"]

    for name in ("SMTP_PASSWORD", "MARKETING_LINK_SECRET"):
        assert "secretKeyRef" in env[name]["valueFrom"], name
        assert name not in settings, name
    assert {
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_SECURITY",
        "MARKETING_FROM_ADDRESS",
        "GATEWAY_PUBLIC_URL",
    } <= settings.keys()


def pod_containers() -> list[dict[str, Any]]:
    pods = [doc["spec"]["template"]["spec"] for kind in ("Deployment", "Job") for doc in by_kind(kind).values()]
    return [container for pod in pods for container in pod["containers"]]


def test_a_misspelt_field_in_a_custom_resource_fails():
    cluster = dict(by_kind("RabbitmqCluster")["crm-rabbitmq"])
    cluster["spec"] = {**cluster["spec"], "replica": 3}

    assert list(custom_validator("rabbitmqcluster.yaml").iter_errors(cluster))


def service_version(service: str) -> str:
    return str(tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]["version"])
