// The head of an HTTP/1.1 answer as the listener writes it: the fixed headers, the answer's own
// replacing them by name, framing the listener's alone, no header text able to add a header.
#include "gateway/server/http_response_head.h"

#include <gtest/gtest.h>

namespace sokei::gateway {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

TEST(ResponseHead, FixedHeadersThenTheAnswersOwnAndTheLength) {
  const Headers own = {{"ETag", "\"g7\""}, {"X-Request-Id", "r-1"}};
  EXPECT_EQ(RenderResponseHead({200, "application/json", &own, 691, true}),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "ETag: \"g7\"\r\n"
            "X-Request-Id: r-1\r\n"
            "Content-Length: 691\r\n"
            "\r\n");
  EXPECT_EQ(RenderResponseHead({404, "application/json", nullptr, 0, false}),
            "HTTP/1.1 404 Not Found\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Connection: close\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(ResponseHead, TheAnswersHeaderReplacesOneOfTheSameNameInAnyCase) {
  const Headers own = {{"cache-control", "private, no-cache"},
                       {"Vary", "Authorization"},
                       {"VARY", "Authorization, Accept-Encoding"}};
  const std::string head = RenderResponseHead({200, "text/csv", &own, 3, true});
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/csv\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "cache-control: private, no-cache\r\n"
            "VARY: Authorization, Accept-Encoding\r\n"
            "Content-Length: 3\r\n"
            "\r\n");
}

TEST(ResponseHead, FramingIsTheListenersAndBodilessStatusesHaveNoLength) {
  const Headers own = {{"Content-Length", "999"},
                       {"Transfer-Encoding", "chunked"},
                       {"connection", "keep-alive"},
                       {"ETag", "\"g7\""}};
  const std::string not_modified = RenderResponseHead({304, "application/json", &own, 0, true});
  EXPECT_EQ(not_modified,
            "HTTP/1.1 304 Not Modified\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "ETag: \"g7\"\r\n"
            "\r\n");
  EXPECT_FALSE(StatusHasBody(204));
  EXPECT_FALSE(StatusHasBody(304));
  EXPECT_FALSE(StatusHasBody(101));
  EXPECT_TRUE(StatusHasBody(200));
  EXPECT_TRUE(StatusHasBody(503));
  EXPECT_NE(RenderResponseHead({503, "application/json", &own, 12, true})
                .find("\r\nContent-Length: 12\r\n\r\n"),
            std::string::npos);
}

TEST(ResponseHead, LineBreaksInHeaderTextCannotStartAnotherHeader) {
  const Headers own = {{"Content-Disposition", "attachment; filename=\"a.csv\"\r\nSet-Cookie: x=1"},
                       {"X-\nBad", "v"}};
  const std::string head = RenderResponseHead({200, "text/csv\r\nX-Injected: 1", &own, 1, true});
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos) << head;
  EXPECT_EQ(head.find("\r\nX-Injected"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/csv  X-Injected: 1\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("filename=\"a.csv\"  Set-Cookie: x=1\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("X- Bad: v\r\n"), std::string::npos) << head;
  // Exactly one blank line: the end of the head.
  EXPECT_EQ(head.find("\r\n\r\n"), head.size() - 4);
}

}  // namespace
}  // namespace sokei::gateway
