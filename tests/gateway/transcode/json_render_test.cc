// The gateway's direct JSON renderer against protobuf's own printer, byte for byte: every Unicode
// code point, malformed UTF-8, and random instances of every request and reply type of every
// service (every field kind, unknown enum values, extreme numbers, NaN and infinities, times and
// field masks). Types it does not support fall back to protobuf's printer.
#include "gateway/transcode/json_render.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "absl/strings/escaping.h"
#include "gateway/transcode/transcoder.h"
#include "google/rpc/status.pb.h"
#include "sokei/kpi/v1/kpi_service.pb.h"
#include "sokei/plan/v1/plan_service.pb.h"
#include "sokei/survey/v1/survey_service.pb.h"

namespace sokei::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string Protobuf(const Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

std::string Direct(const Message& m) {
  std::string out;
  RenderJsonDirect(m, &out);
  return out;
}

void AppendUtf8(uint32_t cp, std::string* s) {
  if (cp < 0x80) {
    s->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    s->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    s->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

TEST(JsonRender, EveryCodePointIsEscapedAsProtobufDoes) {
  plan::v1::Municipality m;
  int differing = 0;
  for (uint32_t start = 1; start <= 0x10ffff; start += 4096) {
    std::string s;
    for (uint32_t cp = start; cp < start + 4096 && cp <= 0x10ffff; ++cp) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      AppendUtf8(cp, &s);
    }
    m.set_display_name(s);
    if (Direct(m) == Protobuf(m)) continue;
    // Name the code points (not the whole 4096 of them).
    for (uint32_t cp = start; cp < start + 4096 && cp <= 0x10ffff && differing < 40; ++cp) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      std::string one;
      AppendUtf8(cp, &one);
      m.set_display_name(one);
      if (Direct(m) != Protobuf(m)) {
        ++differing;
        ADD_FAILURE() << "U+" << std::hex << cp << ": " << Direct(m) << " vs " << Protobuf(m);
      }
    }
  }
}

// Malformed UTF-8 cannot reach the renderer from an upstream (proto3 parsing refuses it), but if
// it did the reply would still be valid UTF-8 JSON: invalid bytes are dropped. (Protobuf 3.21's
// printer lets some through, e.g. overlong forms, so the outputs are not compared here.)
TEST(JsonRender, MalformedUtf8IsDroppedAndTheReplyStaysValidJson) {
  std::mt19937 rng(7);
  plan::v1::Municipality m;
  const std::string pieces[] = {
      "a",        "あ", "\xff", "\xc3",        "\xe3\x81", "\xed\xa0\x80", "\xf4\x90\x80\x80",
      "\xc0\xaf", "<",  "\x01", "\xe2\x80\xa8"};
  for (int i = 0; i < 300; ++i) {
    std::string s, valid;
    for (int k = 0; k < 8; ++k) {
      const std::string& p = pieces[rng() % std::size(pieces)];
      s += p;
      if (p == "a" || p == "あ" || p == "<" || p == "\x01" || p == "\xe2\x80\xa8") valid += p;
    }
    m.set_display_name(s);
    plan::v1::Municipality back;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(Direct(m), &back).ok())
        << absl::CEscape(s);
    EXPECT_EQ(back.display_name(), valid) << absl::CEscape(s);
  }
}

// Fills every field of `m` with random values (one map entry at most, so that protobuf's map
// order — unspecified — cannot differ from the sorted one).
void Fill(Message* m, std::mt19937_64& rng, int depth) {
  const Descriptor* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  if (d->full_name() == "google.protobuf.Timestamp") {
    // Anywhere from 0001-01-01 to 9999-12-31, the range a Timestamp may hold.
    const int64_t lo = -62135596800, hi = 253402300799;
    r->SetInt64(m, d->FindFieldByNumber(1),
                lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1)));
    const int32_t nanos[] = {0, 120000000, 123456000, 123456789, 1};
    r->SetInt32(m, d->FindFieldByNumber(2), nanos[rng() % 5]);
    return;
  }
  if (d->full_name() == "google.protobuf.FieldMask") {
    r->AddString(m, d->FindFieldByNumber(1), "display_name");
    r->AddString(m, d->FindFieldByNumber(1), "period.start_year");
    return;
  }
  auto random_double = [&] {
    const double pool[] = {0.1,
                           1.0121995192307693,
                           1e30,
                           -2.5e-300,
                           123456789012345678.0,
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(),
                           -0.0,
                           72.0,
                           1.0 / 3};
    return pool[rng() % std::size(pool)];
  };
  auto random_string = [&] {
    const std::string pool[] = {"", "伊勢原市", "a\"b\\c\n<d>", "\xe2\x80\xa8", "計画 1-1", "x"};
    return pool[rng() % std::size(pool)];
  };
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() != nullptr && rng() % 2) continue;
    const int count = f->is_map()        ? static_cast<int>(rng() % 2)
                      : f->is_repeated() ? static_cast<int>(rng() % 3)
                                         : 1;
    for (int k = 0; k < count; ++k) {
      const bool rep = f->is_repeated();
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32: {
          const int32_t v = static_cast<int32_t>(rng());
          rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT32: {
          const uint32_t v = static_cast<uint32_t>(rng());
          rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT64: {
          const int64_t v = static_cast<int64_t>(rng());
          rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT64: {
          const uint64_t v = rng();
          rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_DOUBLE: {
          const double v = random_double();
          rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_FLOAT: {
          const float v = static_cast<float>(random_double());
          rep ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL: {
          const bool v = rng() % 2;
          rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_ENUM: {
          // A known value, or one no name exists for (rendered as a number).
          const int n = f->enum_type()->value_count();
          const int v =
              rng() % 5 == 0 ? 99 : f->enum_type()->value(static_cast<int>(rng() % n))->number();
          rep ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string v = f->type() == FieldDescriptor::TYPE_BYTES
                                    ? std::string("\x00\xff\x10", 3)
                                    : random_string();
          rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth > 4) break;
          Fill(rep ? r->AddMessage(m, f) : r->MutableMessage(m, f), rng, depth + 1);
          break;
      }
    }
  }
}

TEST(JsonRender, RandomInstancesOfEveryServiceTypeMatchProtobuf) {
  std::set<const Descriptor*> types;
  for (const auto* svc :
       {plan::v1::GetPlanRequest::descriptor()->file()->FindServiceByName("PlanService"),
        kpi::v1::GetIndicatorRequest::descriptor()->file()->FindServiceByName("KpiService"),
        survey::v1::GetSurveyRequest::descriptor()->file()->FindServiceByName("SurveyService")}) {
    for (int i = 0; i < svc->method_count(); ++i) {
      types.insert(svc->method(i)->input_type());
      types.insert(svc->method(i)->output_type());
    }
  }
  std::mt19937_64 rng(20261123);
  int rendered = 0;
  // The change feed's events carry google.protobuf.Any, which the direct renderer leaves to
  // protobuf's printer (UnsupportedTypesFallBackToProtobuf); every other type is rendered directly.
  const std::set<std::string> with_any = {"sokei.type.v1.ChangeEvent",
                                          "sokei.type.v1.ListChangesResponse"};
  for (const Descriptor* t : types) {
    if (with_any.count(t->full_name())) {
      EXPECT_FALSE(JsonDirectSupports(t)) << t->full_name();
      continue;
    }
    ASSERT_TRUE(JsonDirectSupports(t)) << t->full_name();
    std::unique_ptr<Message> m(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(t)->New());
    EXPECT_EQ(Direct(*m), Protobuf(*m)) << t->full_name() << " (empty)";
    for (int i = 0; i < 20; ++i) {
      m->Clear();
      Fill(m.get(), rng, 0);
      const std::string want = Protobuf(*m), got = Direct(*m);
      ASSERT_EQ(got, want) << t->full_name();
      ++rendered;
    }
  }
  EXPECT_GT(rendered, 2000);
}

TEST(JsonRender, UnsupportedTypesFallBackToProtobuf) {
  EXPECT_FALSE(JsonDirectSupports(google::rpc::Status::descriptor()));  // Any inside
  google::rpc::Status s;
  s.set_code(5);
  s.set_message("見つかりません");
  s.add_details()->set_type_url("type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_EQ(RenderJson(s), Protobuf(s));
}

}  // namespace
}  // namespace sokei::gateway
