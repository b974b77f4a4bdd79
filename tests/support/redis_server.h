// A real redis-server on a free loopback port for tests, started and stopped by the test itself
// (kill, SIGSTOP/SIGCONT for fault tests).
#pragma once

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace sokei::testing {

inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class RedisServer {
 public:
  explicit RedisServer(std::vector<std::string> extra = {})
      : port_(FreePort()), extra_(std::move(extra)) {
    Start();
  }
  ~RedisServer() { Kill(); }

  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

  void Start() {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<std::string> args = {
          "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
          "--appendonly", "no",     "--loglevel",          "warning"};
      args.insert(args.end(), extra_.begin(), extra_.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      // When the suite runs under libfaketime (a shifted date, issue 16), Redis keeps the real
      // clock: the shift is there to move Sokei's dates, and Redis under libfaketime fails on its
      // own (recursive clock_gettime).
      unsetenv("LD_PRELOAD");
      execvp("redis-server", argv.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // until it answers PING
      timeval tv{0, 100000};
      redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
      if (c != nullptr && !c->err) {
        auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
        const bool ok = r != nullptr;
        if (r) freeReplyObject(r);
        redisFree(c);
        if (ok) return;
      } else if (c) {
        redisFree(c);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGCONT);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void Pause() { kill(pid_, SIGSTOP); }
  void Resume() { kill(pid_, SIGCONT); }

 private:
  int port_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

}  // namespace sokei::testing
