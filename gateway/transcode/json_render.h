// proto3 JSON rendering straight from reflection, for the gateway's replies. Protobuf's own
// printer (util::MessageToJsonString) serializes the message, resolves types and writes through
// an object-writer stack; on a 76 KB plan tree that was most of the gateway's CPU. This writes
// the same bytes directly: fields in number order, defaults omitted, lowerCamel names, int64 as
// strings, enums by name, bytes as base64, doubles as protobuf prints them, protobuf's escaping,
// Timestamp / FieldMask / Empty in their JSON forms, map keys sorted. Messages that contain any
// other well-known type (Any, Struct, Value, wrappers, Duration) are not supported here: the
// caller falls back to protobuf's printer. gateway_json_render_test checks the two agree byte for
// byte on every code point and on random instances of every service type; bytes that are not
// UTF-8 (which proto3 parsing never lets through) are dropped here, where protobuf's printer
// lets some pass.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>

namespace sokei::gateway {

// Whether RenderJsonDirect can render messages of this type (cached per type).
bool JsonDirectSupports(const google::protobuf::Descriptor* type);

// Appends the proto3 JSON of `message` (a supported type) to `out`.
void RenderJsonDirect(const google::protobuf::Message& message, std::string* out);

// Appends `s` as a JSON string literal, escaped as protobuf escapes it.
void AppendJsonString(const std::string& s, std::string* out);

}  // namespace sokei::gateway
