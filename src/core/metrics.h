// Process metrics in the Prometheus text format (exposition format 0.0.4): counters, gauges and
// latency histograms, with labels. Labels never carry addresses or content.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sealmail::metrics {

class Counter {
 public:
  void add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Seconds, with fixed buckets from 1 ms to 10 s.
class Histogram {
 public:
  static const std::vector<double>& bounds();
  Histogram();
  void observe(double seconds);
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<std::atomic<uint64_t>> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class Registry {
 public:
  // The same (name, labels) gives the same object. `labels` is `key="value",...` or empty.
  Counter& counter(const std::string& name, const std::string& help, const std::string& labels = "");
  Gauge& gauge(const std::string& name, const std::string& help, const std::string& labels = "");
  Histogram& histogram(const std::string& name, const std::string& help, const std::string& labels = "");
  std::string render() const;

 private:
  struct Family {
    std::string type, help;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const char* type, const std::string& help);
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

Registry& global();

// What every protocol session counts, with the label protocol="imap", "pop3" or "smtp":
//   sealmail_commands_total          commands received
//   sealmail_command_errors_total    answered with an error (IMAP NO/BAD, POP3 -ERR, SMTP 4xx/5xx)
//   sealmail_command_seconds         from a command's arrival until its answer is ready (IDLE
//                                    counts for as long as it lasts)
struct ProtocolMeter {
  Counter& commands;
  Counter& errors;
  Histogram& seconds;
};
// The meter of `protocol` in global(), made at the first call; keep the reference.
ProtocolMeter& protocol_meter(const std::string& protocol);

// Counts one command when made and records its latency when destroyed.
class CommandTimer {
 public:
  explicit CommandTimer(ProtocolMeter& meter);
  ~CommandTimer();
  CommandTimer(const CommandTimer&) = delete;
  CommandTimer& operator=(const CommandTimer&) = delete;

 private:
  ProtocolMeter& meter_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace sealmail::metrics
