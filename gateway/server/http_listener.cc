#include "gateway/server/http_listener.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "gateway/server/http_response_head.h"
#include "gateway/transcode/transcoder.h"

namespace sokei::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::chrono::steady_clock::duration Chrono(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

}  // namespace

struct HttpListener::Impl : std::enable_shared_from_this<HttpListener::Impl> {
  ListenerOptions options;
  Gateway* gateway = nullptr;
  // One I/O context per I/O thread, as nginx has one event loop per worker: a connection lives
  // on one thread, so its handlers never run at once and need no strand, and the threads share no
  // queue. Kept running (not returning when idle) until Stop.
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  size_t next_ioc = 0;  // the context of the next connection; only the accept handler uses it
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<size_t> connections{0};
  // Set under post_mu: after it, no answer is posted to the I/O context any more.
  std::mutex post_mu;
  bool stopping = false;
  int port = 0;

  class Session;
  // Live sessions, to close them when the listener stops and to shed one at the cap.
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<Session>> sessions;
  // Open connections by peer address.
  std::mutex clients_mu;
  std::unordered_map<std::string, size_t> per_client;
  void Accept();
  // Admits a new connection from `client`, or says why not (nullptr = admitted).
  const char* Admit(const std::string& client);
  // Closes the session that has waited longest for a request header; false if none waits.
  bool ShedOne();
};

class HttpListener::Impl::Session : public std::enable_shared_from_this<Session> {
  // The session whose request this thread is handing to the gateway, while it does.
  static thread_local Session* answering;

 public:
  Session(tcp::socket socket, std::shared_ptr<Impl> owner, std::string client)
      : stream_(std::move(socket)), owner_(std::move(owner)), client_(std::move(client)) {}
  ~Session() {
    {
      std::lock_guard<std::mutex> lock(owner_->clients_mu);
      if (auto it = owner_->per_client.find(client_); it != owner_->per_client.end()) {
        if (--it->second == 0) owner_->per_client.erase(it);
      }
    }
    --owner_->connections;
  }

  // While waiting for a request header: since when (steady clock), and whether a request was
  // completed on this connection before. 0 = a request is in progress (or the session is shed).
  int64_t waiting_since() const { return waiting_since_.load(std::memory_order_relaxed); }
  bool served() const { return served_.load(std::memory_order_relaxed); }
  // Claims the session for shedding; false when it stopped waiting (or was claimed) meanwhile.
  bool Claim(int64_t since) { return waiting_since_.compare_exchange_strong(since, 0); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Closing cancels every operation of the session: their handlers end it.
  void CloseSoon() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }
  // Only when no I/O thread runs (the listener's threads have been joined).
  void CloseNow() { Close(); }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(owner_->options.header_limit));
    parser_->body_limit(16u << 20);
    waiting_since_.store(std::chrono::steady_clock::now().time_since_epoch().count());
    // The whole header must arrive in time: a client trickling bytes is dropped.
    stream_.expires_after(Chrono(owner_->options.header_timeout));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    waiting_since_.store(0);
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset) {
      owner_->gateway->CountRejected(ec == beast::error::timeout ? "HEADER_TIMEOUT"
                                                                 : "CLIENT_CLOSED");
      return Close();
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return Fail(431, "HEADERS_TOO_LARGE", "the request headers are too large");
    if (ec) return Fail(400, "MALFORMED_REQUEST", "the request is not valid HTTP/1.1");
    const auto& h = parser_->get();
    size_t count = 0, lengths = 0;
    for (const auto& f : h) {
      ++count;
      if (f.name() == http::field::content_length) ++lengths;
    }
    if (count > owner_->options.max_header_count) {
      return Fail(431, "HEADERS_TOO_LARGE", "too many request headers");
    }
    // Ambiguous framing is how requests get smuggled: refuse and close.
    if (lengths > 1 || (lengths == 1 && h.count(http::field::transfer_encoding) > 0)) {
      return Fail(400, "AMBIGUOUS_FRAMING", "Content-Length with Transfer-Encoding, or twice");
    }
    // Looked up once: for the body limit now, and for handling the request after its body.
    route_ = owner_->gateway->Lookup(std::string(h.method_string()), std::string(h.target()));
    const size_t limit = Gateway::BodyLimit(*route_);
    if (auto len = parser_->content_length(); len && *len > limit) {
      return Fail(413, "BODY_TOO_LARGE", "the request body is too large for this method");
    }
    parser_->body_limit(limit);
    // A request without a body (most GETs) is complete already: handled now, without another
    // read through the executor or a body timer.
    if (parser_->is_done()) return OnBody({});
    stream_.expires_after(Chrono(owner_->options.body_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return Fail(413, "BODY_TOO_LARGE", "the request body is too large for this method");
    if (ec == beast::error::timeout) {
      owner_->gateway->CountRejected("BODY_TIMEOUT");
      return Close();
    }
    if (ec) return Fail(400, "MALFORMED_REQUEST", "the request body is not valid HTTP/1.1 framing");
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      req.headers.emplace(absl::AsciiStrToLower(std::string(f.name_string())),
                          std::string(f.value()));
    }
    req.body = std::move(msg.body());
    req.ops_listener = owner_->options.ops;
    req.route = std::move(route_);
    route_.reset();
    served_.store(true);
    stream_.expires_never();  // the upstream call has its own deadline
    answering = this;
    owner_->gateway->Handle(std::move(req), [self = shared_from_this()](HttpResponse r) {
      // An answer given while Handle runs on the session's I/O thread (a response-cache hit, a
      // refusal) is written at once, without the listener's lock: that thread runs it, so the
      // write's handler runs too, even if the listener is stopping. An answer from an upstream's
      // thread is posted to the session's context, unless the listener stopped: then its socket
      // is closed, and a posted handler would stay queued for ever, holding its session.
      if (answering == self.get()) return self->Write(std::move(r), false);
      std::lock_guard<std::mutex> lock(self->owner_->post_mu);
      if (self->owner_->stopping) return;
      net::post(self->stream_.get_executor(),
                [self, r = std::move(r)]() mutable { self->Write(std::move(r), false); });
    });
    answering = nullptr;
  }

  void Fail(int status, const char* reason, const char* message) {
    owner_->gateway->CountRejected(reason);
    HttpResponse r;
    r.status = status;
    // The same google.rpc.Status with ErrorInfo as every other error, its reason the one counted.
    r.body = RenderError(status::WithReason(
        status == 400 ? absl::StatusCode::kInvalidArgument : absl::StatusCode::kResourceExhausted,
        message, reason));
    Write(std::move(r), true);
  }

  // One answer at a time per session: its head and body are kept here until they are sent.
  void Write(HttpResponse r, bool close) {
    const bool keep_alive = keep_alive_ && !close;
    out_head_ =
        RenderResponseHead({r.status, r.content_type, &r.headers, r.body.size(), keep_alive});
    out_body_ = StatusHasBody(r.status) ? std::move(r.body) : std::string();
    const std::array<net::const_buffer, 2> out = {net::buffer(out_head_), net::buffer(out_body_)};
    stream_.expires_after(std::chrono::seconds(30));
    net::async_write(stream_, out,
                     [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                       if (ec || !keep_alive) return self->Close();
                       self->ReadHeader();
                     });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;  // bounded by the parser's header and body limits
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<RouteLookup> route_;
  std::shared_ptr<Impl> owner_;
  const std::string client_;
  bool keep_alive_ = false;
  std::string out_head_, out_body_;
  std::atomic<int64_t> waiting_since_{0};
  std::atomic<bool> served_{false};
};

thread_local HttpListener::Impl::Session* HttpListener::Impl::Session::answering = nullptr;

const char* HttpListener::Impl::Admit(const std::string& client) {
  {
    std::lock_guard<std::mutex> lock(clients_mu);
    auto it = per_client.find(client);
    if (it != per_client.end() && it->second >= options.max_connections_per_client) {
      return "CLIENT_CONNECTION_CAP";
    }
  }
  // Not under clients_mu: a session released here takes it on its way out.
  if (connections.load() >= options.max_connections && !ShedOne()) return "CONNECTION_CAP";
  {
    std::lock_guard<std::mutex> lock(clients_mu);
    ++per_client[client];
  }
  ++connections;
  return nullptr;
}

bool HttpListener::Impl::ShedOne() {
  std::shared_ptr<Session> victim;
  int64_t victim_since = 0;
  bool victim_served = true;
  std::lock_guard<std::mutex> lock(sessions_mu);
  for (const auto& w : sessions) {
    auto s = w.lock();
    if (!s) continue;
    const int64_t since = s->waiting_since();
    if (since == 0) continue;
    const bool served = s->served();
    // Never-served before served (idle keep-alive), then the longest waiting.
    if (!victim || (victim_served && !served) ||
        (victim_served == served && since < victim_since)) {
      victim = std::move(s);
      victim_since = since;
      victim_served = served;
    }
  }
  if (!victim || !victim->Claim(victim_since)) return false;
  gateway->CountRejected(victim_served ? "IDLE_CONNECTION_SHED" : "WAITING_CONNECTION_SHED");
  victim->CloseSoon();
  return true;
}

void HttpListener::Impl::Accept() {
  net::io_context& context = *iocs[next_ioc++ % iocs.size()];
  acceptor->async_accept(context.get_executor(), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    {
      std::lock_guard<std::mutex> lock(post_mu);
      if (stopping) return;  // accepted while stopping: the socket closes with this handler
    }
    if (!ec) {
      beast::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      const std::string client = peer_ec ? std::string() : peer.address().to_string();
      if (const char* refused = Admit(client); refused != nullptr) {
        gateway->CountRejected(refused);
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        auto session = std::make_shared<Session>(std::move(socket), shared_from_this(), client);
        {
          std::lock_guard<std::mutex> lock(sessions_mu);
          sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                        [](const auto& w) { return w.expired(); }),
                         sessions.end());
          sessions.push_back(session);
        }
        session->Start();
      }
    }
    Accept();
  });
}

HttpListener::HttpListener(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(const ListenerOptions& options,
                                                                  Gateway* gateway) {
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  impl->gateway = gateway;
  const size_t colon = options.address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError("the HTTP address must be host:port");
  }
  beast::error_code ec;
  auto address = net::ip::make_address(options.address.substr(0, colon), ec);
  if (ec) return absl::InvalidArgumentError("the HTTP address must be an IP address and a port");
  const int threads = std::max(1, options.threads);
  for (int i = 0; i < threads; ++i) {
    impl->iocs.push_back(std::make_unique<net::io_context>(1));
    impl->keep_running.push_back(net::make_work_guard(*impl->iocs.back()));
  }
  impl->acceptor.emplace(*impl->iocs.front());
  tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(endpoint, ec);
  if (!ec) impl->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.address, ": ", ec.message()));
  impl->port = impl->acceptor->local_endpoint().port();
  impl->Accept();
  for (auto& ioc : impl->iocs) impl->threads.emplace_back([io = ioc.get()] { io->run(); });
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(impl)));
}

int HttpListener::port() const { return impl_->port; }
size_t HttpListener::open_connections() const { return impl_->connections.load(); }

// Stops accepting, closes every session's socket and lets the I/O threads finish what that
// cancels: when they return nothing of the listener is queued any more. A session still waiting
// for its upstream answer holds the listener's state until the answer comes, and drops it.
void HttpListener::Stop() {
  if (impl_->threads.empty()) return;
  {
    std::lock_guard<std::mutex> lock(impl_->post_mu);
    impl_->stopping = true;
  }
  net::post(*impl_->iocs.front(), [impl = impl_] {
    beast::error_code ec;
    impl->acceptor->close(ec);
  });
  auto live = [&] {
    std::vector<std::shared_ptr<Impl::Session>> out;
    std::lock_guard<std::mutex> lock(impl_->sessions_mu);
    for (const auto& w : impl_->sessions) {
      if (auto s = w.lock()) out.push_back(std::move(s));
    }
    return out;
  };
  for (const auto& s : live()) s->CloseSoon();
  impl_->keep_running.clear();  // each thread returns when what its context holds is done
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // A session accepted while stopping, or still in an operation, is closed here (no I/O thread
  // runs now) and what that cancels is run to its end on this thread: nothing of the listener
  // stays queued — a queued handler would hold its session, and so this state, for ever.
  for (const auto& s : live()) s->CloseNow();
  for (auto& ioc : impl_->iocs) {
    ioc->restart();
    ioc->run();
  }
}

HttpListener::~HttpListener() { Stop(); }

}  // namespace sokei::gateway
