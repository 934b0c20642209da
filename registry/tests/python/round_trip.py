"""A confluent-kafka-python client against a running stele-registry.

Usage: python3 round_trip.py http://127.0.0.1:8081
Needs `pip install "confluent-kafka[avro,schemaregistry]"`. No Kafka broker is needed: the
serializers only talk to the registry. Exits non-zero on the first mismatch.
"""

import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

URL = sys.argv[1]

USER_V1 = """{"type": "record", "name": "User", "namespace": "com.acme",
 "fields": [{"name": "id", "type": "long"}]}"""
USER_V2 = """{"type": "record", "name": "User", "namespace": "com.acme",
 "fields": [{"name": "id", "type": "long"}, {"name": "email", "type": "string", "default": ""}]}"""
USER_BROKEN = """{"type": "record", "name": "User", "namespace": "com.acme",
 "fields": [{"name": "id", "type": "long"}, {"name": "couponCode", "type": "string"}]}"""


def expect(actual, wanted, what):
    if actual != wanted:
        sys.exit(f"{what}: expected {wanted!r}, got {actual!r}")
    print(f"ok  {what}")


def expect_error(call, code, what):
    try:
        call()
    except SchemaRegistryError as error:
        expect(error.error_code, code, what)
        return
    sys.exit(f"{what}: expected error {code}, got success")


client = SchemaRegistryClient({"url": URL})
subject = "orders/v1-value"  # a `/` in the subject, sent as %2F

first = client.register_schema(subject, Schema(USER_V1, "AVRO"))
expect(first, 1, "register returns id 1")
expect(client.register_schema(subject, Schema(USER_V1, "AVRO")), 1, "re-register is idempotent")
expect(client.register_schema(subject, Schema(USER_V2, "AVRO")), 2, "second version gets id 2")
expect(client.get_subjects(), [subject], "subjects list")
expect(client.get_versions(subject), [1, 2], "versions")
latest = client.get_latest_version(subject)
expect((latest.schema_id, latest.version), (2, 2), "latest version")
expect(client.get_version(subject, 1).schema_id, 1, "version 1")
found = client.lookup_schema(subject, Schema(USER_V1, "AVRO"))
expect((found.schema_id, found.version), (1, 1), "lookup")
expect(client.get_schema(1).schema_type, "AVRO", "schema by id")
expect(client.test_compatibility(subject, Schema(USER_BROKEN, "AVRO")), False, "compatibility")
expect_error(
    lambda: client.register_schema(subject, Schema(USER_BROKEN, "AVRO")), 40901, "incompatible"
)
expect(client.get_compatibility(), "BACKWARD", "global level")
expect_error(lambda: client.get_compatibility(subject), 40408, "no subject level")
client.set_compatibility(subject, "FULL")
expect(client.get_compatibility(subject), "FULL", "subject level")

# Serializers: Avro and JSON Schema payloads round trip through the registry.
context = SerializationContext("orders/v1", MessageField.VALUE)
serializer = AvroSerializer(client, USER_V2, conf={"auto.register.schemas": False, "use.latest.version": True})
payload = serializer({"id": 7, "email": "a@b.c"}, context)
expect(payload[0:5], b"\x00\x00\x00\x00\x02", "avro wire header carries id 2")
expect(AvroDeserializer(client)(payload, context), {"id": 7, "email": "a@b.c"}, "avro round trip")

json_schema = """{"type": "object", "properties": {"id": {"type": "integer"}}}"""
json_context = SerializationContext("events", MessageField.VALUE)
json_payload = JSONSerializer(json_schema, client)({"id": 3}, json_context)
expect(JSONDeserializer(json_schema, schema_registry_client=client)(json_payload, json_context), {"id": 3}, "json round trip")

# Deletes: soft then permanent.
expect(client.delete_version(subject, 2), 2, "soft delete version")
expect(client.get_versions(subject), [1], "versions after soft delete")
expect(client.delete_subject(subject), [1], "soft delete subject")
expect(client.delete_subject(subject, permanent=True), [1, 2], "permanent delete subject")
expect_error(lambda: client.get_versions(subject), 40401, "subject gone")
print("all ok")
