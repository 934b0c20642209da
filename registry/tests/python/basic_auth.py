"""confluent-kafka-python against a stele-registry with an auth file, over HTTP Basic and
with a static bearer token.

Usage: python3 basic_auth.py URL USER PASSWORD TOKEN
The user must have write on `auth-orders-*` and nothing on `auth-payments-*`; the token read on
every subject and nothing more. Needs the same
`pip install "confluent-kafka[avro,schemaregistry]"` as round_trip.py. Exits non-zero on the
first mismatch.
"""

import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

URL, USER, PASSWORD, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

ORDER = """{"type": "record", "name": "Order", "namespace": "com.acme",
 "fields": [{"name": "id", "type": "long"}]}"""


def expect(actual, wanted, what):
    if actual != wanted:
        sys.exit(f"{what}: expected {wanted!r}, got {actual!r}")
    print(f"ok  {what}")


def expect_error(call, status, code, what):
    try:
        call()
    except SchemaRegistryError as error:
        expect((error.http_status_code, error.error_code), (status, code), what)
        return
    sys.exit(f"{what}: expected HTTP {status} / {code}, got no error")


client = SchemaRegistryClient({"url": URL, "basic.auth.user.info": f"{USER}:{PASSWORD}"})
schema_id = client.register_schema("auth-orders-value", Schema(ORDER, "AVRO"))
expect(client.get_schema(schema_id).schema_str is not None, True, "schema by id with basic auth")
expect(client.get_subjects(), ["auth-orders-value"], "subjects filtered to what the user may read")

serializer = AvroSerializer(client, ORDER)
deserializer = AvroDeserializer(client)
context = SerializationContext("auth-orders", MessageField.VALUE)
payload = serializer({"id": 42}, context)
expect(deserializer(payload, context), {"id": 42}, "Avro round trip with basic auth")

expect_error(
    lambda: client.register_schema("auth-payments-value", Schema(ORDER, "AVRO")),
    403,
    40301,
    "registering outside the user's subjects",
)

wrong = SchemaRegistryClient({"url": URL, "basic.auth.user.info": f"{USER}:not-the-password"})
expect_error(lambda: wrong.get_subjects(), 401, 401, "a wrong password")
anonymous = SchemaRegistryClient({"url": URL})
expect_error(lambda: anonymous.get_subjects(), 401, 401, "no credentials")

# The client sends these two headers with every bearer request; the registry ignores them.
bearer = SchemaRegistryClient(
    {
        "url": URL,
        "bearer.auth.credentials.source": "STATIC_TOKEN",
        "bearer.auth.token": TOKEN,
        "bearer.auth.logical.cluster": "lsrc-stele",
        "bearer.auth.identity.pool.id": "pool-stele",
    }
)
expect(bearer.get_subjects(), ["auth-orders-value"], "subjects with a bearer token")
expect(
    AvroDeserializer(bearer)(payload, context), {"id": 42}, "Avro deserializer with a bearer token"
)
expect_error(
    lambda: bearer.register_schema("auth-orders-value", Schema(ORDER, "AVRO")),
    403,
    40301,
    "a read-only token registering",
)
