// The gateway's HTTP/1.1 listener on Boost.Beast: keep-alive, and the limits of docs/architecture.md, "The gateway" —
// header size (431), body size known before reading it (413), header- and body-read timeouts
// (slow clients are dropped), and ambiguous framing (Content-Length with Transfer-Encoding,
// duplicate or bad lengths, bad chunks) answered 400 and closed. Parsed requests go to Gateway.
//
// Connections: at most `max_connections_per_client` from one address, and `max_connections` in
// all. When the cap is reached a new connection is still taken: the connection that has waited
// longest for a request header is closed instead — one that never completed a request before an
// idle keep-alive one — so clients holding half-sent requests cannot keep established traffic
// out. Only when every connection has a request in progress is a new one refused.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/server/gateway.h"

namespace sokei::gateway {

struct ListenerOptions {
  std::string address = "127.0.0.1:8080";  // port 0 picks one
  int threads = 2;
  size_t max_connections = 1024;
  size_t max_connections_per_client = 256;  // by the peer's IP address
  size_t header_limit = 16 * 1024;
  size_t max_header_count = 100;
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(120);
  // The operations listener (metrics, probes): never exposed outside the cluster.
  bool ops = false;
};

class HttpListener {
 public:
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const ListenerOptions& options,
                                                             Gateway* gateway);
  ~HttpListener();
  int port() const;
  size_t open_connections() const;
  void Stop();

 private:
  struct Impl;
  explicit HttpListener(std::shared_ptr<Impl> impl);
  // Shared with the sessions: a session still waiting for its upstream answer when the listener
  // stops keeps the I/O context its socket belongs to alive until it is gone.
  std::shared_ptr<Impl> impl_;
};

}  // namespace sokei::gateway
