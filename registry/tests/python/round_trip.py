"""A confluent-kafka-python client against a running stele-registry.

Usage: python3 round_trip.py http://127.0.0.1:8081
Needs `pip install "confluent-kafka[avro,json,protobuf,schemaregistry]==2.16.0"` (the
`protobuf` extra brings the `protobuf` and `googleapis-common-protos` packages). No Kafka
broker is needed: the serializers only talk to the registry. No protoc either: the Protobuf
message classes are built at run time from descriptors. Exits non-zero on the first mismatch.
"""

import base64
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
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

# Protobuf: message classes built from descriptors (what protoc would generate), a user
# import registered as its own subject, a well-known import left to the registry.
FIELD = descriptor_pb2.FieldDescriptorProto


def add_field(message, name, number, kind, type_name=None, repeated=False):
    field = message.field.add(name=name, number=number, type=kind)
    field.label = FIELD.LABEL_REPEATED if repeated else FIELD.LABEL_OPTIONAL
    if type_name:
        field.type_name = type_name


def order_file(version):
    """acme/order.proto; version 2 adds a field, "broken" changes a field's type."""
    order = descriptor_pb2.FileDescriptorProto(name="acme/order.proto", package="acme.shop", syntax="proto3")
    order.dependency.extend(["acme/common.proto", "google/protobuf/timestamp.proto"])
    placed = order.message_type.add(name="OrderPlaced")
    add_field(placed, "id", 1, FIELD.TYPE_INT64 if version == "broken" else FIELD.TYPE_STRING)
    add_field(placed, "total", 2, FIELD.TYPE_MESSAGE, ".acme.common.Money")
    add_field(placed, "placed_at", 3, FIELD.TYPE_MESSAGE, ".google.protobuf.Timestamp")
    add_field(placed, "items", 4, FIELD.TYPE_STRING, repeated=True)
    if version == 2:
        add_field(placed, "coupon", 5, FIELD.TYPE_STRING)
    order.message_type.add(name="OrderCancelled").field.add(
        name="id", number=1, type=FIELD.TYPE_STRING, label=FIELD.LABEL_OPTIONAL
    )
    return order


common = descriptor_pb2.FileDescriptorProto(name="acme/common.proto", package="acme.common", syntax="proto3")
money = common.message_type.add(name="Money")
add_field(money, "currency", 1, FIELD.TYPE_STRING)
add_field(money, "cents", 2, FIELD.TYPE_INT64)


def message_class(version, name="OrderPlaced"):
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(common)
    pool.Add(order_file(version))
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"acme.shop.{name}"))


OrderV1, OrderV2 = message_class(1), message_class(2)
# Consumers are other processes: a client of their own, with nothing cached from the producer's
# registrations, so schemas come back from the registry (`format=serialized` descriptors).
consumer = SchemaRegistryClient({"url": URL})
order_subject, common_subject = "orders-pb-value", "acme/common.proto"
pb_context = SerializationContext("orders-pb", MessageField.VALUE)
order = OrderV1(id="o-1", items=["apple", "pear"])
order.total.currency, order.total.cents = "EUR", 1250
order.placed_at.seconds = 1_700_000_000
pb_payload = ProtobufSerializer(OrderV1, client)(order, pb_context)
expect(client.get_subjects(), [common_subject, "events-value", order_subject], "subjects after protobuf")
pb_id = int.from_bytes(pb_payload[1:5], "big")
expect(pb_payload[0:1] + pb_payload[5:6], b"\x00\x00", "protobuf wire header (first message, index 0)")
decoded = ProtobufDeserializer(OrderV1, {}, schema_registry_client=consumer)(pb_payload, pb_context)
expect(decoded, order, "protobuf round trip")
expect(client.get_schema(pb_id).schema_type, "PROTOBUF", "protobuf schema by id")
stored = client.get_schema(pb_id)
expect(
    [(r.name, r.subject, r.version) for r in stored.references],
    [("acme/common.proto", common_subject, 1)],
    "user import registered as a reference, well-known import left out",
)
expect("message OrderPlaced" in stored.schema_str, True, "stored as .proto text")

# A second message type of the same file is addressed by its message index.
OrderCancelled = message_class(1, "OrderCancelled")
cancel_context = SerializationContext("cancels", MessageField.VALUE)
cancelled = OrderCancelled(id="o-1")
cancel_payload = ProtobufSerializer(OrderCancelled, client)(cancelled, cancel_context)
expect(cancel_payload[5:7], b"\x02\x02", "message index of the second message")
expect(
    ProtobufDeserializer(OrderCancelled, {}, schema_registry_client=consumer)(cancel_payload, cancel_context),
    cancelled,
    "second message round trip",
)

# Evolution: version 2 adds a field (BACKWARD compatible); old readers still decode it.
order_v2 = OrderV2(id="o-2", coupon="SPRING")
v2_payload = ProtobufSerializer(OrderV2, client)(order_v2, pb_context)
expect(client.get_versions(order_subject), [1, 2], "protobuf versions")
latest = client.get_latest_version(order_subject)
expect((latest.version, latest.schema_id), (2, int.from_bytes(v2_payload[1:5], "big")), "protobuf latest version")
expect(
    ProtobufDeserializer(OrderV1, {}, schema_registry_client=consumer)(v2_payload, pb_context).id,
    "o-2",
    "v1 reader decodes v2 data",
)


def as_schema(version):
    text = base64.standard_b64encode(order_file(version).SerializeToString()).decode("ascii")
    return Schema(text, "PROTOBUF", [SchemaReference("acme/common.proto", common_subject, 1)])


found = client.lookup_schema(order_subject, as_schema(1))
expect((found.schema_id, found.version), (pb_id, 1), "protobuf lookup by descriptor")
expect(client.test_compatibility(order_subject, as_schema(2)), True, "protobuf compatible")
expect(client.test_compatibility(order_subject, as_schema("broken")), False, "protobuf type change")
expect_error(
    lambda: client.register_schema(order_subject, as_schema("broken")), 40901, "protobuf incompatible"
)
client.set_compatibility(order_subject, "NONE")
expect(client.get_compatibility(order_subject), "NONE", "protobuf subject level")
expect(client.test_compatibility(order_subject, as_schema("broken")), True, "anything goes under NONE")
expect_error(lambda: client.delete_subject(common_subject), 42206, "a referenced subject stays")

expect(client.delete_subject(order_subject), [1, 2], "protobuf soft delete")
expect_error(lambda: client.get_versions(order_subject), 40401, "protobuf subject hidden")
expect(client.get_schema(pb_id).schema_type, "PROTOBUF", "ids still resolve after a soft delete")
expect(client.delete_subject(order_subject, permanent=True), [1, 2], "protobuf permanent delete")
expect(client.delete_subject("cancels-value"), [1], "soft delete the other user of the import")
expect(client.delete_subject("cancels-value", permanent=True), [1], "and for good")
expect(client.delete_subject(common_subject), [1], "the import can go once nothing uses it")
print("all ok")
